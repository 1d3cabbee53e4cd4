/* session.c — browser sessions and API tokens in Redis, audited in PostgreSQL.
 *
 * Invariants: a Redis key "s:<hex>" exists exactly while its session may be
 * used; every ending deletes the key first and records the ending in
 * user_sessions second, so a failure in between leaves a session that is dead
 * but still listed (and marked expired when the list is next read), never one
 * that is listed as ended but still works.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/cookie.h"
#include "lib/ingest_token.h"
#include "lib/jwt.h"
#include "lib/log.h"
#include "lib/strnum.h"
#include "web/req.h"
#include "web/session.h"

/* The fields of a session record, in the order lookup() reads them. */
static const char *const record_fields[] = {
	"uid", "sid", "role", "name", "tz", "csrf", "email", "abs", "seen"
};
#define NFIELDS (sizeof(record_fields) / sizeof(record_fields[0]))

/* KEYS[1] session; ARGV now, new TTL. Slides the expiry and notes when, unless the
 * session ended since it was read (a plain HSET would bring back a key without TTL). */
static struct rds_script slide_script = { .src =
	"if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n"
	"redis.call('EXPIRE', KEYS[1], ARGV[2])\n"
	"redis.call('HSET', KEYS[1], 'seen', ARGV[1])\n"
	"return 1\n" };

/* KEYS[1] session; ARGV ttl, then field value pairs. */
static struct rds_script create_script = { .src =
	"redis.call('DEL', KEYS[1])\n"
	"redis.call('HSET', KEYS[1], unpack(ARGV, 2))\n"
	"redis.call('EXPIRE', KEYS[1], ARGV[1])\n"
	"return 1\n" };

/* KEYS: sessions; ARGV name tz. Updates the live ones. */
static struct rds_script refresh_script = { .src =
	"for _, k in ipairs(KEYS) do\n"
	"  if redis.call('EXISTS', k) == 1 then redis.call('HSET', k, 'name', ARGV[1], 'tz', ARGV[2]) end\n"
	"end\n"
	"return 1\n" };

/* KEYS: sessions. Returns 0/1 for each. */
static struct rds_script alive_script = { .src =
	"local out = {}\n"
	"for i, k in ipairs(KEYS) do out[i] = redis.call('EXISTS', k) end\n"
	"return out\n" };

/* "s:" + hex SHA-256 of secret. */
static void key_of(const char *secret, size_t len, char key[67])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)secret, len);
	key[0] = 's';
	key[1] = ':';
	sodium_bin2hex(key + 2, 65, h, sizeof(h));
}

/* 32 random bytes as base64url without padding (43 characters). */
static void random_token(char out[SESSION_TOKEN_LEN + 1])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, SESSION_TOKEN_LEN + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

/* 1 when s is a token of ours by its shape (43 base64url characters). */
static int token_shape(const char *s, int len)
{
	return len == SESSION_TOKEN_LEN && token_base64url(s, (size_t)len);
}

/* The client address when it looks like one (PostgreSQL's inet parses it), else NULL. */
static const char *client_ip(const struct req *r)
{
	const char *a = r->remote_addr;

	if (a == NULL || a[0] == '\0' || strlen(a) > 45 || strspn(a, "0123456789abcdefABCDEF.:") != strlen(a))
		return NULL;
	return a;
}

/* The user agent made safe to store: bounded, valid UTF-8, no control characters. */
static const char *user_agent(struct req *r)
{
	const char *ua = req_param(r, "HTTP_USER_AGENT");
	char *out;

	if (ua == NULL || ua[0] == '\0')
		return NULL;
	if ((out = arena_alloc(&r->arena, 400)) == NULL)
		return NULL;
	return log_safe(out, 400, ua, strlen(ua));
}

static void cookie_attrs(struct req *r, const char *name, const char *value, long max_age)
{
	const char *secure = req_https(r) ? "; Secure" : "";

	if (max_age >= 0)
		req_header(r, "Set-Cookie: %s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Lax%s",
		    name, value, max_age, secure);
	else
		req_header(r, "Set-Cookie: %s=%s; Path=/; HttpOnly; SameSite=Lax%s", name, value, secure);
}

