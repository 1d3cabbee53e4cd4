/* rollup.c — daily and monthly rollup documents (docs/aggregator.md).
 *
 * Rounding is done once, where a value is written: shares to 4 decimals, rating
 * averages and price changes in percent to 2, price averages to whole won (half up),
 * through "%.*f" so the stored double is the shortest one that prints as the rounded
 * text. A month recomputes its averages and shares from its summed counts, never by
 * averaging the days' rounded values.
 */
#include "aggregator/rollup.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rollup_day_init(struct rollup_day *d)
{
	memset(d, 0, sizeof(*d));
	agg_init(&d->g);
}

int rollup_day_add(struct rollup_day *d, int rating, const struct kr_result *r)
{
	struct agg_input in = { "", "", 0, rating, 0 };

	if (rating >= 1 && rating <= 5)
		d->ratings[rating - 1]++;
	return agg_add(&d->g, &in, r);
}

void rollup_day_free(struct rollup_day *d)
{
	agg_free(&d->g);
	memset(d, 0, sizeof(*d));
}

static void put_fixed(bson_t *b, const char *k, double v, int places)
{
	char s[48];

	snprintf(s, sizeof(s), "%.*f", places, v);
	BSON_APPEND_DOUBLE(b, k, strtod(s, NULL));
}

static void put_share(bson_t *b, const char *k, long part, long whole)
{
	if (whole > 0)
		put_fixed(b, k, (double)part / (double)whole, 4);
	else
		BSON_APPEND_NULL(b, k);
}

/* The review counts every rollup carries, from the counts themselves. */
static void put_reviews(bson_t *doc, long n, const long ratings[5], long pos, long neg, long neu)
{
	bson_t arr;
	long rated = 0, sum = 0;
	char key[4];

	BSON_APPEND_INT64(doc, "review_count", n);
	BSON_APPEND_ARRAY_BEGIN(doc, "ratings", &arr);
	for (int i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "%d", i);
		BSON_APPEND_INT64(&arr, key, ratings[i]);
		rated += ratings[i];
		sum += (long)(i + 1) * ratings[i];
	}
	bson_append_array_end(doc, &arr);
	if (rated > 0)
		put_fixed(doc, "rating_avg", (double)sum / (double)rated, 2);
	else
		BSON_APPEND_NULL(doc, "rating_avg");
	BSON_APPEND_INT64(doc, "positive", pos);
	BSON_APPEND_INT64(doc, "negative", neg);
	BSON_APPEND_INT64(doc, "neutral", neu);
	put_share(doc, "positive_share", pos, n);
	put_share(doc, "negative_share", neg, n);
	put_share(doc, "neutral_share", neu, n);
}

static void put_keyword(bson_t *arr, size_t i, const char *kw, long count, long pos, long neg, long neu)
{
	bson_t el;
	char key[16];

	snprintf(key, sizeof(key), "%zu", i);
	BSON_APPEND_DOCUMENT_BEGIN(arr, key, &el);
	BSON_APPEND_UTF8(&el, "keyword", kw);
	BSON_APPEND_INT64(&el, "count", count);
	BSON_APPEND_INT64(&el, "positive", pos);
	BSON_APPEND_INT64(&el, "negative", neg);
	BSON_APPEND_INT64(&el, "neutral", neu);
	bson_append_document_end(arr, &el);
}

struct aspect_count {
	const char *name;
	long reviews, pos, neg, neu;
};

