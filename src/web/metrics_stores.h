/* metrics_stores.h — the stores' part of GET /metrics: the nightly aggregator's last
 * runs (PostgreSQL aggregator_runs) and MongoDB's serverStatus (docs/monitoring.md). */
#ifndef REVLENS_METRICS_STORES_H
#define REVLENS_METRICS_STORES_H

#include <bson/bson.h>

#include "lib/arena.h"
#include "web/app.h"

/* How long one web worker reuses what it read, ms: two Prometheus servers scraping
 * the same revlens-web (an HA pair), or a burst of scrapes, cost one read of each
 * store per worker per this interval. */
#define METRICS_STORES_TTL_MS 5000

/* Nightly runs of shards seen within this many days get their own series: a shard
 * layout given up longer ago stops being reported (and alerted on). */
#define METRICS_AGG_SHARD_DAYS 30

/* Append the stores' metric families to b: read now through the worker's own
 * PostgreSQL connection and a MongoDB client of this module's, or copied from what
 * this process read less than METRICS_STORES_TTL_MS ago. Each store is asked once and
 * waits at most health.timeout_ms (PostgreSQL's connect step at least 2 s), so a
 * scrape costs at most about twice that. A store that does not answer sets its
 * revlens_*_up gauge to 0 and leaves its other families out; never fails otherwise
 * (out of memory shows as b->failed). */
void metrics_stores_render(struct app *app, struct buf *b);

/* The revlens_mongodb_* families (but revlens_mongodb_up) of one serverStatus reply:
 * revlens_mongodb_info, then each family with at least one field the reply has. Pure;
 * t/unit/metrics_mongo.c feeds it a MongoDB 7 and a stand-in reply. */
void metrics_stores_mongo_text(const bson_t *status, struct buf *b);

/* Release what the module holds for the process (its MongoDB client and the cached
 * text). Called by app_close(), before mongo_global_cleanup(). */
void metrics_stores_close(void);

#endif
