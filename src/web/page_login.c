/* page_login.c — GET/POST /login and POST /logout.
 *
 * A failed log-in shows one message whatever failed (unknown e-mail, wrong
 * password, suspended account) with status 401, and keeps the e-mail typed;
 * past the limits it is 429 with the wait in Korean. On success the session
 * is new (the old one, if any, is ended) and the browser goes to `next` when
 * that is a path of this site, else home.
 */
#include <string.h>

#include "lib/html.h"
#include "lib/log.h"
#include "web/layout.h"
#include "web/login.h"
#include "web/pages.h"
#include "web/req.h"
#include "web/session.h"

#define NEXT_MAX 512

/* next when it is a path of this site, else "/": it starts with one '/' and
 * holds only printable ASCII without '\\' (browsers drop tabs and newlines and
 * read '\\' as '/', so "/\t/evil.example" would be "//evil.example"). */
static const char *safe_next(const char *next)
{
	size_t n = strlen(next);

	if (n == 0 || n > NEXT_MAX || next[0] != '/' || next[1] == '/')
		return "/";
	for (const unsigned char *p = (const unsigned char *)next; *p; p++)
		if (*p <= 0x20 || *p >= 0x7F || *p == '\\')
			return "/";
	return next;
}

static int render(struct req *r, int status, const char *email, const char *next,
    const char *error, const char *info)
{
	struct field f_email = { .name = "email", .label = "이메일", .type = "email", .value = email,
		.autocomplete = "username", .maxlength = 254, .required = 1 };
	struct field f_pw = { .name = "password", .label = "비밀번호", .type = "password",
		.autocomplete = "current-password", .required = 1 };

	layout_begin(r, "로그인");
	html_raw(&r->body, "<section class=\"card narrow\">\n<h1>로그인</h1>\n"
	    "<p class=\"lead\">revlens 계정으로 로그인하세요.</p>\n");
	if (error != NULL)
		layout_notice(r, "error", error);
	if (info != NULL)
		layout_notice(r, "info", info);
	html_raw(&r->body, "<form method=\"post\" action=\"/login\" class=\"stack\">\n");
	layout_csrf(r);
	html_printf(&r->body, "<input type=\"hidden\" name=\"next\" value=\"%s\">\n", next);
	layout_field(r, &f_email);
	layout_field(r, &f_pw);
	html_raw(&r->body, "<button type=\"submit\" class=\"button primary wide\">로그인</button>\n"
	    "</form>\n<p class=\"alt\">아직 계정이 없으신가요? <a href=\"/signup\">회원가입</a></p>\n"
	    "</section>\n");
	layout_end(r);
	return status;
}

int page_login_form(struct req *r)
{
	const char *next = safe_next(req_query(r, "next"));

	if (r->sess != NULL)
		return req_redirect(r, next);
	if (strstr(r->query, "ended=all") != NULL)
		return render(r, 200, "", next, NULL, "모든 기기에서 로그아웃했습니다. 다시 로그인해 주세요.");
	return render(r, 200, "", next, NULL, strcmp(next, "/") != 0 ?
	    "로그인이 필요한 페이지입니다. 로그인하면 보던 곳으로 돌아갑니다." : NULL);
}

int page_login(struct req *r)
{
	const char *email = req_form(r, "email"), *next = safe_next(req_form(r, "next"));
	struct login_user u;

	switch (login_check(r, email, req_form(r, "password"), &u)) {
	case LOGIN_OK:
		break;
	case LOGIN_BAD:
		return render(r, 401, email, next, "이메일 또는 비밀번호가 올바르지 않습니다.", NULL);
	case LOGIN_WAIT:
		req_header(r, "Retry-After: %ld", u.wait);
		return render(r, 429, email, next, arena_printf(&r->arena,
		    "로그인 시도가 너무 많습니다. %s 후에 다시 시도해 주세요.", login_wait_text(r, u.wait)), NULL);
	default:
		return req_error(r, 503, NULL, "로그인을 처리할 수 없습니다. 잠시 후 다시 시도해 주세요.");
	}
	if (session_start(r, &u.u) == -1)
		return req_error(r, 503, NULL, "로그인을 처리할 수 없습니다. 잠시 후 다시 시도해 주세요.");
	log_info("user %lld logged in", u.u.uid);
	return req_redirect(r, next);
}

int page_logout(struct req *r)
{
	if (r->sess != NULL && session_end_current(r, "logout") == -1)
		return req_error(r, 503, NULL, "로그아웃을 처리할 수 없습니다. 잠시 후 다시 시도해 주세요.");
	return req_redirect(r, "/");
}
