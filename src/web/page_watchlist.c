/* page_watchlist.c — the watch list: GET /watchlist, POST /watchlist (add a product,
 * or set its target), POST /watchlist/{id} (change the target), POST
 * /watchlist/{id}/delete; and as JSON GET|POST /api/watchlist, GET|DELETE
 * /api/watchlist/{id}. A target price that is not a positive whole number of won
 * is a field error; another user's entry is 404. The page opens with the user's
 * price-alert notifications (notify.c).
 */
#include <json-c/json.h>
#include <string.h>

#include "lib/html.h"
#include "lib/strnum.h"
#include "web/layout.h"
#include "web/notify.h"
#include "web/pages.h"
#include "web/req.h"
#include "web/request.h"
#include "web/session.h"
#include "web/watch.h"

static void product_label(struct req *r, const struct watch *w)
{
	if (w->product_name != NULL)
		html_printf(&r->body, "%s", w->product_name);
	else
		html_printf(&r->body, "쿠팡 상품 %lld", w->coupang_product_id);
}

static int render(struct req *r, int status, long long bad_id, const char *bad_value,
    const char *error)
{
	struct watch *items = NULL;
	int n = 0;

	if (watch_list(r, &items, &n) != 0)
		return req_error(r, 503, NULL, "관심 상품을 불러올 수 없습니다.");
	layout_begin(r, "관심 상품");
	html_raw(&r->body, "<h1 class=\"page-title\">관심 상품</h1>\n");
	notify_render(r);       /* price alerts (notify.c); a failure shows in its section */
	html_raw(&r->body, "<section class=\"card\">\n");
	if (strcmp(req_query(r, "saved"), "1") == 0)
		layout_notice(r, "ok", "관심 상품을 저장했습니다.");
	if (strcmp(req_query(r, "removed"), "1") == 0)
		layout_notice(r, "ok", "관심 상품에서 뺐습니다.");
	if (error != NULL)
		layout_notice(r, "error", "목표가를 확인해 주세요.");
	if (n == 0) {
		html_raw(&r->body, "<p class=\"empty\">관심 상품이 없습니다. 상품 페이지에서 "
		    "‘관심 상품에 추가’를 눌러 목표가와 함께 담아 두세요.</p>\n</section>\n");
		layout_end(r);
		return status;
	}
	html_raw(&r->body, "<table class=\"list watch\">\n<thead><tr><th>상품</th><th>현재가</th>"
	    "<th>목표가</th><th>최근 분석</th><th></th></tr></thead>\n<tbody>\n");
	for (int i = 0; i < n; i++) {
		struct watch *w = &items[i];
		int bad = w->id == bad_id;
		html_printf(&r->body, "<tr><td><a href=\"/products/%lld\">", w->product_id);
		product_label(r, w);
		html_raw(&r->body, "</a>");
		if (w->reached)
			html_raw(&r->body, " <span class=\"status done\">목표가 도달</span>");
		html_raw(&r->body, "</td><td>");
		if (w->price >= 0)
			layout_won(r, w->price);
		else
			html_raw(&r->body, "<span class=\"muted\">아직 수집되지 않음</span>");
		html_printf(&r->body, "</td><td><form method=\"post\" action=\"/watchlist/%lld\" class=\"target\">",
		    w->id);
		layout_csrf(r);
		if (bad)
			html_printf(&r->body, "<input name=\"target_price\" inputmode=\"numeric\" value=\"%s\" "
			    "aria-invalid=\"true\" aria-label=\"목표가\" class=\"invalid\">", bad_value);
		else if (w->target_price > 0)
			html_printf(&r->body, "<input name=\"target_price\" inputmode=\"numeric\" value=\"%lld\" "
			    "aria-label=\"목표가\">", w->target_price);
		else
			html_raw(&r->body, "<input name=\"target_price\" inputmode=\"numeric\" value=\"\" "
			    "placeholder=\"없음\" aria-label=\"목표가\">");
		html_raw(&r->body, "<button type=\"submit\" class=\"button small\">저장</button>");
		if (bad)
			html_printf(&r->body, "<p class=\"field-error\">%s</p>", error);
		html_raw(&r->body, "</form></td><td>");
		if (w->last_status != NULL)
			html_printf(&r->body, "<span class=\"status %s\">%s</span>", w->last_status,
			    request_status_ko(w->last_status));
		else
			html_raw(&r->body, "<span class=\"muted\">없음</span>");
		html_printf(&r->body, "</td><td><form method=\"post\" action=\"/watchlist/%lld/delete\" "
		    "class=\"inline\">", w->id);
		layout_csrf(r);
		html_raw(&r->body, "<button type=\"submit\" class=\"button small danger\">빼기</button>"
		    "</form></td></tr>\n");
	}
	html_raw(&r->body, "</tbody>\n</table>\n</section>\n");
	layout_end(r);
	return status;
}

int page_watchlist(struct req *r)
{
	return render(r, 200, 0, NULL, NULL);
}

