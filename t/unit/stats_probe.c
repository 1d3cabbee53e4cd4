/* t/unit/stats_probe.c — helper for t/integ/stats.t (not a test by itself: Perl has no
 * MongoDB driver here). Usage:
 *   stats_probe URI DB count COLLECTION
 *       prints the collection's document count (countDocuments {}), the direct count
 *       revlens stats is checked against.
 *   stats_probe URI DB slowfind SLOW_MS COLLECTION DOC_JSON FILTER_JSON
 *       with the slow-command log at SLOW_MS (lib/mongo.c, logging to stderr), inserts
 *       DOC_JSON into COLLECTION, runs find FILTER_JSON on it and prints how many
 *       documents it found; the log lines are what the test reads.
 *   stats_probe URI DB slowcmd SLOW_MS COMMAND_JSON
 *       the same log, running COMMAND_JSON (an update, an aggregate…) on DB as it is.
 * Exit status 0 when the probe ran, 1 when it could not.
 */
#include "lib/config.h"
#include "lib/log.h"
#include "lib/mongo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bson_t *json(const char *s)
{
	bson_error_t error;
	bson_t *b = bson_new_from_json((const uint8_t *)s, -1, &error);

	if (b == NULL)
		fprintf(stderr, "stats_probe: bad JSON: %s\n", error.message);
	return b;
}

int main(int argc, char **argv)
{
	struct mongo_conn m;
	mongoc_collection_t *coll = NULL;
	mongoc_cursor_t *cur = NULL;
	bson_t *doc = NULL, *filter = NULL;
	const bson_t *d;
	bson_error_t error;
	int rc = 1, slowfind;
	long long n = 0;

	if (argc < 5) {
		fprintf(stderr, "usage: stats_probe URI DB count COLL | slowfind SLOW_MS COLL DOC FILTER\n");
		return 1;
	}
	slowfind = strcmp(argv[3], "slowfind") == 0;
	if (strcmp(argv[3], "slowcmd") == 0) {
		bson_t reply;
		if (argc != 6)
			return 1;
		log_open("-", LOG_LEVEL_INFO);
		mongo_global_init();
		mongo_slow_query_ms_set(atoi(argv[4]));
		if (mongo_open(&m, argv[1], argv[2], 5000) == 0 && (doc = json(argv[5])) != NULL) {
			if (mongoc_client_command_simple(m.client, m.dbname, doc, NULL, &reply, &error))
				rc = 0;
			else
				fprintf(stderr, "stats_probe: command: %s\n", error.message);
			bson_destroy(&reply);
			bson_destroy(doc);
		} else {
			fprintf(stderr, "stats_probe: %s\n", m.err);
		}
		mongo_close(&m);
		mongo_global_cleanup();
		return rc;
	}
	if (slowfind && argc != 8)
		return 1;
	log_open("-", LOG_LEVEL_INFO);
	mongo_global_init();
	if (slowfind)
		mongo_slow_query_ms_set(atoi(argv[4]));
	if (mongo_open(&m, argv[1], argv[2], 5000) == -1) {
		fprintf(stderr, "stats_probe: %s\n", m.err);
		goto out;
	}
	coll = mongoc_client_get_collection(m.client, m.dbname, argv[slowfind ? 5 : 4]);
	if (!slowfind) {
		bson_t empty = BSON_INITIALIZER;
		n = mongoc_collection_count_documents(coll, &empty, NULL, NULL, NULL, &error);
		bson_destroy(&empty);
		if (n < 0) {
			fprintf(stderr, "stats_probe: count: %s\n", error.message);
			goto out;
		}
		printf("%lld\n", n);
		rc = 0;
		goto out;
	}
	if ((doc = json(argv[6])) == NULL || (filter = json(argv[7])) == NULL)
		goto out;
	if (!mongoc_collection_insert_one(coll, doc, NULL, NULL, &error)) {
		fprintf(stderr, "stats_probe: insert: %s\n", error.message);
		goto out;
	}
	cur = mongoc_collection_find_with_opts(coll, filter, NULL, NULL);
	while (mongoc_cursor_next(cur, &d))
		n++;
	if (mongoc_cursor_error(cur, &error)) {
		fprintf(stderr, "stats_probe: find: %s\n", error.message);
		goto out;
	}
	printf("found %lld\n", n);
	rc = 0;
out:
	if (cur != NULL)
		mongoc_cursor_destroy(cur);
	if (coll != NULL)
		mongoc_collection_destroy(coll);
	if (doc != NULL)
		bson_destroy(doc);
	if (filter != NULL)
		bson_destroy(filter);
	mongo_close(&m);
	mongo_global_cleanup();
	return rc;
}
