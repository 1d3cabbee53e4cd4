/* t/unit/mongo_probe.c — helper for t/integ/mongo_indexes.t: inspects a live MongoDB.
 *
 * Not a test by itself (Perl has no MongoDB driver here). Usage:
 *   mongo_probe URI DB indexes COLLECTION
 *       one line per index: NAME<TAB>field:dir,field:dir<TAB>unique=0|1<TAB>ttl=N|-1
 *   mongo_probe URI DB dupkey
 *       inserts into product_reviews_raw the same (product_id, review_id) twice and a
 *       different review_id once, printing "insert N ok" or "insert N error CODE: msg";
 *       removes its documents afterwards.
 *   mongo_probe URI DB dropindex COLLECTION NAME
 *   mongo_probe URI DB plainindex COLLECTION NAME FIELD [TTL]
 *       drop an index / create {FIELD: 1} named NAME without options, or with
 *       expireAfterSeconds TTL (to stage the "server has no TTL", "different TTL" and
 *       "index missing" cases of revlens migrate).
 *   mongo_probe URI DB find COLLECTION FIELD INT
 *       one line of relaxed extended JSON per document whose FIELD is the 64-bit INT
 *       (t/integ/live.t reads realtime_sessions with it).
 * Exit status 0 when the probe ran (whatever it found), 1 when it could not.
 */
#include "lib/mongo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBE_PRODUCT 987654321LL   /* product_id no fixture uses */

static void print_key(const bson_t *key)
{
	bson_iter_t it;
	int first = 1;

	if (!bson_iter_init(&it, key))
		return;
	while (bson_iter_next(&it)) {
		printf("%s%s:", first ? "" : ",", bson_iter_key(&it));
		if (BSON_ITER_HOLDS_UTF8(&it))
			printf("%s", bson_iter_utf8(&it, NULL));
		else
			printf("%d", bson_iter_as_double(&it) < 0 ? -1 : 1);
		first = 0;
	}
}

static int probe_indexes(struct mongo_conn *m, const char *coll)
{
	struct mongo_index_list l = { NULL, 0 };
	size_t k;

	if (mongo_list_indexes(m, coll, &l) != 0) {
		fprintf(stderr, "mongo_probe: %s\n", m->err);
		return 1;
	}
	for (k = 0; k < l.n; k++) {
		printf("%s\t", l.v[k].name);
		print_key(l.v[k].key);
		printf("\tunique=%d\tttl=%lld\n", l.v[k].unique, (long long)l.v[k].ttl_seconds);
	}
	mongo_index_list_free(&l);
	return 0;
}

static int probe_dupkey(struct mongo_conn *m)
{
	static const char *const review_ids[] = { "probe-r1", "probe-r1", "probe-r2" };
	mongoc_collection_t *coll;
	bson_t filter = BSON_INITIALIZER;
	bson_error_t error;
	size_t k;

	coll = mongoc_client_get_collection(m->client, m->dbname, "product_reviews_raw");
	for (k = 0; k < sizeof(review_ids) / sizeof(review_ids[0]); k++) {
		bson_t doc = BSON_INITIALIZER;

		BSON_APPEND_INT64(&doc, "product_id", PROBE_PRODUCT);
		BSON_APPEND_UTF8(&doc, "review_id", review_ids[k]);
		BSON_APPEND_UTF8(&doc, "text", "probe");
		if (mongoc_collection_insert_one(coll, &doc, NULL, NULL, &error))
			printf("insert %zu ok\n", k + 1);
		else
			printf("insert %zu error %u: %s\n", k + 1, error.code, error.message);
		bson_destroy(&doc);
	}
	BSON_APPEND_INT64(&filter, "product_id", PROBE_PRODUCT);
	if (!mongoc_collection_delete_many(coll, &filter, NULL, NULL, &error))
		fprintf(stderr, "mongo_probe: cleanup: %s\n", error.message);
	bson_destroy(&filter);
	mongoc_collection_destroy(coll);
	return 0;
}

