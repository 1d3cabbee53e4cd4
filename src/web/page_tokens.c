/* page_tokens.c — GET/POST /me/tokens and POST /me/tokens/{id}/revoke: a user's ingest
 * tokens for their own collectors (the browser extension, a script). A new token is
 * shown once, on the answer to the POST that made it; only its hash is stored.
 */
#include <sodium.h>
#include <string.h>

#include "lib/html.h"
#include "lib/ingest_token.h"
#include "lib/log.h"
#include "lib/utf8.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/req.h"
#include "web/session.h"

#define TOKENS_MAX 20           /* live tokens per user */

static int render(struct req *r, int status, const char *fresh, const char *name, const char *error)
{
	struct pg_conn *pg = &r->app->pg;
	struct field f_name = { .name = "name", .label = "토큰 이름", .type = "text", .value = name,
		.error = error, .hint = "어디에 쓰는 토큰인지 적어 두세요 (예: 집 PC 크롬 확장).",
		.maxlength = INGEST_TOKEN_NAME_MAX };
	int n;

	if (req_user_query(r, "tokens list", "SELECT id, name, create_products, "
	    "  to_char(created_at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI'), "
	    "  coalesce(to_char(last_used_at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI'), '') "
	    "FROM ingest_tokens WHERE user_id = $1 AND revoked_at IS NULL "
	    "  AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at DESC", 0) == -1)
		return req_error(r, 503, NULL, "수집 토큰을 불러올 수 없습니다.");
	layout_begin(r, "수집 토큰");
	html_raw(&r->body, "<section class=\"card\">\n<h1>수집 토큰</h1>\n"
	    "<p class=\"lead\">브라우저 확장 프로그램 ‘revlens로 보내기’나 직접 만든 수집기가 리뷰·가격·설문을 "
	    "revlens로 보낼 때 쓰는 토큰입니다. 수집(ingest) 권한만 있어 내 정보나 분석 결과는 읽을 수 없습니다.</p>\n");
	if (fresh != NULL) {
		html_raw(&r->body, "<div class=\"notice ok token-fresh\" role=\"status\">"
		    "<p><strong>새 토큰을 만들었습니다.</strong> 지금 한 번만 보여 드립니다. 복사해서 확장 프로그램의 "
		    "설정에 붙여 넣으세요.</p>\n");
		html_printf(&r->body, "<input class=\"token\" type=\"text\" readonly value=\"%s\" aria-label=\"새 수집 토큰\" "
		    "id=\"fresh-token\">\n</div>\n", fresh);
	}
	if (strstr(r->query, "revoked=1") != NULL)
		layout_notice(r, "ok", "토큰을 폐기했습니다. 그 토큰으로 보내는 요청은 바로 거절됩니다.");
	html_raw(&r->body, "<table class=\"list\">\n<thead><tr><th>이름</th><th>권한</th><th>만든 날</th>"
	    "<th>최근 사용</th><th></th></tr></thead>\n<tbody>\n");
	n = pg_ntuples(pg);
	for (int i = 0; i < n; i++) {
		const char *nm = pg_value(pg, i, 1);
		html_printf(&r->body, "<tr><td><strong>%s</strong></td><td>%s</td><td>%s</td><td>%s</td><td>",
		    nm[0] ? nm : "(이름 없음)",
		    strcmp(pg_value(pg, i, 2), "t") == 0 ? "수집 · 새 상품 등록" : "수집 (등록된 상품만)",
		    pg_value(pg, i, 3), pg_value(pg, i, 4)[0] ? pg_value(pg, i, 4) : "아직 없음");
		html_printf(&r->body, "<form method=\"post\" action=\"/me/tokens/%s/revoke\" class=\"inline\">",
		    pg_value(pg, i, 0));
		layout_csrf(r);
		html_raw(&r->body, "<button type=\"submit\" class=\"button small danger\">폐기</button></form></td></tr>\n");
	}
	if (n == 0)
		html_raw(&r->body, "<tr><td colspan=\"5\" class=\"muted\">아직 만든 토큰이 없습니다.</td></tr>\n");
	html_raw(&r->body, "</tbody>\n</table>\n</section>\n"
	    "<section class=\"card narrow\">\n<h2>새 토큰 만들기</h2>\n"
	    "<form method=\"post\" action=\"/me/tokens\" novalidate>\n");
	layout_csrf(r);
	layout_field(r, &f_name);
	html_raw(&r->body, "<label class=\"check\"><input type=\"checkbox\" name=\"create_products\" value=\"on\" checked>"
	    " <span>새 상품 등록 허용<small>revlens에 없는 쿠팡 상품의 리뷰를 보내면 상품을 새로 등록합니다.</small>"
	    "</span></label>\n<button type=\"submit\" class=\"button primary\">토큰 만들기</button>\n</form>\n"
	    "<p class=\"hint\">토큰은 비밀번호처럼 다루세요. 잃어버렸거나 유출이 의심되면 폐기하고 새로 만드세요.</p>\n"
	    "</section>\n");
	layout_end(r);
	return status;
}

