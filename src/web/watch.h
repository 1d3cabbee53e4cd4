/* watch.h — a user's watch list: products kept with an optional target price.
 * Entries are the user's alone: another user's id reads as unknown (404). */
#ifndef REVLENS_WATCH_H
#define REVLENS_WATCH_H

#include <json-c/json.h>

struct req;

#define WATCH_PRICE_MAX 1000000000LL   /* won */
#define WATCH_LIST_MAX  200

struct watch {
	long long id, product_id, coupang_product_id;
	const char *product_name;   /* NULL until ingested */
	long long price;            /* current price, -1 unknown */
	long long target_price;     /* -1 none */
	int reached;                /* price known and at or below the target */
	const char *last_status;    /* latest analysis request's status, NULL if none */
	const char *created_at;     /* ISO 8601 UTC */
	const char *created_local;  /* viewer's time zone, YYYY-MM-DD */
};

/* Parse a target price typed into a form or sent as text: "" means none (-1).
 * Commas and a trailing 원 are allowed ("12,900원"). 0 or -1 with *msg. */
int watch_parse_price(const char *in, long long *price, const char **msg);

/* Add product_id to r's user's list, or set its target if it is there.
 * 0 with *id and *created; 404 (no such product); 503. */
int watch_put(struct req *r, long long product_id, long long target, long long *id, int *created);
/* Change the target of entry id: 0, 404, 503. */
int watch_set_target(struct req *r, long long id, long long target);
/* Remove entry id: 0, 404, 503. */
int watch_delete(struct req *r, long long id);
/* r's user's list, newest first: 0 or 503. */
int watch_list(struct req *r, struct watch **items, int *n);
/* Entry id of r's user: 0, 404, 503. */
int watch_load(struct req *r, long long id, struct watch *w);

json_object *watch_json(const struct watch *w);

#endif
