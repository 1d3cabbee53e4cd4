/* result.h — one finished analysis (a row of analysis_results, its summary in the
 * shape docs/worker.md fixes) as the pages and the API show it.
 *
 * A result is "done" when its request is: results of requests that are not done
 * are never shown. Loading parses the summary once; rendering writes HTML through
 * lib/html.h (every value escaped), the JSON answer copies the summary's parts
 * under the fixed names of GET /api/products/{id}/summary.
 */
#ifndef REVLENS_RESULT_H
#define REVLENS_RESULT_H

#include <json-c/json.h>

struct req;

struct result {
	long long id, request_id, product_id;
	long long review_count, positive_count, negative_count, neutral_count;
	const char *avg_rating;     /* "4.21"; NULL when unrated */
	const char *date_from, *date_to;    /* "YYYY-MM-DD" (Seoul); NULL when no reviews */
	const char *model_version;
	const char *created_at;     /* ISO 8601 UTC */
	const char *created_local;  /* "YYYY-MM-DD HH:MM" in the viewer's time zone */
	json_object *summary;       /* owned: release with result_free() */
	json_object *local_dates;   /* owned: review written_at -> "YYYY-MM-DD" in the viewer's zone */
};

/* The result of request request_id (which must be done). 0, 404 (none), 503.
 * On 0 the caller calls result_free(). Strings live in r's arena. */
int result_load_request(struct req *r, long long request_id, struct result *res);

/* The latest result of product_id whose request is done: 0, 404, 503 (as above). */
int result_load_product(struct req *r, long long product_id, struct result *res);

/* Write res as HTML sections (summary, aspects, keywords, survey tags, reviews). */
void result_render(struct req *r, const struct result *res);

/* The JSON answer of GET /api/products/{id}/summary; caller owns it. */
json_object *result_json(const struct result *res);

/* Release what res owns (NULL-safe, idempotent). */
void result_free(struct result *res);

#endif
