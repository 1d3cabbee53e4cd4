/* chunk.c — rolling the plan up: products in chunks (aggregator.h), each
 * chunk read with one query per source, each product written on its own.
 *
 * Per chunk: one PostgreSQL query for the prices of every planned (product, day)
 * (count, sum, min, max, the day's last observation and the last one before the
 * day), one MongoDB query for the survey snapshots, and one for the raw reviews of
 * the chunk's products in the span of their planned days, sorted by product and
 * date, so the reviews stream through one product at a time (memory: one product's
 * planned days). A review outside its product's planned days is skipped unread.
 *
 * Per product: its planned days' documents are built; the stored daily documents of
 * every month it touches, and its stored monthly documents, are read by _id (the
 * MongoDB stand-in uses an index only for _id lists and exact unique keys); a day
 * whose document differs is replaced whole (upsert by _id), one with no data any
 * more deleted, an unchanged one left alone; each touched month is rebuilt from its
 * daily documents (stored ones for the days not planned) the same way. Only after
 * both writes succeeded are the product's claimed pending rows deleted, and only
 * those whose queued_at has not moved. A failed product stays pending.
 */
#include "aggregator/aggregator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aggregator/period.h"
#include "aggregator/rollup.h"
#include "lib/log.h"
#include "lib/review_days.h"

struct price_row {
	long long pid;
	int32_t day;
	struct rollup_prices p;
};

struct tag_row {
	long long pid;
	int32_t day;
	struct rollup_tag t;    /* strings owned here */
};

/* A raw review as the rollups read it; the strings point into doc. */
struct rev {
	long long pid;
	int64_t at;
	int rating;
	const char *text, *id;
	uint32_t len;
	bson_t *doc;            /* owned in a fetched batch; the cursor's otherwise */
};

struct chunk {
	struct agg_product *pv; /* the chunk's products, borrowed */
	int n;
	struct price_row *prices;
	int nprices;
	struct tag_row *tags;
	int ntags;
	mongoc_collection_t *reviews;
	/* the reviews come from one of two streams, sorted by product and date:
	 * range mode: a query of the chunk's products over its span */
	mongoc_cursor_t *cur;
	/* pending mode: the planned days' reviews by _id, from the index of each day's
	 * reviews (lib/review_days.h), in batches sorted as they arrive */
	char **ids;             /* grouped by product in chunk order, owned */
	int nids, next_id;
	struct rev *buf;
	int nbuf, bi;
	struct rev rv;          /* the stream's current review */
	int live;
	int failed;             /* the stream stopped on an error */
	int pi, ti;             /* next price and tag rows: products come in id order */
};

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static unsigned char arena_mem[KR_ARENA_SIZE];
static struct kr_arena arena;
static struct kr_result res;

/* ---------------------------------------------------------------- reading */

static int load_prices(struct agg_run *r, struct chunk *c)
{
	json_object *a = json_object_new_array();
	const char *p[2] = { NULL, r->cfg->aggregator_timezone };
	char day[PERIOD_DATE_LEN];
	int rc = -1, n;

	for (int i = 0; i < c->n; i++)
		for (int j = 0; j < c->pv[i].ndays; j++) {
			json_object *e = json_object_new_object();
			period_format_date(c->pv[i].days[j], day);
			json_object_object_add(e, "p", json_object_new_int64(c->pv[i].pid));
			json_object_object_add(e, "d", json_object_new_string(day));
			json_object_array_add(a, e);
		}
	p[0] = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);
	/* the last observation of a time: ties between collectors by source, so every
	 * run picks the same */
	if (pg_exec(&r->pg, "WITH b AS (SELECT t.p, t.d, (t.d::timestamp AT TIME ZONE $2) AS s, "
	    "  ((t.d + 1)::timestamp AT TIME ZONE $2) AS e FROM jsonb_to_recordset($1::jsonb) AS t(p bigint, d date)) "
	    "SELECT b.p, to_char(b.d, 'YYYY-MM-DD'), a.n, a.total, a.mn, a.mx, l.price, "
	    "  round(extract(epoch FROM l.observed_at) * 1000)::bigint, pv.price "
	    "FROM b CROSS JOIN LATERAL (SELECT count(*) AS n, sum(price) AS total, min(price) AS mn, max(price) AS mx "
	    "  FROM price_observations o WHERE o.product_id = b.p AND o.observed_at >= b.s AND o.observed_at < b.e) a "
	    "CROSS JOIN LATERAL (SELECT price, observed_at FROM price_observations o WHERE o.product_id = b.p "
	    "  AND o.observed_at >= b.s AND o.observed_at < b.e ORDER BY o.observed_at DESC, o.source DESC LIMIT 1) l "
	    "LEFT JOIN LATERAL (SELECT price FROM price_observations o WHERE o.product_id = b.p "
	    "  AND o.observed_at < b.s ORDER BY o.observed_at DESC, o.source DESC LIMIT 1) pv ON true "
	    "ORDER BY b.p, b.d", 2, p) == -1) {
		snprintf(r->err, sizeof(r->err), "PostgreSQL: %s", r->pg.err);
		goto out;
	}
	n = pg_ntuples(&r->pg);
	if (n > 0 && (c->prices = calloc((size_t)n, sizeof(*c->prices))) == NULL) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct price_row *pr = &c->prices[c->nprices];
		pr->pid = pg_value_ll(&r->pg, i, 0);
		if (period_parse_date(pg_value(&r->pg, i, 1), &pr->day) == -1)
			continue;
		pr->p.count = (long)pg_value_ll(&r->pg, i, 2);
		pr->p.sum = pg_value_ll(&r->pg, i, 3);
		pr->p.min = (long)pg_value_ll(&r->pg, i, 4);
		pr->p.max = (long)pg_value_ll(&r->pg, i, 5);
		pr->p.last = (long)pg_value_ll(&r->pg, i, 6);
		pr->p.last_at_ms = pg_value_ll(&r->pg, i, 7);
		pr->p.has_prev = pg_value(&r->pg, i, 8) != NULL;
		pr->p.prev = (long)pg_value_ll(&r->pg, i, 8);
		c->nprices++;
	}
	pg_clear(&r->pg);
	rc = 0;
