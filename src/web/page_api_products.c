/* page_api_products.c — GET /api/products?q=&page=, POST /api/products {"url": …},
 * GET /api/products/{id}, GET /api/products/{id}/summary (the latest done analysis,
 * names fixed by docs/worker.md). A product answers with "id" (revlens') and
 * "coupang_product_id"; registering answers 201 when it made the row, 200
 * when the product was known already.
 */
#include <json-c/json.h>
#include <string.h>

#include "lib/strnum.h"
#include "web/pages.h"
#include "web/product.h"
#include "web/req.h"
#include "web/result.h"

int page_api_products(struct req *r)
{
	const char *q = req_query(r, "q"), *ps = req_query(r, "page"), *msg = NULL;
	struct product *items = NULL;
	long long page = 1, total = 0;
	json_object *out, *arr;
	int n = 0, st;

	if (ps[0] != '\0' && strnum_parse(ps, 10, 1, PRODUCT_PAGE_MAX, &page) == -1)
		return req_error(r, 400, "bad_page", "page는 1부터 500까지의 정수여야 합니다.");
	st = product_search(r, q, page, &items, &n, &total, &msg);
	if (st == 422)
		return req_error(r, 422, "query_too_long", msg);
	if (st != 0)
		return req_error(r, 503, "unavailable", "지금은 상품을 검색할 수 없습니다.");
	out = json_object_new_object();
	arr = json_object_new_array();
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, product_json(&items[i]));
	json_object_object_add(out, "query", json_object_new_string(q));
	json_object_object_add(out, "page", json_object_new_int64(page));
	json_object_object_add(out, "per_page", json_object_new_int(PRODUCT_PAGE_SIZE));
	json_object_object_add(out, "total", json_object_new_int64(total));
	json_object_object_add(out, "items", arr);
	req_json(r, out);
	return 200;
}

int page_api_product_register(struct req *r)
{
	json_object *in;
	const char *url, *msg = NULL;
	struct product p;
	long long id;
	int created, st;

	if ((st = req_json_body(r, &in)) != 0)
		return st;
	url = req_json_str(in, "url");
	if (url == NULL) {
		json_object_put(in);
		return req_error(r, 400, "missing_field", "url을 문자열로 보내 주세요.");
	}
	st = product_register(r, url, &id, &created, &msg);
	json_object_put(in);
	if (st == 422)
		return req_error(r, 422, "invalid_url", msg);
	if (st != 0 || product_load(r, id, &p) != 0)
		return req_error(r, 503, "unavailable", "지금은 상품을 등록할 수 없습니다.");
	req_header(r, "Location: /api/products/%lld", id);
	req_json(r, product_json(&p));
	return created ? 201 : 200;
}

int page_api_product(struct req *r)
{
	struct product p;
	int st = product_load(r, r->ids[0], &p);

	if (st == 404)
		return req_error(r, 404, "not_found", "없는 상품입니다.");
	if (st != 0)
		return req_error(r, 503, "unavailable", "지금은 상품을 불러올 수 없습니다.");
	req_json(r, product_json(&p));
	return 200;
}

int page_api_product_summary(struct req *r)
{
	struct product p;
	struct result res;
	int st = product_load(r, r->ids[0], &p);

	if (st == 404)
		return req_error(r, 404, "not_found", "없는 상품입니다.");
	if (st != 0)
		return req_error(r, 503, "unavailable", "지금은 상품을 불러올 수 없습니다.");
	st = result_load_product(r, p.id, &res);
	if (st == 404)
		return req_error(r, 404, "no_result", "이 상품은 아직 분석 결과가 없습니다. "
		    "POST /api/products/{id}/analyses로 분석을 요청하고, 끝난 뒤 다시 조회해 주세요.");
	if (st != 0)
		return req_error(r, 503, "unavailable", "지금은 분석 결과를 불러올 수 없습니다. 잠시 후 다시 시도해 주세요.");
	req_json(r, result_json(&res));
	result_free(&res);
	return 200;
}
