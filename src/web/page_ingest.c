/* page_ingest.c — POST /api/ingest/{reviews,prices,keyword-tags,crawl-status}: a
 * collector's batch (docs/ingest.md). The batch is refused whole, before any write,
 * when it is not a JSON object with an "items" array of at most INGEST_MAX_ITEMS;
 * otherwise every item is checked on its own and the answer lists what was stored
 * and why each rejected item was rejected. Authorised by an ingest token
 * (ROUTE_INGEST, see req.c); CORS for browser extensions is nginx's.
 */
#include <string.h>
#include <strings.h>

#include "lib/ingest.h"
#include "lib/ingest_token.h"
#include "lib/log.h"
#include "web/pages.h"
#include "web/req.h"

#define BATCH_JSON_DEPTH 8      /* {"items": [{...}]} is 3; room for extra fields */

/* The batch's JSON object. 0 or a status. */
static int read_batch(struct req *r, json_object **out)
{
	const char *type = req_param(r, "CONTENT_TYPE"), *body;
	json_tokener *tok;
	json_object *o;
	enum json_tokener_error je;
	size_t len;
	int st;

	*out = NULL;
	if (type == NULL || strncasecmp(type, "application/json", 16) != 0 ||
	    (type[16] != '\0' && type[16] != ';'))
		return req_error(r, 415, "unsupported_media_type", "Content-Type: application/json으로 보내 주세요.");
	if ((st = req_read_body(r, &body, &len)) != 0)
		return st;
	if ((tok = json_tokener_new_ex(BATCH_JSON_DEPTH)) == NULL)
		return req_error(r, 500, NULL, NULL);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, body, (int)len);
	je = json_tokener_get_error(tok);
	if (je == json_tokener_success && json_tokener_get_parse_end(tok) != len) {
		json_object_put(o);
		o = NULL;
	}
	if (o == NULL || je != json_tokener_success) {
		const char *why = je == json_tokener_continue ? "본문이 중간에 끝났습니다" :
		    je == json_tokener_success ? "JSON 뒤에 다른 내용이 있습니다" : json_tokener_error_desc(je);
		size_t at = json_tokener_get_parse_end(tok);
		json_tokener_free(tok);
		json_object_put(o);
		return req_error(r, 400, "bad_json", arena_printf(&r->arena,
		    "본문이 올바른 JSON이 아닙니다 (%s, %zu바이트째).", why, at));
	}
	json_tokener_free(tok);
	*out = o;
	return 0;
}

static int ingest(struct req *r, enum ingest_kind kind)
{
	struct app *app = r->app;
	struct ingest_ctx c;
	struct ingest_result res;
	json_object *batch, *items, *v, *answer, *rej;
	json_object **list;
	int st, n;

	if ((st = read_batch(r, &batch)) != 0)
		return st;
	st = 0;
	if (!json_object_is_type(batch, json_type_object) ||
	    !json_object_object_get_ex(batch, "items", &items) || !json_object_is_type(items, json_type_array)) {
		st = req_error(r, 400, "bad_batch", "본문은 {\"items\": [...]} 형태의 JSON 객체여야 합니다.");
		goto out;
	}
	if ((n = (int)json_object_array_length(items)) > INGEST_MAX_ITEMS) {
		st = req_error(r, 413, "too_many_items",
		    "한 번에 최대 1,000개 항목까지 보낼 수 있습니다. 나누어 보내 주세요.");
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.collector = "api";
	if (json_object_object_get_ex(batch, "collector", &v) && !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_string) || !ingest_collector_ok(json_object_get_string(v))) {
			st = req_error(r, 400, "bad_batch",
			    "collector는 영문 소문자·숫자·_- 로 된 1~32자여야 합니다 (예: \"extension\").");
			goto out;
		}
		c.collector = json_object_get_string(v);
	}
	list = arena_alloc(&r->arena, sizeof(*list) * (size_t)(n ? n : 1));
	res.rejected = arena_alloc(&r->arena, sizeof(*res.rejected) * (size_t)(n ? n : 1));
	if (list == NULL || res.rejected == NULL) {
		st = req_error(r, 500, NULL, NULL);
		goto out;
	}
	for (int i = 0; i < n; i++)
		list[i] = json_object_array_get_idx(items, (size_t)i);
	c.pg = &app->pg;
	c.mongo = &app->mongo;
	c.cache = &app->redis[RDS_CACHE];
	c.queue = &app->redis[RDS_QUEUE];
	c.publish_socket = app->cfg->nchan_publish_socket;
	c.user_id = r->ingest->user_id;
	c.create_products = r->ingest->create_products;
	c.trusted = r->ingest->admin;
	c.zone = app->cfg->aggregator_timezone;
	if (ingest_items(&c, kind, list, NULL, n, &res) == -1) {
		log_error("ingest %s: %s", r->path, c.err);
		st = req_error(r, 503, "store_unavailable",
		    "저장소에 쓰지 못했습니다. 잠시 후 같은 묶음을 다시 보내 주세요 (다시 보내도 중복 저장되지 않습니다).");
		goto out;
	}
	answer = json_object_new_object();
	json_object_object_add(answer, "stored", json_object_new_int64(res.stored));
	json_object_object_add(answer, "new", json_object_new_int64(res.created));
	json_object_object_add(answer, "updated", json_object_new_int64(res.updated));
	json_object_object_add(answer, "unchanged", json_object_new_int64(res.unchanged));
	rej = json_object_new_array();
	for (long i = 0; i < res.nrejected; i++) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "index", json_object_new_int64(res.rejected[i].index));
		json_object_object_add(e, "code", json_object_new_string(res.rejected[i].code));
		json_object_object_add(e, "message", json_object_new_string(res.rejected[i].message));
		json_object_array_add(rej, e);
	}
	json_object_object_add(answer, "rejected", rej);
	req_json(r, answer);
	st = 200;
out:
	json_object_put(batch);
	return st;
}

int page_ingest_reviews(struct req *r)      { return ingest(r, INGEST_REVIEW); }
int page_ingest_prices(struct req *r)       { return ingest(r, INGEST_PRICE); }
int page_ingest_tags(struct req *r)         { return ingest(r, INGEST_TAG); }
int page_ingest_crawl_status(struct req *r) { return ingest(r, INGEST_CRAWL); }
