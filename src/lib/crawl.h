/* crawl.h — crawl requests: what collectors are asked to fetch (docs/ingest.md).
 *
 * A request is an entry of the Redis stream CRAWL_STREAM on the queue role, read by
 * the consumer group CRAWL_GROUP (revlens-crawler, revlens-replay-crawler): the
 * product's revlens and Coupang ids and URL, the analysis request it serves, what is
 * stored already (count and newest review, from product_review_stats) and a deadline.
 */
#ifndef REVLENS_CRAWL_H
#define REVLENS_CRAWL_H

#include <stddef.h>

#include "lib/pg.h"
#include "lib/rds.h"

#define CRAWL_STREAM        "revlens:crawl"
#define CRAWL_GROUP         "crawlers"
#define CRAWL_STREAM_MAXLEN "100000"    /* entries kept (approximately) */

/* Put a crawl request for product_id on the stream, serving analysis request
 * request_id (0: none), to be done within deadline_s seconds. The entry's id goes
 * to entry (at least 64 bytes). 1 queued, 0 no such product, -1 error with err. */
int crawl_request(struct pg_conn *pg, struct rds_conn *queue,
    long long product_id, long long request_id, int deadline_s, char *entry, size_t entrylen,
    char *err, size_t errlen);

#endif
