/* crawl.c — crawl requests on the Redis stream (see crawl.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/crawl.h"

int crawl_stored(struct mongo_conn *m, long long pid, long long *count, long long *newest_ms,
    char *err, size_t errlen)
{
	mongoc_collection_t *coll = mongoc_client_get_collection(m->client, m->dbname, "product_reviews_raw");
	bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, sort, proj;
	const bson_t *doc;
	bson_error_t error;
	bson_iter_t it;
	mongoc_cursor_t *cur;
	int64_t n;
	int rc = -1;

	*newest_ms = 0;
	BSON_APPEND_INT64(&filter, "product_id", pid);
	if ((n = mongoc_collection_count_documents(coll, &filter, NULL, NULL, NULL, &error)) < 0) {
		snprintf(err, errlen, "mongodb: %.200s", error.message);
		goto out;
	}
	*count = n;
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "sort", &sort);
	BSON_APPEND_INT32(&sort, "review_date", -1);
	bson_append_document_end(&opts, &sort);
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "projection", &proj);
	BSON_APPEND_INT32(&proj, "review_date", 1);
	bson_append_document_end(&opts, &proj);
	BSON_APPEND_INT64(&opts, "limit", 1);
	cur = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
	if (mongoc_cursor_next(cur, &doc) && bson_iter_init_find(&it, doc, "review_date") &&
	    BSON_ITER_HOLDS_DATE_TIME(&it))
		*newest_ms = bson_iter_date_time(&it);
	if (mongoc_cursor_error(cur, &error)) {
		snprintf(err, errlen, "mongodb: %.200s", error.message);
		mongoc_cursor_destroy(cur);
		goto out;
	}
	mongoc_cursor_destroy(cur);
	rc = 0;
out:
	bson_destroy(&filter);
	bson_destroy(&opts);
	mongoc_collection_destroy(coll);
	return rc;
}

int crawl_request(struct pg_conn *pg, struct mongo_conn *m, struct rds_conn *queue,
    long long product_id, long long request_id, int deadline_s, char *entry, size_t entrylen,
    char *err, size_t errlen)
{
	char id[24], cp[24], item[24], vendor[24], rid[24], known[24], newest[24], deadline[24];
	char url[512];
	const char *p[1] = { id };
	long long count, newest_ms;
	redisReply *rep;

	snprintf(id, sizeof(id), "%lld", product_id);
	if (pg_exec(pg, "SELECT coupang_product_id, coalesce(coupang_item_id::text, ''), "
	    "coalesce(coupang_vendor_item_id::text, ''), url FROM products WHERE id = $1", 1, p) == -1) {
		snprintf(err, errlen, "postgresql: %.200s", pg->err);
		return -1;
	}
	if (pg_ntuples(pg) != 1)
		return 0;
	snprintf(cp, sizeof(cp), "%s", pg_value(pg, 0, 0));
	snprintf(item, sizeof(item), "%s", pg_value(pg, 0, 1));
	snprintf(vendor, sizeof(vendor), "%s", pg_value(pg, 0, 2));
	snprintf(url, sizeof(url), "%s", pg_value(pg, 0, 3));
	if (crawl_stored(m, product_id, &count, &newest_ms, err, errlen) == -1)
		return -1;
	snprintf(rid, sizeof(rid), "%lld", request_id);
	snprintf(known, sizeof(known), "%lld", count);
	snprintf(newest, sizeof(newest), "%lld", newest_ms);
	snprintf(deadline, sizeof(deadline), "%lld", (long long)time(NULL) + deadline_s);
	{
		const char *argv[] = { "XADD", CRAWL_STREAM, "MAXLEN", "~", CRAWL_STREAM_MAXLEN, "*",
			"product_id", id, "coupang_product_id", cp, "coupang_item_id", item,
			"coupang_vendor_item_id", vendor, "url", url,
			"request_id", request_id > 0 ? rid : "", "known_reviews", known,
			"newest_review_at", newest_ms > 0 ? newest : "", "deadline", deadline };
		rep = rds_command_argv(queue, (int)(sizeof(argv) / sizeof(argv[0])), argv, NULL);
	}
	if (rep == NULL || rep->type != REDIS_REPLY_STRING) {
		snprintf(err, errlen, "redis: %.200s", rep == NULL ? queue->err :
		    rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply to XADD");
		if (rep != NULL)
			freeReplyObject(rep);
		return -1;
	}
	snprintf(entry, entrylen, "%s", rep->str);
	freeReplyObject(rep);
	return 1;
}
