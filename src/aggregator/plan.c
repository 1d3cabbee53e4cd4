/* plan.c — what a run rolls up (docs/aggregator.md "What to roll up"):
 *
 * - pending mode: the rollup_pending rows queued before the run started, claimed with
 *   their queued_at so that only rows nobody touched since are deleted later;
 * - range mode: every day of the range for every product with data in it (prices,
 *   reviews by product_review_stats' written dates, pending days) or a daily document
 *   in it (so a day that lost its data loses its document);
 * - both: the next day with a price after each planned day (its price_prev may change),
 *   so the days after a corrected price follow it. Monthly documents follow from the
 *   months of the planned days.
 * --product and --shard filter the products in every query.
 */
#include "aggregator/aggregator.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/period.h"
#include "lib/log.h"

static int by_day(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

static int by_pid(const void *a, const void *b)
{
	long long x = ((const struct agg_product *)a)->pid, y = ((const struct agg_product *)b)->pid;

	return (x > y) - (x < y);
}

static struct agg_product *product_add(struct agg_run *r, long long pid)
{
	struct agg_product *p;

	if (r->npv > 0 && r->pv[r->npv - 1].pid == pid)
		return &r->pv[r->npv - 1];
	if (r->npv == r->pvcap) {
		int ncap = r->pvcap ? r->pvcap * 2 : 64;
		struct agg_product *v = realloc(r->pv, (size_t)ncap * sizeof(*v));
		if (v == NULL)
			return NULL;
		r->pv = v;
		r->pvcap = ncap;
	}
	p = &r->pv[r->npv++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	return p;
}

static struct agg_product *product_find(struct agg_run *r, long long pid)
{
	struct agg_product key = { .pid = pid };

	return bsearch(&key, r->pv, (size_t)r->npv, sizeof(*r->pv), by_pid);
}

static int day_add(struct agg_product *p, int32_t day)
{
	if (p->ndays == p->cap) {
		int ncap = p->cap ? p->cap * 2 : 16;
		int32_t *v = realloc(p->days, (size_t)ncap * sizeof(*v));
		if (v == NULL)
			return -1;
		p->days = v;
		p->cap = ncap;
	}
	p->days[p->ndays++] = day;
	return 0;
}

static void days_normalise(struct agg_product *p)
{
	int n = 0;

	if (p->ndays == 0)
		return;
	qsort(p->days, (size_t)p->ndays, sizeof(*p->days), by_day);
	for (int i = 0; i < p->ndays; i++)
		if (n == 0 || p->days[n - 1] != p->days[i])
			p->days[n++] = p->days[i];
	p->ndays = n;
}

static int oom(struct agg_run *r)
{
	snprintf(r->err, sizeof(r->err), "out of memory while planning");
	return -1;
}

/* The product filter's parameters: $2 product (0: any), $3 N (0: no shards), $4 K. */
static void filter_params(const struct agg_run *r, char prod[24], char n[16], char k[16])
{
	snprintf(prod, 24, "%lld", r->o.product);
	snprintf(n, 16, "%d", r->o.shard_n);
	snprintf(k, 16, "%d", r->o.shard_k);
}

#define PRODUCT_FILTER(col) "($2::bigint = 0 OR " col " = $2) AND ($3::int = 0 OR " col " % $3 = $4) "

static int plan_pending(struct agg_run *r)
{
	char prod[24], n[16], k[16];
	const char *p[4] = { r->started, prod, n, k };

	filter_params(r, prod, n, k);
	if (pg_exec(&r->pg, "SELECT product_id, to_char(day, 'YYYY-MM-DD'), queued_at::text FROM rollup_pending "
	    "WHERE queued_at < $1::timestamptz AND " PRODUCT_FILTER("product_id")
	    "ORDER BY product_id, day", 4, p) == -1) {
		snprintf(r->err, sizeof(r->err), "PostgreSQL: %s", r->pg.err);
		return -1;
	}
	for (int i = 0; i < pg_ntuples(&r->pg); i++) {
		struct agg_product *pr = product_add(r, pg_value_ll(&r->pg, i, 0));
		json_object *e;
		int32_t day;
		if (pr == NULL)
			return oom(r);
		if (period_parse_date(pg_value(&r->pg, i, 1), &day) == -1)
			continue;       /* a day before 1900: nothing of ours */
		if (day_add(pr, day) == -1)
			return oom(r);
		if (pr->claimed == NULL)
			pr->claimed = json_object_new_array();
		e = json_object_new_object();
		json_object_object_add(e, "d", json_object_new_string(pg_value(&r->pg, i, 1)));
		json_object_object_add(e, "q", json_object_new_string(pg_value(&r->pg, i, 2)));
		json_object_array_add(pr->claimed, e);
	}
	pg_clear(&r->pg);
	return 0;
}

static int by_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* The distinct product_id of collection's documents matching filter, appended to arr.
 * A find projected to product_id, not the distinct command: the stand-in's distinct
 * took minutes over a million documents, a scan that sends only the ids takes a second. */
static int mongo_products(struct agg_run *r, const char *collection, const bson_t *filter, json_object *arr)
{
	mongoc_collection_t *coll = mongoc_client_get_collection(r->mongo.client, r->mongo.dbname, collection);
	mongoc_cursor_t *cur;
	bson_t opts = BSON_INITIALIZER, proj;
	const bson_t *doc;
	bson_error_t error;
	long long *v = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	BSON_APPEND_DOCUMENT_BEGIN(&opts, "projection", &proj);
	BSON_APPEND_INT32(&proj, "_id", 0);
	BSON_APPEND_INT32(&proj, "product_id", 1);
	bson_append_document_end(&opts, &proj);
	cur = mongoc_collection_find_with_opts(coll, filter, &opts, NULL);
	while (mongoc_cursor_next(cur, &doc)) {
		bson_iter_t it;
		if (!bson_iter_init_find(&it, doc, "product_id") || !BSON_ITER_HOLDS_NUMBER(&it))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			long long *nv = realloc(v, ncap * sizeof(*nv));
			if (nv == NULL) {
				snprintf(r->err, sizeof(r->err), "out of memory while planning");
				rc = -1;
				break;
			}
			v = nv;
			cap = ncap;
		}
		v[n++] = bson_iter_as_int64(&it);
	}
	if (rc == 0 && mongoc_cursor_error(cur, &error)) {
		snprintf(r->err, sizeof(r->err), "MongoDB: %s: %s", collection, error.message);
		rc = -1;
	}
	if (rc == 0 && n > 0) {
		qsort(v, n, sizeof(*v), by_ll);
		for (size_t i = 0; i < n; i++)
			if (i == 0 || v[i] != v[i - 1])
				json_object_array_add(arr, json_object_new_int64(v[i]));
	}
	free(v);
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(coll);
	bson_destroy(&opts);
	return rc;
}

static int plan_range(struct agg_run *r)
{
	char prod[24], n[16], k[16], from[PERIOD_DATE_LEN], to[PERIOD_DATE_LEN];
	const char *p[8] = { NULL, prod, n, k, from, to, r->cfg->aggregator_timezone, NULL };
	json_object *ids = json_object_new_array();
	bson_t f = BSON_INITIALIZER, range;
	int rc = -1;

	filter_params(r, prod, n, k);
	period_format_date(r->o.from, from);
	period_format_date(r->o.to, to);
	/* products with daily documents in the range */
	BSON_APPEND_DOCUMENT_BEGIN(&f, "date", &range);
	BSON_APPEND_UTF8(&range, "$gte", from);
	BSON_APPEND_UTF8(&range, "$lte", to);
	bson_append_document_end(&f, &range);
	if (mongo_products(r, "product_analysis_daily", &f, ids) == -1)
		goto out;
	p[0] = json_object_to_json_string_ext(ids, JSON_C_TO_STRING_PLAIN);
	/* ... those with prices in it, with reviews written in it (product_review_stats'
	 * first and last written dates: a scan of the raw reviews would cost the stand-in a
	 * pass over the whole collection), or with pending days in it (a review whose date
	 * was edited marks both its days) */
	if (pg_exec(&r->pg, "SELECT id FROM products p WHERE " PRODUCT_FILTER("id")
	    "AND (id IN (SELECT value::bigint FROM jsonb_array_elements_text($1::jsonb)) "
	    "OR EXISTS (SELECT 1 FROM price_observations o WHERE o.product_id = p.id "
	    "  AND o.observed_at >= ($5::date::timestamp AT TIME ZONE $7) "
	    "  AND o.observed_at < (($6::date + 1)::timestamp AT TIME ZONE $7)) "
	    "OR EXISTS (SELECT 1 FROM product_review_stats s WHERE s.product_id = p.id "
	    "  AND s.first_review_at < (($6::date + 1)::timestamp AT TIME ZONE $7) "
	    "  AND s.last_review_at >= ($5::date::timestamp AT TIME ZONE $7)) "
	    "OR EXISTS (SELECT 1 FROM rollup_pending q WHERE q.product_id = p.id AND q.day BETWEEN $5 AND $6)) "
	    "ORDER BY id", 7, p) == -1) {
		snprintf(r->err, sizeof(r->err), "PostgreSQL: %s", r->pg.err);
		goto out;
	}
	for (int i = 0; i < pg_ntuples(&r->pg); i++) {
		struct agg_product *pr = product_add(r, pg_value_ll(&r->pg, i, 0));
		if (pr == NULL) {
			oom(r);
			goto out;
		}
		for (int32_t d = r->o.from; d <= r->o.to; d++)
			if (day_add(pr, d) == -1) {
				oom(r);
				goto out;
			}
	}
	pg_clear(&r->pg);
	rc = 0;
out:
	json_object_put(ids);
	bson_destroy(&f);
	return rc;
}

/* The next day with a price after each planned day whose next day is not planned
 * itself (that one's own next price day covers it). */
static int plan_dependents(struct agg_run *r)
{
	json_object *a = json_object_new_array();
	const char *p[2] = { NULL, r->cfg->aggregator_timezone };
	char day[PERIOD_DATE_LEN];
	int rc = -1, any = 0;

	for (int i = 0; i < r->npv; i++) {
		struct agg_product *pr = &r->pv[i];
		for (int j = 0; j < pr->ndays; j++) {
			json_object *e;
			if (j + 1 < pr->ndays && pr->days[j + 1] == pr->days[j] + 1)
				continue;
			period_format_date(pr->days[j], day);
			e = json_object_new_object();
			json_object_object_add(e, "p", json_object_new_int64(pr->pid));
			json_object_object_add(e, "d", json_object_new_string(day));
			json_object_array_add(a, e);
			any = 1;
		}
	}
	if (!any) {
		rc = 0;
		goto out;
	}
	p[0] = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);
	if (pg_exec(&r->pg, "SELECT DISTINCT t.p, to_char((n.at AT TIME ZONE $2)::date, 'YYYY-MM-DD') "
	    "FROM jsonb_to_recordset($1::jsonb) AS t(p bigint, d date) "
	    "CROSS JOIN LATERAL (SELECT observed_at AS at FROM price_observations o WHERE o.product_id = t.p "
	    "  AND o.observed_at >= ((t.d + 1)::timestamp AT TIME ZONE $2) ORDER BY o.observed_at LIMIT 1) n",
	    2, p) == -1) {
		snprintf(r->err, sizeof(r->err), "PostgreSQL: %s", r->pg.err);
		goto out;
	}
	for (int i = 0; i < pg_ntuples(&r->pg); i++) {
		struct agg_product *pr = product_find(r, pg_value_ll(&r->pg, i, 0));
		int32_t d;
		if (pr != NULL && period_parse_date(pg_value(&r->pg, i, 1), &d) == 0 && day_add(pr, d) == -1) {
			oom(r);
			goto out;
		}
	}
	pg_clear(&r->pg);
	for (int i = 0; i < r->npv; i++)
		days_normalise(&r->pv[i]);
	rc = 0;
out:
	json_object_put(a);
	return rc;
}

