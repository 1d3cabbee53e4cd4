/* login.c — credentials under rate limits, with one answer for every failure. */
#include <string.h>

#include "lib/account.h"
#include "lib/log.h"
#include "lib/strnum.h"
#include "web/login.h"
#include "web/ratelimit.h"
#include "web/req.h"

enum login_status login_check(struct req *r, const char *email_in, const char *password,
    struct login_user *lu)
{
	struct session_user *u = &lu->u;
	const struct config *cfg = r->app->cfg;
	struct pg_conn *pg = &r->app->pg;
	const char *msg, *hash = NULL, *p[1];
	char *email, *pw;
	int found = 0, ok;
	long wait;

	memset(lu, 0, sizeof(*lu));
	/* a malformed address is just another unknown e-mail */
	if (account_email_norm(&r->arena, email_in, &email, &msg) == -1)
		email = arena_strdup(&r->arena, "-");
	if (email == NULL)
		return LOGIN_ERROR;
	u->email = email;
	if ((wait = ratelimit_login_begin(r, email)) != 0) {
		if (wait < 0)
			return LOGIN_ERROR;
		lu->wait = wait;
		return LOGIN_WAIT;
	}
	p[0] = email;
	if (pg_exec(pg, "SELECT u.id, u.password_hash, u.role, u.display_name, "
	    "coalesce(pr.timezone, 'Asia/Seoul') FROM users u "
	    "LEFT JOIN user_profiles pr ON pr.user_id = u.id "
	    "WHERE lower(u.email) = lower($1) AND u.status = 'active'", 1, p) == -1) {
		log_error("login: %s", pg->err);
		return LOGIN_ERROR;
	}
	if (pg_ntuples(pg) == 1) {
		found = strnum_parse(pg_value(pg, 0, 0), 10, 1, 9223372036854775807LL, &u->uid) == 0;
		hash = arena_strdup(&r->arena, pg_value(pg, 0, 1));
		u->role = arena_strdup(&r->arena, pg_value(pg, 0, 2));
		u->name = arena_strdup(&r->arena, pg_value(pg, 0, 3));
		u->tz = arena_strdup(&r->arena, pg_value(pg, 0, 4));
		if (hash == NULL || u->role == NULL || u->name == NULL || u->tz == NULL)
			return LOGIN_ERROR;
	}
	pw = account_password_nfc(&r->arena, password);
	if (found && pw != NULL) {
		ok = account_verify(hash, pw) == 0;
	} else {
		account_verify(r->app->dummy_hash, pw != NULL ? pw : "");   /* the same work */
		ok = 0;
	}
	if (!ok) {
		u->uid = 0;           /* the failure was counted when the attempt began */
		return LOGIN_BAD;
	}
	ratelimit_login_ok(r, email);
	if (account_needs_rehash(hash, (unsigned long long)cfg->auth_pwhash_opslimit,
	    (size_t)cfg->auth_pwhash_memlimit)) {
		char fresh[ACCOUNT_HASH_MAX], uid[24];
		const char *q[2] = { fresh, uid };
		snprintf(uid, sizeof(uid), "%lld", u->uid);
		if (account_hash(pw, (unsigned long long)cfg->auth_pwhash_opslimit,
		    (size_t)cfg->auth_pwhash_memlimit, fresh) == 0 &&
		    pg_exec(pg, "UPDATE users SET password_hash = $1 WHERE id = $2", 2, q) == 0)
			log_info("user %lld: password hash upgraded to the configured cost", u->uid);
		else
			log_warn("user %lld: password hash upgrade failed: %s", u->uid, pg->err);
	}
	return LOGIN_OK;
}

const char *login_wait_text(struct req *r, long s)
{
	if (s >= 3600)
		return arena_printf(&r->arena, "%ld시간 %ld분", s / 3600, (s % 3600 + 59) / 60);
	if (s >= 60)
		return s % 60 ? arena_printf(&r->arena, "%ld분 %ld초", s / 60, s % 60)
		              : arena_printf(&r->arena, "%ld분", s / 60);
	return arena_printf(&r->arena, "%ld초", s);
}
