/* crawl.c — crawl requests on the Redis stream (see crawl.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/crawl.h"

int crawl_request(struct pg_conn *pg, struct rds_conn *queue,
    long long product_id, long long request_id, int deadline_s, char *entry, size_t entrylen,
    char *err, size_t errlen)
{
	char id[24], cp[24], item[24], vendor[24], rid[24], known[24], newest[24], deadline[24];
	char url[512];
	const char *p[1] = { id };
	long long count, newest_ms;
	redisReply *rep;

	snprintf(id, sizeof(id), "%lld", product_id);
	/* what is stored, as ingestion counted it */
	if (pg_exec(pg, "SELECT p.coupang_product_id, coalesce(p.coupang_item_id::text, ''), "
	    "coalesce(p.coupang_vendor_item_id::text, ''), p.url, coalesce(s.reviews, 0), "
	    "coalesce((extract(epoch FROM s.last_review_at) * 1000)::bigint, 0) "
	    "FROM products p LEFT JOIN product_review_stats s ON s.product_id = p.id WHERE p.id = $1", 1, p) == -1) {
		snprintf(err, errlen, "postgresql: %.200s", pg->err);
		return -1;
	}
	if (pg_ntuples(pg) != 1)
		return 0;
	snprintf(cp, sizeof(cp), "%s", pg_value(pg, 0, 0));
	snprintf(item, sizeof(item), "%s", pg_value(pg, 0, 1));
	snprintf(vendor, sizeof(vendor), "%s", pg_value(pg, 0, 2));
	snprintf(url, sizeof(url), "%s", pg_value(pg, 0, 3));
	count = pg_value_ll(pg, 0, 4);
	newest_ms = pg_value_ll(pg, 0, 5);
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
