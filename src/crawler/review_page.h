/* review_page.h — one answer of Coupang's review endpoint, read into ingest review items.
 *
 * A pure function over untrusted bytes (unit-tested in t/unit/crawler_page.c, fuzzed
 * by fuzz/crawler_fuzz.c): bytes in, docs/ingest.md review items out. Strict where the
 * page's shape is concerned (not JSON, no rData.paging.contents array or no totalPage:
 * the whole page is refused) and lenient per review (a review missing its id, rating or
 * date is left out and counted, so one odd review does not lose the page).
 * Bounded: REVIEW_PAGE_MAX_BYTES of input, REVIEW_PAGE_MAX_DEPTH of nesting,
 * REVIEW_PAGE_MAX_REVIEWS reviews.
 */
#ifndef REVLENS_REVIEW_PAGE_H
#define REVLENS_REVIEW_PAGE_H

#include <json-c/json.h>
#include <stddef.h>

#define REVIEW_PAGE_MAX_BYTES   (4 * 1024 * 1024)  /* a page of 10 reviews is ~30 KiB */
#define REVIEW_PAGE_MAX_DEPTH   32                 /* a review nests 4 deep */
#define REVIEW_PAGE_MAX_REVIEWS 100                /* we ask for 10 */
#define REVIEW_PAGE_MAX_ID      64                 /* bytes of a string review id */

enum review_page_status {
	REVIEW_PAGE_OK = 0,
	REVIEW_PAGE_MALFORMED,  /* not the JSON we expect */
	REVIEW_PAGE_CHALLENGE   /* an HTML page or a bot-protection challenge instead of JSON */
};

struct review_page {
	json_object *items;     /* array of ingest review items; owned, NULL unless OK */
	int total_pages;        /* rData.paging.totalPage (>= 0) */
	int skipped;            /* reviews left out for a missing or bad field */
	long long newest_ms;    /* newest reviewAt among the items (epoch ms); 0 when none */
};

/* Read buf[0..len). product_id > 0 is the Coupang product asked for and is what the
 * items carry; 0 takes each review's own productId (a review without one is skipped).
 * On REVIEW_PAGE_OK out holds the items (free with review_page_free); otherwise out is
 * empty and err says why in one line of ASCII. */
enum review_page_status review_page_parse(const char *buf, size_t len, long long product_id,
    struct review_page *out, char *err, size_t errlen);

/* Free out->items and empty out (NULL-safe, idempotent). */
void review_page_free(struct review_page *out);

/* 1 when a body that is not JSON looks like a web page or a bot challenge (HTML,
 * Akamai's markers); 0 otherwise. */
int review_page_is_challenge(const char *buf, size_t len);

#endif
