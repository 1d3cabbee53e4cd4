/* product.h — products as the pages and the API see them: register by URL
 * (one row per Coupang product, whoever registers it and however), load one,
 * search by name, and the user's search history; summaries and search pages
 * are served from the API cache (Redis' cache role) when they are there.
 */
#ifndef REVLENS_PRODUCT_H
#define REVLENS_PRODUCT_H

#include <json-c/json.h>

struct req;

#define PRODUCT_PAGE_SIZE  20    /* search results per page */
#define PRODUCT_QUERY_MAX  100   /* characters of a search */
#define PRODUCT_PAGE_MAX   500   /* deepest page a search may ask for */

struct product {
	long long id;
	long long coupang_product_id;
	long long item_id, vendor_item_id;  /* 0 when unknown */
	const char *url;                    /* canonical Coupang URL */
	const char *name;                   /* NULL until ingestion fills it */
	long long price;                    /* whole won; -1 when unknown */
	const char *image_url;              /* NULL when unknown */
	const char *created_at;             /* ISO 8601, UTC */
	long long created_epoch;
	const char *created_local;          /* "YYYY-MM-DD" in the viewer's time zone */
};

/* Register what the user pasted. Returns 0 with *id (and *created 1 when this
 * call made the row), 422 with *msg (Korean) for input that is not a Coupang
 * product, or 503. */
int product_register(struct req *r, const char *input, long long *id, int *created,
    const char **msg);

/* Load product id into *p (strings in r's arena). 0, 404 or 503. */
int product_load(struct req *r, long long id, struct product *p);

/* One page (1-based) of products whose name contains q (any case; Korean or
 * Latin), those where it stands earliest first; with q empty, the newest products. Fills
 * *items (arena array of *n) and *total. Records the search in the user's
 * history (one entry per query, the newest on top) when r has a user, q is
 * not empty and page is 1. Spaces around q are ignored. 0, 422 (*msg:
 * query too long) or 503. */
int product_search(struct req *r, const char *q, long long page, struct product **items,
    int *n, long long *total, const char **msg);

/* Forget everything the API cache holds about products (one generation bump).
 * Whatever changes products outside product_register() must call it. */
void product_invalidate(struct req *r);

/* The JSON object of p (fixed names: id, coupang_product_id, …); caller owns it. */
json_object *product_json(const struct product *p);

#endif
