/* page_products.c — GET /products (search, newest first without a query),
 * POST /products (register by URL), GET /products/{id}.
 *
 * Anyone may search and look; registering needs a log-in. A URL that is not a
 * Coupang product re-renders the list with the reason beside the field (422).
 */
#include <string.h>

#include "lib/html.h"
#include "lib/log.h"
#include "lib/strnum.h"
#include "web/layout.h"
#include "web/page_trends.h"
#include "web/pages.h"
#include "web/product.h"
#include "web/req.h"
#include "web/request.h"
#include "web/result.h"
#include "web/session.h"

/* The page number of ?page=, 1 when absent; 0 when it is no page number. */
static long long page_arg(struct req *r)
{
	const char *s = req_query(r, "page");
	long long v;

	if (s[0] == '\0')
		return 1;
	return strnum_parse(s, 10, 1, PRODUCT_PAGE_MAX, &v) == 0 ? v : 0;
}

static void price_cell(struct req *r, const struct product *p)
{
	if (p->price >= 0)
		layout_won(r, p->price);
	else
		html_raw(&r->body, "<span class=\"muted\">아직 수집되지 않음</span>");
}

static void name_cell(struct req *r, const struct product *p)
{
	if (p->name != NULL)
		html_printf(&r->body, "%s", p->name);
	else
		html_printf(&r->body, "쿠팡 상품 %lld <small class=\"muted\">이름 아직 수집되지 않음</small>",
		    p->coupang_product_id);
}

static void register_form(struct req *r, const char *url, const char *error)
{
	struct field f = { .name = "url", .label = "쿠팡 상품 주소", .type = "text", .value = url,
		.error = error, .maxlength = 2048, .required = 1,
		.hint = "쿠팡 상품 페이지의 주소(www.coupang.com/vp/products/…)나 상품 번호를 붙여 넣으세요." };

	html_raw(&r->body, "<section class=\"card\">\n<h2>상품 등록</h2>\n");
	if (r->sess == NULL) {
		html_raw(&r->body, "<p class=\"muted\"><a href=\"/login?next=%2Fproducts\">로그인</a>하면 "
		    "쿠팡 상품을 주소로 등록하고 분석을 요청할 수 있습니다.</p>\n</section>\n");
		return;
	}
	html_raw(&r->body, "<form method=\"post\" action=\"/products\" class=\"stack inline-form\">\n");
	layout_csrf(r);
	layout_field(r, &f);
	html_raw(&r->body, "<button type=\"submit\" class=\"button primary\">등록</button>\n</form>\n"
	    "</section>\n");
}

