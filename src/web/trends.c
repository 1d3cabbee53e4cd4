/* trends.c — ranges of days and months, reading their rollup documents, and the
 * trends API's JSON and CSV answers (docs/aggregator.md).
 *
 * Dates are proleptic Gregorian day numbers (days since 1970-01-01), months are
 * year * 12 + month - 1, so a range is a first number and a count and its keys are
 * computed, never parsed back. Numbers in the answers are written with the places
 * the rollups round to (shares 4, rating_avg and price_change_pct 2), so the JSON
 * says 0.6667 and not 0.66669999….
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/civil.h"
#include "web/trends.h"

/* ------------------------------------------------------------------ dates */

/* n decimal digits at s into *v: 0 or -1. */
static int digits(const char *s, int n, long *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int trends_parse_month(const char *s, long *month)
{
	long y, m;

	if (strlen(s) != 7 || s[4] != '-' || digits(s, 4, &y) == -1 || digits(s + 5, 2, &m) == -1 ||
	    y < 1970 || m < 1 || m > 12)
		return -1;
	*month = y * 12 + m - 1;
	return 0;
}

int trends_parse_day(const char *s, long *day)
{
	long y, m, d;
	int yy, mm, dd;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) == -1 ||
	    digits(s + 5, 2, &m) == -1 || digits(s + 8, 2, &d) == -1 || y < 1970 ||
	    m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*day = civil_days((int)y, (int)m, (int)d);
	civil_date(*day, &yy, &mm, &dd);   /* 2026-02-30 comes back as March */
	return yy == y && mm == m && dd == d ? 0 : -1;
}

void trends_format_day(long d, char out[11])
{
	int y, m, dd;
	char s[64];

	civil_date(d, &y, &m, &dd);
	snprintf(s, sizeof(s), "%04d-%02d-%02d", y % 10000, m, dd);
	memcpy(out, s, 10);
	out[10] = '\0';
}

void trends_format_month(long m, char out[11])
{
	char s[48];

	snprintf(s, sizeof(s), "%04ld-%02ld", (m / 12) % 10000, m % 12 + 1);
	memcpy(out, s, 7);
	out[7] = '\0';
}

/* ------------------------------------------------------------------ ranges */

#define DAY_FORMAT "from과 to는 YYYY-MM-DD 형식의 날짜로 보내 주세요(예: from=2026-09-01&to=2026-11-30). "
#define MONTH_FORMAT "period=month에서 from과 to는 YYYY-MM 형식의 달로 보내 주세요(예: from=2025-01&to=2026-11). "

