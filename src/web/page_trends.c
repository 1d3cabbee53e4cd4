/* page_trends.c — a product's trends as JSON, as CSV, and as the product page's
 * section (docs/aggregator.md, "Trends: API, CSV and the product page").
 *
 * One PostgreSQL query gives today in aggregator.timezone and the caller's watch-list
 * target; one MongoDB find reads the range's rollups by _id (trends.c). A product
 * that does not exist is 404 before anything else; a range the contract does not
 * allow is 400 bad_range with the allowed values in Korean. The CSV answers carry
 * Content-Disposition so a browser saves them as a file.
 */
#include <stdio.h>
#include <string.h>

#include "lib/html.h"
#include "lib/log.h"
#include "web/layout.h"
#include "web/page_trends.h"
#include "web/product.h"
#include "web/req.h"
#include "web/session.h"
#include "web/trends.h"
#include "web/trends_svg.h"

/* Fill t for product pid from r's query. 0, 400 (*msg), 503. */
static int load(struct req *r, long long pid, struct trends *t, const char **msg)
{
	struct pg_conn *pg = &r->app->pg;
	char uid[24], id[24];
	const char *zone = r->app->cfg->aggregator_timezone;
	const char *p[3] = { zone, uid, id };

	memset(t, 0, sizeof(*t));
	t->product_id = pid;
	t->zone = zone;
	t->target_price = -1;
	t->lowest = -1;
	snprintf(uid, sizeof(uid), "%lld", r->sess != NULL ? r->sess->uid : 0LL);
	snprintf(id, sizeof(id), "%lld", pid);
	if (pg_exec(pg, "SELECT to_char(now() AT TIME ZONE $1, 'YYYY-MM-DD'), "
	    "(SELECT target_price FROM watch_list WHERE user_id = $2 AND product_id = $3)", 3, p) == -1 ||
	    pg_ntuples(pg) != 1) {
		log_error("trends of product %lld: %s", pid, pg->err);
		*msg = "지금은 추이를 불러올 수 없습니다. 잠시 후 다시 시도해 주세요.";
		return 503;
	}
	if (pg_value(pg, 0, 1) != NULL)
		t->target_price = pg_value_ll(pg, 0, 1);
	if (trends_range_parse(&t->range, req_query(r, "period"), req_query(r, "from"), req_query(r, "to"),
	    pg_value(pg, 0, 0), msg) == -1)
		return 400;
	if (trends_load(&r->app->mongo, &r->arena, t) == -1) {
		log_error("trends of product %lld: %s", pid, r->app->mongo.err);
		*msg = "지금은 추이를 불러올 수 없습니다. 잠시 후 다시 시도해 주세요.";
		return 503;
	}
	return 0;
}

/* The product, then its trends. 0, or the status with r's error set. */
static int gather(struct req *r, struct trends *t)
{
	struct product p;
	const char *msg = NULL;
	int st = product_load(r, r->ids[0], &p);

	if (st == 404)
		return req_error(r, 404, "not_found", "없는 상품입니다. 상품 번호(revlens id)를 확인해 주세요.");
	if (st != 0)
		return req_error(r, 503, "unavailable", "지금은 상품을 불러올 수 없습니다. 잠시 후 다시 시도해 주세요.");
	st = load(r, p.id, t, &msg);
	if (st == 400)
		return req_error(r, 400, "bad_range", msg);
	if (st != 0)
		return req_error(r, 503, "unavailable", msg);
	return 0;
}

int page_api_trends(struct req *r)
{
	struct trends t;
	int st = gather(r, &t);

	if (st != 0)
		return st;
	req_json(r, trends_json(&t));
	return 200;
}

static int csv(struct req *r)
{
	struct trends t;
	int st = gather(r, &t);

	if (st != 0)
		return st;
	trends_csv(&t, &r->body);
	r->content_type = "text/csv; charset=utf-8";
	req_header(r, "Content-Disposition: attachment; filename=\"revlens-%lld-trends-%s-%s-%s.csv\"",
	    t.product_id, t.range.period == TRENDS_MONTH ? "month" : "day", t.range.from, t.range.to);
	return 200;
}

int page_api_trends_csv(struct req *r)
{
	return csv(r);
}

int page_trends_csv(struct req *r)
{
	return csv(r);
}

void page_trends_section(struct req *r, const struct product *p)
{
	struct trends t;
	const char *msg = NULL;
	int st = load(r, p->id, &t, &msg);

	if (st != 0) {
		html_raw(&r->body, "<section class=\"card trends\" id=\"trends\">\n<h2>가격과 평가 추이</h2>\n");
		layout_notice(r, st == 400 ? "error" : "info", msg);
		if (st == 400)
			html_printf(&r->body, "<p><a href=\"/products/%lld#trends\">최근 90일 추이 보기</a></p>\n", p->id);
		html_raw(&r->body, "</section>\n");
		return;
	}
	trends_svg_section(&r->body, &t, r->sess != NULL);
}