static int render_list(struct req *r, int status, const char *q, long long page,
    const char *url, const char *url_error)
{
	struct product *items = NULL;
	long long total = 0;
	const char *msg = NULL;
	char *qenc;
	int n = 0, st;

	st = product_search(r, q, page, &items, &n, &total, &msg);
	if (st == 503)
		return req_error(r, 503, NULL, "상품을 불러올 수 없습니다. 잠시 후 다시 시도해 주세요.");
	layout_begin(r, q[0] ? "상품 검색" : "상품");
	html_raw(&r->body, "<h1 class=\"page-title\">상품</h1>\n");
	if (url_error != NULL)
		register_form(r, url, url_error);
	html_raw(&r->body, "<section class=\"card\">\n<form method=\"get\" action=\"/products\" "
	    "class=\"search\" role=\"search\">\n<label for=\"f-q\" class=\"sr\">상품 검색</label>\n");
	html_printf(&r->body, "<input id=\"f-q\" name=\"q\" type=\"search\" value=\"%s\" maxlength=\"100\" "
	    "placeholder=\"상품 이름으로 검색 (예: 두유, 무선 이어폰)\">\n", q);
	html_raw(&r->body, "<button type=\"submit\" class=\"button\">검색</button>\n</form>\n");
	if (st == 422) {
		layout_notice(r, "error", msg);
		status = 422;
		n = 0;
	} else if (q[0] != '\0') {
		html_printf(&r->body, "<p class=\"muted\">‘%s’ 검색 결과 %lld개</p>\n", q, total);
	} else {
		html_raw(&r->body, "<p class=\"muted\">최근 등록된 상품</p>\n");
	}
	if (n == 0 && st != 422)
		html_raw(&r->body, "<p class=\"empty\">찾는 상품이 없습니다. 쿠팡 상품 주소로 등록해 보세요.</p>\n");
	if (n > 0) {
		html_raw(&r->body, "<table class=\"list\">\n<thead><tr><th>상품</th><th>가격</th>"
		    "<th>등록일</th></tr></thead>\n<tbody>\n");
		for (int i = 0; i < n; i++) {
			html_printf(&r->body, "<tr><td><a href=\"/products/%lld\">", items[i].id);
			name_cell(r, &items[i]);
			html_raw(&r->body, "</a></td><td>");
			price_cell(r, &items[i]);
			html_printf(&r->body, "</td><td>%s</td></tr>\n", items[i].created_local);
		}
		html_raw(&r->body, "</tbody>\n</table>\n");
	}
	qenc = html_url_enc(&r->arena, q);
	if (qenc != NULL && (page > 1 || page * PRODUCT_PAGE_SIZE < total)) {
		html_raw(&r->body, "<nav class=\"pager\" aria-label=\"페이지\">");
		if (page > 1)
			html_printf(&r->body, "<a class=\"button small-plain\" href=\"/products?q=%s&amp;page=%lld\">"
			    "← 이전</a>", qenc, page - 1);
		html_printf(&r->body, "<span>%lld / %lld쪽</span>", page,
		    (total + PRODUCT_PAGE_SIZE - 1) / PRODUCT_PAGE_SIZE);
		if (page * PRODUCT_PAGE_SIZE < total && page < PRODUCT_PAGE_MAX)
			html_printf(&r->body, "<a class=\"button small-plain\" href=\"/products?q=%s&amp;page=%lld\">"
			    "다음 →</a>", qenc, page + 1);
		html_raw(&r->body, "</nav>\n");
	}
	html_raw(&r->body, "</section>\n");
	if (url_error == NULL)
		register_form(r, url, NULL);
	layout_end(r);
	return status;
}

int page_products(struct req *r)
{
	long long page = page_arg(r);

	if (page == 0)
		return req_error(r, 404, NULL, "없는 쪽입니다.");
	return render_list(r, 200, req_query(r, "q"), page, "", NULL);
}

int page_product_register(struct req *r)
{
	const char *url = req_form(r, "url"), *msg = NULL;
	long long id;
	int created, st;

	st = product_register(r, url, &id, &created, &msg);
	if (st == 422)
		return render_list(r, 422, "", 1, url, msg);
	if (st != 0)
		return req_error(r, 503, NULL, "상품을 등록할 수 없습니다. 잠시 후 다시 시도해 주세요.");
	return req_redirect(r, arena_printf(&r->arena, "/products/%lld%s", id, created ? "?new=1" : ""));
}

/* The product's latest analysis request, whoever asked for it, and the button
 * that asks for one (joining the active one, if any). */
