/* crawl_req.h — one crawl request of the Redis stream revlens:crawl (docs/ingest.md). */
#ifndef REVLENS_CRAWL_REQ_H
#define REVLENS_CRAWL_REQ_H

#include <stddef.h>

#include "lib/crawl.h"   /* CRAWL_STREAM, CRAWL_GROUP */

struct crawl_req {
	char id[64];                  /* the stream entry id, "1700000000000-0" */
	long long product_id;         /* revlens's products.id; 0 when absent */
	long long coupang_product_id; /* > 0 */
	long long request_id;         /* analysis request; 0 for none */
	long long known_reviews;      /* 0 when absent */
	long long newest_review_at;   /* epoch ms; 0 when none */
	long long deadline;           /* epoch s; 0 when none */
};

/* Read an entry's fields (names[i] = values[i], n pairs, lengths given, not
 * NUL-terminated). Unknown fields are ignored; a bad or missing
 * coupang_product_id, or a malformed optional number, fails with a one-line
 * reason in err. Returns 0 or -1. */
int crawl_req_parse(const char *id, const char *const *names, const size_t *name_lens,
    const char *const *values, const size_t *value_lens, size_t n, struct crawl_req *req,
    char *err, size_t errlen);

/* 1 when req has a deadline that now (epoch s) is past. */
int crawl_req_expired(const struct crawl_req *req, long long now);

#endif