static int del_keys(struct req *r, const char **keys, int n);

/* Slide s's expiry to ttl and, when the key is still there, write its audit
 * row's last-seen time, address and user agent. Failures are only logged: the
 * session stays valid until its current expiry. */
static void slide(struct req *r, const struct session *s, long long now, long long ttl)
{
	struct rds_conn *rc = &r->app->redis[RDS_SESSIONS];
	char now_s[24], ttl_s[24], sid[24];
	const char *args[3] = { s->key, now_s, ttl_s };
	const char *p[3] = { sid, client_ip(r), user_agent(r) };
	redisReply *rep;
	int live;

	snprintf(now_s, sizeof(now_s), "%lld", now);
	snprintf(ttl_s, sizeof(ttl_s), "%lld", ttl);
	rep = rds_eval(rc, &slide_script, 1, 3, args, NULL);
	live = rep != NULL && rep->type == REDIS_REPLY_INTEGER && rep->integer == 1;
	if (rep == NULL || rep->type != REDIS_REPLY_INTEGER)
		log_warn("session slide: %s", rep == NULL ? rc->err : "unexpected reply");
	if (rep != NULL)
		freeReplyObject(rep);
	if (!live)
		return;
	snprintf(sid, sizeof(sid), "%lld", s->sid);
	if (pg_exec(&r->app->pg, "UPDATE user_sessions SET last_seen_at = now(), "
	    "ip = coalesce($2::inet, ip), user_agent = coalesce($3, user_agent) "
	    "WHERE id = $1 AND ended_at IS NULL", 3, p) == -1)
		log_warn("session last-seen update: %s", r->app->pg.err);
}

/* Read the session under key; fills r->sess when it is live. 0 or -1.
 * One HMGET; once a minute per session (SESSION_SEEN_EVERY) a second call
 * slides the expiry, and the audit row gets its last-seen time. */
static int lookup(struct req *r, enum session_kind kind, const char *key, long idle)
{
	struct rds_conn *rc = &r->app->redis[RDS_SESSIONS];
	const char *argv[2 + NFIELDS] = { "HMGET", key };
	struct session *s;
	redisReply *rep, **e;
	long long abs, seen, now = (long long)time(NULL);
	int rv = -1;

	memcpy(argv + 2, record_fields, sizeof(record_fields));
	rep = rds_command_argv(rc, (int)(2 + NFIELDS), argv, NULL);
	if (rep == NULL) {
		log_error("session lookup: %s", rc->err);
		return -1;
	}
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != NFIELDS) {
		log_error("session lookup: unexpected reply (%s)",
		    rep->type == REDIS_REPLY_ERROR ? rep->str : "not an array");
		goto out;
	}
	e = rep->element;
	rv = 0;
	if (e[0]->type == REDIS_REPLY_NIL)
		goto out;                       /* no such session */
	for (size_t i = 0; i < NFIELDS; i++)
		if (e[i]->type != REDIS_REPLY_STRING) {
			log_error("session lookup: %s lacks %s", key, record_fields[i]);
			goto out;
		}
	if ((s = arena_calloc(&r->arena, 1, sizeof(*s))) == NULL ||
	    strnum_parse(e[0]->str, 10, 1, 9223372036854775807LL, &s->uid) == -1 ||
	    strnum_parse(e[1]->str, 10, 1, 9223372036854775807LL, &s->sid) == -1 ||
	    strnum_parse(e[7]->str, 10, 0, 9223372036854775807LL, &abs) == -1 ||
	    strnum_parse(e[8]->str, 10, 0, 9223372036854775807LL, &seen) == -1) {
		log_error("session lookup: malformed record under %s", key);
		goto out;
	}
	if (abs <= now) {                   /* past its absolute lifetime */
		const char *k = key;
		if (del_keys(r, &k, 1) == -1)
			rv = -1;
		goto out;
	}
	s->kind = kind;
	s->admin = strcmp(e[2]->str, "admin") == 0;
	s->name = arena_strdup(&r->arena, e[3]->str);
	s->tz = arena_strdup(&r->arena, e[4]->str);
	s->csrf = arena_strdup(&r->arena, e[5]->str);
	s->email = arena_strdup(&r->arena, e[6]->str);
	if (s->name == NULL || s->tz == NULL || s->csrf == NULL || s->email == NULL) {
		rv = -1;
		goto out;
	}
	memcpy(s->key, key, sizeof(s->key));
	r->sess = s;
	if (now - seen >= SESSION_SEEN_EVERY)
		slide(r, s, now, abs - now < idle ? abs - now : idle);
