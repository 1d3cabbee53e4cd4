/* review_days.h — the index of each day's reviews (docs/aggregator.md "Reading a
 * night's reviews"): MongoDB collection review_days, one document per product and
 * day, _id "<product id>:<YYYY-MM-DD>", with product_id, day and ids (the _ids of the
 * product's reviews written that day).
 *
 * The days are Korean dates (UTC+9 always: Korea keeps no daylight saving time),
 * whatever aggregator.timezone says, so changing the zone never invalidates the
 * index; a reader maps a day of its zone onto the index days it overlaps
 * (review_days_span: one for Asia/Seoul, two for other zones).
 *
 * The invariant a reader relies on: every stored review's _id is in the document of
 * the day it was written (ingestion adds it before it writes the review). An entry
 * may be stale — a review moved to another day whose $pull failed, or one never
 * written — so a reader checks the date of each review it fetches.
 */
#ifndef REVLENS_REVIEW_DAYS_H
#define REVLENS_REVIEW_DAYS_H

#include <stdbool.h>
#include <stdint.h>

#include <mongoc/mongoc.h>

#define REVIEW_DAYS_COLLECTION "review_days"
#define REVIEW_DAYS_KEY 48      /* "<product id>:YYYY-MM-DD" and its NUL */

/* The index day (days since 1970-01-01, Korean date) of the instant ms. */
int32_t review_days_day(int64_t ms);
/* The index days [*lo, *hi] holding the instants [start_ms, end_ms). */
void review_days_span(int64_t start_ms, int64_t end_ms, int32_t *lo, int32_t *hi);
void review_days_key(long long pid, int32_t day, char out[REVIEW_DAYS_KEY]);

/* Queue on bulk the addition of ids[0..n) (review _ids) to the product's day: an
 * upsert by _id with $addToSet, so concurrent writers and repeats are harmless. */
bool review_days_add(mongoc_bulk_operation_t *bulk, long long pid, int32_t day, const char *const *ids,
    int n, bson_error_t *error);
/* Queue the removal of id from the product's day (a review that moved away). */
bool review_days_pull(mongoc_bulk_operation_t *bulk, long long pid, int32_t day, const char *id,
    bson_error_t *error);

#endif