int trends_range_parse(struct trends_range *rg, const char *period, const char *from,
    const char *to, const char *today, const char **msg)
{
	long t, a, b, max, end;
	int month;

	memset(rg, 0, sizeof(*rg));
	if (period[0] == '\0' || strcmp(period, "day") == 0) {
		month = 0;
	} else if (strcmp(period, "month") == 0) {
		month = 1;
	} else {
		*msg = "period는 day(일별) 또는 month(월별)로 보내 주세요. 비워 두면 day입니다.";
		return -1;
	}
	if (trends_parse_day(today, &t) == -1) {
		*msg = "오늘 날짜를 알 수 없습니다. 잠시 후 다시 시도해 주세요.";
		return -1;
	}
	if (month) {
		int y, m, d;
		civil_date(t, &y, &m, &d);
		t = (long)y * 12 + m - 1;
	}
	max = month ? TRENDS_MAX_MONTHS : TRENDS_MAX_DAYS;
	if ((from[0] != '\0' && (month ? trends_parse_month(from, &a) : trends_parse_day(from, &a)) == -1) ||
	    (to[0] != '\0' && (month ? trends_parse_month(to, &b) : trends_parse_day(to, &b)) == -1)) {
		*msg = month ? MONTH_FORMAT "기간은 최대 120개월입니다." : DAY_FORMAT "기간은 최대 366일입니다.";
		return -1;
	}
	if (to[0] == '\0')
		b = from[0] != '\0' && a > t ? a : t;   /* from in the future: an empty range of its own */
	if (from[0] == '\0')
		a = b - ((month ? TRENDS_DEFAULT_MONTHS : TRENDS_DEFAULT_DAYS) - 1);
	if (a > b) {
		*msg = month ? MONTH_FORMAT "from은 to와 같거나 앞선 달이어야 합니다." :
		    DAY_FORMAT "from은 to와 같거나 앞선 날이어야 합니다.";
		return -1;
	}
	if (b - a + 1 > max) {
		*msg = month ? MONTH_FORMAT "한 번에 최대 120개월까지 볼 수 있습니다." :
		    DAY_FORMAT "한 번에 최대 366일까지 볼 수 있습니다.";
		return -1;
	}
	if (month && a < 1970 * 12) {
		*msg = MONTH_FORMAT "1970년 이후만 볼 수 있습니다.";
		return -1;
	}
	if (!month && a < 0) {
		*msg = DAY_FORMAT "1970년 이후만 볼 수 있습니다.";
		return -1;
	}
	rg->period = month ? TRENDS_MONTH : TRENDS_DAY;
	rg->first = a;
	rg->n = (int)(b - a + 1);
	rg->current = b == t;
	if (month) {
		trends_format_month(a, rg->from);
		trends_format_month(b, rg->to);
		a = civil_days((int)(a / 12), (int)(a % 12 + 1), 1);
		end = civil_days((int)((b + 1) / 12), (int)((b + 1) % 12 + 1), 1) - 1;
		trends_parse_day(today, &t);
	} else {
		trends_format_day(a, rg->from);
		trends_format_day(b, rg->to);
		end = b;
	}
	if (end > t)
		end = t;
	rg->days = end >= a ? (int)(end - a + 1) : 1;
	return 0;
}

void trends_range_key(const struct trends_range *rg, int i, char out[11])
{
	if (rg->period == TRENDS_MONTH)
		trends_format_month(rg->first + i, out);
	else
		trends_format_day(rg->first + i, out);
}

/* ------------------------------------------------------------------ loading */

static const char *const collection[2] = { "product_analysis_daily", "product_analysis_monthly" };

/* The number member key of doc into *v (any BSON number): 1, or 0 when absent or null. */
static int num(const bson_t *doc, const char *key, double *v)
{
	bson_iter_t it;

	if (!bson_iter_init_find(&it, doc, key))
		return 0;
	switch (bson_iter_type(&it)) {
	case BSON_TYPE_INT32: *v = bson_iter_int32(&it); return 1;
	case BSON_TYPE_INT64: *v = (double)bson_iter_int64(&it); return 1;
	case BSON_TYPE_DOUBLE: *v = bson_iter_double(&it); return 1;
	default: return 0;
	}
}

static long long whole(double v)
{
	return (long long)(v < 0 ? v - 0.5 : v + 0.5);
}

static const char *iter_str(struct arena *a, bson_iter_t *it)
{
	return BSON_ITER_HOLDS_UTF8(it) ? arena_strdup(a, bson_iter_utf8(it, NULL)) : NULL;
}

