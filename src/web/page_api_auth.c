/* page_api_auth.c — POST /api/auth/token, POST /api/auth/logout, GET /api/me.
 *
 * The token endpoint takes {"email": …, "password": …} as JSON and answers
 * like the log-in form: one 401 for every kind of wrong credentials, 429 with
 * Retry-After past the limits. A token is a JWT (HS256) whose id is kept in
 * Redis; logging out deletes it there, so it is refused on its next use.
 */
#include <json-c/json.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/jwt.h"
#include "lib/log.h"
#include "web/login.h"
#include "web/pages.h"
#include "web/req.h"
#include "web/session.h"

int page_api_token(struct req *r)
{
	const char *email, *pw;
	struct login_user u;
	json_object *in, *out;
	char token[JWT_MAX_TOKEN];
	long long exp;
	int st;

	if ((st = req_json_body(r, &in)) != 0)
		return st;
	email = req_json_str(in, "email");
	pw = req_json_str(in, "password");
	if (email == NULL || pw == NULL) {
		json_object_put(in);
		return req_error(r, 400, "missing_field", "email과 password를 문자열로 보내 주세요.");
	}
	st = login_check(r, email, pw, &u);
	json_object_put(in);
	switch (st) {
	case LOGIN_OK:
		break;
	case LOGIN_BAD:
		return req_error(r, 401, "invalid_credentials", "이메일 또는 비밀번호가 올바르지 않습니다.");
	case LOGIN_WAIT:
		req_header(r, "Retry-After: %ld", u.wait);
		return req_error(r, 429, "rate_limited", arena_printf(&r->arena,
		    "로그인 시도가 너무 많습니다. %s 후에 다시 시도해 주세요.", login_wait_text(r, u.wait)));
	default:
		return req_error(r, 503, "unavailable", "지금은 로그인할 수 없습니다.");
	}
	st = session_issue_token(r, &u.u, token, sizeof(token), &exp);
	if (st == 503)
		return req_error(r, 503, "tokens_disabled", "이 서버는 API 토큰을 발급하지 않습니다.");
	if (st != 0)
		return req_error(r, 503, "unavailable", "지금은 토큰을 발급할 수 없습니다.");
	log_info("user %lld: API token issued", u.u.uid);
	out = json_object_new_object();
	json_object_object_add(out, "token", json_object_new_string(token));
	json_object_object_add(out, "token_type", json_object_new_string("Bearer"));
	json_object_object_add(out, "expires_in", json_object_new_int64(exp - (long long)time(NULL)));
	json_object_object_add(out, "expires_at", json_object_new_int64(exp));
	req_json(r, out);
	return 200;
}

int page_api_logout(struct req *r)
{
	json_object *out;

	if (session_end_current(r, "logout") == -1)
		return req_error(r, 503, "unavailable", "지금은 로그아웃할 수 없습니다.");
	out = json_object_new_object();
	json_object_object_add(out, "status", json_object_new_string("logged_out"));
	req_json(r, out);
	return 200;
}

int page_api_me(struct req *r)
{
	/* everything is in the token's session record: no database query */
	json_object *out = json_object_new_object();

	json_object_object_add(out, "id", json_object_new_int64(r->sess->uid));
	json_object_object_add(out, "email", json_object_new_string(r->sess->email));
	json_object_object_add(out, "nickname", json_object_new_string(r->sess->name));
	json_object_object_add(out, "role", json_object_new_string(r->sess->admin ? "admin" : "user"));
	json_object_object_add(out, "timezone", json_object_new_string(r->sess->tz));
	req_json(r, out);
	return 200;
}