static int by_reviews(const void *a, const void *b)
{
	const struct aspect_count *x = a, *y = b;

	if (x->reviews != y->reviews)
		return x->reviews > y->reviews ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void put_aspects(bson_t *doc, struct aspect_count *v, int n)
{
	bson_t arr, el;
	char key[16];
	int k = 0;

	qsort(v, (size_t)n, sizeof(*v), by_reviews);
	BSON_APPEND_ARRAY_BEGIN(doc, "aspects", &arr);
	for (int i = 0; i < n; i++) {
		if (v[i].reviews == 0)
			continue;
		snprintf(key, sizeof(key), "%d", k++);
		BSON_APPEND_DOCUMENT_BEGIN(&arr, key, &el);
		BSON_APPEND_UTF8(&el, "aspect", v[i].name);
		BSON_APPEND_INT64(&el, "reviews", v[i].reviews);
		BSON_APPEND_INT64(&el, "positive", v[i].pos);
		BSON_APPEND_INT64(&el, "negative", v[i].neg);
		BSON_APPEND_INT64(&el, "neutral", v[i].neu);
		bson_append_document_end(&arr, &el);
	}
	bson_append_array_end(doc, &arr);
}

/* Price fields; has_prev/prev: the latest price before the period. */
static void put_prices(bson_t *doc, long count, long long sum, long min, long max, long last,
    int64_t last_at_ms, int has_prev, long prev)
{
	BSON_APPEND_INT64(doc, "price_count", count);
	BSON_APPEND_INT64(doc, "price_sum", sum);
	BSON_APPEND_INT64(doc, "price_min", min);
	BSON_APPEND_INT64(doc, "price_max", max);
	BSON_APPEND_INT64(doc, "price_avg", (sum * 2 + count) / (count * 2));   /* half up, prices >= 0 */
	BSON_APPEND_INT64(doc, "price_last", last);
	BSON_APPEND_DATE_TIME(doc, "price_last_at", last_at_ms);
	if (!has_prev)
		return;
	BSON_APPEND_INT64(doc, "price_prev", prev);
	BSON_APPEND_INT64(doc, "price_change", last - prev);
	if (prev > 0)
		put_fixed(doc, "price_change_pct", 100.0 * (double)(last - prev) / (double)prev, 2);
	else
		BSON_APPEND_NULL(doc, "price_change_pct");
}

static void put_survey(bson_t *doc, const char *date, const struct rollup_tag *t, int n)
{
	bson_t sv, qs, q, as, a;
	char key[16];
	int nq = 0;

	BSON_APPEND_DOCUMENT_BEGIN(doc, "survey", &sv);
	BSON_APPEND_UTF8(&sv, "snapshot_date", date);
	BSON_APPEND_ARRAY_BEGIN(&sv, "questions", &qs);
	for (int i = 0; i < n;) {
		int j = i, na = 0;
		snprintf(key, sizeof(key), "%d", nq++);
		BSON_APPEND_DOCUMENT_BEGIN(&qs, key, &q);
		BSON_APPEND_UTF8(&q, "question", t[i].question);
		BSON_APPEND_ARRAY_BEGIN(&q, "answers", &as);
		for (; j < n && strcmp(t[j].question, t[i].question) == 0; j++) {
			snprintf(key, sizeof(key), "%d", na++);
			BSON_APPEND_DOCUMENT_BEGIN(&as, key, &a);
			BSON_APPEND_UTF8(&a, "answer", t[j].answer);
			BSON_APPEND_DOUBLE(&a, "percent", t[j].percent);
			bson_append_document_end(&as, &a);
		}
		bson_append_array_end(&q, &as);
		bson_append_document_end(&qs, &q);
		i = j;
	}
	bson_append_array_end(&sv, &qs);
	bson_append_document_end(doc, &sv);
}

int rollup_day_doc(bson_t *doc, long long pid, const char *date, const char *zone,
    const struct rollup_day *d)
{
	const struct agg *g = &d->g;
	const struct agg_kw **kws;
	struct aspect_count asp[KR_ASPECT_COUNT];
	const struct rollup_prices *p = d->prices;
	char id[48];
	bson_t arr;

	if (g->reviews == 0 && p == NULL)
		return 0;
	snprintf(id, sizeof(id), "%lld:%s", pid, date);
	BSON_APPEND_UTF8(doc, "_id", id);
	BSON_APPEND_INT64(doc, "product_id", pid);
	BSON_APPEND_UTF8(doc, "date", date);
	BSON_APPEND_UTF8(doc, "zone", zone);
	put_reviews(doc, g->reviews, d->ratings, g->pos, g->neg, g->neu);
	kws = agg_sorted_keywords(g);
	BSON_APPEND_ARRAY_BEGIN(doc, "keywords", &arr);
	for (size_t i = 0; kws != NULL && i < g->nkw && i < ROLLUP_DAY_KEYWORDS; i++)
		put_keyword(&arr, i, kws[i]->stem, kws[i]->count, kws[i]->pos, kws[i]->neg, kws[i]->neu);
	bson_append_array_end(doc, &arr);
	free(kws);
	if (g->nkw > ROLLUP_DAY_KEYWORDS)
		BSON_APPEND_BOOL(doc, "keywords_truncated", true);
	for (int a = 0; a < KR_ASPECT_COUNT; a++) {
		asp[a].name = kr_aspect_name(a);
		asp[a].reviews = g->asp[a].reviews;
		asp[a].pos = g->asp[a].pos;
		asp[a].neg = g->asp[a].neg;
		asp[a].neu = g->asp[a].neu;
	}
	put_aspects(doc, asp, KR_ASPECT_COUNT);
	if (p != NULL)
		put_prices(doc, p->count, p->sum, p->min, p->max, p->last, p->last_at_ms, p->has_prev, p->prev);
	if (d->ntags > 0)
		put_survey(doc, date, d->tags, d->ntags);
	return 1;
}

/* ---------------------------------------------------------------- months */

struct kw_sum {
	const char *kw;         /* borrowed from a daily document */
	long count, pos, neg, neu;
};

static int by_keyword(const void *a, const void *b)
{
	return strcmp(((const struct kw_sum *)a)->kw, ((const struct kw_sum *)b)->kw);
}

static int by_count(const void *a, const void *b)
{
	const struct kw_sum *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->kw, y->kw);
}

