/* ratelimit.h — counters in Redis against password guessing
 * and sign-up floods.
 *
 * They live with the sessions (redis.sessions): security state, not a cache that may
 * be lost. Log-in: attempts are counted per account (sliding day) and per client
 * address (fixed hour) before the password is checked, as if they failed, and
 * a success takes its count back; so parallel requests cannot slip more
 * guesses past the limit than it allows. From auth.login_account_limit
 * failures on, every further try on that account must first wait 30 s,
 * doubling with each new failure up to 15 min (slowed); an address past
 * auth.login_address_limit failures is refused until its hour is over
 * (refused). While an account waits no password is checked for it at all.
 * Sign-up: auth.signup_address_limit accounts per address and hour.
 * Addresses are counted whole for IPv4 and by /64 for IPv6 (one host usually
 * holds a whole /64).
 */
#ifndef REVLENS_RATELIMIT_H
#define REVLENS_RATELIMIT_H

struct req;

/* Begin a log-in attempt on email (normalised): 0 = go ahead and check the
 * password (the attempt is already counted as a failure); otherwise the
 * seconds to wait (> 0), or -1 when Redis failed. */
long ratelimit_login_begin(struct req *r, const char *email);
/* The attempt succeeded: forget the account's failures and give the address
 * its count back. */
void ratelimit_login_ok(struct req *r, const char *email);
/* Count a sign-up from r's address: 0 = allowed, else seconds to wait, -1 on error. */
long ratelimit_signup(struct req *r);

#endif
