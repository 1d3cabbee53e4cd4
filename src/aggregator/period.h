/* period.h — calendar days and months of the rollups, in the configured zone.
 *
 * A day is an int32 count of days since 1970-01-01 of the proleptic Gregorian
 * calendar (the civil date, not an instant: lib/civil.h converts); a month is named by any of its days.
 * The zone is the process's local time (period_zone_set() sets TZ), so the mapping
 * between instants and days follows the zone's rules, daylight saving included:
 * a day lasts 23, 24 or 25 hours. Pure functions but for period_zone_set().
 */
#ifndef REVLENS_AGGREGATOR_PERIOD_H
#define REVLENS_AGGREGATOR_PERIOD_H

#include <stdint.h>

#define PERIOD_DATE_LEN 11      /* "YYYY-MM-DD" and its NUL */
#define PERIOD_MONTH_LEN 8      /* "YYYY-MM" and its NUL */

/* Days of month m (1..12) of year y: 28..31. */
int period_month_days(int y, int m);
/* The first day of the month holding day, and the first of the next month. */
int32_t period_month_first(int32_t day);
int32_t period_next_month(int32_t day);
/* Parse "YYYY-MM-DD" exactly (a real date, years 1900..9999). 0, or -1. */
int period_parse_date(const char *s, int32_t *day);
void period_format_date(int32_t day, char out[PERIOD_DATE_LEN]);
void period_format_month(int32_t day, char out[PERIOD_MONTH_LEN]);

/* Make zone (an IANA name) the local time of the process. 0, or -1 when the
 * system has no such zone. */
int period_zone_set(const char *zone);
/* The instant (Unix ms) at which day begins in the zone. */
int64_t period_day_start_ms(int32_t day);
/* The day of the instant ms in the zone. */
int32_t period_day_of_ms(int64_t ms);

/* Day lookup for a stream of instants in rising order: one zone conversion per day
 * crossed instead of one per instant. */
struct period_cache {
	int64_t start_ms, end_ms;       /* the cached day's [start, end) */
	int32_t day;
};
void period_cache_init(struct period_cache *c);
int32_t period_cache_day(struct period_cache *c, int64_t ms);

#endif
