/* capacity.h — how big every store is, and the daily samples of it (docs/capacity.md).
 *
 * capacity_measure() sizes every PostgreSQL table of the schema, every MongoDB
 * collection and every Redis server of the configured roles; `revlens stats` prints it
 * and revlens-aggregator records it once a day in capacity_samples (sql/013), from which
 * capacity_growth() reads the growth per day. Return convention: 0 / -1.
 */
#ifndef REVLENS_CAPACITY_H
#define REVLENS_CAPACITY_H

#include <stddef.h>

#include "lib/config.h"
#include "lib/mongo.h"
#include "lib/pg.h"

enum cap_store { CAP_PG, CAP_MONGO, CAP_REDIS, CAP_NSTORES };

extern const char *const cap_store_name[CAP_NSTORES];  /* "postgres", "mongodb", "redis" */

#define CAP_KEPT_DAYS 400       /* samples older than this are deleted */
#define CAP_GROWTH_WINDOW 30    /* days: growth compares the newest sample with the oldest
                                 * one at most this many days before it */

struct cap_item {
	enum cap_store store;
	char object[200];           /* table, collection, or the roles of one Redis server
	                             * joined by '+' ("sessions+cache+queue+pubsub") */
	long long rows;             /* rows, documents, or Redis keys (DBSIZE) */
	long long bytes;            /* see how */
	int rows_exact;             /* 0: the planner's estimate (reltuples) */
	const char *how;            /* static: where bytes (and rows) come from */
	char endpoint[128];         /* Redis: the roles' address */
	long long limit;            /* Redis: maxmemory in bytes, 0 = none */
};

struct cap_report {
	struct cap_item *v;         /* owned array of n */
	size_t n;
	char err[CAP_NSTORES][512]; /* "" when the store was measured, else why not */
};

/* Measure every store (pg and mongo opened by the caller; Redis roles from cfg, each
 * opened and closed here). A store that cannot be measured gets its reason in
 * out->err[store] and no items; 0 when all three were measured, else -1. Free out with
 * capacity_report_free() in both cases. */
int capacity_measure(const struct config *cfg, struct pg_conn *pg, struct mongo_conn *mongo,
    struct cap_report *out);
void capacity_report_free(struct cap_report *r);

/* Store rep as the sample of today in zone (an IANA name): the day's rows of each store
 * that was measured are replaced, in one transaction (two hosts recording at once, e.g.
 * the shards' aggregator runs, end with one of their samples). 0, or -1 with err. */
int capacity_record(struct pg_conn *pg, const struct cap_report *rep, const char *zone,
    char *err, size_t errlen);

/* revlens-aggregator's daily sample: unless today (aggregator.timezone) already has one,
 * measure and record; then delete samples older than CAP_KEPT_DAYS. Returns 1 recorded,
 * 0 today's sample was there, -1 with err (what could be recorded, is). */
int capacity_sample_daily(const struct config *cfg, struct pg_conn *pg, struct mongo_conn *mongo,
    char *err, size_t errlen);

/* Growth of one store between two samples. */
struct cap_growth {
	enum cap_store store;
	char from[11], to[11];      /* YYYY-MM-DD; from is "" when there is only one sample day */
	int days;                   /* to - from; 0 when there is one day only */
	long long bytes_delta, rows_delta;
	long long bytes_last;       /* the store's bytes on the day `to` */
};

/* The growth of each store with samples (newest sample day against the oldest within
 * CAP_GROWTH_WINDOW days before it). *n = 0 when there are none. 0, or -1 with pg->err. */
int capacity_growth(struct pg_conn *pg, struct cap_growth out[CAP_NSTORES], int *n);

/* Growth of one table, collection or Redis server over the same days as its store's. */
struct cap_object_growth {
	enum cap_store store;
	char object[200];
	int days;
	long long bytes_delta, rows_delta;  /* an object absent on the older day counts from 0 */
};

/* The max objects that grew the most bytes a day (newest first in out), over the days
 * capacity_growth() uses for their store; stores with one sample day have none. *n is
 * how many were filled. 0, or -1 with pg->err. */
int capacity_growth_objects(struct pg_conn *pg, struct cap_object_growth *out, int max, int *n);

/* Days until free_bytes are used up at growth bytes a day: floor(free / growth), or -1
 * when the store does not grow (growth <= 0). */
long long capacity_days_to_full(long long free_bytes, double growth_per_day);

#endif
