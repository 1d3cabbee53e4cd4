/* t/unit/aggregator_probe.c — helper for t/integ/aggregator.t (Perl has no MongoDB
 * driver here): stages and reads documents the aggregator works on. Not a test itself.
 *   aggregator_probe URI DB insert COLLECTION JSON   insert one document (extended JSON)
 *   aggregator_probe URI DB delete COLLECTION ID     delete the document with _id ID
 *   aggregator_probe URI DB ids COLLECTION           print every _id, one a line, sorted
 *   aggregator_probe URI DB get COLLECTION ID        print the document with _id ID
 *                                                    (relaxed extended JSON), or nothing
 * Exit 0 when done, 1 when the server refused or could not be reached, 2 usage.
 */
#include "lib/mongo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	struct mongo_conn m;
	mongoc_collection_t *coll;
	bson_error_t error;
	int rc = 1;

	if (argc != 5 + (argc > 3 && strcmp(argv[3], "ids") != 0)) {
		fprintf(stderr, "usage: aggregator_probe URI DB insert COLLECTION JSON | delete COLLECTION ID | get COLLECTION ID | ids COLLECTION\n");
		return 2;
	}
	mongo_global_init();
	memset(&m, 0, sizeof(m));
	if (mongo_open(&m, argv[1], argv[2], 3000) == -1) {
		fprintf(stderr, "%s\n", m.err);
		return 1;
	}
	coll = mongoc_client_get_collection(m.client, m.dbname, argv[4]);
	if (strcmp(argv[3], "insert") == 0) {
		bson_t *doc = bson_new_from_json((const uint8_t *)argv[5], -1, &error);
		if (doc != NULL && mongoc_collection_insert_one(coll, doc, NULL, NULL, &error))
			rc = 0;
		bson_destroy(doc);
	} else if (strcmp(argv[3], "delete") == 0) {
		bson_t *sel = BCON_NEW("_id", BCON_UTF8(argv[5]));
		if (mongoc_collection_delete_one(coll, sel, NULL, NULL, &error))
			rc = 0;
		bson_destroy(sel);
	} else if (strcmp(argv[3], "get") == 0) {
		bson_t *sel = BCON_NEW("_id", BCON_UTF8(argv[5]));
		mongoc_cursor_t *cur = mongoc_collection_find_with_opts(coll, sel, NULL, NULL);
		const bson_t *doc;
		if (mongoc_cursor_next(cur, &doc)) {
			char *j = bson_as_relaxed_extended_json(doc, NULL);
			puts(j);
			bson_free(j);
		}
		if (!mongoc_cursor_error(cur, &error))
			rc = 0;
		mongoc_cursor_destroy(cur);
		bson_destroy(sel);
	} else if (strcmp(argv[3], "ids") == 0) {
		bson_t filter = BSON_INITIALIZER;
		mongoc_cursor_t *cur = mongoc_collection_find_with_opts(coll, &filter, NULL, NULL);
		const bson_t *doc;
		char **v = NULL;
		size_t n = 0, cap = 0;
		while (mongoc_cursor_next(cur, &doc)) {
			bson_iter_t it;
			if (n == cap && (v = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v))) == NULL)
				return 1;
			if (bson_iter_init_find(&it, doc, "_id") && BSON_ITER_HOLDS_UTF8(&it))
				v[n++] = strdup(bson_iter_utf8(&it, NULL));
		}
		if (!mongoc_cursor_error(cur, &error)) {
			if (n > 0)
				qsort(v, n, sizeof(*v), by_str);
			for (size_t i = 0; i < n; i++)
				puts(v[i]);
			rc = 0;
		}
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		mongoc_cursor_destroy(cur);
		bson_destroy(&filter);
	} else {
		fprintf(stderr, "aggregator_probe: unknown command %s\n", argv[3]);
		rc = 2;
	}
	if (rc == 1)
		fprintf(stderr, "aggregator_probe: %s\n", error.message);
	mongoc_collection_destroy(coll);
	mongo_close(&m);
	mongo_global_cleanup();
	return rc;
}
