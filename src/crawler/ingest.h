/* ingest.h — the crawlers' client of revlens's ingest endpoints (docs/ingest.md).
 *
 * Items go out as {"collector": ..., "items": [...]} batches of at most
 * INGEST_BATCH_MAX, with the ingest token as a Bearer token. A batch answered with a
 * 5xx, or not answered at all, is sent again after crawler.backoff_ms (doubling), up
 * to crawler.max_retries times: ingestion is idempotent, so a repeat is harmless.
 * Items revlens rejected are logged with their codes and counted, not retried.
 */
#ifndef REVLENS_INGEST_H
#define REVLENS_INGEST_H

#include <curl/curl.h>
#include <json-c/json.h>
#include <stddef.h>

#include "lib/config.h"

#define INGEST_BATCH_MAX   1000              /* items per batch (the endpoint's limit) */
#define INGEST_BATCH_BYTES (4 * 1024 * 1024) /* bytes of items per batch (ingest.max_body: 8 MiB) */
#define INGEST_ANSWER_MAX  (4 * 1024 * 1024) /* bytes of an answer we read */
#define INGEST_TOKEN_MAX   256               /* bytes of the token file */

enum ingest_kind { INGEST_REVIEWS, INGEST_PRICES, INGEST_TAGS, INGEST_STATUS };

enum ingest_rc {
	INGEST_OK = 0,          /* every batch was answered 200 (items may have been rejected) */
	INGEST_FAILED = -1,     /* a batch was not taken: revlens down, a 4xx for the batch */
	INGEST_REFUSED = -2     /* 401/403: the token is wrong, revoked or expired */
};

struct ingest_tally {
	long stored;            /* items revlens holds now */
	long rejected;          /* items it refused */
};

struct ingest {
	CURL *curl;
	struct curl_slist *headers;
	char *base;             /* crawler.revlens_url without a trailing '/' */
	const char *collector;  /* static: "crawler", "replay" */
	int timeout_ms, max_retries, backoff_ms;
};

/* Read the token from cfg->crawler_token_file and prepare a client. Returns 0, or -1
 * with a message for the operator in err. */
int ingest_init(struct ingest *in, const struct config *cfg, const char *collector,
    char *err, size_t errlen);

/* Post the items of the array (any length; split into batches of at most
 * INGEST_BATCH_MAX items and INGEST_BATCH_BYTES bytes, or of one bigger item). Adds to *t. */
enum ingest_rc ingest_post(struct ingest *in, enum ingest_kind kind, json_object *items,
    struct ingest_tally *t);

/* One crawl-status item. request_id 0, pages < 0, reviews < 0 leave the field out. */
enum ingest_rc ingest_status(struct ingest *in, long long coupang_product_id, const char *state,
    const char *message, long long request_id, int pages, long reviews);

/* Read a 200 answer: adds stored and rejected to *t and logs each rejected item
 * (index + offset = its position in what the caller sent). Returns 0, or -1 when the
 * answer is not the documented JSON. */
int ingest_answer_read(const char *body, size_t len, size_t offset, struct ingest_tally *t);

void ingest_free(struct ingest *in);

#endif
