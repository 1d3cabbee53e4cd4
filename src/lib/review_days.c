/* review_days.c — the index of each day's reviews (review_days.h). */
#include "lib/review_days.h"

#include <stdio.h>
#include <string.h>

#include "lib/civil.h"

#define INDEX_OFFSET_MS (9LL * 3600 * 1000)
#define DAY_MS          86400000LL

int32_t review_days_day(int64_t ms)
{
	int64_t t = ms + INDEX_OFFSET_MS;

	return (int32_t)(t >= 0 ? t / DAY_MS : -((-t + DAY_MS - 1) / DAY_MS));
}

void review_days_span(int64_t start_ms, int64_t end_ms, int32_t *lo, int32_t *hi)
{
	*lo = review_days_day(start_ms);
	*hi = end_ms > start_ms ? review_days_day(end_ms - 1) : *lo;
}

void review_days_key(long long pid, int32_t day, char out[REVIEW_DAYS_KEY])
{
	int y, m, d;

	civil_date(day, &y, &m, &d);
	snprintf(out, REVIEW_DAYS_KEY, "%lld:%04d-%02d-%02d", pid, y % 10000, m, d);
}

bool review_days_add(mongoc_bulk_operation_t *bulk, long long pid, int32_t day, const char *const *ids,
    int n, bson_error_t *error)
{
	bson_t sel = BSON_INITIALIZER, update = BSON_INITIALIZER, opts = BSON_INITIALIZER, set, add, each, arr;
	char key[REVIEW_DAYS_KEY], idx[16];
	bool ok;

	review_days_key(pid, day, key);
	BSON_APPEND_UTF8(&sel, "_id", key);
	BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
	BSON_APPEND_INT64(&set, "product_id", pid);
	BSON_APPEND_UTF8(&set, "day", strchr(key, ':') + 1);
	bson_append_document_end(&update, &set);
	BSON_APPEND_DOCUMENT_BEGIN(&update, "$addToSet", &add);
	BSON_APPEND_DOCUMENT_BEGIN(&add, "ids", &each);
	BSON_APPEND_ARRAY_BEGIN(&each, "$each", &arr);
	for (int i = 0; i < n; i++) {
		snprintf(idx, sizeof(idx), "%d", i);
		BSON_APPEND_UTF8(&arr, idx, ids[i]);
	}
	bson_append_array_end(&each, &arr);
	bson_append_document_end(&add, &each);
	bson_append_document_end(&update, &add);
	BSON_APPEND_BOOL(&opts, "upsert", true);
	ok = mongoc_bulk_operation_update_one_with_opts(bulk, &sel, &update, &opts, error);
	bson_destroy(&sel);
	bson_destroy(&update);
	bson_destroy(&opts);
	return ok;
}

bool review_days_pull(mongoc_bulk_operation_t *bulk, long long pid, int32_t day, const char *id,
    bson_error_t *error)
{
	bson_t sel = BSON_INITIALIZER, update = BSON_INITIALIZER, pull;
	char key[REVIEW_DAYS_KEY];
	bool ok;

	review_days_key(pid, day, key);
	BSON_APPEND_UTF8(&sel, "_id", key);
	BSON_APPEND_DOCUMENT_BEGIN(&update, "$pull", &pull);
	BSON_APPEND_UTF8(&pull, "ids", id);
	bson_append_document_end(&update, &pull);
	ok = mongoc_bulk_operation_update_one_with_opts(bulk, &sel, &update, NULL, error);
	bson_destroy(&sel);
	bson_destroy(&update);
	return ok;
}
