/* rollup.h — the documents of product_analysis_daily and product_analysis_monthly
 * (docs/aggregator.md): one day's reviews and prices into its document, a month's
 * daily documents into the month's, and whether a stored document says the same.
 *
 * No I/O. A day's reviews are counted with the worker's summary aggregate
 * (src/worker/agg.c: the keyword table and the aspect counts), so a day's keyword
 * counts are the same numbers an analysis of those reviews shows. Documents are
 * built without updated_at; the writer appends it to what it writes.
 */
#ifndef REVLENS_AGGREGATOR_ROLLUP_H
#define REVLENS_AGGREGATOR_ROLLUP_H

#include <stdint.h>
#include <bson/bson.h>

#include "kr/kr.h"
#include "worker/agg.h"

#define ROLLUP_DAY_KEYWORDS   200       /* keywords kept in a daily document */
#define ROLLUP_MONTH_KEYWORDS 100       /* ... in a monthly one */

/* One day's prices, from price_observations. */
struct rollup_prices {
	long count;
	long long sum;
	long min, max;
	long last;              /* the day's latest observation */
	int64_t last_at_ms;
	int has_prev;           /* an observation before the day exists */
	long prev;              /* the latest before the day */
};

/* One survey answer of a snapshot (coupang_keyword_tags), borrowed strings. */
struct rollup_tag {
	const char *question, *answer;
	double percent;
};

struct rollup_day {
	struct agg g;           /* the day's reviews */
	long ratings[5];        /* reviews rated 1..5 */
	const struct rollup_prices *prices;     /* NULL: no observation that day */
	const struct rollup_tag *tags;  /* the day's snapshot sorted by question, then
	                                 * percent (highest first), then answer */
	int ntags;              /* 0: no snapshot that day */
};

void rollup_day_init(struct rollup_day *d);
/* Count one review (rating 1..5, or 0 when unknown) with its analysis. 0, or -1
 * when out of memory (the day then lacks keywords; the counts stand). */
int rollup_day_add(struct rollup_day *d, int rating, const struct kr_result *r);
void rollup_day_free(struct rollup_day *d);

/* The daily document of product pid on date ("YYYY-MM-DD") into doc (initialised
 * by the caller), _id first. 1 when built, 0 when the day has neither a review nor a
 * price (no document: doc is left empty). */
int rollup_day_doc(bson_t *doc, long long pid, const char *date, const char *zone,
    const struct rollup_day *d);

/* The monthly document of product pid for month ("YYYY-MM") from the month's daily
 * documents days[0..n), in date order, into doc. 1 when built, 0 when n is 0.
 * -1 when out of memory. */
int rollup_month_doc(bson_t *doc, long long pid, const char *month, const char *zone,
    const bson_t *const *days, int n);

/* 1 when a and b hold the same fields and values in the same order, updated_at
 * aside (numbers compared by value, so an int32 stored back as int64 is the same). */
int rollup_same(const bson_t *a, const bson_t *b);

#endif
