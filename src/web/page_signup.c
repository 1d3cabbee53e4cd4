/* page_signup.c — GET/POST /signup.
 *
 * Every field is checked and a bad one re-renders the form (422) with what
 * was typed (never the password) and a Korean message beside the field. An
 * admin can close sign-up (signup.enabled) or cap it per day
 * (signup.daily_limit); each address may sign up auth.signup_address_limit
 * times an hour (429). The new account is logged in at once.
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
#include "web/settings.h"

struct signup {
	const char *email, *name;
	const char *e_email, *e_name, *e_pw, *e_pw2;
};

static int render(struct req *r, int status, const struct signup *s, const char *error)
{
	struct field f[] = {
		{ .name = "email", .label = "이메일", .type = "email", .value = s->email,
		  .error = s->e_email, .autocomplete = "username", .maxlength = 254, .required = 1,
		  .hint = "로그인할 때 씁니다." },
		{ .name = "nickname", .label = "닉네임", .type = "text", .value = s->name,
		  .error = s->e_name, .autocomplete = "nickname", .maxlength = ACCOUNT_NAME_MAX,
		  .required = 1, .hint = "화면에 보일 이름입니다. 30자 이내." },
		{ .name = "password", .label = "비밀번호", .type = "password", .error = s->e_pw,
		  .autocomplete = "new-password", .required = 1,
		  .hint = "10자 이상. 여러 단어를 이어 쓴 문장이 기억하기 쉽고 안전합니다." },
		{ .name = "password2", .label = "비밀번호 확인", .type = "password", .error = s->e_pw2,
		  .autocomplete = "new-password", .required = 1 },
	};

	layout_begin(r, "회원가입");
	html_raw(&r->body, "<section class=\"card narrow\">\n<h1>회원가입</h1>\n"
	    "<p class=\"lead\">쿠팡 상품 리뷰를 분석하려면 계정을 만드세요.</p>\n");
	if (error != NULL)
		layout_notice(r, "error", error);
	html_raw(&r->body, "<form method=\"post\" action=\"/signup\" class=\"stack\" novalidate>\n");
	layout_csrf(r);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		layout_field(r, &f[i]);
	html_raw(&r->body, "<button type=\"submit\" class=\"button primary wide\">가입하기</button>\n"
	    "</form>\n<p class=\"alt\">이미 계정이 있으신가요? <a href=\"/login\">로그인</a></p>\n"
	    "</section>\n");
	layout_end(r);
	return status;
}

int page_signup_form(struct req *r)
{
	struct signup s = { .email = "", .name = "" };

	if (r->sess != NULL)
		return req_redirect(r, "/");
	return render(r, 200, &s, NULL);
}

int page_signup(struct req *r)
{
	const struct config *cfg = r->app->cfg;
	struct signup s = { .email = req_form(r, "email"), .name = req_form(r, "nickname") };
	const char *pw = req_form(r, "password"), *role = "user";
	char *email = NULL, *name = NULL, *nfc = NULL, hash[ACCOUNT_HASH_MAX];
	long long uid;
	long wait;
	int rc;

	if (!settings_bool(r, "signup.enabled"))
		return render(r, 403, &s, "지금은 신규 가입을 받지 않습니다. 관리자에게 문의해 주세요.");
	if (account_email_norm(&r->arena, s.email, &email, &s.e_email) == 0)
		s.email = email;
	if (account_name_check(&r->arena, s.name, &name, &s.e_name) == 0)
		s.name = name;
	if (pw[0] == '\0')
		s.e_pw = "비밀번호를 입력해 주세요.";
	else
		account_password_check(&r->arena, pw, email, &nfc, &s.e_pw);
	if (s.e_pw == NULL && strcmp(pw, req_form(r, "password2")) != 0)
		s.e_pw2 = "비밀번호가 서로 다릅니다.";
	if (s.e_email || s.e_name || s.e_pw || s.e_pw2)
		return render(r, 422, &s, "입력한 내용을 확인해 주세요.");
	if (settings_signup_full(r))
		return render(r, 429, &s, "오늘 받을 수 있는 가입 수를 넘었습니다. 내일 다시 시도해 주세요.");
	if ((wait = ratelimit_signup(r)) != 0) {
		if (wait < 0)
			return req_error(r, 503, NULL, "가입을 처리할 수 없습니다. 잠시 후 다시 시도해 주세요.");
		req_header(r, "Retry-After: %ld", wait);
		return render(r, 429, &s, arena_printf(&r->arena,
		    "이 주소에서 가입 요청이 너무 많습니다. %s 후에 다시 시도해 주세요.",
		    login_wait_text(r, wait)));
	}
	if (account_hash(nfc, (unsigned long long)cfg->auth_pwhash_opslimit,
	    (size_t)cfg->auth_pwhash_memlimit, hash) == -1)
		return req_error(r, 503, NULL, "가입을 처리할 수 없습니다. 잠시 후 다시 시도해 주세요.");
	rc = account_create(&r->app->pg, email, hash, name, role, &uid);
	if (rc == 1) {
		s.e_email = "이미 가입된 이메일입니다. 로그인하거나 다른 이메일을 쓰세요.";
		return render(r, 409, &s, "입력한 내용을 확인해 주세요.");
	}
	if (rc == -1) {
		log_error("sign-up: %s", r->app->pg.err);
		return req_error(r, 503, NULL, "가입을 처리할 수 없습니다. 잠시 후 다시 시도해 주세요.");
	}
	log_info("user %lld signed up", uid);
	if (session_start(r, &(struct session_user){ uid, email, role, name, "Asia/Seoul" }) == -1)
		return req_redirect(r, "/login");
	return req_redirect(r, "/?welcome=1");
}
