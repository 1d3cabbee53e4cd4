/* page_history.c — a user's search history: GET /history, POST /history/{id}/delete,
 * POST /history/clear, and the JSON API GET /api/history, DELETE /api/history/{id},
 * DELETE /api/history. Only the owner sees or deletes an entry: anyone else's
 * id is 404, as is an id that does not exist.
 */
#include <json-c/json.h>
#include <string.h>

#include "lib/html.h"
#include "lib/log.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/req.h"
#include "web/session.h"

#define HISTORY_LIST_MAX 100

/* The newest entries of r's user into the last result: id, query, count, local time, ISO time. */
static int load(struct req *r)
{
	return req_user_query(r, "search history", "SELECT id, query, result_count, "
	    "to_char(created_at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI'), "
	    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	    "FROM search_history WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100", 0);
}

/* Delete entry id of r's user, or all of them (id 0). The number deleted, or -1. */
static int delete_entries(struct req *r, long long id)
{
	char uid[24], ids[24];
	const char *q[2] = { uid, ids };

	snprintf(uid, sizeof(uid), "%lld", r->sess->uid);
	snprintf(ids, sizeof(ids), "%lld", id);
	if (pg_exec(&r->app->pg, id ? "DELETE FROM search_history WHERE user_id = $1 AND id = $2"
	    : "DELETE FROM search_history WHERE user_id = $1", id ? 2 : 1, q) == -1) {
		log_error("search history delete: %s", r->app->pg.err);
		return -1;
	}
	return (int)pg_affected(&r->app->pg);
}

int page_history(struct req *r)
{
	struct pg_conn *pg = &r->app->pg;
	int n;

	if (load(r) == -1)
		return req_error(r, 503, NULL, "검색 기록을 불러올 수 없습니다.");
	n = pg_ntuples(pg);
	layout_begin(r, "검색 기록");
	html_raw(&r->body, "<section class=\"card\">\n<h1>검색 기록</h1>\n");
	if (strcmp(req_query(r, "deleted"), "1") == 0)
		layout_notice(r, "ok", "검색 기록을 지웠습니다.");
	if (n == 0) {
		html_raw(&r->body, "<p class=\"empty\">아직 검색한 기록이 없습니다. "
		    "<a href=\"/products\">상품 검색</a>에서 찾아보세요.</p>\n</section>\n");
		layout_end(r);
		return 200;
	}
	html_raw(&r->body, "<table class=\"list\">\n<thead><tr><th>검색어</th><th>결과</th>"
	    "<th>검색한 때</th><th></th></tr></thead>\n<tbody>\n");
	for (int i = 0; i < n; i++) {
		char *qenc = html_url_enc(&r->arena, pg_value(pg, i, 1));
		html_printf(&r->body, "<tr><td><a href=\"/products?q=%s\">%s</a></td><td>%s개</td>"
		    "<td>%s</td><td><form method=\"post\" action=\"/history/%s/delete\" class=\"inline\">",
		    qenc ? qenc : "", pg_value(pg, i, 1), pg_value(pg, i, 2), pg_value(pg, i, 3),
		    pg_value(pg, i, 0));
		layout_csrf(r);
		html_raw(&r->body, "<button type=\"submit\" class=\"button small danger\">지우기</button>"
		    "</form></td></tr>\n");
	}
	html_raw(&r->body, "</tbody>\n</table>\n<form method=\"post\" action=\"/history/clear\">");
	layout_csrf(r);
	html_raw(&r->body, "<button type=\"submit\" class=\"button danger\">모두 지우기</button></form>\n"
	    "</section>\n");
	layout_end(r);
	return 200;
}

int page_history_delete(struct req *r)
{
	int n = delete_entries(r, r->ids[0]);

	if (n < 0)
		return req_error(r, 503, NULL, "검색 기록을 지울 수 없습니다.");
	if (n == 0)
		return req_error(r, 404, NULL, "없는 검색 기록입니다.");
	return req_redirect(r, "/history?deleted=1");
}

int page_history_clear(struct req *r)
{
	if (delete_entries(r, 0) < 0)
		return req_error(r, 503, NULL, "검색 기록을 지울 수 없습니다.");
	return req_redirect(r, "/history?deleted=1");
}

int page_api_history(struct req *r)
{
	struct pg_conn *pg = &r->app->pg;
	json_object *out, *items;

	if (load(r) == -1)
		return req_error(r, 503, "unavailable", "검색 기록을 불러올 수 없습니다.");
	out = json_object_new_object();
	items = json_object_new_array();
	for (int i = 0; i < pg_ntuples(pg); i++) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "id", json_object_new_int64(pg_value_ll(pg, i, 0)));
		json_object_object_add(e, "query", json_object_new_string(pg_value(pg, i, 1)));
		json_object_object_add(e, "result_count",
		    json_object_new_int64(pg_value_ll(pg, i, 2)));
		json_object_object_add(e, "created_at", json_object_new_string(pg_value(pg, i, 4)));
		json_object_array_add(items, e);
	}
	json_object_object_add(out, "items", items);
	req_json(r, out);
	return 200;
}

int page_api_history_delete(struct req *r)
{
	int n = delete_entries(r, r->ids[0]);

	if (n < 0)
		return req_error(r, 503, "unavailable", "검색 기록을 지울 수 없습니다.");
	if (n == 0)
		return req_error(r, 404, "not_found", "없는 검색 기록입니다.");
	return 204;
}

int page_api_history_clear(struct req *r)
{
	json_object *out;
	int n = delete_entries(r, 0);

	if (n < 0)
		return req_error(r, 503, "unavailable", "검색 기록을 지울 수 없습니다.");
	out = json_object_new_object();
	json_object_object_add(out, "deleted", json_object_new_int64(n));
	req_json(r, out);
	return 200;
}