int page_watch_add(struct req *r)
{
	const char *msg = NULL;
	long long pid, target, id;
	int created, st;

	if (strnum_parse(req_form(r, "product_id"), 10, 1, 9223372036854775807LL, &pid) == -1)
		return req_error(r, 404, NULL, "없는 상품입니다.");
	if (watch_parse_price(req_form(r, "target_price"), &target, &msg) == -1)
		return req_error(r, 422, NULL, msg);
	st = watch_put(r, pid, target, &id, &created);
	if (st == 404)
		return req_error(r, 404, NULL, "없는 상품입니다.");
	if (st != 0)
		return req_error(r, 503, NULL, "관심 상품을 저장할 수 없습니다.");
	return req_redirect(r, "/watchlist?saved=1");
}

int page_watch_target(struct req *r)
{
	const char *in = req_form(r, "target_price"), *msg = NULL;
	long long target;
	int st;

	if (watch_parse_price(in, &target, &msg) == -1) {
		struct watch w;
		if ((st = watch_load(r, r->ids[0], &w)) != 0)
			return req_error(r, st, NULL, st == 404 ? "없는 관심 상품입니다." : NULL);
		return render(r, 422, r->ids[0], in, msg);
	}
	st = watch_set_target(r, r->ids[0], target);
	if (st == 404)
		return req_error(r, 404, NULL, "없는 관심 상품입니다.");
	if (st != 0)
		return req_error(r, 503, NULL, "관심 상품을 저장할 수 없습니다.");
	return req_redirect(r, "/watchlist?saved=1");
}

int page_watch_delete(struct req *r)
{
	int st = watch_delete(r, r->ids[0]);

	if (st == 404)
		return req_error(r, 404, NULL, "없는 관심 상품입니다.");
	if (st != 0)
		return req_error(r, 503, NULL, "관심 상품에서 뺄 수 없습니다.");
	return req_redirect(r, "/watchlist?removed=1");
}

int page_api_watchlist(struct req *r)
{
	struct watch *items = NULL;
	json_object *out, *arr;
	int n = 0;

	if (watch_list(r, &items, &n) != 0)
		return req_error(r, 503, "unavailable", "지금은 관심 상품을 불러올 수 없습니다.");
	out = json_object_new_object();
	arr = json_object_new_array();
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, watch_json(&items[i]));
	json_object_object_add(out, "items", arr);
	req_json(r, out);
	return 200;
}

static int answer(struct req *r, long long id, int status)
{
	struct watch w;
	int st = watch_load(r, id, &w);

	if (st == 404)
		return req_error(r, 404, "not_found", "없는 관심 상품입니다.");
	if (st != 0)
		return req_error(r, 503, "unavailable", "지금은 관심 상품을 불러올 수 없습니다.");
	req_json(r, watch_json(&w));
	return status;
}

int page_api_watch_add(struct req *r)
{
	json_object *in, *v;
	long long pid = 0, target = -1, id;
	const char *msg = NULL;
	int created, st;

	if ((st = req_json_body(r, &in)) != 0)
		return st;
	if (!json_object_object_get_ex(in, "product_id", &v) || !json_object_is_type(v, json_type_int) ||
	    (pid = json_object_get_int64(v)) <= 0) {
		json_object_put(in);
		return req_error(r, 400, "bad_product_id", "product_id를 양의 정수로 보내 주세요.");
	}
	if (json_object_object_get_ex(in, "target_price", &v) && v != NULL) {
		char buf[32];
		if (!json_object_is_type(v, json_type_int)) {
			json_object_put(in);
			return req_error(r, 422, "bad_target_price", "target_price는 1원 이상의 정수(원)여야 합니다.");
		}
		snprintf(buf, sizeof(buf), "%lld", (long long)json_object_get_int64(v));
		if (watch_parse_price(buf, &target, &msg) == -1 || target < 1) {
			json_object_put(in);
			return req_error(r, 422, "bad_target_price", msg ? msg : "target_price는 1원 이상이어야 합니다.");
		}
	}
	json_object_put(in);
	st = watch_put(r, pid, target, &id, &created);
	if (st == 404)
		return req_error(r, 404, "not_found", "없는 상품입니다.");
	if (st != 0)
		return req_error(r, 503, "unavailable", "지금은 관심 상품을 저장할 수 없습니다.");
	req_header(r, "Location: /api/watchlist/%lld", id);
	return answer(r, id, created ? 201 : 200);
}

int page_api_watch(struct req *r)
{
	return answer(r, r->ids[0], 200);
}

int page_api_watch_delete(struct req *r)
{
	int st = watch_delete(r, r->ids[0]);

	if (st == 404)
		return req_error(r, 404, "not_found", "없는 관심 상품입니다.");
	if (st != 0)
		return req_error(r, 503, "unavailable", "지금은 관심 상품에서 뺄 수 없습니다.");
	return 204;
}
