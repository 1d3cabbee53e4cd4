/* trends.h — a product's trend over a range of days or months, read from the
 * aggregator's rollups (docs/aggregator.md, "Trends: API, CSV and the product page").
 *
 * The range is parsed and checked without I/O (trends_range_parse, unit-tested);
 * trends_load reads the documents of the range with ONE find by _id ($in of every
 * "<product_id>:<period>" of the range: the MongoDB stand-in uses an index only for
 * equality on _id or $in on it, so a range query would scan the collection) and
 * keeps them in period order. A period without a document has no point: readers
 * show a gap, nothing is invented. The JSON and CSV writers are the API's answers.
 */
#ifndef REVLENS_TRENDS_H
#define REVLENS_TRENDS_H

#include <json-c/json.h>

#include "lib/arena.h"
#include "lib/mongo.h"

#define TRENDS_DEFAULT_DAYS   90    /* the day view without from/to */
#define TRENDS_DEFAULT_MONTHS 24    /* the month view without from/to */
#define TRENDS_MAX_DAYS       366   /* longest day range: a year, one $in of 366 keys */
#define TRENDS_MAX_MONTHS     120   /* longest month range: ten years */
#define TRENDS_MAX_QUESTIONS  20    /* survey questions kept per point */
#define TRENDS_MAX_ANSWERS    20    /* answers kept per question */

enum trends_period { TRENDS_DAY, TRENDS_MONTH };

struct trends_range {
	enum trends_period period;
	char from[11], to[11];      /* "YYYY-MM-DD" (days) or "YYYY-MM" (months), inclusive */
	long first;                 /* day number (days since 1970-01-01) or month number
	                             * (year * 12 + month - 1) of from */
	int n;                      /* periods in the range, 1..TRENDS_MAX_* */
	int days;                   /* calendar days the range covers up to today (>= 1) */
	int current;                /* the range ends today (days) or this month (months) */
};

struct trends_answer {
	const char *answer;
	double percent;             /* 0..100 */
};

struct trends_question {
	const char *question;
	struct trends_answer *a;
	int na;
};

struct trends_point {
	char period[11];            /* the document's date or month */
	int idx;                    /* its position in the range: 0..range.n-1 */
	long long review_count;
	double rating_avg;          /* < 0: null (no rated review) */
	double pos_share, neg_share, neu_share;     /* 0..1; < 0: null (no reviews) */
	int has_price;              /* the period had price observations */
	long long price_min, price_max, price_avg, price_last;     /* whole won */
	int has_change;             /* a price before the period exists */
	long long price_change;
	int has_change_pct;
	double price_change_pct;
	const char *survey_date;    /* NULL: no survey snapshot in the period */
	struct trends_question *q;
	int nq;
};

struct trends {
	long long product_id;
	struct trends_range range;
	const char *zone;           /* aggregator.timezone */
	long long target_price;     /* the caller's watch-list target; -1 when none */
	struct trends_point *pt;    /* in period order; arena-owned */
	int n;
	int lowest;                 /* index in pt of the lowest price_min (the latest of
	                             * equal ones); -1 when no point has a price */
};

/* Day number of "YYYY-MM-DD" (a real date, years 1970..9999) into *day: 0 or -1. */
int trends_parse_day(const char *s, long *day);
/* Month number of "YYYY-MM" into *month: 0 or -1. */
int trends_parse_month(const char *s, long *month);
/* "YYYY-MM-DD" of day number d / "YYYY-MM" of month number m into out[11]. */
void trends_format_day(long d, char out[11]);
void trends_format_month(long m, char out[11]);

/* Check period ("" means day), from and to ("" means the default) against today
 * ("YYYY-MM-DD" in the zone) into *rg. 0, or -1 with *msg a Korean sentence saying
 * the allowed values and format (the API's 400 bad_range). */
int trends_range_parse(struct trends_range *rg, const char *period, const char *from,
    const char *to, const char *today, const char **msg);

/* The i-th period (0..rg->n-1) of the range into out[11]. */
void trends_range_key(const struct trends_range *rg, int i, char out[11]);

/* Read product pid's documents of t->range (t->range, t->product_id set by the
 * caller) into t->pt, in order, and set t->lowest. Strings live in a. 0, or -1
 * with m->err set (MongoDB failed or no memory). */
int trends_load(struct mongo_conn *m, struct arena *a, struct trends *t);

/* Fill t->pt[i].idx from the period keys and t->lowest; for callers that build
 * points by hand (the loader calls it). */
void trends_index(struct trends *t);

/* The JSON answer of GET /api/products/{id}/trends; caller owns it. */
json_object *trends_json(const struct trends *t);

/* The CSV header line (without the line end). */
#define TRENDS_CSV_HEADER "period,review_count,rating_avg,positive_share,negative_share," \
	"neutral_share,price_min,price_max,price_avg,price_last,price_change"
/* The CSV answer: the header line, then one line per point ("\r\n" line ends, plain
 * numbers, empty fields for nulls). */
void trends_csv(const struct trends *t, struct buf *b);

#endif