static long num(const bson_iter_t *it)
{
	return BSON_ITER_HOLDS_NUMBER(it) ? (long)bson_iter_as_int64(it) : 0;
}

/* Sum of one daily document's fields into the month. */
struct month_acc {
	long days, reviews, ratings[5], pos, neg, neu;
	long pcount, pmin, pmax, plast, pprev;
	long long psum;
	int64_t plast_at;
	int has_prices, has_prev, truncated;
	struct kw_sum *kw;
	size_t nkw, kwcap;
	struct aspect_count asp[32];
	int nasp;
	bson_iter_t survey;     /* the latest day's survey, when has_survey */
	int has_survey;
};

static int add_keywords(struct month_acc *m, bson_iter_t *arr)
{
	bson_iter_t el, f;

	while (bson_iter_next(arr)) {
		struct kw_sum k = { NULL, 0, 0, 0, 0 };
		if (!BSON_ITER_HOLDS_DOCUMENT(arr) || !bson_iter_recurse(arr, &el))
			continue;
		while (bson_iter_next(&el)) {
			const char *key = bson_iter_key(&el);
			if (strcmp(key, "keyword") == 0 && BSON_ITER_HOLDS_UTF8(&el))
				k.kw = bson_iter_utf8(&el, NULL);
			else if (strcmp(key, "count") == 0)
				k.count = num(&el);
			else if (strcmp(key, "positive") == 0)
				k.pos = num(&el);
			else if (strcmp(key, "negative") == 0)
				k.neg = num(&el);
			else if (strcmp(key, "neutral") == 0)
				k.neu = num(&el);
		}
		(void)f;
		if (k.kw == NULL)
			continue;
		if (m->nkw == m->kwcap) {
			size_t cap = m->kwcap ? m->kwcap * 2 : 256;
			struct kw_sum *v = realloc(m->kw, cap * sizeof(*v));
			if (v == NULL)
				return -1;
			m->kw = v;
			m->kwcap = cap;
		}
		m->kw[m->nkw++] = k;
	}
	return 0;
}

static void add_aspects(struct month_acc *m, bson_iter_t *arr)
{
	bson_iter_t el;

	while (bson_iter_next(arr)) {
		struct aspect_count a = { NULL, 0, 0, 0, 0 };
		int i;
		if (!BSON_ITER_HOLDS_DOCUMENT(arr) || !bson_iter_recurse(arr, &el))
			continue;
		while (bson_iter_next(&el)) {
			const char *key = bson_iter_key(&el);
			if (strcmp(key, "aspect") == 0 && BSON_ITER_HOLDS_UTF8(&el))
				a.name = bson_iter_utf8(&el, NULL);
			else if (strcmp(key, "reviews") == 0)
				a.reviews = num(&el);
			else if (strcmp(key, "positive") == 0)
				a.pos = num(&el);
			else if (strcmp(key, "negative") == 0)
				a.neg = num(&el);
			else if (strcmp(key, "neutral") == 0)
				a.neu = num(&el);
		}
		if (a.name == NULL)
			continue;
		for (i = 0; i < m->nasp && strcmp(m->asp[i].name, a.name) != 0; i++)
			;
		if (i == m->nasp) {
			if (m->nasp == (int)(sizeof(m->asp) / sizeof(m->asp[0])))
				continue;
			m->asp[m->nasp++] = (struct aspect_count){ a.name, 0, 0, 0, 0 };
		}
		m->asp[i].reviews += a.reviews;
		m->asp[i].pos += a.pos;
		m->asp[i].neg += a.neg;
		m->asp[i].neu += a.neu;
	}
}