out:
	json_object_put(a);
	return rc;
}

static int by_tag(const void *a, const void *b)
{
	const struct tag_row *x = a, *y = b;
	int c;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	if ((c = strcmp(x->t.question, y->t.question)) != 0)
		return c;
	if (x->t.percent != y->t.percent)
		return x->t.percent > y->t.percent ? -1 : 1;
	return strcmp(x->t.answer, y->t.answer);
}

static void pid_list(bson_t *doc, const struct chunk *c)
{
	bson_t in;
	char key[16];

	BSON_APPEND_DOCUMENT_BEGIN(doc, "product_id", &in);
	{
		bson_t arr;
		BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
		for (int i = 0; i < c->n; i++) {
			snprintf(key, sizeof(key), "%d", i);
			BSON_APPEND_INT64(&arr, key, c->pv[i].pid);
		}
		bson_append_array_end(&in, &arr);
	}
	bson_append_document_end(doc, &in);
}

/* The chunk's planned span: its first and last planned day. */
static void span(const struct chunk *c, int32_t *lo, int32_t *hi)
{
	*lo = INT32_MAX;
	*hi = INT32_MIN;
	for (int i = 0; i < c->n; i++)
		if (c->pv[i].ndays > 0) {
			if (c->pv[i].days[0] < *lo)
				*lo = c->pv[i].days[0];
			if (c->pv[i].days[c->pv[i].ndays - 1] > *hi)
				*hi = c->pv[i].days[c->pv[i].ndays - 1];
		}
}

static int load_tags(struct agg_run *r, struct chunk *c)
{
	mongoc_collection_t *coll = mongoc_client_get_collection(r->mongo.client, r->mongo.dbname,
	    "coupang_keyword_tags");
	mongoc_cursor_t *cur;
	bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, sub;
	const bson_t *doc;
	bson_error_t error;
	char lo_s[PERIOD_DATE_LEN], hi_s[PERIOD_DATE_LEN];
	int32_t lo, hi;
	int cap = 0, rc = 0;

	span(c, &lo, &hi);
	period_format_date(lo, lo_s);
	period_format_date(hi, hi_s);
	pid_list(&filter, c);
	BSON_APPEND_DOCUMENT_BEGIN(&filter, "snapshot_date", &sub);
	BSON_APPEND_UTF8(&sub, "$gte", lo_s);
	BSON_APPEND_UTF8(&sub, "$lte", hi_s);
	bson_append_document_end(&filter, &sub);
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "projection", &sub);
	BSON_APPEND_INT32(&sub, "_id", 0);
	BSON_APPEND_INT32(&sub, "product_id", 1);
	BSON_APPEND_INT32(&sub, "snapshot_date", 1);
	BSON_APPEND_INT32(&sub, "category", 1);
	BSON_APPEND_INT32(&sub, "tag", 1);
	BSON_APPEND_INT32(&sub, "percent", 1);
	bson_append_document_end(&opts, &sub);
	cur = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
	while (mongoc_cursor_next(cur, &doc)) {
		struct tag_row t = { 0, 0, { NULL, NULL, 0 } };
		const char *q = NULL, *a = NULL;
		bson_iter_t it;
		int ok = 0;
		if (!bson_iter_init(&it, doc))
			continue;
		while (bson_iter_next(&it)) {
			const char *k = bson_iter_key(&it);
			if (strcmp(k, "product_id") == 0 && BSON_ITER_HOLDS_NUMBER(&it))
				t.pid = bson_iter_as_int64(&it);
			else if (strcmp(k, "snapshot_date") == 0 && BSON_ITER_HOLDS_UTF8(&it))
				ok = period_parse_date(bson_iter_utf8(&it, NULL), &t.day) == 0;
			else if (strcmp(k, "category") == 0 && BSON_ITER_HOLDS_UTF8(&it))
				q = bson_iter_utf8(&it, NULL);
			else if (strcmp(k, "tag") == 0 && BSON_ITER_HOLDS_UTF8(&it))
				a = bson_iter_utf8(&it, NULL);
			else if (strcmp(k, "percent") == 0 && BSON_ITER_HOLDS_NUMBER(&it))
				t.t.percent = bson_iter_as_double(&it);
		}
		if (!ok || q == NULL || a == NULL)
			continue;
		if (c->ntags == cap) {
			int ncap = cap ? cap * 2 : 64;
			struct tag_row *v = realloc(c->tags, (size_t)ncap * sizeof(*v));
			if (v == NULL) {
				snprintf(r->err, sizeof(r->err), "out of memory");
				rc = -1;
				break;
			}
			c->tags = v;
			cap = ncap;
		}
		t.t.question = strdup(q);
		t.t.answer = strdup(a);
		c->tags[c->ntags++] = t;
		if (t.t.question == NULL || t.t.answer == NULL) {
			snprintf(r->err, sizeof(r->err), "out of memory");
			rc = -1;
			break;
		}
	}
	if (rc == 0 && mongoc_cursor_error(cur, &error)) {
		snprintf(r->err, sizeof(r->err), "MongoDB: survey tags: %s", error.message);
		rc = -1;
	}
	if (c->ntags > 0)
		qsort(c->tags, (size_t)c->ntags, sizeof(*c->tags), by_tag);
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(coll);
	bson_destroy(&filter);
	bson_destroy(&opts);
	return rc;
}