int page_tokens(struct req *r)
{
	return render(r, 200, NULL, "", NULL);
}

int page_token_create(struct req *r)
{
	const char *name = req_form(r, "name");
	char tok[INGEST_TOKEN_LEN + 1], uid[24];
	const char *p[1] = { uid };
	size_t chars = 0;
	long long id;
	int st;

	for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
		if (*s < 0x20 || *s == 0x7f)
			return render(r, 400, NULL, name, "이름에 제어 문자를 쓸 수 없습니다.");
		chars += (*s & 0xC0) != 0x80;
	}
	if (!utf8_valid(name, strlen(name)) || chars > INGEST_TOKEN_NAME_MAX)
		return render(r, 400, NULL, "", "이름은 100자 이하로 적어 주세요.");
	snprintf(uid, sizeof(uid), "%lld", r->sess->uid);
	if (pg_exec(&r->app->pg, "SELECT count(*) FROM ingest_tokens WHERE user_id = $1 AND revoked_at IS NULL "
	    "AND (expires_at IS NULL OR expires_at > now())", 1, p) == -1) {
		log_error("tokens count: %s", r->app->pg.err);
		return req_error(r, 503, NULL, "토큰을 만들 수 없습니다. 잠시 후 다시 시도해 주세요.");
	}
	if (pg_value_ll(&r->app->pg, 0, 0) >= TOKENS_MAX)
		return render(r, 400, NULL, name, "토큰은 20개까지 만들 수 있습니다. 쓰지 않는 토큰을 폐기한 뒤 다시 만드세요.");
	if (ingest_token_create(&r->app->pg, r->sess->uid, name, strcmp(req_form(r, "create_products"), "on") == 0,
	    0, tok, &id) == -1) {
		log_error("token create: %s", r->app->pg.err);
		return req_error(r, 503, NULL, "토큰을 만들 수 없습니다. 잠시 후 다시 시도해 주세요.");
	}
	log_info("user %lld: ingest token %lld created", r->sess->uid, id);
	st = render(r, 201, arena_strdup(&r->arena, tok), "", NULL);
	sodium_memzero(tok, sizeof(tok));
	return st;
}

int page_token_revoke(struct req *r)
{
	int n = ingest_token_revoke(&r->app->pg, r->sess->uid, r->ids[0]);

	if (n == -1) {
		log_error("token revoke: %s", r->app->pg.err);
		return req_error(r, 503, NULL, "토큰을 폐기할 수 없습니다. 잠시 후 다시 시도해 주세요.");
	}
	if (n == 0)
		return req_error(r, 404, NULL, "그런 토큰이 없습니다. 이미 폐기했을 수 있습니다.");
	log_info("user %lld: ingest token %lld revoked", r->sess->uid, r->ids[0]);
	return req_redirect(r, "/me/tokens?revoked=1");
}
