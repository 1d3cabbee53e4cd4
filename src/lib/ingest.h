/* ingest.h — validation and storage of collected reviews, prices, survey tags and
 * crawl states (docs/ingest.md), shared by POST /api/ingest/... and `revlens import`.
 *
 * A batch is checked item by item; a bad item is rejected with a code and a Korean
 * message and never costs the good ones. The good ones are stored in bulk: reviews
 * with one unordered MongoDB bulk write (upserts keyed by product and review id whose
 * filter also requires a different content hash, so an identical review is a
 * duplicate-key no-op and an edited one replaces the stored text and drops its
 * analysis), survey tags the same way keyed by day, prices and crawl states with one
 * PostgreSQL statement each. Items name Coupang's product id, which is one revlens
 * product (created on the way, its name unknown until a price item brings it, when
 * the caller may create products).
 */
#ifndef REVLENS_INGEST_H
#define REVLENS_INGEST_H

#include <stddef.h>
#include <json-c/json.h>

#include "lib/mongo.h"
#include "lib/pg.h"
#include "lib/rds.h"

#define INGEST_MAX_ITEMS     1000
#define INGEST_CONTENT_MAX   20000   /* bytes of a review's content */
#define INGEST_TITLE_MAX     1000
#define INGEST_OPTION_MAX    500
#define INGEST_AUTHOR_MAX    100
#define INGEST_NAME_MAX      500     /* characters of a product name */
#define INGEST_URL_MAX       2000
#define INGEST_QUESTION_MAX  100
#define INGEST_ANSWER_MAX    200
#define INGEST_MESSAGE_MAX   500
#define INGEST_REVIEW_ID_MAX 64
#define INGEST_COLLECTOR_MAX 32
#define INGEST_TIME_MIN_MS   946652400000LL  /* 2000-01-01T00:00:00+09:00 */
#define INGEST_MSG           200     /* bytes of a rejection message */

enum ingest_kind { INGEST_REVIEW, INGEST_PRICE, INGEST_TAG, INGEST_CRAWL };

struct ingest_reject {
	long index;                     /* position in the batch (or line number) */
	const char *code;               /* static: "bad_rating", ... */
	char message[INGEST_MSG];       /* Korean, names the field */
};

struct ingest_result {
	long stored;                    /* created + updated + unchanged */
	long created, updated, unchanged;
	long nrejected;
	struct ingest_reject *rejected; /* caller's array with room for every item */
};

struct ingest_ctx {
	struct pg_conn *pg;
	struct mongo_conn *mongo;
	struct rds_conn *cache;         /* product cache generation; NULL for none */
	struct rds_conn *queue;         /* live progress of requests; NULL for none */
	const char *publish_socket;     /* nchan publisher; NULL for none */
	long long user_id;              /* added_by of created products; 0 for none */
	int create_products;            /* may unknown Coupang ids create products? */
	int trusted;                    /* an operator's collector: its crawl-state messages
	                                 * are shown as sent and it may report on any request.
	                                 * Anyone else's crawl states read in revlens's words
	                                 * and reach only the live progress of requests its
	                                 * user is on. */
	const char *collector;          /* [a-z0-9_-]{1,32} */
	const char *zone;               /* aggregator.timezone: days marked pending; NULL: Asia/Seoul */
	long long now_ms;               /* the clock (0: read it) */
	char err[256];                  /* why a store failed */
};

/* "review", "price", "tag" (import's "kind") -> kind. 0 or -1. */
int ingest_kind_parse(const char *name, enum ingest_kind *k);

/* 1 when s is a valid collector name ([a-z0-9_-]{1,32}). */
int ingest_collector_ok(const char *s);

/* A time as the contract allows it (epoch ms integer, ISO 8601 string with or
 * without zone — none is Asia/Seoul — or a date, midnight in Seoul) -> epoch ms.
 * 0 or -1. Range checks are the caller's. */
int ingest_parse_time(json_object *v, long long *ms);

/* Check item (no store): 0, or -1 with *code and msg (INGEST_MSG bytes) set. */
int ingest_check(enum ingest_kind k, json_object *item, long long now_ms, const char **code,
    char *msg);

/* Validate and store items[0..n) (n <= INGEST_MAX_ITEMS); index[i] is what a
 * rejection of items[i] reports (NULL: i). Fills res (res->rejected must have room
 * for n). 0, or -1 with c->err when a store failed (what was stored stays stored;
 * sending again is safe). */
int ingest_items(struct ingest_ctx *c, enum ingest_kind k, json_object *const *items,
    const long *index, int n, struct ingest_result *res);

#endif