/* Read a raw review's fields into v (pointing into doc). 1 when it has all of them. */
static int rev_parse(const bson_t *doc, struct rev *v)
{
	bson_iter_t it;
	int have_pid = 0, have_at = 0;

	memset(v, 0, sizeof(*v));
	if (!bson_iter_init(&it, doc))
		return 0;
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);
		if (strcmp(k, "product_id") == 0 && BSON_ITER_HOLDS_NUMBER(&it)) {
			v->pid = bson_iter_as_int64(&it);
			have_pid = 1;
		} else if (strcmp(k, "review_date") == 0 && BSON_ITER_HOLDS_DATE_TIME(&it)) {
			v->at = bson_iter_date_time(&it);
			have_at = 1;
		} else if (strcmp(k, "rating") == 0 && BSON_ITER_HOLDS_NUMBER(&it)) {
			v->rating = (int)bson_iter_as_int64(&it);
		} else if (strcmp(k, "text") == 0 && BSON_ITER_HOLDS_UTF8(&it)) {
			v->text = bson_iter_utf8(&it, &v->len);
		} else if (strcmp(k, "_id") == 0 && BSON_ITER_HOLDS_UTF8(&it)) {
			v->id = bson_iter_utf8(&it, NULL);
		}
	}
	return have_pid && have_at && v->text != NULL && v->id != NULL;
}

static void review_projection(bson_t *opts)
{
	bson_t sub;

	BSON_APPEND_DOCUMENT_BEGIN(opts, "projection", &sub);
	BSON_APPEND_INT32(&sub, "product_id", 1);
	BSON_APPEND_INT32(&sub, "rating", 1);
	BSON_APPEND_INT32(&sub, "text", 1);
	BSON_APPEND_INT32(&sub, "review_date", 1);
	bson_append_document_end(opts, &sub);
}

static int by_rev(const void *a, const void *b)
{
	const struct rev *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->at > y->at) - (x->at < y->at);
}

static void buf_free(struct chunk *c)
{
	for (int i = 0; i < c->nbuf; i++)
		bson_destroy(c->buf[i].doc);
	c->nbuf = c->bi = 0;
}

/* Fetch the next AGG_ID_BATCH ids' reviews into c->buf, sorted. 0, or -1. */
static int fetch_batch(struct chunk *c)
{
	bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, in, arr;
	mongoc_cursor_t *cur;
	const bson_t *doc;
	bson_error_t error;
	char key[16];
	int n = c->nids - c->next_id < AGG_ID_BATCH ? c->nids - c->next_id : AGG_ID_BATCH, rc = 0;

	buf_free(c);
	BSON_APPEND_DOCUMENT_BEGIN(&filter, "_id", &in);
	BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%d", i);
		BSON_APPEND_UTF8(&arr, key, c->ids[c->next_id + i]);
	}
	bson_append_array_end(&in, &arr);
	bson_append_document_end(&filter, &in);
	c->next_id += n;
	review_projection(&opts);
	cur = mongoc_collection_find_with_opts(c->reviews, &filter, &opts, NULL);
	while (mongoc_cursor_next(cur, &doc)) {
		bson_t *copy;
		if (c->nbuf == n)       /* more documents than ids: not from _id $in */
			break;
		if ((copy = bson_copy(doc)) == NULL) {
			rc = -1;
			break;
		}
		if (!rev_parse(copy, &c->buf[c->nbuf])) {
			bson_destroy(copy);
			continue;
		}
		c->buf[c->nbuf++].doc = copy;
	}
	if (mongoc_cursor_error(cur, &error)) {
		log_error("reviews: MongoDB: %s", error.message);
		rc = -1;
	}
	mongoc_cursor_destroy(cur);
	bson_destroy(&filter);
	bson_destroy(&opts);
	qsort(c->buf, (size_t)c->nbuf, sizeof(*c->buf), by_rev);
	return rc;
}

/* Advance the review stream to the next readable review. */
static void stream_next(struct chunk *c)
{
	const bson_t *doc;
	bson_error_t error;

	if (c->cur == NULL) {
		while (c->bi == c->nbuf && c->next_id < c->nids)
			if (fetch_batch(c) == -1) {
				c->failed = 1;
				break;
			}
		if (c->bi < c->nbuf && !c->failed)
			c->rv = c->buf[c->bi++];
		else
			c->live = 0;
		return;
	}
	while (mongoc_cursor_next(c->cur, &doc))
		if (rev_parse(doc, &c->rv))
			return;
	c->live = 0;
	if (mongoc_cursor_error(c->cur, &error)) {
		log_error("reviews: MongoDB: %s", error.message);
		c->failed = 1;
	}
}

/* Range mode: the chunk's reviews over its span, one query. */
static void open_range(struct chunk *c)
{
	bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, sub;
	int32_t lo, hi;

	span(c, &lo, &hi);
	pid_list(&filter, c);
	BSON_APPEND_DOCUMENT_BEGIN(&filter, "review_date", &sub);
	BSON_APPEND_DATE_TIME(&sub, "$gte", period_day_start_ms(lo));
	BSON_APPEND_DATE_TIME(&sub, "$lt", period_day_start_ms(hi + 1));
	bson_append_document_end(&filter, &sub);
	review_projection(&opts);
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "sort", &sub);
	BSON_APPEND_INT32(&sub, "product_id", 1);
	BSON_APPEND_INT32(&sub, "review_date", 1);
	bson_append_document_end(&opts, &sub);
	BSON_APPEND_INT32(&opts, "batchSize", 2000);
	c->cur = mongoc_collection_find_with_opts(c->reviews, &filter, &opts, NULL);
	bson_destroy(&filter);
	bson_destroy(&opts);
}

/* A review's _id on an index day (read_index) or found on a day (index_repair). */
struct pid_id {
	long long pid;
	int32_t day;
	char *id;               /* owned */
};

static void pid_id_free(struct pid_id *v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i].id);
	free(v);
}

