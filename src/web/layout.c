/* layout.c — the page frame and form pieces shared by every HTML page. */
#include <stdio.h>
#include <string.h>

#include "lib/html.h"
#include "web/layout.h"
#include "web/req.h"
#include "web/session.h"

void layout_begin(struct req *r, const char *title)
{
	struct buf *b = &r->body;
	struct session *s = r->sess != NULL && r->sess->kind == SESSION_WEB ? r->sess : NULL;

	html_printf(b, "<!doctype html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<title>%s — revlens</title>\n"
	    "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">\n"
	    "<link rel=\"stylesheet\" href=\"/static/revlens.css\">\n", title);
	if (r->refresh > 0)
		html_printf(b, "<noscript><meta http-equiv=\"refresh\" content=\"%d\"></noscript>\n", r->refresh);
	html_raw(b, "</head>\n<body>\n");
	html_raw(b, "<header class=\"topbar\"><div class=\"wrap\">\n"
	    "<a href=\"/\" class=\"brand\"><span class=\"logo\" aria-hidden=\"true\">◎</span>revlens</a>\n"
	    "<nav class=\"nav\" aria-label=\"주 메뉴\">\n");
	html_raw(b, "<a href=\"/products\">상품</a>\n");
	if (s != NULL) {
		html_raw(b, "<a href=\"/requests\">분석 요청</a>\n<a href=\"/watchlist\">관심 상품</a>\n"
		    "<a href=\"/history\">검색 기록</a>\n");
		html_printf(b, "<a href=\"/me\" class=\"who\" title=\"내 정보\">%s님</a>\n", s->name);
		if (s->admin)
			html_raw(b, "<a href=\"/admin/config\">관리</a>\n");
		html_raw(b, "<a href=\"/me/sessions\">로그인 기기</a>\n"
		    "<form method=\"post\" action=\"/logout\" class=\"inline\">");
		layout_csrf(r);
		html_raw(b, "<button type=\"submit\" class=\"link\">로그아웃</button></form>\n");
	} else {
		html_raw(b, "<a href=\"/login\">로그인</a>\n"
		    "<a href=\"/signup\" class=\"button small\">회원가입</a>\n");
	}
	html_raw(b, "</nav>\n</div></header>\n<main class=\"wrap\">\n");
}

void layout_end(struct req *r)
{
	html_raw(&r->body, "</main>\n<footer class=\"footer\"><div class=\"wrap\">"
	    "revlens · 쿠팡 리뷰 분석 서비스 · <a href=\"/api/version\">API</a>"
	    "</div></footer>\n</body>\n</html>\n");
}

void layout_csrf(struct req *r)
{
	html_printf(&r->body, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", session_csrf(r));
}

void layout_field(struct req *r, const struct field *f)
{
	struct buf *b = &r->body;

	html_printf(b, "<div class=\"field%s\">\n<label for=\"f-%s\">%s</label>\n"
	    "<input id=\"f-%s\" name=\"%s\" type=\"%s\"", f->error ? " invalid" : "", f->name, f->label,
	    f->name, f->name, f->type);
	if (f->value != NULL && strcmp(f->type, "password") != 0)
		html_printf(b, " value=\"%s\"", f->value);
	if (f->autocomplete != NULL)
		html_printf(b, " autocomplete=\"%s\"", f->autocomplete);
	if (f->maxlength > 0)
		html_printf(b, " maxlength=\"%d\"", f->maxlength);
	if (f->required)
		html_raw(b, " required");
	if (f->error != NULL)
		html_printf(b, " aria-invalid=\"true\" aria-describedby=\"e-%s\">\n"
		    "<p class=\"field-error\" id=\"e-%s\">%s</p>\n", f->name, f->name, f->error);
	else if (f->hint != NULL)
		html_printf(b, ">\n<p class=\"hint\">%s</p>\n", f->hint);
	else
		html_raw(b, ">\n");
	html_raw(b, "</div>\n");
}

void layout_notice(struct req *r, const char *cls, const char *msg)
{
	html_printf(&r->body, "<div class=\"notice %s\" role=\"%s\">%s</div>\n", cls,
	    strcmp(cls, "error") == 0 ? "alert" : "status", msg);
}

void layout_count(struct req *r, long long v, const char *unit)
{
	char digits[32], out[48];
	int n = snprintf(digits, sizeof(digits), "%lld", v), o = 0;

	for (int i = 0; i < n; i++) {
		if (i > 0 && digits[i - 1] != '-' && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	html_printf(&r->body, "%s%s", out, unit);
}

void layout_won(struct req *r, long long v)
{
	layout_count(r, v, "원");
}