static void analysis_card(struct req *r, const struct product *p)
{
	struct pg_conn *pg = &r->app->pg;
	char id[24];
	const char *q[2] = { id, r->sess != NULL ? r->sess->tz : "Asia/Seoul" };
	struct result res;
	int active = 0, st;

	snprintf(id, sizeof(id), "%lld", p->id);
	html_raw(&r->body, "<section class=\"card\">\n<h2>분석</h2>\n");
	if (pg_exec(pg, "SELECT status, progress, to_char(requested_at AT TIME ZONE $2, "
	    "'YYYY-MM-DD HH24:MI') FROM analysis_requests WHERE product_id = $1 "
	    "ORDER BY requested_at DESC, id DESC LIMIT 1", 2, q) == -1) {
		log_error("product analysis status: %s", pg->err);
		html_raw(&r->body, "<p class=\"muted\">분석 상태를 불러오지 못했습니다.</p>\n");
	} else if (pg_ntuples(pg) == 0) {
		html_raw(&r->body, "<p class=\"muted\">아직 분석한 적이 없습니다.</p>\n");
	} else {
		const char *status = pg_value(pg, 0, 0);
		active = strcmp(status, "queued") == 0 || strcmp(status, "running") == 0;
		html_printf(&r->body, "<p>최근 분석 요청: <span class=\"status %s\">%s</span>", status,
		    request_status_ko(status));
		if (active)     /* a finished request's percent says nothing */
			html_printf(&r->body, " (%s%%)", pg_value(pg, 0, 1));
		html_printf(&r->body, " · %s</p>\n", pg_value(pg, 0, 2));
	}
	if (r->sess != NULL) {
		html_printf(&r->body, "<form method=\"post\" action=\"/products/%lld/analyze\">", p->id);
		layout_csrf(r);
		html_printf(&r->body, "<button type=\"submit\" class=\"button primary\">%s</button></form>\n",
		    active ? "진행 중인 분석 보기" : "분석 요청");
	} else {
		html_printf(&r->body, "<p><a href=\"/login?next=%%2Fproducts%%2F%lld\">로그인</a>하면 "
		    "분석을 요청할 수 있습니다.</p>\n", p->id);
	}
	html_raw(&r->body, "</section>\n");
	/* the latest finished analysis, whoever asked for it */
	st = result_load_product(r, p->id, &res);
	if (st == 0) {
		result_render(r, &res);
		result_free(&res);
	} else if (st != 404) {
		layout_notice(r, "error", "분석 결과를 불러오지 못했습니다. 잠시 후 다시 시도해 주세요.");
	}
}

/* What revlens holds of the product's reviews, and its latest crawl as its collector
 * reported it (docs/ingest.md). */
static void crawl_card(struct req *r, const struct product *p)
{
	static const struct { const char *state, *label, *cls; } states[] = {
		{ "running", "수집 중", "running" }, { "done", "수집 완료", "done" },
		{ "blocked", "쿠팡이 차단함", "failed" }, { "failed", "수집 실패", "failed" },
	};
	char id[24];
	const char *q[2] = { id, r->sess != NULL ? r->sess->tz : "Asia/Seoul" };
	struct pg_conn *pg = &r->app->pg;
	const char *state;
	long long reviews;

	snprintf(id, sizeof(id), "%lld", p->id);
	if (pg_exec(pg, "SELECT coalesce(s.reviews, 0), to_char(s.first_review_at AT TIME ZONE $2, 'YYYY-MM-DD'), "
	    "  to_char(s.last_review_at AT TIME ZONE $2, 'YYYY-MM-DD'), "
	    "  to_char(s.last_ingested_at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI'), "
	    "  c.state, coalesce(c.message, ''), c.collector, to_char(c.updated_at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI') "
	    "FROM products p LEFT JOIN product_review_stats s ON s.product_id = p.id "
	    "  LEFT JOIN product_crawl_status c ON c.product_id = p.id WHERE p.id = $1", 2, q) == -1 ||
	    pg_ntuples(pg) != 1) {
		log_warn("collection state of product %lld: %s", p->id, pg->err);
		return;
	}
	reviews = pg_value_ll(pg, 0, 0);
	state = pg_value(pg, 0, 4);
	html_raw(&r->body, "<section class=\"card crawl\">\n<h2>리뷰 수집</h2>\n");
	if (reviews == 0 && state == NULL) {
		html_raw(&r->body, "<p class=\"muted\">아직 이 상품의 리뷰를 수집한 적이 없습니다. 분석을 요청하면 수집기가 "
		    "리뷰를 모으고, 쿠팡 상품 페이지에서 브라우저 확장 프로그램 ‘revlens로 보내기’로 직접 보낼 수도 있습니다.</p>\n"
		    "</section>\n");
		return;
	}
	if (reviews > 0) {
		html_raw(&r->body, "<p class=\"stored\"><strong>저장된 리뷰 ");
		layout_count(r, reviews, "개");
		html_printf(&r->body, "</strong> <span class=\"muted\">작성일 %s ~ %s · 마지막으로 받은 때 %s</span></p>\n",
		    pg_value(pg, 0, 1) ? pg_value(pg, 0, 1) : "-", pg_value(pg, 0, 2) ? pg_value(pg, 0, 2) : "-",
		    pg_value(pg, 0, 3));
	}
	if (state == NULL) {
		html_raw(&r->body, "</section>\n");
		return;
	}
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		if (strcmp(states[i].state, state) != 0)
			continue;
		html_printf(&r->body, "<p><span class=\"status %s\">%s</span> <span class=\"muted\">%s · %s</span></p>\n",
		    states[i].cls, states[i].label, pg_value(pg, 0, 7), pg_value(pg, 0, 6));
	}
	if (pg_value(pg, 0, 5)[0] != '\0')
		html_printf(&r->body, "<p>%s</p>\n", pg_value(pg, 0, 5));
	if (strcmp(state, "blocked") == 0)
		html_raw(&r->body, "<p class=\"hint\">쿠팡은 서버에서 보내는 요청을 자주 막습니다. 내 브라우저에 확장 프로그램 "
		    "‘revlens로 보내기’를 설치하고 <a href=\"/me/tokens\">수집 토큰</a>을 설정한 뒤, 쿠팡 상품 페이지에서 "
		    "버튼을 누르면 리뷰가 바로 들어옵니다.</p>\n");
	html_raw(&r->body, "</section>\n");
}