out:
	freeReplyObject(rep);
	return rv;
}

int session_load(struct req *r)
{
	const char *cookie = req_param(r, "HTTP_COOKIE");
	char tok[SESSION_TOKEN_LEN + 2], key[67];
	int n;

	if (cookie == NULL)
		return 0;
	n = cookie_get(cookie, SESSION_COOKIE, tok, sizeof(tok));
	if (!token_shape(tok, n))
		return 0;
	key_of(tok, (size_t)n, key);
	return lookup(r, SESSION_WEB, key, r->app->cfg->auth_session_idle);
}

int session_load_bearer(struct req *r)
{
	const char *h = req_param(r, "HTTP_AUTHORIZATION");
	struct jwt_claims c;
	enum jwt_err e;
	char key[67];

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		req_header(r, "WWW-Authenticate: Bearer realm=\"revlens\"");
		return req_error(r, 401, "missing_token",
		    "Authorization: Bearer 토큰이 필요합니다. POST /api/auth/token으로 발급받으세요.");
	}
	h += 7;
	while (*h == ' ')
		h++;
	if (strncmp(h, INGEST_TOKEN_PREFIX, 4) == 0) {
		req_header(r, "WWW-Authenticate: Bearer realm=\"revlens\", error=\"insufficient_scope\"");
		return req_error(r, 403, "insufficient_scope",
		    "수집(ingest) 토큰으로는 /api/ingest/ 만 쓸 수 있습니다. POST /api/auth/token으로 발급한 토큰을 쓰세요.");
	}
	if (r->app->jwt_key == NULL) {
		req_header(r, "WWW-Authenticate: Bearer realm=\"revlens\", error=\"invalid_token\"");
		return req_error(r, 401, "invalid_token", "이 서버는 API 토큰을 발급하지 않습니다.");
	}
	e = jwt_verify(r->app->jwt_key, r->app->jwt_keylen, h, strlen(h), (long long)time(NULL), &c);
	if (e != JWT_OK) {
		req_header(r, "WWW-Authenticate: Bearer realm=\"revlens\", error=\"invalid_token\"");
		return req_error(r, 401, e == JWT_E_EXPIRED ? "token_expired" : "invalid_token",
		    e == JWT_E_EXPIRED ? "토큰이 만료되었습니다. 새 토큰을 발급받으세요."
		                       : "토큰이 올바르지 않습니다.");
	}
	key_of(c.jti, strlen(c.jti), key);
	if (lookup(r, SESSION_API, key, r->app->cfg->auth_token_ttl) == -1)
		return req_error(r, 503, "unavailable", "인증 저장소에 연결할 수 없습니다.");
	if (r->sess == NULL || r->sess->uid != c.sub) {
		r->sess = NULL;
		req_header(r, "WWW-Authenticate: Bearer realm=\"revlens\", error=\"invalid_token\"");
		return req_error(r, 401, "token_revoked", "로그아웃되었거나 폐기된 토큰입니다.");
	}
	return 0;
}

