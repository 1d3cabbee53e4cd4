/* t/unit/aggregator_rollup.c — rollup documents (src/aggregator/rollup.c) from
 * hand-made analyses: a day's counts, shares, keyword order and aspects, price fields
 * and survey; a month merged from two days (sums, recomputed averages, merged
 * keywords, the month's previous price and latest survey); comparing documents. */
#include "aggregator/rollup.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct kr_result *result(int label)
{
	static struct kr_result r;

	memset(&r, 0, sizeof(r));
	r.label = (int8_t)label;
	return &r;
}

static void kw(struct kr_result *r, const char *stem, int pol)
{
	struct kr_keyword *k = &r->keywords[r->nkeywords++];

	k->stem = stem;
	k->len = (uint16_t)strlen(stem);
	k->aspect = KR_ASPECT_NONE;
	k->polarity = (int8_t)pol;
}

/* The document as relaxed JSON with each decimal number reprinted with %.10g, so
 * 0.3333 reads 0.3333 and not 0.33329999999999998517. */
static char *json(const bson_t *b)
{
	char *raw = bson_as_relaxed_extended_json(b, NULL), *out = bson_malloc(strlen(raw) + 1), *o = out;

	for (const char *s = raw; *s;) {
		const char *e = s;
		int dot = 0;
		if ((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')) {
			for (e = s + 1; (*e >= '0' && *e <= '9') || *e == '.'; e++)
				dot |= *e == '.';
		}
		if (dot && (s == raw || s[-1] == ' ')) {
			char num[64];
			o += sprintf(o, "%s", (snprintf(num, sizeof(num), "%.10g", strtod(s, NULL)), num));
			s = e;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	bson_free(raw);
	return out;
}

static void has(const char *j, const char *part, const char *what)
{
	if (!ok(strstr(j, part) != NULL, "%s", what))
		printf("# %s\n# not in: %s\n", part, j);
}

int main(void)
{
	struct rollup_day d;
	struct rollup_prices p1 = { 3, 59700, 19800, 20100, 19800, 1763200800000LL, 1, 20500 };
	struct rollup_prices p2 = { 1, 21000, 21000, 21000, 21000, 1763287200000LL, 1, 19800 };
	struct rollup_tag tags[] = { { "맛", "아주 맛있어요", 72 }, { "맛", "적당해요", 22 }, { "양", "많아요", 40 } };
	bson_t day1 = BSON_INITIALIZER, day2 = BSON_INITIALIZER, month = BSON_INITIALIZER, again = BSON_INITIALIZER;
	const bson_t *days[2] = { &day1, &day2 };
	struct kr_result *r;
	char *j;

	rollup_day_init(&d);
	is_int(rollup_day_doc(&day1, 17, "2026-11-15", "Asia/Seoul", &d), 0, "a day with no data has no document");
	r = result(KR_POS); kw(r, "배송", KR_POS); kw(r, "맛", KR_POS);
	r->aspects[0] = (struct kr_aspect_hit){ KR_ASPECT_DELIVERY, KR_POS, 1.0f }; r->naspects = 1;
	rollup_day_add(&d, 5, r);
	r = result(KR_NEG); kw(r, "배송", KR_NEG);
	r->aspects[0] = (struct kr_aspect_hit){ KR_ASPECT_DELIVERY, KR_NEG, -1.0f }; r->naspects = 1;
	rollup_day_add(&d, 1, r);
	r = result(KR_NEUTRAL);
	rollup_day_add(&d, 4, r);
	d.prices = &p1;
	d.tags = tags;
	d.ntags = 3;
	is_int(rollup_day_doc(&day1, 17, "2026-11-15", "Asia/Seoul", &d), 1, "a day with reviews has one");
	j = json(&day1);
	has(j, "{ \"_id\" : \"17:2026-11-15\", \"product_id\" : 17, \"date\" : \"2026-11-15\", \"zone\" : \"Asia/Seoul\", "
	    "\"review_count\" : 3, \"ratings\" : [ 1, 0, 0, 1, 1 ], \"rating_avg\" : 3.33, \"positive\" : 1, "
	    "\"negative\" : 1, \"neutral\" : 1, \"positive_share\" : 0.3333", "counts, ratings, average and shares");
	has(j, "\"keywords\" : [ { \"keyword\" : \"배송\", \"count\" : 2, \"positive\" : 1, \"negative\" : 1, \"neutral\" : 0 }, "
	    "{ \"keyword\" : \"맛\", \"count\" : 1", "keywords, most frequent first");
	has(j, "\"aspects\" : [ { \"aspect\" : \"배송\", \"reviews\" : 2, \"positive\" : 1, \"negative\" : 1, \"neutral\" : 0 } ]",
	    "aspects by polarity");
	has(j, "\"price_count\" : 3, \"price_sum\" : 59700, \"price_min\" : 19800, \"price_max\" : 20100, "
	    "\"price_avg\" : 19900, \"price_last\" : 19800", "prices");
	has(j, "\"price_prev\" : 20500, \"price_change\" : -700, \"price_change_pct\" : -3.41", "the change");
	has(j, "\"survey\" : { \"snapshot_date\" : \"2026-11-15\", \"questions\" : [ { \"question\" : \"맛\", "
	    "\"answers\" : [ { \"answer\" : \"아주 맛있어요\", \"percent\" : 72", "the survey");
	bson_free(j);
	rollup_day_free(&d);

	rollup_day_init(&d);
	d.prices = &p2;
	is_int(rollup_day_doc(&day2, 17, "2026-11-16", "Asia/Seoul", &d), 1, "a day with a price and no review");
	j = json(&day2);
	has(j, "\"review_count\" : 0, \"ratings\" : [ 0, 0, 0, 0, 0 ], \"rating_avg\" : null", "no reviews: null average");
	has(j, "\"positive_share\" : null", "... null shares");
	bson_free(j);
	rollup_day_free(&d);

	is_int(rollup_month_doc(&month, 17, "2026-11", "Asia/Seoul", days, 2), 1, "a month from two days");
	j = json(&month);
	has(j, "\"_id\" : \"17:2026-11\", \"product_id\" : 17, \"month\" : \"2026-11\", \"zone\" : \"Asia/Seoul\", "
	    "\"days\" : 2, \"review_count\" : 3", "the month's days and counts");
	has(j, "\"price_count\" : 4, \"price_sum\" : 80700, \"price_min\" : 19800, \"price_max\" : 21000, "
	    "\"price_avg\" : 20175, \"price_last\" : 21000", "the month's prices");
	has(j, "\"price_prev\" : 20500, \"price_change\" : 500, \"price_change_pct\" : 2.44",
	    "the month's previous price is the one before its first price day");
	has(j, "\"survey\" : { \"snapshot_date\" : \"2026-11-15\"", "the month's latest survey");
	bson_free(j);

	bson_concat(&again, &day1);
	ok(rollup_same(&day1, &again), "a document is the same as its copy");
	BSON_APPEND_DATE_TIME(&again, "updated_at", 1);
	ok(rollup_same(&day1, &again), "... updated_at aside");
	ok(!rollup_same(&day1, &day2), "two days differ");
	bson_destroy(&day1);
	bson_destroy(&day2);
	bson_destroy(&month);
	bson_destroy(&again);
	return tap_done();
}