int page_product(struct req *r)
{
	struct product p;
	int st = product_load(r, r->ids[0], &p);

	if (st == 404)
		return req_error(r, 404, NULL, "없는 상품입니다.");
	if (st != 0)
		return req_error(r, 503, NULL, "상품을 불러올 수 없습니다. 잠시 후 다시 시도해 주세요.");
	layout_begin(r, p.name != NULL ? p.name : "상품");
	if (strcmp(req_query(r, "new"), "1") == 0)
		layout_notice(r, "ok", "상품을 등록했습니다. 리뷰가 수집되면 이름, 가격, 분석 결과가 채워집니다.");
	html_raw(&r->body, "<section class=\"card product\">\n<p class=\"eyebrow\">쿠팡 상품</p>\n<h1>");
	name_cell(r, &p);
	html_raw(&r->body, "</h1>\n<dl class=\"facts\">\n<dt>가격</dt><dd>");
	price_cell(r, &p);
	html_printf(&r->body, "</dd>\n<dt>상품 번호</dt><dd>%lld</dd>\n<dt>등록일</dt><dd>%s</dd>\n"
	    "<dt>쿠팡에서 보기</dt><dd><a href=\"%s\" rel=\"noopener noreferrer\" target=\"_blank\">%s</a></dd>\n"
	    "</dl>\n</section>\n", p.coupang_product_id, p.created_local, p.url, p.url);
	analysis_card(r, &p);
	page_trends_section(r, &p);
	crawl_card(r, &p);
	if (r->sess != NULL) {
		html_raw(&r->body, "<section class=\"card\">\n<h2>관심 상품</h2>\n"
		    "<form method=\"post\" action=\"/watchlist\" class=\"target wide\">");
		layout_csrf(r);
		html_printf(&r->body, "<input type=\"hidden\" name=\"product_id\" value=\"%lld\">", p.id);
		html_raw(&r->body, "<label for=\"f-target\">목표가(원, 비워 두면 없음)</label>"
		    "<input id=\"f-target\" name=\"target_price\" inputmode=\"numeric\" placeholder=\"예: 12900\">"
		    "<button type=\"submit\" class=\"button\">관심 상품에 추가</button></form>\n</section>\n");
	}
	layout_end(r);
	return 200;
}