/* Each product's stored reviews, which size the chunks. */
static int plan_sizes(struct agg_run *r)
{
	json_object *a = json_object_new_array();
	const char *p[1];
	int rc = 0;

	for (int i = 0; i < r->npv; i++)
		json_object_array_add(a, json_object_new_int64(r->pv[i].pid));
	p[0] = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);
	if (r->npv > 0 && pg_exec(&r->pg, "SELECT product_id, reviews FROM product_review_stats "
	    "WHERE product_id IN (SELECT value::bigint FROM jsonb_array_elements_text($1::jsonb))", 1, p) == -1) {
		snprintf(r->err, sizeof(r->err), "PostgreSQL: %s", r->pg.err);
		rc = -1;
	} else if (r->npv > 0) {
		for (int i = 0; i < pg_ntuples(&r->pg); i++) {
			struct agg_product *pr = product_find(r, pg_value_ll(&r->pg, i, 0));
			if (pr != NULL)
				pr->reviews = (long)pg_value_ll(&r->pg, i, 1);
		}
		pg_clear(&r->pg);
	}
	json_object_put(a);
	return rc;
}

int agg_plan(struct agg_run *r)
{
	if ((r->o.has_range ? plan_range(r) : plan_pending(r)) == -1)
		return -1;
	for (int i = 0; i < r->npv; i++)
		days_normalise(&r->pv[i]);
	return plan_dependents(r) == -1 || plan_sizes(r) == -1 ? -1 : 0;
}

void agg_plan_free(struct agg_run *r)
{
	for (int i = 0; i < r->npv; i++) {
		free(r->pv[i].days);
		json_object_put(r->pv[i].claimed);
	}
	free(r->pv);
	r->pv = NULL;
	r->npv = r->pvcap = 0;
}
