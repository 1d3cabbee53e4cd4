/* aggregator.h — one run of revlens-aggregator (docs/aggregator.md): what it was
 * asked (struct agg_opts), the stores it holds, the work it planned (plan.c) and
 * what it counted doing it (chunk.c). aggregator_main.c owns the run: the lock, the
 * run's row in aggregator_runs, retention, the log line and the exit status.
 */
#ifndef REVLENS_AGGREGATOR_H
#define REVLENS_AGGREGATOR_H

#include <signal.h>
#include <stdint.h>

#include <json-c/json.h>

#include "kr/kr.h"
#include "lib/config.h"
#include "lib/mongo.h"
#include "lib/pg.h"

/* Products read with one query of the raw reviews (and one of prices, one of survey
 * tags): consecutive products until their stored reviews (product_review_stats) reach
 * AGG_CHUNK_REVIEWS or AGG_CHUNK_PRODUCTS products. The MongoDB stand-in scans the
 * whole collection for each such query, so fewer chunks cost fewer scans; the server
 * sorts a chunk's reviews at once, which bounds how large one may be. */
#define AGG_CHUNK_REVIEWS  250000
#define AGG_CHUNK_PRODUCTS 500
/* Pending mode reads reviews by _id (the index of each day's reviews), this many
 * index documents or reviews per query. */
#define AGG_ID_BATCH 2000
/* ... unless the planned days hold more than AGG_INDEX_MIN reviews and more than
 * 1/AGG_INDEX_SHARE of the chunk's: then one query over the chunk's span, as in
 * range mode (on the stand-in a review read by _id costs about twice one read by
 * the scan). */
#define AGG_INDEX_MIN 20000
#define AGG_INDEX_SHARE 4

struct agg_opts {
	int has_range;
	int32_t from, to;       /* days, inclusive, when has_range */
	long long product;      /* 0: every product */
	int shard_k, shard_n;   /* shard_n 0: no sharding */
	int dry_run;
};

/* One product's work: the days to roll up (sorted, distinct) and, in pending mode,
 * the rollup_pending rows it claimed ([{"d": day, "q": queued_at}], deleted once
 * its documents are written). */
struct agg_product {
	long long pid;
	int32_t *days;
	int ndays, cap;
	json_object *claimed;   /* owned; NULL when none */
	long reviews;           /* stored reviews (product_review_stats), for chunking */
};

struct agg_counts {
	long products, failed;
	long days_w, days_u, days_x, months_w, months_u, months_x;
	long long reviews, prices;
	long long indexed;      /* range mode: reviews added to the index of each day's reviews */
	/* seconds spent: reading reviews (the cursor), analysing them, reading prices
	 * and survey tags, reading stored documents, writing documents, PostgreSQL writes */
	double t_reviews, t_analyze, t_sources, t_stored, t_write, t_pending;
};

struct agg_run {
	const struct config *cfg;
	struct agg_opts o;
	struct pg_conn pg;
	struct mongo_conn mongo;
	struct kr_model *model;
	volatile sig_atomic_t *stop;    /* TERM/INT: finish the product in hand */
	int (*refresh)(void *arg);      /* after each product: 1 go on, 0 stop (lock lost) */
	void *refresh_arg;
	char started[64];       /* the run's start, PostgreSQL timestamptz text */
	int64_t now_ms;         /* updated_at of what this run writes */
	struct agg_product *pv; /* the plan, by product id */
	int npv, pvcap;
	struct agg_counts n;
	int interrupted, lock_lost;
	char err[1024];         /* why the run failed, when it did */
};

/* Plan the run: the products and days to roll up (pending rows claimed, or the
 * range), with the days that depend on them. 0, or -1 with r->err. */
int agg_plan(struct agg_run *r);
void agg_plan_free(struct agg_run *r);

/* Roll the plan up, chunk by chunk and product by product. 0 when it ran (products
 * may have failed: r->n.failed), -1 when nothing could be done (r->err). */
int agg_execute(struct agg_run *r);

#endif