static int add_day(struct month_acc *m, const bson_t *day)
{
	bson_iter_t it, sub;
	long pcount = 0, pmin = 0, pmax = 0, plast = 0, pprev = 0;
	long long psum = 0;
	int64_t plast_at = 0;
	int has_prev = 0;

	if (!bson_iter_init(&it, day))
		return 0;
	m->days++;
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);
		if (strcmp(k, "review_count") == 0) {
			m->reviews += num(&it);
		} else if (strcmp(k, "ratings") == 0 && BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &sub)) {
			for (int i = 0; i < 5 && bson_iter_next(&sub); i++)
				m->ratings[i] += num(&sub);
		} else if (strcmp(k, "positive") == 0) {
			m->pos += num(&it);
		} else if (strcmp(k, "negative") == 0) {
			m->neg += num(&it);
		} else if (strcmp(k, "neutral") == 0) {
			m->neu += num(&it);
		} else if (strcmp(k, "keywords") == 0 && BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &sub)) {
			if (add_keywords(m, &sub) == -1)
				return -1;
		} else if (strcmp(k, "keywords_truncated") == 0 && BSON_ITER_HOLDS_BOOL(&it)) {
			m->truncated |= bson_iter_bool(&it);
		} else if (strcmp(k, "aspects") == 0 && BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &sub)) {
			add_aspects(m, &sub);
		} else if (strcmp(k, "price_count") == 0) {
			pcount = num(&it);
		} else if (strcmp(k, "price_sum") == 0) {
			psum = BSON_ITER_HOLDS_NUMBER(&it) ? bson_iter_as_int64(&it) : 0;
		} else if (strcmp(k, "price_min") == 0) {
			pmin = num(&it);
		} else if (strcmp(k, "price_max") == 0) {
			pmax = num(&it);
		} else if (strcmp(k, "price_last") == 0) {
			plast = num(&it);
		} else if (strcmp(k, "price_last_at") == 0 && BSON_ITER_HOLDS_DATE_TIME(&it)) {
			plast_at = bson_iter_date_time(&it);
		} else if (strcmp(k, "price_prev") == 0 && BSON_ITER_HOLDS_NUMBER(&it)) {
			pprev = num(&it);
			has_prev = 1;
		} else if (strcmp(k, "survey") == 0 && BSON_ITER_HOLDS_DOCUMENT(&it)) {
			m->survey = it;
			m->has_survey = 1;
		}
	}
	if (pcount > 0) {
		if (!m->has_prices) {
			/* the month's first price day: its previous price is the month's */
			m->has_prev = has_prev;
			m->pprev = pprev;
			m->pmin = pmin;
			m->pmax = pmax;
		}
		if (pmin < m->pmin)
			m->pmin = pmin;
		if (pmax > m->pmax)
			m->pmax = pmax;
		m->has_prices = 1;
		m->pcount += pcount;
		m->psum += psum;
		m->plast = plast;
		m->plast_at = plast_at;
	}
	return 0;
}

