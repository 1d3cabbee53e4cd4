/* mongo.h — MongoDB access through mongo-c-driver: connection, ping, index specs.
 *
 * One mongo_conn per process: mongoc clients are not fork-safe, so each pre-forked
 * worker calls mongo_open() after fork (mongo_global_init() once, before or after).
 * Only features that both MongoDB 4.2+ and mongo-java-server 1.47 implement are used.
 * Return convention: 0 on success, -1 on error with a one-line message in m->err (or
 * in the caller's err buffer for functions that take one).
 */
#ifndef REVLENS_MONGO_H
#define REVLENS_MONGO_H

#include <stddef.h>
#include <stdint.h>
#include <mongoc/mongoc.h>

struct mongo_slow;

struct mongo_conn {
	mongoc_client_t *client;
	char *dbname;           /* owned */
	char err[256];          /* last error, one line */
	struct mongo_slow *slow;/* owned; the slow-command log's state, NULL when it is off */
};

/* Slow-command log (mongodb.slow_query_ms) for the clients mongo_open() makes from now
 * on: a command that takes at least ms milliseconds (as the driver's command monitoring
 * times it) is logged as a warning with the command, the collection and the shape of its
 * filter (keys kept, every value shown as ?). 0 (the initial value) turns it off: the
 * client then gets no monitoring callbacks at all. */
void mongo_slow_query_ms_set(int ms);

/* mongoc_init() / mongoc_cleanup(): once per process. */
int mongo_global_init(void);
void mongo_global_cleanup(void);

/* Parse uri and create the client; does no I/O (the first command connects).
 * Must be called after fork in each process. timeout_ms > 0 bounds connecting
 * and server selection (connectTimeoutMS, serverSelectionTimeoutMS) unless the
 * URI sets them itself; 0 keeps the driver's defaults. */
int mongo_open(struct mongo_conn *m, const char *uri, const char *dbname, int timeout_ms);
/* The same, with every socket read and write bounded by timeout_ms as well
 * (socketTimeoutMS, unless the URI sets it): for short status reads that must not
 * hold the caller when a server stalls mid-answer. */
int mongo_open_bounded(struct mongo_conn *m, const char *uri, const char *dbname, int timeout_ms);
/* Run {ping: 1} against the admin database. */
int mongo_ping(struct mongo_conn *m);
/* Insert doc into collection (acknowledged write). 0 or -1 with m->err. */
int mongo_insert(struct mongo_conn *m, const char *collection, const bson_t *doc);
/* Release the client (NULL-safe, idempotent). */
void mongo_close(struct mongo_conn *m);

/* ---- index specs: mongo-indexes/<collection>.json ------------------------------
 * {"collection": "c", "description": "why these keys",
 *  "indexes": [{"name": "n", "key": {"f": 1, "g": -1}, "unique": true,
 *               "expireAfterSeconds": 0}, ...]}
 * Key values are 1 or -1. expireAfterSeconds needs a single-field key. Unknown fields
 * are errors, so a typo ("uniqe") cannot silently weaken an index. */
struct mongo_index {
	char *name;             /* owned */
	bson_t *key;            /* owned; values normalised to int32 1 / -1 */
	int unique;
	int64_t ttl_seconds;    /* expireAfterSeconds, seconds; -1 when not a TTL index */
};

struct mongo_spec {
	char *collection;       /* owned */
	char *description;      /* owned */
	struct mongo_index *idx;/* owned array of n */
	size_t n;
};

/* Read and validate the spec at path. On error returns -1 with "path: reason" in err;
 * spec is left empty. Free with mongo_spec_free() in both cases. */
int mongo_spec_load(struct mongo_spec *spec, const char *path, char *err, size_t errlen);
void mongo_spec_free(struct mongo_spec *spec);

/* The createIndexes entry for ix ({key, name, unique?, expireAfterSeconds?}); with_ttl = 0
 * leaves expireAfterSeconds out. Caller owns the result (bson_destroy). */
bson_t *mongo_index_doc(const struct mongo_index *ix, int with_ttl);

/* Run createIndexes for one index document on collection (creating the collection).
 * An identical existing index is success; a conflicting one is an error. */
int mongo_create_index(struct mongo_conn *m, const char *collection, const bson_t *index_doc);

/* What the server reports for one index (listIndexes). */
struct mongo_index_info {
	char *name;             /* owned */
	bson_t *key;            /* owned */
	int unique;
	int64_t ttl_seconds;    /* -1 when the server reports no expireAfterSeconds */
};

struct mongo_index_list {
	struct mongo_index_info *v; /* owned array of n */
	size_t n;
};

/* listIndexes on collection; a missing collection yields an empty list. */
int mongo_list_indexes(struct mongo_conn *m, const char *collection, struct mongo_index_list *out);
/* The entry named name, or NULL. */
const struct mongo_index_info *mongo_index_list_find(const struct mongo_index_list *l,
    const char *name);
void mongo_index_list_free(struct mongo_index_list *l);

/* 1 when the two key documents name the same fields in the same order with the same
 * directions (numeric types may differ), else 0. */
int mongo_key_equal(const bson_t *a, const bson_t *b);

#endif