/* Append (pid, day, id) to *v. 0, or -1 when out of memory. */
static int pid_id_add(struct pid_id **v, int *n, int *cap, long long pid, int32_t day, const char *id)
{
	if (*n == *cap) {
		int ncap = *cap ? *cap * 2 : 1024;
		struct pid_id *nv = realloc(*v, (size_t)ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		*v = nv;
		*cap = ncap;
	}
	if (((*v)[*n].id = strdup(id)) == NULL)
		return -1;
	(*v)[*n].pid = pid;
	(*v)[(*n)++].day = day;
	return 0;
}

static int by_day_id(const void *a, const void *b)
{
	const struct pid_id *x = a, *y = b;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int by_pid_id(const void *a, const void *b)
{
	const struct pid_id *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Read the index documents of keys[0..n) and append their (product, day, id)
 * entries to *v. 0, or -1 (r->err). */
static int read_index(struct agg_run *r, mongoc_collection_t *coll, char (*keys)[REVIEW_DAYS_KEY], int n,
    struct pid_id **v, int *nv, int *cap)
{
	bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, in, arr, sub;
	mongoc_cursor_t *cur;
	const bson_t *doc;
	bson_error_t error;
	char key[16];
	int rc = 0;

	BSON_APPEND_DOCUMENT_BEGIN(&filter, "_id", &in);
	BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%d", i);
		BSON_APPEND_UTF8(&arr, key, keys[i]);
	}
	bson_append_array_end(&in, &arr);
	bson_append_document_end(&filter, &in);
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "projection", &sub);
	BSON_APPEND_INT32(&sub, "product_id", 1);
	BSON_APPEND_INT32(&sub, "day", 1);
	BSON_APPEND_INT32(&sub, "ids", 1);
	bson_append_document_end(&opts, &sub);
	cur = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
	while (rc == 0 && mongoc_cursor_next(cur, &doc)) {
		bson_iter_t it, ids;
		long long pid;
		int32_t day;
		if (!bson_iter_init_find(&it, doc, "product_id") || !BSON_ITER_HOLDS_NUMBER(&it))
			continue;
		pid = bson_iter_as_int64(&it);
		if (!bson_iter_init_find(&it, doc, "ids") || !BSON_ITER_HOLDS_ARRAY(&it) ||
		    !bson_iter_recurse(&it, &ids))
			continue;
		if (!bson_iter_init_find(&it, doc, "day") || !BSON_ITER_HOLDS_UTF8(&it) ||
		    period_parse_date(bson_iter_utf8(&it, NULL), &day) == -1)
			continue;
		while (rc == 0 && bson_iter_next(&ids))
			if (BSON_ITER_HOLDS_UTF8(&ids))
				rc = pid_id_add(v, nv, cap, pid, day, bson_iter_utf8(&ids, NULL));
	}
	if (rc == -1)
		snprintf(r->err, sizeof(r->err), "out of memory");
	else if (mongoc_cursor_error(cur, &error)) {
		snprintf(r->err, sizeof(r->err), "MongoDB: %s: %s", REVIEW_DAYS_COLLECTION, error.message);
		rc = -1;
	}
	mongoc_cursor_destroy(cur);
	bson_destroy(&filter);
	bson_destroy(&opts);
	return rc;
}

/* Pending mode: the _ids of the reviews of the chunk's planned days, from the index
 * documents of the days they overlap. 0, or -1 (r->err). */
static int open_by_index(struct agg_run *r, struct chunk *c)
{
	mongoc_collection_t *coll = mongoc_client_get_collection(r->mongo.client, r->mongo.dbname,
	    REVIEW_DAYS_COLLECTION);
	char (*keys)[REVIEW_DAYS_KEY] = malloc(sizeof(*keys) * AGG_ID_BATCH);
	struct pid_id *v = NULL;
	int nk = 0, nv = 0, cap = 0, rc = 0;

	if (keys == NULL) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		rc = -1;
	}
	for (int i = 0; i < c->n && rc == 0; i++) {
		const struct agg_product *p = &c->pv[i];
		int32_t last = INT32_MIN;
		for (int j = 0; j < p->ndays && rc == 0; j++) {
			int32_t lo, hi;
			review_days_span(period_day_start_ms(p->days[j]), period_day_start_ms(p->days[j] + 1), &lo, &hi);
			for (int32_t d = lo > last ? lo : last + 1; d <= hi && rc == 0; d++) {
				review_days_key(p->pid, d, keys[nk++]);
				if (nk == AGG_ID_BATCH) {
					rc = read_index(r, coll, keys, nk, &v, &nv, &cap);
					nk = 0;
				}
			}
			if (hi > last)
				last = hi;
		}
	}
	if (rc == 0 && nk > 0)
		rc = read_index(r, coll, keys, nk, &v, &nv, &cap);
	if (rc == 0 && nv > 0) {
		/* grouped by product, each id once (a moved review may be on two days) */
		qsort(v, (size_t)nv, sizeof(*v), by_pid_id);
		if ((c->ids = malloc(sizeof(*c->ids) * (size_t)nv)) == NULL ||
		    (c->buf = malloc(sizeof(*c->buf) * AGG_ID_BATCH)) == NULL) {
			snprintf(r->err, sizeof(r->err), "out of memory");
			rc = -1;
		}
		for (int i = 0; i < nv && rc == 0; i++)
			if (c->nids == 0 || strcmp(c->ids[c->nids - 1], v[i].id) != 0) {
				c->ids[c->nids++] = v[i].id;
				v[i].id = NULL;
			}
	}
	pid_id_free(v, nv);
	free(keys);
	mongoc_collection_destroy(coll);
	return rc;
}

/* ---------------------------------------------------------------- stored documents */

struct stored {
	int32_t day;            /* the date, or the month's first day */
	bson_t *doc;            /* owned */
};

