/* t/unit/trends_range.c — the trends' ranges and answers (src/web/trends.c) without a
 * server: defaults of 90 days and 24 months ending today, the limits (366 days, 120
 * months) and formats, dates that do not exist, a range in the future, and the JSON
 * and CSV answers of hand-made points (order, nulls, rounding, lowest price). */
#include "web/trends.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static int parse(struct trends_range *rg, const char *period, const char *from, const char *to,
    const char **msg)
{
	*msg = NULL;
	return trends_range_parse(rg, period, from, to, "2026-11-30", msg);
}

static struct trends_point pt(const char *period, long long reviews, double pos, long long min,
    long long max, long long last)
{
	struct trends_point p;

	memset(&p, 0, sizeof(p));
	strcpy(p.period, period);
	p.review_count = reviews;
	p.rating_avg = reviews > 0 ? 4.0833 : -1;
	p.pos_share = reviews > 0 ? pos : -1;
	p.neg_share = reviews > 0 ? 1 - pos : -1;
	p.neu_share = reviews > 0 ? 0 : -1;
	if (min > 0) {
		p.has_price = 1;
		p.price_min = min;
		p.price_max = max;
		p.price_avg = (min + max) / 2;
		p.price_last = last;
	}
	return p;
}

int main(void)
{
	struct trends_range rg;
	const char *msg;
	char key[11];
	long d;

	/* dates */
	is_int(trends_parse_day("1970-01-01", &d), 0, "1970-01-01 parses");
	is_int(d, 0, "... as day 0");
	is_int(trends_parse_day("2026-02-30", &d), -1, "2026-02-30 does not exist");
	is_int(trends_parse_day("2028-02-29", &d), 0, "2028-02-29 does (leap year)");
	is_int(trends_parse_day("2026-3-01", &d), -1, "a one-digit month is refused");
	is_int(trends_parse_day("2026-03-01x", &d), -1, "trailing bytes are refused");
	is_int(trends_parse_month("2026-13", &d), -1, "month 13 is refused");
	trends_parse_day("2024-12-31", &d);
	trends_format_day(d + 1, key);
	is_str(key, "2025-01-01", "the day after 2024-12-31 is 2025-01-01");

	/* the defaults */
	is_int(parse(&rg, "", "", "", &msg), 0, "no parameters: the default range");
	is_str(rg.from, "2026-09-02", "... from 89 days before today");
	is_str(rg.to, "2026-11-30", "... to today");
	is_int(rg.n, 90, "... 90 days");
	is_int(rg.days, 90, "... covering 90 days");
	ok(rg.current && rg.period == TRENDS_DAY, "... ending today, by day");
	trends_range_key(&rg, 0, key);
	is_str(key, "2026-09-02", "the first key is from");
	trends_range_key(&rg, 89, key);
	is_str(key, "2026-11-30", "the 90th is to");
	is_int(parse(&rg, "month", "", "", &msg), 0, "period=month: the default range");
	is_str(rg.from, "2024-12", "... from 23 months back");
	is_str(rg.to, "2026-11", "... to this month");
	is_int(rg.n, 24, "... 24 months");
	trends_range_key(&rg, 1, key);
	is_str(key, "2025-01", "month keys roll over the year");
	is_int(rg.days, 730, "... covering the days from 2024-12-01 to today");
	is_int(parse(&rg, "day", "", "2026-01-31", &msg), 0, "only to: 90 days ending there");
	is_str(rg.from, "2025-11-03", "... from 2025-11-03");
	ok(!rg.current, "... a range not ending today");
	is_int(parse(&rg, "day", "2026-11-01", "", &msg), 0, "only from: up to today");
	is_int(rg.n, 30, "... 30 days");
	is_int(parse(&rg, "day", "2026-12-10", "", &msg), 0, "from in the future: that day alone");
	is_int(rg.n, 1, "... one day");

	/* the limits */
	is_int(parse(&rg, "day", "2025-11-30", "2026-11-30", &msg), 0, "366 days: allowed");
	is_int(rg.n, 366, "... 366 keys");
	is_int(parse(&rg, "day", "2025-11-29", "2026-11-30", &msg), -1, "367 days: refused");
	ok(msg != NULL && strstr(msg, "366일") && strstr(msg, "YYYY-MM-DD"), "... saying the limit and the format: %s", msg);
	is_int(parse(&rg, "month", "2016-12", "2026-11", &msg), 0, "120 months: allowed");
	is_int(parse(&rg, "month", "2016-11", "2026-11", &msg), -1, "121 months: refused");
	ok(msg != NULL && strstr(msg, "120개월") && strstr(msg, "YYYY-MM"), "... saying the limit and the format");
	is_int(parse(&rg, "week", "", "", &msg), -1, "period=week: refused");
	ok(msg != NULL && strstr(msg, "day") && strstr(msg, "month"), "... naming day and month");
	is_int(parse(&rg, "day", "2026-11-10", "2026-11-01", &msg), -1, "from after to: refused");
	is_int(parse(&rg, "day", "2026-02-30", "", &msg), -1, "a date that does not exist: refused");
	is_int(parse(&rg, "month", "2026-01-01", "", &msg), -1, "a day where a month is expected: refused");
	is_int(parse(&rg, "day", "2026-01", "", &msg), -1, "a month where a day is expected: refused");
	is_int(parse(&rg, "day", "1969-12-31", "1970-01-02", &msg), -1, "before 1970: refused");
	is_int(trends_range_parse(&rg, "", "", "", "someday", &msg), -1, "no today: refused");

	/* the answers */
	{
		struct trends t;
		struct trends_point v[3];
		struct arena a;
		struct buf b;
		json_object *j, *x;

		arena_init(&a, 4096, 0);
		buf_init(&b, &a);
		memset(&t, 0, sizeof(t));
		parse(&t.range, "day", "2026-11-01", "2026-11-30", &msg);
		t.product_id = 17;
		t.zone = "Asia/Seoul";
		t.target_price = -1;
		v[0] = pt("2026-11-03", 12, 0.66666, 19800, 20100, 19900);
		v[1] = pt("2026-11-05", 0, 0, 18900, 18900, 18900);
		v[1].has_change = 1;
		v[1].price_change = -1000;
		v[2] = pt("2026-11-09", 3, 1.0, 0, 0, 0);
		t.pt = v;
		t.n = 3;
		trends_index(&t);
		is_int(t.lowest, 1, "the lowest price_min is the second point");
		is_int(v[2].idx, 8, "2026-11-09 is the 9th day of the range");
		trends_csv(&t, &b);
		is_str(b.data, TRENDS_CSV_HEADER "\r\n"
		    "2026-11-03,12,4.08,0.6667,0.3333,0.0000,19800,20100,19950,19900,\r\n"
		    "2026-11-05,0,,,,,18900,18900,18900,18900,-1000\r\n"
		    "2026-11-09,3,4.08,1.0000,0.0000,0.0000,,,,,\r\n",
		    "the CSV: the header, plain numbers, empty fields for nulls");
		j = trends_json(&t);
		is_str(json_object_to_json_string_ext(json_object_object_get(j, "lowest_price"), JSON_C_TO_STRING_PLAIN),
		    "{\"price\":18900,\"date\":\"2026-11-05\",\"days\":30}", "lowest_price: price, date, days");
		ok(json_object_object_get_ex(j, "target_price", &x) && x == NULL, "target_price null without a target");
		x = json_object_array_get_idx(json_object_object_get(j, "points"), 0);
		is_str(json_object_to_json_string_ext(json_object_object_get(x, "positive_share"), JSON_C_TO_STRING_PLAIN),
		    "0.6667", "shares with 4 places as written");
		x = json_object_array_get_idx(json_object_object_get(j, "points"), 2);
		ok(json_object_object_get_ex(x, "price_min", &x) && x == NULL, "a point without prices: price_min null");
		json_object_put(j);
		t.n = 0;
		trends_index(&t);
		j = trends_json(&t);
		ok(json_object_object_get_ex(j, "lowest_price", &x) && x == NULL, "no points: lowest_price null");
		is_int(json_object_array_length(json_object_object_get(j, "points")), 0, "... and no points");
		json_object_put(j);
		arena_free(&a);
	}
	return tap_done();
}
