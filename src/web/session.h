/* session.h — who is asking: browser sessions and API tokens.
 *
 * A browser session is a 256-bit random token in an HttpOnly cookie. Redis
 * keeps the session under "s:" + hex SHA-256 of the token (the token itself is
 * stored nowhere) as a hash: uid, sid (the user_sessions row), role, name, tz,
 * email, csrf, abs (absolute expiry, epoch seconds) and seen (when the expiry
 * last slid). A request reads it with one HMGET; once a minute per session a
 * short Lua call slides the expiry (never past abs) and the audit row gets its
 * last-seen time, so authenticating a browser costs one Redis round trip. An
 * API token is a JWT whose id (jti) is kept the same way under "s:" + hex SHA-256 of the jti, with the token's expiry as abs.
 * PostgreSQL's user_sessions holds the audit trail of both (created, last seen,
 * address, user agent, ended and why) and is the list that "end all" walks:
 * ending a session deletes its Redis key, so it stops working on the next
 * request.
 */
#ifndef REVLENS_SESSION_H
#define REVLENS_SESSION_H

struct req;

#define SESSION_COOKIE   "rl_session"
#define CSRF_COOKIE      "rl_csrf"     /* anonymous forms (log-in, sign-up) */
#define SESSION_TOKEN_LEN 43           /* base64url, no padding, of 32 random bytes */
#define SESSION_SEEN_EVERY 60          /* seconds between slides of the expiry (and
                                        * last-seen writes to PostgreSQL) */

enum session_kind { SESSION_WEB, SESSION_API };

struct session {
	enum session_kind kind;
	long long uid;
	long long sid;              /* user_sessions.id */
	int admin;
	const char *name;           /* nickname (request arena) */
	const char *tz;             /* IANA time zone */
	const char *email;          /* normalised e-mail */
	const char *csrf;           /* CSRF token of a browser session ("" for a token) */
	char key[67];               /* "s:" + 64 hex: the Redis key */
};

/* The browser's session from its cookie, if any: 0 with r->sess set or left
 * NULL (no cookie, unknown or expired session), -1 when Redis failed. */
int session_load(struct req *r);

/* The API client's token from "Authorization: Bearer": 0 with r->sess set,
 * or an HTTP status (401 with r's error set, 503 when Redis failed). */
int session_load_bearer(struct req *r);

/* What a session record holds about its user (see login.h's login_user). */
struct session_user {
	long long uid;
	const char *email, *role, *name, *tz;
};

/* Log u in: end the request's previous session (no fixation), mint a new
 * token, record it in PostgreSQL and Redis, and set the cookie. 0 or -1. */
int session_start(struct req *r, const struct session_user *u);

/* Issue an API token for u into out (outlen bytes). 0, -1 on error, or 503
 * when no signing key is configured. *expires gets the token's exp. */
int session_issue_token(struct req *r, const struct session_user *u, char *out,
    unsigned long outlen, long long *expires);

/* End r's own session (log-out) and clear the cookie of a browser. 0 or -1. */
int session_end_current(struct req *r, const char *reason);

/* End session sid of user uid. 1 when it was open and is now ended, 0 when
 * there was no such open session, -1 on error. */
int session_end_one(struct req *r, long long uid, long long sid, const char *reason);

/* End every open session of uid except keep_sid (0 keeps none). Returns the
 * number ended, or -1. */
int session_end_others(struct req *r, long long uid, long long keep_sid, const char *reason);

/* Write a new nickname / time zone into every live session of uid. 0 or -1. */
int session_refresh_user(struct req *r, long long uid, const char *name, const char *tz);

/* Which of the Redis keys in keys[0..n) still exist: alive[i] = 0/1. 0 or -1. */
int session_alive(struct req *r, const char *const *keys, int n, int *alive);

/* The CSRF token to put in r's forms: the session's, or for an anonymous
 * visitor the CSRF cookie's, minting (and setting) one when there is none.
 * NULL only when out of memory. */
const char *session_csrf(struct req *r);

/* 1 when token (from a form) is r's CSRF token, compared in constant time. */
int session_csrf_ok(struct req *r, const char *token);

#endif