static int by_stored_day(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

static int by_stored(const void *a, const void *b)
{
	int32_t x = ((const struct stored *)a)->day, y = ((const struct stored *)b)->day;

	return (x > y) - (x < y);
}

static void stored_free(struct stored *v, int n)
{
	for (int i = 0; i < n; i++)
		bson_destroy(v[i].doc);
	free(v);
}

static bson_t *stored_find(struct stored *v, int n, int32_t day)
{
	struct stored key = { day, NULL }, *s;

	if (n == 0)
		return NULL;
	s = bsearch(&key, v, (size_t)n, sizeof(*v), by_stored);
	return s != NULL ? s->doc : NULL;
}

/* The documents of collection whose _id is "pid:<period>" for each period key in
 * keys (an array of "YYYY-MM-DD" or "YYYY-MM"), sorted by day. 0 or -1 (r->err). */
static int read_stored(struct agg_run *r, const char *collection, long long pid, json_object *keys,
    struct stored **out, int *nout)
{
	mongoc_collection_t *coll = mongoc_client_get_collection(r->mongo.client, r->mongo.dbname, collection);
	mongoc_cursor_t *cur;
	bson_t filter = BSON_INITIALIZER, in, arr;
	const bson_t *doc;
	bson_error_t error;
	struct stored *v = NULL;
	int n = 0, cap = 0, rc = 0;
	size_t nk = json_object_array_length(keys);
	char key[24], id[48];

	BSON_APPEND_DOCUMENT_BEGIN(&filter, "_id", &in);
	BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
	for (size_t i = 0; i < nk; i++) {
		snprintf(key, sizeof(key), "%zu", i);
		snprintf(id, sizeof(id), "%lld:%s", pid, json_object_get_string(json_object_array_get_idx(keys, i)));
		BSON_APPEND_UTF8(&arr, key, id);
	}
	bson_append_array_end(&in, &arr);
	bson_append_document_end(&filter, &in);
	cur = mongoc_collection_find_with_opts(coll, &filter, NULL, NULL);
	while (mongoc_cursor_next(cur, &doc)) {
		bson_iter_t it;
		const char *per, *colon;
		char date[PERIOD_DATE_LEN];
		int32_t day;
		if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_UTF8(&it))
			continue;
		per = bson_iter_utf8(&it, NULL);
		if ((colon = strchr(per, ':')) == NULL)
			continue;
		snprintf(date, sizeof(date), strlen(colon + 1) == 7 ? "%s-01" : "%s", colon + 1);
		if (period_parse_date(date, &day) == -1)
			continue;
		if (n == cap) {
			int ncap = cap ? cap * 2 : 32;
			struct stored *nv = realloc(v, (size_t)ncap * sizeof(*nv));
			if (nv == NULL) {
				snprintf(r->err, sizeof(r->err), "out of memory");
				rc = -1;
				break;
			}
			v = nv;
			cap = ncap;
		}
		v[n].day = day;
		v[n++].doc = bson_copy(doc);
	}
	if (rc == 0 && mongoc_cursor_error(cur, &error)) {
		snprintf(r->err, sizeof(r->err), "MongoDB: %s: %s", collection, error.message);
		rc = -1;
	}
	if (n > 0)
		qsort(v, (size_t)n, sizeof(*v), by_stored);
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(coll);
	bson_destroy(&filter);
	if (rc == -1) {
		stored_free(v, n);
		v = NULL;
		n = 0;
	}
	*out = v;
	*nout = n;
	return rc;
}

/* ---------------------------------------------------------------- writing */

struct writes {
	mongoc_bulk_operation_t *bulk;
	long ops;
};

static void say(const struct agg_run *r, const char *what, long long pid, const char *period)
{
	if (r->o.dry_run)
		printf("%s %lld %s\n", what, pid, period);
}

/* Decide one period: fresh (NULL: no data any more) against stored (NULL: none).
 * Queues the write on w unless dry-run; counts into written/unchanged/deleted. */
static int decide(struct agg_run *r, mongoc_collection_t *coll, struct writes *w, long long pid,
    const char *period, const bson_t *fresh, const bson_t *stored, long *written, long *unchanged,
    long *deleted)
{
	bson_t sel = BSON_INITIALIZER, doc = BSON_INITIALIZER, opts = BSON_INITIALIZER;
	bson_error_t error;
	char id[48];
	int rc = 0, queued = 1;

	snprintf(id, sizeof(id), "%lld:%s", pid, period);
	if (fresh == NULL && stored == NULL)
		goto out;
	if (fresh != NULL && stored != NULL && rollup_same(fresh, stored)) {
		(*unchanged)++;
		goto out;
	}
	if (fresh == NULL) {
		(*deleted)++;
		say(r, "deleted", pid, period);
	} else {
		(*written)++;
		say(r, stored == NULL ? "new" : "changed", pid, period);
	}
	if (r->o.dry_run)
		goto out;
	if (w->bulk == NULL) {
		bson_t bopts = BSON_INITIALIZER;
		BSON_APPEND_BOOL(&bopts, "ordered", false);
		w->bulk = mongoc_collection_create_bulk_operation_with_opts(coll, &bopts);
		bson_destroy(&bopts);
	}
	BSON_APPEND_UTF8(&sel, "_id", id);
	if (fresh == NULL) {
		queued = mongoc_bulk_operation_remove_one_with_opts(w->bulk, &sel, NULL, &error);
	} else if (stored == NULL) {
		/* none was stored a moment ago and only this run writes (the lock): an insert,
		 * which the stand-in does without the lookup an upsert costs; should one
		 * appear meanwhile, the duplicate fails the product, which stays pending */
		bson_concat(&doc, fresh);
		BSON_APPEND_DATE_TIME(&doc, "updated_at", r->now_ms);
		queued = mongoc_bulk_operation_insert_with_opts(w->bulk, &doc, NULL, &error);
	} else {
		bson_concat(&doc, fresh);
		BSON_APPEND_DATE_TIME(&doc, "updated_at", r->now_ms);
		BSON_APPEND_BOOL(&opts, "upsert", true);
		queued = mongoc_bulk_operation_replace_one_with_opts(w->bulk, &sel, &doc, &opts, &error);
	}
	if (!queued) {
		snprintf(r->err, sizeof(r->err), "MongoDB: %s", error.message);
		rc = -1;
	}
	w->ops++;
out:
	bson_destroy(&sel);
	bson_destroy(&doc);
	bson_destroy(&opts);
	return rc;
}

