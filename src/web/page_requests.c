/* page_requests.c — analysis requests in the browser: POST /products/{id}/analyze,
 * GET /requests, GET /requests/{id}, POST /requests/{id}/cancel. A request that is
 * not the user's is 404, as is one that does not exist. While a request is
 * queued or running its page follows it live (static/live.js: nchan's
 * EventSource, else polling /requests/{id}/status), and without JavaScript it
 * reloads itself every few seconds.
 */
#include <string.h>

#include "lib/html.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/req.h"
#include "web/request.h"
#include "web/result.h"
#include "web/session.h"

#define REFRESH_SECONDS 3

static int active(const struct request *q)
{
	return strcmp(q->status, "queued") == 0 || strcmp(q->status, "running") == 0;
}

/* The stage in Korean ("" when none). */
static const char *stage_ko(const char *stage)
{
	if (stage == NULL)
		return "";
	if (strcmp(stage, "collect") == 0)
		return "리뷰 수집";
	if (strcmp(stage, "analyze") == 0 || strcmp(stage, "analyse") == 0)
		return "분석";
	if (strcmp(stage, "summarise") == 0)
		return "요약";
	if (strcmp(stage, "save") == 0)
		return "저장";
	return stage;
}

static void product_label(struct req *r, const struct request *q)
{
	if (q->product_name != NULL)
		html_printf(&r->body, "%s", q->product_name);
	else
		html_printf(&r->body, "쿠팡 상품 %lld", q->coupang_product_id);
}

static void badge(struct req *r, const char *status)
{
	html_printf(&r->body, "<span class=\"status %s\">%s</span>", status, request_status_ko(status));
}

int page_analyze(struct req *r)
{
	const char *msg = NULL;
	long long id;
	int created, st = request_create(r, r->ids[0], &id, &created, &msg);

	if (st == 404)
		return req_error(r, 404, NULL, "없는 상품입니다.");
	if (st == 429)
		return req_error(r, 429, NULL, msg);
	if (st != 0)
		return req_error(r, 503, NULL, msg != NULL ? msg : "분석을 요청할 수 없습니다. 잠시 후 다시 시도해 주세요.");
	return req_redirect(r, arena_printf(&r->arena, "/requests/%lld%s", id, created ? "" : "?joined=1"));
}

int page_requests(struct req *r)
{
	struct request *items = NULL;
	int n = 0;

	if (request_list(r, &items, &n) != 0)
		return req_error(r, 503, NULL, "분석 요청을 불러올 수 없습니다.");
	layout_begin(r, "분석 요청");
	html_raw(&r->body, "<h1 class=\"page-title\">분석 요청</h1>\n<section class=\"card\">\n");
	if (n == 0) {
		html_raw(&r->body, "<p class=\"empty\">아직 요청한 분석이 없습니다. "
		    "<a href=\"/products\">상품</a>을 골라 분석을 요청해 보세요.</p>\n</section>\n");
		layout_end(r);
		return 200;
	}
	html_raw(&r->body, "<table class=\"list\">\n<thead><tr><th>상품</th><th>상태</th><th>진행률</th>"
	    "<th>요청한 때</th></tr></thead>\n<tbody>\n");
	for (int i = 0; i < n; i++) {
		html_printf(&r->body, "<tr><td><a href=\"/requests/%lld\">", items[i].id);
		product_label(r, &items[i]);
		html_raw(&r->body, "</a></td><td>");
		badge(r, items[i].status);
		html_printf(&r->body, "</td><td>%d%%</td><td>%s</td></tr>\n", items[i].percent,
		    items[i].requested_local);
	}
	html_raw(&r->body, "</tbody>\n</table>\n</section>\n");
	layout_end(r);
	return 200;
}