/* Record a new session: user_sessions row, then the Redis hash. 0 or -1. */
static int create(struct req *r, enum session_kind kind, const struct session_user *u,
    const char *key, const char *csrf, long long abs, long ttl)
{
	struct rds_conn *rc = &r->app->redis[RDS_SESSIONS];
	char uid_s[24], sid_s[24], abs_s[24], ttl_s[24], now_s[24];
	const char *p[6] = { uid_s, key + 2, kind == SESSION_API ? "api" : "web", abs_s,
		client_ip(r), user_agent(r) };
	redisReply *rep;
	int ok;

	snprintf(uid_s, sizeof(uid_s), "%lld", u->uid);
	snprintf(abs_s, sizeof(abs_s), "%lld", abs);
	if (pg_exec(&r->app->pg,
	    "WITH s AS (INSERT INTO user_sessions (user_id, token_hash, kind, expires_at, ip, user_agent) "
	    "VALUES ($1, decode($2, 'hex'), $3, to_timestamp($4::bigint), $5::inet, $6) RETURNING id), "
	    "u AS (UPDATE users SET last_login_at = now() WHERE id = $1 AND $3 = 'web') "
	    "SELECT id FROM s", 6, p) == -1) {
		log_error("session create: %s", r->app->pg.err);
		return -1;
	}
	snprintf(sid_s, sizeof(sid_s), "%s", pg_value(&r->app->pg, 0, 0));
	snprintf(ttl_s, sizeof(ttl_s), "%ld", ttl);
	snprintf(now_s, sizeof(now_s), "%lld", (long long)time(NULL));
	{
		const char *a[] = { key, ttl_s, "uid", uid_s, "sid", sid_s, "role", u->role,
			"name", u->name, "tz", u->tz, "csrf", csrf, "email", u->email, "abs", abs_s,
			"seen", now_s };
		rep = rds_eval(rc, &create_script, 1, (int)(sizeof(a) / sizeof(a[0])), a, NULL);
	}
	ok = rep != NULL && rep->type == REDIS_REPLY_INTEGER;
	if (!ok) {
		const char *q[1] = { sid_s };
		log_error("session create: %s", rep == NULL ? rc->err :
		    rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply");
		/* the row must not claim a session that never worked */
		pg_exec(&r->app->pg, "UPDATE user_sessions SET ended_at = now(), ended_reason = 'revoked' "
		    "WHERE id = $1", 1, q);
	}
	if (rep != NULL)
		freeReplyObject(rep);
	return ok ? 0 : -1;
}

int session_start(struct req *r, const struct session_user *u)
{
	const struct config *cfg = r->app->cfg;
	char tok[SESSION_TOKEN_LEN + 1], csrf[SESSION_TOKEN_LEN + 1], key[67];
	long ttl = cfg->auth_session_idle < cfg->auth_session_lifetime ?
	    cfg->auth_session_idle : cfg->auth_session_lifetime;
	struct session *s;

	if (r->sess != NULL && r->sess->kind == SESSION_WEB &&
	    session_end_current(r, "logout") == -1)
		return -1;
	random_token(tok);
	random_token(csrf);
	key_of(tok, SESSION_TOKEN_LEN, key);
	if (create(r, SESSION_WEB, u, key, csrf, (long long)time(NULL) + cfg->auth_session_lifetime,
	    ttl) == -1)
		return -1;
	cookie_attrs(r, SESSION_COOKIE, tok, cfg->auth_session_lifetime);
	sodium_memzero(tok, sizeof(tok));
	if ((s = arena_calloc(&r->arena, 1, sizeof(*s))) != NULL) {
		s->kind = SESSION_WEB;
		s->uid = u->uid;
		s->admin = strcmp(u->role, "admin") == 0;
		s->name = arena_strdup(&r->arena, u->name);
		s->tz = arena_strdup(&r->arena, u->tz);
		s->email = arena_strdup(&r->arena, u->email);
		s->csrf = arena_strdup(&r->arena, csrf);
		memcpy(s->key, key, sizeof(key));
		if (s->name && s->tz && s->csrf && s->email)
			r->sess = s;
	}
	return 0;
}

int session_issue_token(struct req *r, const struct session_user *u, char *out,
    unsigned long outlen, long long *expires)
{
	struct jwt_claims c;
	char key[67];

	if (r->app->jwt_key == NULL)
		return 503;
	memset(&c, 0, sizeof(c));
	c.sub = u->uid;
	jwt_new_id(&c);
	c.iat = (long long)time(NULL);
	c.exp = c.iat + r->app->cfg->auth_token_ttl;
	key_of(c.jti, strlen(c.jti), key);
	if (create(r, SESSION_API, u, key, "", c.exp, r->app->cfg->auth_token_ttl) == -1)
		return -1;
	if (jwt_sign(r->app->jwt_key, r->app->jwt_keylen, &c, out, outlen) < 0)
		return -1;
	*expires = c.exp;
	return 0;
}

/* DEL keys[0..n) in Redis (in batches). 0 or -1. */
static int del_keys(struct req *r, const char **keys, int n)
{
	struct rds_conn *rc = &r->app->redis[RDS_SESSIONS];

	for (int i = 0; i < n; i += 64) {
		const char *argv[65];
		int m = n - i < 64 ? n - i : 64;
		redisReply *rep;
		argv[0] = "DEL";
		memcpy(argv + 1, keys + i, (size_t)m * sizeof(*keys));
		rep = rds_command_argv(rc, m + 1, argv, NULL);
		if (rep == NULL || rep->type != REDIS_REPLY_INTEGER) {
			log_error("session end: %s", rep == NULL ? rc->err : "unexpected DEL reply");
			if (rep != NULL)
				freeReplyObject(rep);
			return -1;
		}
		freeReplyObject(rep);
	}
	return 0;
}

/* End the open sessions of uid that the WHERE clause `cond` (over $1 = uid,
 * $2 = arg) selects: Redis keys first, then the audit rows. Returns the number
 * ended, or -1. */
static int end_where(struct req *r, long long uid, const char *cond, long long arg,
    const char *reason)
{
	struct pg_conn *pg = &r->app->pg;
	char uid_s[24], arg_s[24], sql[512];
	const char *p[3] = { uid_s, arg_s, reason };
	const char **keys;
	struct buf ids;
	int n;

	snprintf(uid_s, sizeof(uid_s), "%lld", uid);
	snprintf(arg_s, sizeof(arg_s), "%lld", arg);
	snprintf(sql, sizeof(sql), "SELECT id, encode(token_hash, 'hex') FROM user_sessions "
	    "WHERE user_id = $1 AND ended_at IS NULL AND %s", cond);
	if (pg_exec(pg, sql, 2, p) == -1) {
		log_error("session end: %s", pg->err);
		return -1;
	}
	n = pg_ntuples(pg);
	if (n == 0)
		return 0;
	keys = arena_calloc(&r->arena, (size_t)n, sizeof(*keys));
	buf_init(&ids, &r->arena);
	buf_puts(&ids, "{");
	for (int i = 0; keys != NULL && i < n; i++) {
		keys[i] = arena_printf(&r->arena, "s:%s", pg_value(pg, i, 1));
		buf_printf(&ids, "%s%s", i ? "," : "", pg_value(pg, i, 0));
		if (keys[i] == NULL)
			keys = NULL;
	}
	buf_puts(&ids, "}");
	if (keys == NULL || ids.failed || del_keys(r, keys, n) == -1)
		return -1;
	p[1] = ids.data;
	if (pg_exec(pg, "UPDATE user_sessions SET ended_at = now(), ended_reason = $3 "
	    "WHERE user_id = $1 AND id = ANY($2::bigint[]) AND ended_at IS NULL", 3, p) == -1)
		log_error("session end (audit row): %s", pg->err);
	return n;
}

int session_end_current(struct req *r, const char *reason)
{
	struct session *s = r->sess;
	int n;

	if (s == NULL)
		return 0;
	n = end_where(r, s->uid, "id = $2", s->sid, reason);
	if (n == 0) {
		/* no audit row (or it was ended already): the key must go all the same */
		const char *k = s->key;
		n = del_keys(r, &k, 1);
	}
	if (n < 0)
		return -1;
	if (s->kind == SESSION_WEB)
		cookie_attrs(r, SESSION_COOKIE, "", 0);
	r->sess = NULL;
	return 0;
}

int session_end_one(struct req *r, long long uid, long long sid, const char *reason)
{
	return end_where(r, uid, "id = $2", sid, reason);
}

int session_end_others(struct req *r, long long uid, long long keep_sid, const char *reason)
{
	return end_where(r, uid, "id <> $2", keep_sid, reason);
}

/* Keys of uid's open sessions into *keys (arena). Returns the count or -1. */
static int open_keys(struct req *r, long long uid, const char ***keys)
{
	struct pg_conn *pg = &r->app->pg;
	char uid_s[24];
	const char *p[1] = { uid_s };
	int n;

	snprintf(uid_s, sizeof(uid_s), "%lld", uid);
	if (pg_exec(pg, "SELECT encode(token_hash, 'hex') FROM user_sessions "
	    "WHERE user_id = $1 AND ended_at IS NULL AND expires_at > now() "
	    "ORDER BY id DESC LIMIT 60", 1, p) == -1) {
		log_error("session keys: %s", pg->err);
		return -1;
	}
	n = pg_ntuples(pg);
	if ((*keys = arena_calloc(&r->arena, (size_t)n + 1, sizeof(**keys))) == NULL)
		return -1;
	for (int i = 0; i < n; i++)
		if (((*keys)[i] = arena_printf(&r->arena, "s:%s", pg_value(pg, i, 0))) == NULL)
			return -1;
	return n;
}

int session_refresh_user(struct req *r, long long uid, const char *name, const char *tz)
{
	struct rds_conn *rc = &r->app->redis[RDS_SESSIONS];
	const char **keys, *args[RDS_EVAL_MAXARGS];
	redisReply *rep;
	int n = open_keys(r, uid, &keys), ok;

	if (n <= 0)
		return n;
	if (n > RDS_EVAL_MAXARGS - 2)
		n = RDS_EVAL_MAXARGS - 2;
	memcpy(args, keys, (size_t)n * sizeof(*keys));
	args[n] = name;
	args[n + 1] = tz;
	rep = rds_eval(rc, &refresh_script, n, n + 2, args, NULL);
	ok = rep != NULL && rep->type == REDIS_REPLY_INTEGER;
	if (!ok)
		log_error("session refresh: %s", rep == NULL ? rc->err : "unexpected reply");
	if (rep != NULL)
		freeReplyObject(rep);
	return ok ? 0 : -1;
}

int session_alive(struct req *r, const char *const *keys, int n, int *alive)
{
	struct rds_conn *rc = &r->app->redis[RDS_SESSIONS];
	redisReply *rep;
	int ok;

	if (n == 0)
		return 0;
	if (n > RDS_EVAL_MAXARGS)
		return -1;
	rep = rds_eval(rc, &alive_script, n, n, keys, NULL);
	ok = rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements == (size_t)n;
	for (int i = 0; ok && i < n; i++)
		alive[i] = rep->element[i]->type == REDIS_REPLY_INTEGER && rep->element[i]->integer == 1;
	if (!ok)
		log_error("session alive: %s", rep == NULL ? rc->err : "unexpected reply");
	if (rep != NULL)
		freeReplyObject(rep);
	return ok ? 0 : -1;
}

/* The anonymous CSRF cookie's value when it has our shape, else NULL. */
static const char *anon_cookie(struct req *r)
{
	const char *cookie = req_param(r, "HTTP_COOKIE");
	char tok[SESSION_TOKEN_LEN + 2];
	int n;

	if (cookie == NULL)
		return NULL;
	n = cookie_get(cookie, CSRF_COOKIE, tok, sizeof(tok));
	return token_shape(tok, n) ? arena_strdup(&r->arena, tok) : NULL;
}

const char *session_csrf(struct req *r)
{
	char tok[SESSION_TOKEN_LEN + 1];

	if (r->sess != NULL && r->sess->kind == SESSION_WEB)
		return r->sess->csrf;
	if (r->anon_csrf != NULL)
		return r->anon_csrf;
	if ((r->anon_csrf = anon_cookie(r)) != NULL)
		return r->anon_csrf;
	random_token(tok);
	cookie_attrs(r, CSRF_COOKIE, tok, -1);
	r->anon_csrf = arena_strdup(&r->arena, tok);
	return r->anon_csrf;
}

int session_csrf_ok(struct req *r, const char *token)
{
	const char *want = r->sess != NULL && r->sess->kind == SESSION_WEB ? r->sess->csrf
	                                                                   : anon_cookie(r);

	return want != NULL && token != NULL && strlen(want) == SESSION_TOKEN_LEN &&
	    strlen(token) == SESSION_TOKEN_LEN && sodium_memcmp(want, token, SESSION_TOKEN_LEN) == 0;
}