static int probe_drop(struct mongo_conn *m, const char *coll, const char *name)
{
	mongoc_collection_t *c = mongoc_client_get_collection(m->client, m->dbname, coll);
	bson_error_t error;
	int rc = 0;

	if (!mongoc_collection_drop_index_with_opts(c, name, NULL, &error)) {
		fprintf(stderr, "mongo_probe: dropIndexes: %s\n", error.message);
		rc = 1;
	}
	mongoc_collection_destroy(c);
	return rc;
}

static int probe_plain(struct mongo_conn *m, const char *coll, const char *name, const char *field,
    long ttl)
{
	struct mongo_index ix;
	bson_t *doc;
	int rc = 0;

	memset(&ix, 0, sizeof(ix));
	ix.name = (char *)name;
	ix.key = bson_new();
	ix.ttl_seconds = ttl;
	BSON_APPEND_INT32(ix.key, field, 1);
	doc = mongo_index_doc(&ix, ttl >= 0);
	if (mongo_create_index(m, coll, doc) != 0) {
		fprintf(stderr, "mongo_probe: %s\n", m->err);
		rc = 1;
	}
	bson_destroy(doc);
	bson_destroy(ix.key);
	return rc;
}

static int probe_find(struct mongo_conn *m, const char *collection, const char *field,
    long long value)
{
	mongoc_collection_t *coll = mongoc_client_get_collection(m->client, m->dbname, collection);
	bson_t *filter = BCON_NEW(field, BCON_INT64(value));
	mongoc_cursor_t *cur = mongoc_collection_find_with_opts(coll, filter, NULL, NULL);
	const bson_t *doc;
	bson_error_t error;
	int rc = 0;

	while (mongoc_cursor_next(cur, &doc)) {
		char *json = bson_as_relaxed_extended_json(doc, NULL);
		printf("%s\n", json);
		bson_free(json);
	}
	if (mongoc_cursor_error(cur, &error)) {
		fprintf(stderr, "mongo_probe find: %s\n", error.message);
		rc = 1;
	}
	mongoc_cursor_destroy(cur);
	bson_destroy(filter);
	mongoc_collection_destroy(coll);
	return rc;
}

int main(int argc, char **argv)
{
	struct mongo_conn m;
	int rc = 1;

	if (argc < 4 || (strcmp(argv[3], "indexes") == 0 && argc != 5) ||
	    (strcmp(argv[3], "dupkey") == 0 && argc != 4) ||
	    (strcmp(argv[3], "dropindex") == 0 && argc != 6) ||
	    (strcmp(argv[3], "plainindex") == 0 && argc != 7 && argc != 8) ||
	    (strcmp(argv[3], "find") == 0 && argc != 7)) {
		fprintf(stderr, "usage: mongo_probe URI DB indexes COLLECTION | dupkey | "
		    "dropindex COLLECTION NAME | plainindex COLLECTION NAME FIELD [TTL]\n");
		return 2;
	}
	mongo_global_init();
	if (mongo_open(&m, argv[1], argv[2], 0) != 0) {
		fprintf(stderr, "mongo_probe: %s\n", m.err);
		goto out;
	}
	if (mongo_ping(&m) != 0) {
		fprintf(stderr, "mongo_probe: %s\n", m.err);
		goto out;
	}
	if (strcmp(argv[3], "indexes") == 0)
		rc = probe_indexes(&m, argv[4]);
	else if (strcmp(argv[3], "dupkey") == 0)
		rc = probe_dupkey(&m);
	else if (strcmp(argv[3], "dropindex") == 0)
		rc = probe_drop(&m, argv[4], argv[5]);
	else if (strcmp(argv[3], "plainindex") == 0)
		rc = probe_plain(&m, argv[4], argv[5], argv[6], argc == 8 ? strtol(argv[7], NULL, 10) : -1);
	else if (strcmp(argv[3], "find") == 0)
		rc = probe_find(&m, argv[4], argv[5], strtoll(argv[6], NULL, 10));
	else
		fprintf(stderr, "mongo_probe: unknown probe \"%s\"\n", argv[3]);
out:
	mongo_close(&m);
	mongo_global_cleanup();
	return rc;
}
