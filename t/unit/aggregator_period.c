/* t/unit/aggregator_period.c — the aggregator's days and months (src/aggregator/period.c):
 * civil dates against known day numbers, month lengths (leap years), parsing, and the
 * zone's day boundaries (Asia/Seoul, UTC, and a zone with daylight saving). */
#include "aggregator/period.h"
#include "lib/civil.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

static int32_t day(const char *s)
{
	int32_t d = -999999;

	period_parse_date(s, &d);
	return d;
}

int main(void)
{
	char buf[PERIOD_DATE_LEN], mon[PERIOD_MONTH_LEN];
	int32_t d;

	is_int(civil_days(1970, 1, 1), 0, "1970-01-01 is day 0");
	is_int(civil_days(2000, 3, 1), 11017, "2000-03-01 is day 11017");
	is_int(day("2028-02-29") - day("2028-02-28"), 1, "2028-02-29 exists (leap year)");
	is_int(period_parse_date("2027-02-29", &d), -1, "2027-02-29 does not");
	is_int(period_parse_date("2100-02-29", &d), -1, "2100-02-29 does not (century)");
	is_int(period_parse_date("2000-02-29", &d), 0, "2000-02-29 does (400 years)");
	is_int(period_parse_date("2026-4-01", &d), -1, "a short month is refused");
	is_int(period_parse_date("2026-04-31", &d), -1, "April 31 is refused");
	is_int(period_parse_date("2026-13-01", &d), -1, "month 13 is refused");
	is_int(period_parse_date("2026-01-01x", &d), -1, "trailing bytes are refused");
	is_int(period_month_days(2028, 2), 29, "February 2028: 29 days");
	is_int(period_month_days(2026, 2), 28, "February 2026: 28 days");
	is_int(period_month_days(2026, 4), 30, "April: 30 days");
	is_int(period_month_days(2026, 12), 31, "December: 31 days");
	for (int32_t z = day("1999-12-25"); z < day("2001-01-10"); z++) {
		int y, m, dd;
		civil_date(z, &y, &m, &dd);
		if (civil_days(y, m, dd) != z) {
			ok(0, "day %d round-trips", z);
			break;
		}
	}
	ok(1, "every day of 2000 round-trips");
	period_format_date(day("2028-02-29") + 1, buf);
	is_str(buf, "2028-03-01", "the day after 2028-02-29");
	period_format_month(day("2026-12-31"), mon);
	is_str(mon, "2026-12", "the month of 2026-12-31");
	period_format_date(period_next_month(day("2026-12-31")), buf);
	is_str(buf, "2027-01-01", "the next month after December");
	period_format_date(period_month_first(day("2028-02-29")), buf);
	is_str(buf, "2028-02-01", "the first of February 2028");

	is_int(period_zone_set("Nowhere/Atlantis"), -1, "an unknown zone is refused");
	is_int(period_zone_set("Asia/Seoul"), 0, "Asia/Seoul");
	/* 2026-11-15T00:00+09:00 = 2026-11-14T15:00Z = 1794668400 */
	is_int(period_day_start_ms(day("2026-11-15")), 1794668400000LL, "a KST day starts at 15:00Z the day before");
	is_int(period_day_of_ms(1794668400000LL - 1), day("2026-11-14"), "23:59:59.999 KST is the day before");
	is_int(period_day_of_ms(1794668400000LL), day("2026-11-15"), "00:00 KST is the day");
	{
		struct period_cache c;
		period_cache_init(&c);
		is_int(period_cache_day(&c, 1794668400000LL - 1), day("2026-11-14"), "cache: the day before");
		is_int(period_cache_day(&c, 1794668400000LL), day("2026-11-15"), "cache: the boundary");
		is_int(period_cache_day(&c, 1794668400000LL + 86399999), day("2026-11-15"), "cache: the day's last ms");
		is_int(period_cache_day(&c, 1794668400000LL + 86400000), day("2026-11-16"), "cache: the next day");
		is_int(period_cache_day(&c, 1794668400000LL - 86400000), day("2026-11-14"), "cache: going back");
	}
	is_int(period_zone_set("UTC"), 0, "UTC");
	is_int(period_day_start_ms(day("2026-11-15")), 1794700800000LL, "a UTC day starts at 00:00Z");
	is_int(period_zone_set("Europe/Berlin"), 0, "Europe/Berlin");
	is_int(period_day_start_ms(day("2026-03-30")) - period_day_start_ms(day("2026-03-29")), 23 * 3600000LL,
	    "the spring-forward day has 23 hours");
	is_int(period_day_start_ms(day("2026-10-26")) - period_day_start_ms(day("2026-10-25")), 25 * 3600000LL,
	    "the fall-back day has 25 hours");
	return tap_done();
}
