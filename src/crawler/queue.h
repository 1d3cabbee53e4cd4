/* queue.h — the crawlers' side of the Redis stream revlens:crawl (docs/ingest.md).
 *
 * One consumer group, "crawlers"; each process is the consumer "<hostname>-<pid>".
 * Delivery is at least once: an entry is acknowledged only after its outcome was
 * reported, and an entry another consumer has held for QUEUE_CLAIM_IDLE_MS without
 * touching it (a crawler that died) is claimed before new entries are read. A crawler
 * working on a long crawl touches its entry (queue_touch) so it is never taken from it.
 */
#ifndef REVLENS_QUEUE_H
#define REVLENS_QUEUE_H

#include "crawler/crawl_req.h"
#include "lib/config.h"
#include "lib/rds.h"

#define QUEUE_CLAIM_IDLE_MS (10 * 60 * 1000)   /* an entry untouched this long is orphaned */
#define QUEUE_SKIP_MAX      100                /* malformed entries dropped per queue_next */

struct crawl_queue {
	struct rds_conn rc;
	char consumer[160];
	char claim_cursor[64];  /* where XAUTOCLAIM goes on, "0-0" = from the start */
	int block_ms;           /* how long queue_next waits for a new entry */
};

/* Parse redis.queue; no I/O. block_ms: wait of a blocking read. Returns 0 or -1 with err. */
int queue_init(struct crawl_queue *q, const struct config *cfg, int block_ms, char *err, size_t errlen);

/* Create the stream and the group when missing (from id 0: entries added before the
 * group existed are read too). Returns 0 or -1 (logged). */
int queue_ensure_group(struct crawl_queue *q);

/* The next entry for this consumer: an orphaned one first, else a new one (waiting up
 * to block_ms when block). Malformed entries are logged and acknowledged on the way.
 * Returns 1 with *req filled, 0 when there is none, -1 on a Redis error (logged). */
int queue_next(struct crawl_queue *q, int block, struct crawl_req *req);

/* XACK; 0 or -1 (logged). */
int queue_ack(struct crawl_queue *q, const char *id);

/* Reset the entry's idle time (it is still being worked on); 0 or -1. */
int queue_touch(struct crawl_queue *q, const char *id);

void queue_close(struct crawl_queue *q);

#endif
