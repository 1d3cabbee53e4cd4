/* page_password.c — GET/POST /me/password.
 *
 * Needs the current password (checked under the account's log-in limit, so
 * this form is no way around it); the new one follows the sign-up
 * rules. On success every other session of the user (browsers and API
 * tokens) ends at once; this one stays.
 */
#include <string.h>

#include "lib/account.h"
#include "lib/html.h"
#include "lib/log.h"
#include "web/layout.h"
#include "web/login.h"
#include "web/pages.h"
#include "web/ratelimit.h"
#include "web/req.h"
#include "web/session.h"

struct pwform {
	const char *e_cur, *e_new, *e_new2;
};

static int render(struct req *r, int status, const struct pwform *f, const char *error)
{
	struct field fields[] = {
		{ .name = "current", .label = "현재 비밀번호", .type = "password", .error = f->e_cur,
		  .autocomplete = "current-password", .required = 1 },
		{ .name = "password", .label = "새 비밀번호", .type = "password", .error = f->e_new,
		  .autocomplete = "new-password", .required = 1, .hint = "10자 이상." },
		{ .name = "password2", .label = "새 비밀번호 확인", .type = "password", .error = f->e_new2,
		  .autocomplete = "new-password", .required = 1 },
	};

	layout_begin(r, "비밀번호 변경");
	html_raw(&r->body, "<section class=\"card narrow\">\n<h1>비밀번호 변경</h1>\n"
	    "<p class=\"lead\">바꾸면 이 기기를 뺀 모든 기기와 API 토큰의 로그인이 종료됩니다.</p>\n");
	if (error != NULL)
		layout_notice(r, "error", error);
	html_raw(&r->body, "<form method=\"post\" action=\"/me/password\" class=\"stack\">\n");
	layout_csrf(r);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		layout_field(r, &fields[i]);
	html_raw(&r->body, "<button type=\"submit\" class=\"button primary\">비밀번호 바꾸기</button>\n"
	    "</form>\n</section>\n");
	layout_end(r);
	return status;
}

int page_password_form(struct req *r)
{
	struct pwform f = { 0 };

	return render(r, 200, &f, NULL);
}

int page_password(struct req *r)
{
	const struct config *cfg = r->app->cfg;
	struct pg_conn *pg = &r->app->pg;
	struct pwform f = { 0 };
	const char *pw = req_form(r, "password");
	char uid[24], *email, *cur, *nfc = NULL, hash[ACCOUNT_HASH_MAX];
	const char *q[2] = { uid, NULL };
	long wait;
	int n;

	snprintf(uid, sizeof(uid), "%lld", r->sess->uid);
	if (pg_exec(pg, "SELECT email, password_hash FROM users WHERE id = $1", 1, q) == -1 ||
	    pg_ntuples(pg) != 1 || (email = arena_strdup(&r->arena, pg_value(pg, 0, 0))) == NULL ||
	    (cur = arena_strdup(&r->arena, pg_value(pg, 0, 1))) == NULL)
		return req_error(r, 503, NULL, "지금은 비밀번호를 바꿀 수 없습니다. 잠시 후 다시 시도해 주세요.");
	if ((wait = ratelimit_login_begin(r, email)) != 0) {
		if (wait < 0)
			return req_error(r, 503, NULL, "지금은 비밀번호를 바꿀 수 없습니다. 잠시 후 다시 시도해 주세요.");
		req_header(r, "Retry-After: %ld", wait);
		return render(r, 429, &f, arena_printf(&r->arena,
		    "비밀번호를 너무 여러 번 틀렸습니다. %s 후에 다시 시도해 주세요.", login_wait_text(r, wait)));
	}
	{
		char *typed = account_password_nfc(&r->arena, req_form(r, "current"));
		if (typed == NULL || account_verify(cur, typed) == -1) {
			f.e_cur = "현재 비밀번호가 맞지 않습니다.";
			return render(r, 422, &f, "입력한 내용을 확인해 주세요.");
		}
	}
	ratelimit_login_ok(r, email);
	if (pw[0] == '\0')
		f.e_new = "새 비밀번호를 입력해 주세요.";
	else
		account_password_check(&r->arena, pw, email, &nfc, &f.e_new);
	if (f.e_new == NULL && strcmp(pw, req_form(r, "password2")) != 0)
		f.e_new2 = "새 비밀번호가 서로 다릅니다.";
	if (f.e_new != NULL || f.e_new2 != NULL)
		return render(r, 422, &f, "입력한 내용을 확인해 주세요.");
	if (account_hash(nfc, (unsigned long long)cfg->auth_pwhash_opslimit,
	    (size_t)cfg->auth_pwhash_memlimit, hash) == -1)
		return req_error(r, 503, NULL, "지금은 비밀번호를 바꿀 수 없습니다. 잠시 후 다시 시도해 주세요.");
	q[1] = hash;
	if (pg_exec(pg, "UPDATE users SET password_hash = $2 WHERE id = $1", 2, q) == -1) {
		log_error("password change: %s", pg->err);
		return req_error(r, 503, NULL, "지금은 비밀번호를 바꿀 수 없습니다. 잠시 후 다시 시도해 주세요.");
	}
	n = session_end_others(r, r->sess->uid, r->sess->sid, "password_changed");
	if (n < 0)
		return req_error(r, 503, NULL, "비밀번호는 바뀌었지만 다른 기기의 로그인을 종료하지 못했습니다. "
		    "로그인 기기 화면에서 직접 종료해 주세요.");
	log_info("user %lld changed the password; %d other sessions ended", r->sess->uid, n);
	return req_redirect(r, "/me?password=1");
}