/* The survey sub-document at it into p. -1 when out of memory. */
static int survey(struct arena *a, bson_iter_t *it, struct trends_point *p)
{
	bson_iter_t sv, qs, q, as, an;

	if (!BSON_ITER_HOLDS_DOCUMENT(it) || !bson_iter_recurse(it, &sv))
		return 0;
	p->survey_date = "";
	p->q = arena_calloc(a, TRENDS_MAX_QUESTIONS, sizeof(*p->q));
	if (p->q == NULL)
		return -1;
	while (bson_iter_next(&sv)) {
		if (strcmp(bson_iter_key(&sv), "snapshot_date") == 0 && BSON_ITER_HOLDS_UTF8(&sv))
			p->survey_date = iter_str(a, &sv);
		if (strcmp(bson_iter_key(&sv), "questions") != 0 || !BSON_ITER_HOLDS_ARRAY(&sv) ||
		    !bson_iter_recurse(&sv, &qs))
			continue;
		while (bson_iter_next(&qs) && p->nq < TRENDS_MAX_QUESTIONS) {
			struct trends_question *tq = &p->q[p->nq];
			if (!BSON_ITER_HOLDS_DOCUMENT(&qs) || !bson_iter_recurse(&qs, &q))
				continue;
			memset(tq, 0, sizeof(*tq));
			if ((tq->a = arena_calloc(a, TRENDS_MAX_ANSWERS, sizeof(*tq->a))) == NULL)
				return -1;
			while (bson_iter_next(&q)) {
				if (strcmp(bson_iter_key(&q), "question") == 0)
					tq->question = iter_str(a, &q);
				if (strcmp(bson_iter_key(&q), "answers") != 0 || !BSON_ITER_HOLDS_ARRAY(&q) ||
				    !bson_iter_recurse(&q, &as))
					continue;
				while (bson_iter_next(&as) && tq->na < TRENDS_MAX_ANSWERS) {
					struct trends_answer *ta = &tq->a[tq->na];
					ta->answer = NULL;
					ta->percent = 0;
					if (!BSON_ITER_HOLDS_DOCUMENT(&as) || !bson_iter_recurse(&as, &an))
						continue;
					while (bson_iter_next(&an)) {
						if (strcmp(bson_iter_key(&an), "answer") == 0)
							ta->answer = iter_str(a, &an);
						else if (strcmp(bson_iter_key(&an), "percent") == 0 &&
						    BSON_ITER_HOLDS_NUMBER(&an))
							ta->percent = bson_iter_as_double(&an);
					}
					if (ta->answer != NULL)
						tq->na++;
				}
			}
			if (tq->question != NULL)
				p->nq++;
		}
	}
	return 0;
}

/* One rollup document into p. 0, 1 when it is not one of the range's, -1 (memory). */
static int point(struct arena *a, const struct trends *t, const bson_t *doc, struct trends_point *p)
{
	const char *key = t->range.period == TRENDS_MONTH ? "month" : "date";
	bson_iter_t it;
	double v;

	memset(p, 0, sizeof(*p));
	if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_UTF8(&it) ||
	    strlen(bson_iter_utf8(&it, NULL)) >= sizeof(p->period))
		return 1;
	strcpy(p->period, bson_iter_utf8(&it, NULL));
	p->review_count = num(doc, "review_count", &v) ? whole(v) : 0;
	p->rating_avg = num(doc, "rating_avg", &v) ? v : -1;
	p->pos_share = num(doc, "positive_share", &v) ? v : -1;
	p->neg_share = num(doc, "negative_share", &v) ? v : -1;
	p->neu_share = num(doc, "neutral_share", &v) ? v : -1;
	p->has_price = num(doc, "price_count", &v) && v > 0 && num(doc, "price_min", &v);
	if (p->has_price) {
		p->price_min = whole(v);
		p->price_max = num(doc, "price_max", &v) ? whole(v) : p->price_min;
		p->price_avg = num(doc, "price_avg", &v) ? whole(v) : p->price_min;
		p->price_last = num(doc, "price_last", &v) ? whole(v) : p->price_avg;
		if ((p->has_change = num(doc, "price_change", &v)))
			p->price_change = whole(v);
		if ((p->has_change_pct = num(doc, "price_change_pct", &v)))
			p->price_change_pct = v;
	}
	if (bson_iter_init_find(&it, doc, "survey") && survey(a, &it, p) == -1)
		return -1;
	return 0;
}

static int by_period(const void *x, const void *y)
{
	return strcmp(((const struct trends_point *)x)->period, ((const struct trends_point *)y)->period);
}

void trends_index(struct trends *t)
{
	t->lowest = -1;
	for (int i = 0; i < t->n; i++) {
		struct trends_point *p = &t->pt[i];
		long k = 0;
		if (t->range.period == TRENDS_MONTH)
			trends_parse_month(p->period, &k);
		else
			trends_parse_day(p->period, &k);
		p->idx = (int)(k - t->range.first);
		if (p->has_price && (t->lowest < 0 || p->price_min <= t->pt[t->lowest].price_min))
			t->lowest = i;
	}
}

