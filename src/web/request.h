/* request.h — analysis requests as users see them.
 *
 * One request (one job on the Redis stream) per product at a time: a user who
 * asks while one is queued or running joins it. Each user's link to a request
 * is a row of analysis_request_users; a user who cancels leaves, and the
 * request is cancelled when nobody is left. What a user sees as the status is
 * the request's, or "cancelled" once they left it. Transitions are enforced by
 * the database (sql/007's trigger), not here.
 */
#ifndef REVLENS_REQUEST_H
#define REVLENS_REQUEST_H

#include <json-c/json.h>

#include "lib/jobs.h"

struct req;

#define REQUEST_LIST_MAX  50

struct request {
	long long id, product_id, coupang_product_id;
	const char *status;         /* as this user sees it */
	const char *stage;          /* NULL before the job starts */
	int percent;
	const char *error_message;  /* NULL unless failed */
	const char *requested_at;   /* ISO 8601 UTC */
	const char *requested_local, *finished_local;   /* viewer's time zone; finished may be NULL */
	const char *product_name;   /* NULL until ingested */
	int users;                  /* users still on it */
};

/* Ask for an analysis of product_id as r's user: join the active request, or
 * create one and put its job on the stream. Returns 0 with *id and *created;
 * 404 (no such product); 429 with *msg (a per-user limit); 503 with *msg (if
 * the job could not be queued, the request is failed with the reason). */
int request_create(struct req *r, long long product_id, long long *id, int *created,
    const char **msg);

/* Load request id as r's user sees it: 0, 404 (unknown or not theirs), 503. */
int request_load(struct req *r, long long id, struct request *q);

/* r's user's newest requests (at most REQUEST_LIST_MAX): 0 or 503. */
int request_list(struct req *r, struct request **items, int *n);

/* r's user leaves request id (cancelling it when nobody is left): 0, 404,
 * 409 with *msg (finished already, or left already), 503. */
int request_cancel(struct req *r, long long id, const char **msg);

/* The status in Korean ("대기 중", …). */
const char *request_status_ko(const char *status);

/* The JSON object of q: id, product_id, status, stage, percent, error_message, …; caller owns it. */
json_object *request_json(const struct request *q);

#endif