static int flush(struct agg_run *r, struct writes *w, const char *what)
{
	bson_t reply;
	bson_error_t error;
	int ok = 1;

	if (w->ops > 0 && w->bulk != NULL) {
		ok = (int)mongoc_bulk_operation_execute(w->bulk, &reply, &error);
		if (!ok)
			snprintf(r->err, sizeof(r->err), "MongoDB: %s: %s", what, error.message);
		bson_destroy(&reply);
	}
	if (w->bulk != NULL)
		mongoc_bulk_operation_destroy(w->bulk);
	w->bulk = NULL;
	w->ops = 0;
	return ok ? 0 : -1;
}

/* Range mode: add the product's reviews found in the range (found[0..n), its own
 * day each) to the index documents that lack them — reviews stored before the index
 * existed, or an index restored from an older backup. Only additions: an entry the
 * range did not see may belong to a review outside it. 0, or -1 (r->err). */
static int index_repair(struct agg_run *r, long long pid, struct pid_id *found, int n, struct writes *w)
{
	mongoc_collection_t *coll = mongoc_client_get_collection(r->mongo.client, r->mongo.dbname,
	    REVIEW_DAYS_COLLECTION);
	char (*keys)[REVIEW_DAYS_KEY] = NULL;
	const char **missing = NULL;
	struct pid_id *stored = NULL;
	int nk = 0, ns = 0, cap = 0, rc = -1;
	bson_error_t error;

	if (n == 0) {
		rc = 0;
		goto out;
	}
	qsort(found, (size_t)n, sizeof(*found), by_day_id);
	keys = malloc(sizeof(*keys) * (size_t)n);
	missing = malloc(sizeof(*missing) * (size_t)n);
	if (keys == NULL || missing == NULL) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (i == 0 || found[i].day != found[i - 1].day)
			review_days_key(pid, found[i].day, keys[nk++]);
	for (int i = 0; i < nk; i += AGG_ID_BATCH)
		if (read_index(r, coll, keys + i, nk - i < AGG_ID_BATCH ? nk - i : AGG_ID_BATCH,
		    &stored, &ns, &cap) == -1)
			goto out;
	if (ns > 0)
		qsort(stored, (size_t)ns, sizeof(*stored), by_day_id);
	for (int i = 0, j, si = 0; i < n; i = j) {
		int nm = 0;
		for (j = i; j < n && found[j].day == found[i].day; j++) {
			int c = 1;
			while (si < ns && (stored[si].day < found[j].day ||
			    (stored[si].day == found[j].day && (c = strcmp(stored[si].id, found[j].id)) < 0)))
				si++;
			if (si >= ns || stored[si].day != found[j].day || c != 0)
				missing[nm++] = found[j].id;
		}
		if (nm == 0)
			continue;
		if (w->bulk == NULL) {
			bson_t bopts = BSON_INITIALIZER;
			BSON_APPEND_BOOL(&bopts, "ordered", false);
			w->bulk = mongoc_collection_create_bulk_operation_with_opts(coll, &bopts);
			bson_destroy(&bopts);
		}
		if (!review_days_add(w->bulk, pid, found[i].day, missing, nm, &error)) {
			snprintf(r->err, sizeof(r->err), "MongoDB: %s", error.message);
			goto out;
		}
		w->ops++;
		r->n.indexed += nm;
	}
	rc = 0;
out:
	pid_id_free(stored, ns);
	free(keys);
	free(missing);
	mongoc_collection_destroy(coll);
	return rc;
}

/* Delete the product's pending rows this run claimed (pending mode: those whose
 * queued_at has not moved; range mode: the range's, queued before the run). */
static int clear_pending(struct agg_run *r, const struct agg_product *p)
{
	char pid[24], from[PERIOD_DATE_LEN], to[PERIOD_DATE_LEN];
	const char *a[4] = { pid, NULL, NULL, NULL };
	int rc;

	snprintf(pid, sizeof(pid), "%lld", p->pid);
	if (r->o.has_range) {
		period_format_date(r->o.from, from);
		period_format_date(r->o.to, to);
		a[1] = from;
		a[2] = to;
		a[3] = r->started;
		rc = pg_exec(&r->pg, "DELETE FROM rollup_pending WHERE product_id = $1 AND day BETWEEN $2 AND $3 "
		    "AND queued_at < $4::timestamptz", 4, a);
	} else {
		if (p->claimed == NULL)
			return 0;
		a[1] = json_object_to_json_string_ext(p->claimed, JSON_C_TO_STRING_PLAIN);
		rc = pg_exec(&r->pg, "DELETE FROM rollup_pending AS r USING jsonb_to_recordset($2::jsonb) "
		    "AS t(d date, q timestamptz) WHERE r.product_id = $1 AND r.day = t.d AND r.queued_at = t.q", 2, a);
	}
	if (rc == -1)
		snprintf(r->err, sizeof(r->err), "PostgreSQL: %s", r->pg.err);
	pg_clear(&r->pg);
	return rc;
}

/* ---------------------------------------------------------------- one product */

