/* period.c — days and months of the rollups (day counts: lib/civil.h) and the zone's
 * day boundaries through the C library's local time, which TZ names. */
#include "aggregator/period.h"
#include "lib/civil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int period_month_days(int y, int m)
{
	static const int n[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return n[m - 1];
}

int32_t period_month_first(int32_t day)
{
	int y, m, d;

	civil_date(day, &y, &m, &d);
	return (int32_t)civil_days(y, m, 1);
}

int32_t period_next_month(int32_t day)
{
	int y, m, d;

	civil_date(day, &y, &m, &d);
	return (int32_t)civil_days(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1);
}

int period_parse_date(const char *s, int32_t *day)
{
	int y = 0, m = 0, d = 0;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	y = atoi(s);            /* digits checked above */
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > period_month_days(y, m))
		return -1;
	*day = (int32_t)civil_days(y, m, d);
	return 0;
}

void period_format_date(int32_t day, char out[PERIOD_DATE_LEN])
{
	int y, m, d;

	civil_date(day, &y, &m, &d);
	out[0] = (char)('0' + (y / 1000) % 10);
	out[1] = (char)('0' + (y / 100) % 10);
	out[2] = (char)('0' + (y / 10) % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

void period_format_month(int32_t day, char out[PERIOD_MONTH_LEN])
{
	char date[PERIOD_DATE_LEN];

	period_format_date(day, date);
	memcpy(out, date, 7);
	out[7] = '\0';
}

int period_zone_set(const char *zone)
{
	char path[512];

	/* glibc falls back to UTC for a name it cannot find: check the file first */
	if (zone[0] == '\0' || zone[0] == '/' || strstr(zone, "..") != NULL)
		return -1;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", zone);
	if (strcmp(zone, "UTC") != 0 && access(path, R_OK) == -1)
		return -1;
	if (setenv("TZ", zone, 1) == -1)
		return -1;
	tzset();
	return 0;
}

int64_t period_day_start_ms(int32_t day)
{
	struct tm tm;
	int y, m, d;

	civil_date(day, &y, &m, &d);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	/* a midnight that does not exist (a spring-forward at 00:00) is normalised to
	 * the first instant of the day */
	return (int64_t)mktime(&tm) * 1000;
}

int32_t period_day_of_ms(int64_t ms)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
	struct tm tm;

	localtime_r(&t, &tm);
	return (int32_t)civil_days(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void period_cache_init(struct period_cache *c)
{
	c->start_ms = 1;
	c->end_ms = 0;
	c->day = 0;
}

int32_t period_cache_day(struct period_cache *c, int64_t ms)
{
	if (ms >= c->start_ms && ms < c->end_ms)
		return c->day;
	c->day = period_day_of_ms(ms);
	c->start_ms = period_day_start_ms(c->day);
	c->end_ms = period_day_start_ms(c->day + 1);
	if (ms < c->start_ms || ms >= c->end_ms) {      /* a zone whose rules surprise mktime */
		c->start_ms = 1;
		c->end_ms = 0;
	}
	return c->day;
}