int trends_load(struct mongo_conn *m, struct arena *a, struct trends *t)
{
	bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, id, in, proj;
	static const char *const fields[] = { "date", "month", "review_count", "rating_avg",
		"positive_share", "negative_share", "neutral_share", "price_count", "price_min",
		"price_max", "price_avg", "price_last", "price_change", "price_change_pct", "survey" };
	mongoc_collection_t *coll = NULL;
	mongoc_cursor_t *cur = NULL;
	const bson_t *doc;
	bson_error_t error;
	char key[48], per[11], idx[12];
	int rc = -1;

	t->n = 0;
	t->lowest = -1;
	t->pt = arena_calloc(a, (size_t)t->range.n, sizeof(*t->pt));
	if (t->pt == NULL) {
		snprintf(m->err, sizeof(m->err), "out of memory");
		goto out;
	}
	BSON_APPEND_DOCUMENT_BEGIN(&filter, "_id", &id);
	BSON_APPEND_ARRAY_BEGIN(&id, "$in", &in);
	for (int i = 0; i < t->range.n; i++) {
		trends_range_key(&t->range, i, per);
		snprintf(key, sizeof(key), "%lld:%s", t->product_id, per);
		snprintf(idx, sizeof(idx), "%d", i);
		BSON_APPEND_UTF8(&in, idx, key);
	}
	bson_append_array_end(&id, &in);
	bson_append_document_end(&filter, &id);
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "projection", &proj);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		BSON_APPEND_INT32(&proj, fields[i], 1);
	bson_append_document_end(&opts, &proj);

	coll = mongoc_client_get_collection(m->client, m->dbname, collection[t->range.period]);
	cur = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
	while (mongoc_cursor_next(cur, &doc)) {
		int st;
		if (t->n == t->range.n)
			break;
		st = point(a, t, doc, &t->pt[t->n]);
		if (st == -1) {
			snprintf(m->err, sizeof(m->err), "out of memory");
			goto out;
		}
		if (st == 0)
			t->n++;
	}
	if (mongoc_cursor_error(cur, &error)) {
		snprintf(m->err, sizeof(m->err), "%s: %.200s", collection[t->range.period], error.message);
		goto out;
	}
	qsort(t->pt, (size_t)t->n, sizeof(*t->pt), by_period);
	trends_index(t);
	rc = 0;
out:
	if (cur != NULL)
		mongoc_cursor_destroy(cur);
	if (coll != NULL)
		mongoc_collection_destroy(coll);
	bson_destroy(&filter);
	bson_destroy(&opts);
	return rc;
}

/* ------------------------------------------------------------------ answers */

/* v with places decimals, as written; NULL (JSON null) when v < 0 and nullable. */
static json_object *fixed(double v, int places)
{
	char s[48];

	snprintf(s, sizeof(s), "%.*f", places, v);
	return json_object_new_double_s(strtod(s, NULL), s);
}

static json_object *share_or_null(double v)
{
	return v < 0 ? NULL : fixed(v, 4);
}

/* A survey percent as written: whole numbers without decimals. */
static json_object *percent(double v)
{
	char s[48];

	if (v == (double)(long long)v)
		return json_object_new_int64((long long)v);
	snprintf(s, sizeof(s), "%.2f", v);
	return json_object_new_double_s(strtod(s, NULL), s);
}

static json_object *survey_json(const struct trends_point *p)
{
	json_object *o = json_object_new_object(), *qs = json_object_new_array();

	json_object_object_add(o, "snapshot_date", json_object_new_string(p->survey_date));
	for (int i = 0; i < p->nq; i++) {
		json_object *q = json_object_new_object(), *as = json_object_new_array();
		json_object_object_add(q, "question", json_object_new_string(p->q[i].question));
		for (int j = 0; j < p->q[i].na; j++) {
			json_object *an = json_object_new_object();
			json_object_object_add(an, "answer", json_object_new_string(p->q[i].a[j].answer));
			json_object_object_add(an, "percent", percent(p->q[i].a[j].percent));
			json_object_array_add(as, an);
		}
		json_object_object_add(q, "answers", as);
		json_object_array_add(qs, q);
	}
	json_object_object_add(o, "questions", qs);
	return o;
}