/* The result of done request id under its progress card (docs/worker.md). */
static void show_result(struct req *r, long long id)
{
	struct result res;
	int st = result_load_request(r, id, &res);

	if (st == 404) {
		layout_notice(r, "info", "분석은 끝났지만 결과가 아직 저장되지 않았습니다. 잠시 후 이 페이지를 새로 고쳐 주세요.");
		return;
	}
	if (st != 0) {
		layout_notice(r, "error", "분석 결과를 불러오지 못했습니다. 잠시 후 다시 시도해 주세요.");
		return;
	}
	result_render(r, &res);
	result_free(&res);
}

int page_request(struct req *r)
{
	struct request q;
	int st = request_load(r, r->ids[0], &q);

	if (st == 404)
		return req_error(r, 404, NULL, "없는 분석 요청입니다.");
	if (st != 0)
		return req_error(r, 503, NULL, "분석 요청을 불러올 수 없습니다.");
	if (active(&q))
		r->refresh = REFRESH_SECONDS;
	layout_begin(r, strcmp(q.status, "done") == 0 ? "분석 결과" : "분석 진행 상황");
	if (strcmp(req_query(r, "joined"), "1") == 0)
		layout_notice(r, "info", "같은 상품의 분석이 이미 진행 중이어서 그 분석에 함께했습니다. "
		    "같은 결과를 받게 됩니다.");
	html_printf(&r->body, "<section class=\"card request\" data-live-request=\"%lld\" data-status=\"%s\">\n"
	    "<p class=\"eyebrow\">분석 요청</p>\n<h1>", q.id, q.status);
	html_printf(&r->body, "<a href=\"/products/%lld\">", q.product_id);
	product_label(r, &q);
	html_raw(&r->body, "</a></h1>\n<p class=\"state\">");
	badge(r, q.status);
	html_printf(&r->body, " <span class=\"stage\">%s</span>", active(&q) ? stage_ko(q.stage) : "");
	/* a <progress> element: the CSP allows no inline style for a bar's width */
	html_printf(&r->body, "</p>\n<progress class=\"bar\" max=\"100\" value=\"%d\">%d%%</progress>\n"
	    "<p class=\"percent\">%d%%</p>\n<p class=\"message muted\"></p>\n", q.percent, q.percent, q.percent);
	if (q.error_message != NULL && strcmp(q.status, "failed") == 0)
		layout_notice(r, "error", q.error_message);
	html_printf(&r->body, "<dl class=\"facts\"><dt>요청한 때</dt><dd>%s</dd>", q.requested_local);
	if (q.finished_local != NULL && !active(&q))
		html_printf(&r->body, "<dt>끝난 때</dt><dd>%s</dd>", q.finished_local);
	html_printf(&r->body, "<dt>함께 기다리는 사용자</dt><dd>%d명</dd></dl>\n", q.users);
	if (active(&q)) {
		html_printf(&r->body, "<p class=\"muted\">진행 상황이 바뀌면 바로 보여 드립니다.</p>\n"
		    "<form method=\"post\" action=\"/requests/%lld/cancel\">", q.id);
		layout_csrf(r);
		html_raw(&r->body, "<button type=\"submit\" class=\"button danger\">분석 취소</button></form>\n");
	}
	html_raw(&r->body, "</section>\n");
	if (strcmp(q.status, "done") == 0)
		show_result(r, q.id);
	if (active(&q))
		html_raw(&r->body, "<script src=\"/static/live.js\" defer></script>\n");
	layout_end(r);
	return 200;
}

int page_request_cancel(struct req *r)
{
	const char *msg = NULL;
	int st = request_cancel(r, r->ids[0], &msg);

	if (st == 404)
		return req_error(r, 404, NULL, "없는 분석 요청입니다.");
	if (st == 409)
		return req_error(r, 409, NULL, msg);
	if (st != 0)
		return req_error(r, 503, NULL, "분석을 취소할 수 없습니다. 잠시 후 다시 시도해 주세요.");
	return req_redirect(r, arena_printf(&r->arena, "/requests/%lld", r->ids[0]));
}