static int process_product(struct agg_run *r, struct chunk *c, struct agg_product *p)
{
	struct rollup_day *dv = calloc((size_t)p->ndays + 1, sizeof(*dv));
	bson_t **fresh = calloc((size_t)p->ndays + 1, sizeof(*fresh));
	json_object *dkeys = json_object_new_array(), *mkeys = json_object_new_array();
	struct stored *sd = NULL, *sm = NULL;
	int nsd = 0, nsm = 0, rc = -1;
	struct period_cache pc;
	mongoc_collection_t *dcoll = NULL, *mcoll = NULL;
	struct writes wd = { NULL, 0 }, wm = { NULL, 0 }, wi = { NULL, 0 };
	struct pid_id *found = NULL;    /* range mode: the reviews seen, for index_repair() */
	int nfound = 0, foundcap = 0, repair = r->o.has_range && !r->o.dry_run;
	char date[PERIOD_DATE_LEN], month[PERIOD_MONTH_LEN];
	struct agg_counts n = { 0 };
	const char *zone = r->cfg->aggregator_timezone;
	struct timespec t0;
	double t_an = 0;

	if (dv == NULL || fresh == NULL) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		goto out;
	}
	for (int i = 0; i < p->ndays; i++)
		rollup_day_init(&dv[i]);
	/* the product's reviews: the stream is sorted by product, then date */
	period_cache_init(&pc);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (c->live && c->rv.pid < p->pid)
		stream_next(c);
	while (c->live && c->rv.pid == p->pid) {
		int32_t d = period_cache_day(&pc, c->rv.at);
		int32_t *hit = bsearch(&d, p->days, (size_t)p->ndays, sizeof(*p->days), by_stored_day);
		if (hit != NULL) {
			struct timespec t1;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			kr_analyze(r->model, c->rv.text, c->rv.len, &res, &arena);
			if (rollup_day_add(&dv[hit - p->days], c->rv.rating, &res) == -1)
				log_warn("product %lld: out of memory counting keywords", p->pid);
			n.reviews++;
			t_an += since(&t1);
		}
		if (repair && pid_id_add(&found, &nfound, &foundcap, p->pid, review_days_day(c->rv.at), c->rv.id) == -1) {
			snprintf(r->err, sizeof(r->err), "out of memory");
			goto out;
		}
		stream_next(c);
	}
	r->n.t_analyze += t_an;
	r->n.t_reviews += since(&t0) - t_an;
	if (c->failed) {
		snprintf(r->err, sizeof(r->err), "MongoDB: the reviews could not be read");
		goto out;
	}
	/* its prices and survey snapshots */
	for (; c->pi < c->nprices && c->prices[c->pi].pid <= p->pid; c->pi++) {
		const struct price_row *pr = &c->prices[c->pi];
		int32_t *hit;
		if (pr->pid != p->pid)
			continue;
		hit = bsearch(&pr->day, p->days, (size_t)p->ndays, sizeof(*p->days), by_stored_day);
		if (hit != NULL) {
			dv[hit - p->days].prices = &pr->p;
			n.prices += pr->p.count;
		}
	}
	while (c->ti < c->ntags && c->tags[c->ti].pid <= p->pid) {
		int j = c->ti;
		int32_t *hit;
		while (j < c->ntags && c->tags[j].pid == c->tags[c->ti].pid && c->tags[j].day == c->tags[c->ti].day)
			j++;
		hit = c->tags[c->ti].pid == p->pid ? bsearch(&c->tags[c->ti].day, p->days, (size_t)p->ndays,
		    sizeof(*p->days), by_stored_day) : NULL;
		if (hit != NULL) {
			/* rollup_tag rows are the first member of each tag_row: hand out a copy */
			struct rollup_tag *t = calloc((size_t)(j - c->ti), sizeof(*t));
			if (t != NULL) {
				for (int k = c->ti; k < j; k++)
					t[k - c->ti] = c->tags[k].t;
				dv[hit - p->days].tags = t;
				dv[hit - p->days].ntags = j - c->ti;
			}
		}
		c->ti = j;
	}
	/* the days' documents, and the keys of what is stored for their months */
	for (int i = 0; i < p->ndays; i++) {
		period_format_date(p->days[i], date);
		fresh[i] = bson_new();
		if (!rollup_day_doc(fresh[i], p->pid, date, zone, &dv[i])) {
			bson_destroy(fresh[i]);
			fresh[i] = NULL;
		}
		if (i == 0 || period_month_first(p->days[i]) != period_month_first(p->days[i - 1])) {
			int32_t m0 = period_month_first(p->days[i]), m1 = period_next_month(p->days[i]);
			period_format_month(m0, month);
			json_object_array_add(mkeys, json_object_new_string(month));
			for (int32_t d = m0; d < m1; d++) {
				period_format_date(d, date);
				json_object_array_add(dkeys, json_object_new_string(date));
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (read_stored(r, "product_analysis_daily", p->pid, dkeys, &sd, &nsd) == -1 ||
	    read_stored(r, "product_analysis_monthly", p->pid, mkeys, &sm, &nsm) == -1)
		goto out;
	r->n.t_stored += since(&t0);
	dcoll = mongoc_client_get_collection(r->mongo.client, r->mongo.dbname, "product_analysis_daily");
	mcoll = mongoc_client_get_collection(r->mongo.client, r->mongo.dbname, "product_analysis_monthly");
	for (int i = 0; i < p->ndays;) {
		int32_t m0 = period_month_first(p->days[i]), m1 = period_next_month(p->days[i]);
		const bson_t *days[31];
		bson_t mdoc = BSON_INITIALIZER;
		int nd = 0, built;
		for (int32_t d = m0; d < m1; d++) {
			const bson_t *s = stored_find(sd, nsd, d), *f;
			if (i < p->ndays && p->days[i] == d) {
				f = fresh[i++];
				period_format_date(d, date);
				if (decide(r, dcoll, &wd, p->pid, date, f, s, &n.days_w, &n.days_u, &n.days_x) == -1) {
					bson_destroy(&mdoc);
					goto out;
				}
				s = f;
			}
			if (s != NULL)
				days[nd++] = s;
		}
		period_format_month(m0, month);
		built = rollup_month_doc(&mdoc, p->pid, month, zone, days, nd);
		if (built == -1 || decide(r, mcoll, &wm, p->pid, month, built ? &mdoc : NULL,
		    stored_find(sm, nsm, m0), &n.months_w, &n.months_u, &n.months_x) == -1) {
			if (built == -1)
				snprintf(r->err, sizeof(r->err), "out of memory");
			bson_destroy(&mdoc);
			goto out;
		}
		bson_destroy(&mdoc);
	}
	if (repair && index_repair(r, p->pid, found, nfound, &wi) == -1)
		goto out;
	/* days before months: a month is never newer than the days it was built from */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (flush(r, &wi, "the index of each day's reviews") == -1 ||
	    flush(r, &wd, "daily documents") == -1 || flush(r, &wm, "monthly documents") == -1)
		goto out;
	r->n.t_write += since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!r->o.dry_run && clear_pending(r, p) == -1)
		goto out;
	r->n.t_pending += since(&t0);
	r->n.days_w += n.days_w;
	r->n.days_u += n.days_u;
	r->n.days_x += n.days_x;
	r->n.months_w += n.months_w;
	r->n.months_u += n.months_u;
	r->n.months_x += n.months_x;
	rc = 0;
out:
	/* counted whether or not the product's writes succeeded: what was read */
	r->n.reviews += n.reviews;
	r->n.prices += n.prices;
	if (wd.bulk != NULL)
		mongoc_bulk_operation_destroy(wd.bulk);
	if (wm.bulk != NULL)
		mongoc_bulk_operation_destroy(wm.bulk);
	if (wi.bulk != NULL)
		mongoc_bulk_operation_destroy(wi.bulk);
	pid_id_free(found, nfound);
	if (dcoll != NULL)
		mongoc_collection_destroy(dcoll);
	if (mcoll != NULL)
		mongoc_collection_destroy(mcoll);
	stored_free(sd, nsd);
	stored_free(sm, nsm);
	for (int i = 0; dv != NULL && fresh != NULL && i < p->ndays; i++) {
		free((void *)dv[i].tags);
		rollup_day_free(&dv[i]);
		if (fresh[i] != NULL)
			bson_destroy(fresh[i]);
	}
	free(dv);
	free(fresh);
	json_object_put(dkeys);
	json_object_put(mkeys);
	return rc;
}

/* ---------------------------------------------------------------- the run */

static void chunk_ids_free(struct chunk *c)
{
	buf_free(c);
	free(c->buf);
	for (int i = 0; i < c->nids; i++)
		free(c->ids[i]);
	free(c->ids);
	c->buf = NULL;
	c->ids = NULL;
	c->nids = c->next_id = 0;
}

static void chunk_free(struct chunk *c)
{
	for (int i = 0; i < c->ntags; i++) {
		free((void *)c->tags[i].t.question);
		free((void *)c->tags[i].t.answer);
	}
	free(c->tags);
	free(c->prices);
	chunk_ids_free(c);
	if (c->cur != NULL)
		mongoc_cursor_destroy(c->cur);
	if (c->reviews != NULL)
		mongoc_collection_destroy(c->reviews);
	memset(c, 0, sizeof(*c));
}

int agg_execute(struct agg_run *r)
{
	int c_n = 0;

	kr_arena_init(&arena, arena_mem, sizeof(arena_mem));
	for (int i = 0; i < r->npv; i += c_n) {
		struct chunk c;
		long budget = 0;
		int stop = 0;
		memset(&c, 0, sizeof(c));
		c.pv = &r->pv[i];
		while (i + c.n < r->npv && c.n < AGG_CHUNK_PRODUCTS &&
		    (c.n == 0 || budget + r->pv[i + c.n].reviews <= AGG_CHUNK_REVIEWS))
			budget += r->pv[i + c.n++].reviews;
		c_n = c.n;
		if (*r->stop) {
			r->interrupted = 1;
			break;
		}
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (load_prices(r, &c) == -1 || load_tags(r, &c) == -1) {
			log_error("products %lld to %lld: %s; they stay pending", c.pv[0].pid, c.pv[c.n - 1].pid, r->err);
			r->n.failed += c.n;
			chunk_free(&c);
			continue;
		}
		r->n.t_sources += since(&t0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		c.reviews = mongoc_client_get_collection(r->mongo.client, r->mongo.dbname, "product_reviews_raw");
		if (!r->o.has_range && open_by_index(r, &c) == -1) {
			log_error("products %lld to %lld: %s; they stay pending", c.pv[0].pid, c.pv[c.n - 1].pid, r->err);
			r->n.failed += c.n;
			chunk_free(&c);
			continue;
		}
		/* a night that touches most of the chunk's reviews (the first run after an
		 * import) reads them faster with one query than by _id */
		if (r->o.has_range || (c.nids > AGG_INDEX_MIN && (long)c.nids * AGG_INDEX_SHARE > budget)) {
			chunk_ids_free(&c);
			open_range(&c);
		}
		c.live = 1;
		stream_next(&c);        /* the first batch: in range mode the server's scan and sort */
		r->n.t_reviews += since(&t0);
		for (int j = 0; j < c.n; j++) {
			if (*r->stop) {
				r->interrupted = 1;
				stop = 1;
				break;
			}
			if (process_product(r, &c, &c.pv[j]) == 0) {
				r->n.products++;
			} else {
				r->n.failed++;
				log_error("product %lld: %s; its days stay pending", c.pv[j].pid, r->err);
			}
			if (r->refresh != NULL && r->refresh(r->refresh_arg) != 1) {
				r->lock_lost = 1;
				stop = 1;
				break;
			}
		}
		chunk_free(&c);
		if (stop)
			break;
	}
	if (r->n.products == 0 && r->n.failed > 0)
		return -1;
	return 0;
}