static json_object *point_json(const struct trends_point *p)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "period", json_object_new_string(p->period));
	json_object_object_add(o, "review_count", json_object_new_int64(p->review_count));
	json_object_object_add(o, "rating_avg", p->rating_avg < 0 ? NULL : fixed(p->rating_avg, 2));
	json_object_object_add(o, "positive_share", share_or_null(p->pos_share));
	json_object_object_add(o, "negative_share", share_or_null(p->neg_share));
	json_object_object_add(o, "neutral_share", share_or_null(p->neu_share));
	json_object_object_add(o, "price_min", p->has_price ? json_object_new_int64(p->price_min) : NULL);
	json_object_object_add(o, "price_max", p->has_price ? json_object_new_int64(p->price_max) : NULL);
	json_object_object_add(o, "price_avg", p->has_price ? json_object_new_int64(p->price_avg) : NULL);
	json_object_object_add(o, "price_last", p->has_price ? json_object_new_int64(p->price_last) : NULL);
	json_object_object_add(o, "price_change", p->has_price && p->has_change ?
	    json_object_new_int64(p->price_change) : NULL);
	json_object_object_add(o, "price_change_pct", p->has_price && p->has_change_pct ?
	    fixed(p->price_change_pct, 2) : NULL);
	json_object_object_add(o, "survey", p->survey_date != NULL ? survey_json(p) : NULL);
	return o;
}

json_object *trends_json(const struct trends *t)
{
	json_object *o = json_object_new_object(), *pts = json_object_new_array(), *low = NULL;

	json_object_object_add(o, "product_id", json_object_new_int64(t->product_id));
	json_object_object_add(o, "period", json_object_new_string(
	    t->range.period == TRENDS_MONTH ? "month" : "day"));
	json_object_object_add(o, "from", json_object_new_string(t->range.from));
	json_object_object_add(o, "to", json_object_new_string(t->range.to));
	json_object_object_add(o, "zone", json_object_new_string(t->zone != NULL ? t->zone : ""));
	json_object_object_add(o, "target_price", t->target_price >= 0 ?
	    json_object_new_int64(t->target_price) : NULL);
	if (t->lowest >= 0) {
		low = json_object_new_object();
		json_object_object_add(low, "price", json_object_new_int64(t->pt[t->lowest].price_min));
		json_object_object_add(low, "date", json_object_new_string(t->pt[t->lowest].period));
		json_object_object_add(low, "days", json_object_new_int(t->range.days));
	}
	json_object_object_add(o, "lowest_price", low);
	for (int i = 0; i < t->n; i++)
		json_object_array_add(pts, point_json(&t->pt[i]));
	json_object_object_add(o, "points", pts);
	return o;
}

static void csv_num(struct buf *b, int present, double v, int places)
{
	buf_puts(b, ",");
	if (present)
		buf_printf(b, "%.*f", places, v);
}

void trends_csv(const struct trends *t, struct buf *b)
{
	buf_puts(b, TRENDS_CSV_HEADER "\r\n");
	for (int i = 0; i < t->n; i++) {
		const struct trends_point *p = &t->pt[i];
		buf_printf(b, "%s,%lld", p->period, p->review_count);
		csv_num(b, p->rating_avg >= 0, p->rating_avg, 2);
		csv_num(b, p->pos_share >= 0, p->pos_share, 4);
		csv_num(b, p->neg_share >= 0, p->neg_share, 4);
		csv_num(b, p->neu_share >= 0, p->neu_share, 4);
		csv_num(b, p->has_price, (double)p->price_min, 0);
		csv_num(b, p->has_price, (double)p->price_max, 0);
		csv_num(b, p->has_price, (double)p->price_avg, 0);
		csv_num(b, p->has_price, (double)p->price_last, 0);
		csv_num(b, p->has_price && p->has_change, (double)p->price_change, 0);
		buf_puts(b, "\r\n");
	}
}
