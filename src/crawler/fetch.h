/* fetch.h — revlens-crawler's HTTP client for Coupang: pacing, cookies, retries.
 *
 * One struct fetch per crawl: its curl handle carries the crawl's in-memory cookie jar
 * (what the product page sets is sent with the review pages, as a browser would) and
 * is thrown away with the crawl. The pace is shared: *last_ms, owned by the caller,
 * is when the previous request to Coupang ended, and no request starts less than
 * crawler.page_interval_ms after it, whichever crawl it belonged to (measured from the
 * end, so Coupang never sees two requests closer than that, however slow the answers).
 *
 * Retries: a network error, 429 or 5xx is tried again after crawler.backoff_ms
 * (doubling, with random jitter, or Retry-After when Coupang says so and that is
 * longer: seconds or an HTTP-date, at most FETCH_RETRY_AFTER_MAX), at most
 * crawler.max_retries times. A 403, or a redirect, is never tried
 * again: Coupang's bot protection answers so, and insisting only deepens the block.
 * Redirects are not followed, so nothing but crawler.coupang_url is ever contacted.
 * A back-off can last minutes (Retry-After): f->touch, when set, is called before it and
 * every FETCH_TOUCH_MS during it (the crawl touches its stream entry, see queue.h).
 */
#ifndef REVLENS_FETCH_H
#define REVLENS_FETCH_H

#include <curl/curl.h>
#include <signal.h>
#include <stddef.h>

#include "lib/config.h"

#define FETCH_BODY_MAX        (4 * 1024 * 1024)  /* bytes of one answer (REVIEW_PAGE_MAX_BYTES) */
#define FETCH_RETRY_AFTER_MAX 600                /* seconds of Retry-After we honour at most */
#define FETCH_TOUCH_MS        60000              /* f->touch during a long back-off */

enum fetch_result {
	FETCH_OK,           /* 200: the body is in f->body */
	FETCH_BLOCKED,      /* 403 or a redirect: no retry */
	FETCH_GAVE_UP,      /* network errors, 429 or 5xx through every retry */
	FETCH_REFUSED,      /* another 4xx (404: no such product), or an oversized answer */
	FETCH_STOPPED       /* TERM/INT during a back-off */
};

struct fetch {
	CURL *curl;
	struct curl_slist *html_headers, *json_headers;
	const struct config *cfg;
	long long *last_ms;                  /* end of the last request (see above) */
	const volatile sig_atomic_t *stop;
	int requests;                        /* made by this crawl */
	void (*touch)(void *arg);            /* called before and during a back-off; NULL: none */
	void *touch_arg;
	/* the last answer */
	long status;                         /* 0 when there was none */
	char *body;                          /* NUL-terminated; owned */
	size_t len, cap;
	int over;                            /* longer than FETCH_BODY_MAX */
	int retry_after;                     /* seconds, -1 when absent */
	int retries;                         /* retries the last fetch_get made */
	char error[CURL_ERROR_SIZE];         /* curl's message when status is 0 */
};

/* A fresh client with an empty cookie jar. Returns 0 or -1 (out of memory). */
int fetch_open(struct fetch *f, const struct config *cfg, long long *last_ms,
    const volatile sig_atomic_t *stop);

/* GET url (json: the review endpoint's Accept header; else a page's), sending referer
 * when not NULL, with the retries above (retry = 0: a single try). */
enum fetch_result fetch_get(struct fetch *f, const char *url, int json, const char *referer, int retry);

void fetch_close(struct fetch *f);

#endif
