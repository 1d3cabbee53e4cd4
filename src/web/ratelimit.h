/* ratelimit.h — counters in Redis (the cache role) against password guessing
 * and sign-up floods.
 *
 * Log-in: failures are counted per account (sliding day) and per client
 * address (fixed hour). From auth.login_account_limit failures on, every
 * further try on that account must first wait 30 s, doubling with each new
 * failure up to 15 min (slowed); an address past auth.login_address_limit
 * failures is refused until its hour is over (refused). A successful log-in
 * clears its account's count. While an account waits, no password is checked
 * for it at all, so guessing gains nothing from the wait.
 * Sign-up: auth.signup_address_limit accounts per address and hour.
 */
#ifndef REVLENS_RATELIMIT_H
#define REVLENS_RATELIMIT_H

struct req;

/* May this log-in be tried now? 0 = yes; otherwise the seconds to wait
 * (> 0), or -1 when Redis failed. email is the normalised address. */
long ratelimit_login_check(struct req *r, const char *email);
/* Count a failure; returns the wait it now imposes (0 for none) or -1. */
long ratelimit_login_failed(struct req *r, const char *email);
/* Forget the account's failures after a successful log-in. */
void ratelimit_login_ok(struct req *r, const char *email);
/* Count a sign-up from r's address: 0 = allowed, else seconds to wait, -1 on error. */
long ratelimit_signup(struct req *r);

#endif
