/* page_api_requests.c — analysis requests as JSON: POST /api/products/{id}/analyses
 * (201 when it created the request, 200 when the user joined the active one),
 * GET /api/requests, GET /api/requests/{id} (with the result once done),
 * POST /api/requests/{id}/cancel.
 */
#include <json-c/json.h>
#include <string.h>

#include "web/pages.h"
#include "web/req.h"
#include "web/request.h"
#include "web/result.h"

/* Answer with request id as the user sees it; a done request carries its result
 * (the object GET /api/products/{id}/summary answers) as "result". */
static int answer(struct req *r, long long id, int status)
{
	struct request q;
	struct result res;
	json_object *o;
	int st = request_load(r, id, &q);

	if (st == 404)
		return req_error(r, 404, "not_found", "없는 분석 요청입니다.");
	if (st != 0)
		return req_error(r, 503, "unavailable", "지금은 분석 요청을 불러올 수 없습니다.");
	o = request_json(&q);
	if (strcmp(q.status, "done") == 0) {
		st = result_load_request(r, id, &res);
		if (st == 503) {
			json_object_put(o);
			return req_error(r, 503, "unavailable", "지금은 분석 결과를 불러올 수 없습니다.");
		}
		json_object_object_add(o, "result", st == 0 ? result_json(&res) : NULL);
		if (st == 0)
			result_free(&res);
	}
	req_json(r, o);
	return status;
}

int page_api_analyze(struct req *r)
{
	const char *msg = NULL;
	long long id;
	int created, st = request_create(r, r->ids[0], &id, &created, &msg);

	if (st == 404)
		return req_error(r, 404, "not_found", "없는 상품입니다.");
	if (st == 429)
		return req_error(r, 429, "limit_reached", msg);
	if (st != 0)
		return req_error(r, 503, "unavailable", msg != NULL ? msg : "지금은 분석을 요청할 수 없습니다.");
	req_header(r, "Location: /api/requests/%lld", id);
	return answer(r, id, created ? 201 : 200);
}

int page_api_requests(struct req *r)
{
	struct request *items = NULL;
	json_object *out, *arr;
	int n = 0;

	if (request_list(r, &items, &n) != 0)
		return req_error(r, 503, "unavailable", "지금은 분석 요청을 불러올 수 없습니다.");
	out = json_object_new_object();
	arr = json_object_new_array();
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, request_json(&items[i]));
	json_object_object_add(out, "items", arr);
	req_json(r, out);
	return 200;
}

int page_api_request(struct req *r)
{
	return answer(r, r->ids[0], 200);
}

int page_api_request_cancel(struct req *r)
{
	const char *msg = NULL;
	int st = request_cancel(r, r->ids[0], &msg);

	if (st == 404)
		return req_error(r, 404, "not_found", "없는 분석 요청입니다.");
	if (st == 409)
		return req_error(r, 409, "not_cancellable", msg);
	if (st != 0)
		return req_error(r, 503, "unavailable", "지금은 분석을 취소할 수 없습니다.");
	return answer(r, r->ids[0], 200);
}