int rollup_month_doc(bson_t *doc, long long pid, const char *month, const char *zone,
    const bson_t *const *days, int n)
{
	struct month_acc m;
	char id[48];
	bson_t arr;
	size_t nk = 0;
	int rc = 1;

	if (n == 0)
		return 0;
	memset(&m, 0, sizeof(m));
	for (int i = 0; i < n; i++)
		if (add_day(&m, days[i]) == -1) {
			rc = -1;
			goto out;
		}
	/* the same keyword on several days: one entry with the summed counts */
	if (m.nkw > 0) {
		qsort(m.kw, m.nkw, sizeof(*m.kw), by_keyword);
		for (size_t i = 0; i < m.nkw; i++) {
			if (nk > 0 && strcmp(m.kw[nk - 1].kw, m.kw[i].kw) == 0) {
				m.kw[nk - 1].count += m.kw[i].count;
				m.kw[nk - 1].pos += m.kw[i].pos;
				m.kw[nk - 1].neg += m.kw[i].neg;
				m.kw[nk - 1].neu += m.kw[i].neu;
			} else {
				m.kw[nk++] = m.kw[i];
			}
		}
		qsort(m.kw, nk, sizeof(*m.kw), by_count);
	}
	snprintf(id, sizeof(id), "%lld:%s", pid, month);
	BSON_APPEND_UTF8(doc, "_id", id);
	BSON_APPEND_INT64(doc, "product_id", pid);
	BSON_APPEND_UTF8(doc, "month", month);
	BSON_APPEND_UTF8(doc, "zone", zone);
	BSON_APPEND_INT64(doc, "days", m.days);
	put_reviews(doc, m.reviews, m.ratings, m.pos, m.neg, m.neu);
	BSON_APPEND_ARRAY_BEGIN(doc, "keywords", &arr);
	for (size_t i = 0; i < nk && i < ROLLUP_MONTH_KEYWORDS; i++)
		put_keyword(&arr, i, m.kw[i].kw, m.kw[i].count, m.kw[i].pos, m.kw[i].neg, m.kw[i].neu);
	bson_append_array_end(doc, &arr);
	if (nk > ROLLUP_MONTH_KEYWORDS || m.truncated)
		BSON_APPEND_BOOL(doc, "keywords_truncated", true);
	put_aspects(doc, m.asp, m.nasp);
	if (m.has_prices)
		put_prices(doc, m.pcount, m.psum, m.pmin, m.pmax, m.plast, m.plast_at, m.has_prev, m.pprev);
	if (m.has_survey)
		bson_append_iter(doc, "survey", -1, &m.survey);
out:
	free(m.kw);
	return rc;
}

/* ---------------------------------------------------------------- comparing */

static int same_iter(bson_iter_t *a, bson_iter_t *b, int top);

static int same_value(bson_iter_t *a, bson_iter_t *b)
{
	bson_iter_t x, y;

	if (BSON_ITER_HOLDS_NUMBER(a) && BSON_ITER_HOLDS_NUMBER(b)) {
		if (BSON_ITER_HOLDS_DOUBLE(a) || BSON_ITER_HOLDS_DOUBLE(b))
			return bson_iter_as_double(a) == bson_iter_as_double(b);
		return bson_iter_as_int64(a) == bson_iter_as_int64(b);
	}
	if (bson_iter_type(a) != bson_iter_type(b))
		return 0;
	switch (bson_iter_type(a)) {
	case BSON_TYPE_UTF8: {
		uint32_t la, lb;
		const char *sa = bson_iter_utf8(a, &la), *sb = bson_iter_utf8(b, &lb);
		return la == lb && memcmp(sa, sb, la) == 0;
	}
	case BSON_TYPE_DATE_TIME:
		return bson_iter_date_time(a) == bson_iter_date_time(b);
	case BSON_TYPE_BOOL:
		return bson_iter_bool(a) == bson_iter_bool(b);
	case BSON_TYPE_NULL:
		return 1;
	case BSON_TYPE_DOCUMENT:
	case BSON_TYPE_ARRAY:
		return bson_iter_recurse(a, &x) && bson_iter_recurse(b, &y) && same_iter(&x, &y, 0);
	default:
		return 0;
	}
}

static int next_field(bson_iter_t *it, int top)
{
	while (bson_iter_next(it))
		if (!top || strcmp(bson_iter_key(it), "updated_at") != 0)
			return 1;
	return 0;
}

static int same_iter(bson_iter_t *a, bson_iter_t *b, int top)
{
	for (;;) {
		int na = next_field(a, top), nb = next_field(b, top);
		if (na != nb)
			return 0;
		if (!na)
			return 1;
		if (strcmp(bson_iter_key(a), bson_iter_key(b)) != 0 || !same_value(a, b))
			return 0;
	}
}

int rollup_same(const bson_t *a, const bson_t *b)
{
	bson_iter_t x, y;

	return bson_iter_init(&x, a) && bson_iter_init(&y, b) && same_iter(&x, &y, 1);
}
