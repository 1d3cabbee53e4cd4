/* capacity.c — how big every store is, and the daily samples of it (see capacity.h).
 *
 * PostgreSQL: every ordinary table of the current schema (partitions included), one
 *   query. Rows are counted exactly (count(*), run server-side through query_to_xml
 *   with the name quoted by format('%I'), so no identifier is spliced here) when the
 *   planner's estimate is at most stats.exact_count_max or there is none (a table never
 *   analysed); above it the estimate (reltuples) is shown and marked. Bytes are
 *   pg_total_relation_size: heap, indexes and TOAST.
 * MongoDB: every collection but system.*, collStats each. A server that reports a
 *   storage size (MongoDB) gives storageSize + totalIndexSize, what the files take; one
 *   that reports none (the stand-in) gives size, the documents' BSON bytes without
 *   indexes. A server without collStats gets a count and the mean size of the first
 *   SAMPLE_DOCS documents times the count: an estimate, marked so.
 * Redis: INFO server's run_id tells which roles share a server, so a server is measured
 *   once, named by the roles on it: used_memory (INFO memory), maxmemory, DBSIZE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/capacity.h"
#include "lib/rds.h"

#define SAMPLE_DOCS 100

const char *const cap_store_name[CAP_NSTORES] = { "postgres", "mongodb", "redis" };

static struct cap_item *add(struct cap_report *r, enum cap_store store, const char *object)
{
	struct cap_item *grown = realloc(r->v, (r->n + 1) * sizeof(*grown)), *it;

	if (grown == NULL)
		return NULL;
	r->v = grown;
	it = &r->v[r->n++];
	memset(it, 0, sizeof(*it));
	it->store = store;
	it->rows_exact = 1;
	snprintf(it->object, sizeof(it->object), "%s", object);
	return it;
}

static int measure_pg(const struct config *cfg, struct pg_conn *pg, struct cap_report *r)
{
	char max[24];
	const char *p[1] = { max };
	int rc = -1;

	snprintf(max, sizeof(max), "%ld", cfg->stats_exact_count_max);
	if (pg_exec(pg, "SELECT c.relname, c.reltuples::bigint, "
	    "CASE WHEN c.reltuples < 0 OR c.reltuples <= $1::bigint THEN (xpath('/row/n/text()', "
	    "query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))"
	    "[1]::text::bigint END, pg_total_relation_size(c.oid) "
	    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
	    "WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY c.relname", 1, p) == -1) {
		snprintf(r->err[CAP_PG], sizeof(r->err[CAP_PG]), "PostgreSQL: %.300s", pg->err);
		goto out;
	}
	for (int i = 0; i < pg_ntuples(pg); i++) {
		struct cap_item *it = add(r, CAP_PG, pg_value(pg, i, 0));

		if (it == NULL) {
			snprintf(r->err[CAP_PG], sizeof(r->err[CAP_PG]), "out of memory");
			goto out;
		}
		it->rows_exact = pg_value(pg, i, 2) != NULL;
		it->rows = pg_value_ll(pg, i, it->rows_exact ? 2 : 1);
		it->bytes = pg_value_ll(pg, i, 3);
		it->how = "pg_total_relation_size (인덱스, TOAST 포함)";
	}
	rc = 0;
out:
	pg_clear(pg);
	return rc;
}

static long long num(const bson_t *doc, const char *key)
{
	bson_iter_t it;

	if (bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_NUMBER(&it))
		return bson_iter_as_int64(&it);
	return 0;
}

/* No collStats: count, and the mean BSON size of the first SAMPLE_DOCS documents. */
static int estimate_collection(struct mongo_conn *m, struct cap_item *it, char *err, size_t errlen)
{
	mongoc_collection_t *coll = mongoc_client_get_collection(m->client, m->dbname, it->object);
	bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER;
	mongoc_cursor_t *cur = NULL;
	const bson_t *doc;
	bson_error_t error;
	long long count, seen = 0, sum = 0;
	int rc = -1;

	count = mongoc_collection_estimated_document_count(coll, NULL, NULL, NULL, &error);
	if (count < 0) {
		snprintf(err, errlen, "MongoDB: %.80s: count: %.150s", it->object, error.message);
		goto out;
	}
	BSON_APPEND_INT64(&opts, "limit", SAMPLE_DOCS);
	cur = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
	while (mongoc_cursor_next(cur, &doc)) {
		sum += doc->len;
		seen++;
	}
	if (mongoc_cursor_error(cur, &error)) {
		snprintf(err, errlen, "MongoDB: %.80s: %.150s", it->object, error.message);
		goto out;
	}
	it->rows = count;
	it->bytes = seen > 0 ? (long long)((double)sum / (double)seen * (double)count) : 0;
	it->how = "추정: 문서 수 x 앞 100개 문서의 평균 크기";
	rc = 0;
out:
	if (cur != NULL)
		mongoc_cursor_destroy(cur);
	bson_destroy(&filter);
	bson_destroy(&opts);
	mongoc_collection_destroy(coll);
	return rc;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int measure_mongo(struct mongo_conn *m, struct cap_report *r)
{
	mongoc_database_t *db = mongoc_client_get_database(m->client, m->dbname);
	bson_t opts = BSON_INITIALIZER;
	bson_error_t error;
	char **names = NULL;
	size_t n = 0;
	int rc = -1;

	BSON_APPEND_BOOL(&opts, "nameOnly", true);
	names = mongoc_database_get_collection_names_with_opts(db, &opts, &error);
	if (names == NULL) {
		snprintf(r->err[CAP_MONGO], sizeof(r->err[CAP_MONGO]), "MongoDB: %.300s", error.message);
		goto out;
	}
	while (names[n] != NULL)
		n++;
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		bson_t cmd = BSON_INITIALIZER, reply;
		struct cap_item *it;
		int ok;

		if (strncmp(names[i], "system.", 7) == 0)
			continue;
		if ((it = add(r, CAP_MONGO, names[i])) == NULL) {
			snprintf(r->err[CAP_MONGO], sizeof(r->err[CAP_MONGO]), "out of memory");
			goto out;
		}
		BSON_APPEND_UTF8(&cmd, "collStats", names[i]);
		ok = mongoc_database_command_simple(db, &cmd, NULL, &reply, &error);
		if (ok) {
			long long storage = num(&reply, "storageSize");

			it->rows = num(&reply, "count");
			if (storage > 0) {
				it->bytes = storage + num(&reply, "totalIndexSize");
				it->how = "collStats: storageSize + totalIndexSize (디스크, 인덱스 포함)";
			} else {
				it->bytes = num(&reply, "size");
				it->how = "collStats: size (문서만: 서버가 저장 크기를 알려주지 않음)";
			}
		}
		bson_destroy(&reply);
		bson_destroy(&cmd);
		if (!ok && estimate_collection(m, it, r->err[CAP_MONGO], sizeof(r->err[CAP_MONGO])) == -1)
			goto out;
	}
	rc = 0;
out:
	bson_strfreev(names);
	bson_destroy(&opts);
	mongoc_database_destroy(db);
	return rc;
}

/* The value of "name:" in an INFO reply ("" when absent), copied into out. */
static void info_field(const char *info, const char *name, char *out, size_t outlen)
{
	size_t k = strlen(name);
	const char *p = info;

	out[0] = '\0';
	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, k) == 0 && p[k] == ':') {
			size_t n = strcspn(p + k + 1, "\r\n");
			snprintf(out, outlen, "%.*s", (int)n, p + k + 1);
			return;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
}

/* One Redis role: its server's run_id, used_memory, maxmemory and DBSIZE. */
static int redis_role(const struct config *cfg, const char *role, const char *endpoint, char *run_id,
    size_t idlen, long long v[3], char *err, size_t errlen)
{
	struct rds_conn c;
	redisReply *rep = NULL;
	char buf[64];
	int rc = -1;

	if (rds_init(&c, role, endpoint, cfg->redis_timeout_ms) == -1) {
		snprintf(err, errlen, "Redis %s: %.300s", role, c.err);
		return -1;
	}
	if ((rep = rds_command(&c, "INFO server")) == NULL || rep->type != REDIS_REPLY_STRING)
		goto fail;
	info_field(rep->str, "run_id", run_id, idlen);
	freeReplyObject(rep);
	if ((rep = rds_command(&c, "INFO memory")) == NULL || rep->type != REDIS_REPLY_STRING)
		goto fail;
	info_field(rep->str, "used_memory", buf, sizeof(buf));
	v[0] = strtoll(buf, NULL, 10);
	info_field(rep->str, "maxmemory", buf, sizeof(buf));
	v[1] = strtoll(buf, NULL, 10);
	freeReplyObject(rep);
	if ((rep = rds_command(&c, "DBSIZE")) == NULL || rep->type != REDIS_REPLY_INTEGER)
		goto fail;
	v[2] = rep->integer;
	rc = 0;
	goto out;
fail:
	snprintf(err, errlen, "Redis %s (%.100s): %.300s", role, endpoint,
	    rep == NULL ? c.err : rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply");
out:
	if (rep != NULL)
		freeReplyObject(rep);
	rds_close(&c);
	return rc;
}

static int measure_redis(const struct config *cfg, struct cap_report *r)
{
	static const char *const roles[] = { "sessions", "cache", "queue", "pubsub" };
	const char *endpoints[] = { cfg->redis_sessions, cfg->redis_cache, cfg->redis_queue, cfg->redis_pubsub };
	char ids[4][64];
	size_t first[4] = { 0, 0, 0, 0 };
	int rc = 0;

	for (size_t i = 0; i < 4; i++) {
		long long v[3] = { 0, 0, 0 };
		struct cap_item *it = NULL;

		if (redis_role(cfg, roles[i], endpoints[i], ids[i], sizeof(ids[i]), v, r->err[CAP_REDIS],
		    sizeof(r->err[CAP_REDIS])) == -1) {
			ids[i][0] = '\0';
			rc = -1;
			continue;
		}
		/* a role on a server already measured joins its item */
		for (size_t j = 0; j < i; j++)
			if (ids[j][0] != '\0' && strcmp(ids[j], ids[i]) == 0) {
				it = &r->v[first[j]];
				first[i] = first[j];
				break;
			}
		if (it != NULL) {
			size_t k = strlen(it->object);
			snprintf(it->object + k, sizeof(it->object) - k, "+%s", roles[i]);
			continue;
		}
		if ((it = add(r, CAP_REDIS, roles[i])) == NULL) {
			snprintf(r->err[CAP_REDIS], sizeof(r->err[CAP_REDIS]), "out of memory");
			return -1;
		}
		first[i] = r->n - 1;
		it->bytes = v[0];
		it->limit = v[1];
		it->rows = v[2];
		it->how = "INFO memory: used_memory (메모리)";
		snprintf(it->endpoint, sizeof(it->endpoint), "%s", endpoints[i]);
	}
	return rc;
}

int capacity_measure(const struct config *cfg, struct pg_conn *pg, struct mongo_conn *mongo,
    struct cap_report *out)
{
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (measure_pg(cfg, pg, out) == -1)
		rc = -1;
	if (mongo == NULL || mongo->client == NULL) {
		snprintf(out->err[CAP_MONGO], sizeof(out->err[CAP_MONGO]), "MongoDB: %.300s",
		    mongo != NULL && mongo->err[0] ? mongo->err : "not connected");
		rc = -1;
	} else if (measure_mongo(mongo, out) == -1) {
		rc = -1;
	}
	if (measure_redis(cfg, out) == -1)
		rc = -1;
	return rc;
}

void capacity_report_free(struct cap_report *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

int capacity_record(struct pg_conn *pg, const struct cap_report *rep, const char *zone,
    char *err, size_t errlen)
{
	char rows[24], bytes[24];
	int rc = -1, in_tx = 0;

	if (pg_exec(pg, "BEGIN", 0, NULL) == -1)
		goto fail;
	in_tx = 1;
	for (int s = 0; s < CAP_NSTORES; s++) {
		const char *p[2] = { zone, cap_store_name[s] };

		if (rep->err[s][0] != '\0')
			continue;       /* not measured: keep what the day has */
		if (pg_exec(pg, "DELETE FROM capacity_samples WHERE day = (now() AT TIME ZONE $1)::date "
		    "AND store = $2", 2, p) == -1)
			goto fail;
	}
	for (size_t i = 0; i < rep->n; i++) {
		const struct cap_item *it = &rep->v[i];
		const char *p[6] = { zone, cap_store_name[it->store], it->object, rows, bytes,
			it->rows_exact ? "true" : "false" };

		if (rep->err[it->store][0] != '\0')
			continue;
		snprintf(rows, sizeof(rows), "%lld", it->rows < 0 ? 0 : it->rows);
		snprintf(bytes, sizeof(bytes), "%lld", it->bytes < 0 ? 0 : it->bytes);
		if (pg_exec(pg, "INSERT INTO capacity_samples (day, store, object, rows, bytes, rows_exact) "
		    "VALUES ((now() AT TIME ZONE $1)::date, $2, left($3, 200), $4, $5, $6) "
		    "ON CONFLICT (day, store, object) DO UPDATE SET rows = EXCLUDED.rows, bytes = EXCLUDED.bytes, "
		    "rows_exact = EXCLUDED.rows_exact, taken_at = EXCLUDED.taken_at", 6, p) == -1)
			goto fail;
	}
	if (pg_exec(pg, "COMMIT", 0, NULL) == -1)
		goto fail;
	in_tx = 0;
	rc = 0;
	goto out;
fail:
	snprintf(err, errlen, "capacity_samples: PostgreSQL: %.300s", pg->err);
out:
	if (in_tx)
		(void)pg_exec(pg, "ROLLBACK", 0, NULL);
	pg_clear(pg);
	return rc;
}

int capacity_sample_daily(const struct config *cfg, struct pg_conn *pg, struct mongo_conn *mongo,
    char *err, size_t errlen)
{
	struct cap_report rep;
	const char *p[2] = { cfg->aggregator_timezone, NULL };
	char kept[16];
	int rc = -1, have_rep = 0;

	err[0] = '\0';
	if (pg_exec(pg, "SELECT 1 FROM capacity_samples WHERE day = (now() AT TIME ZONE $1)::date LIMIT 1",
	    1, p) == -1) {
		snprintf(err, errlen, "capacity_samples: PostgreSQL: %.300s", pg->err);
		goto out;
	}
	if (pg_ntuples(pg) > 0) {
		rc = 0;
		goto retain;
	}
	pg_clear(pg);
	have_rep = 1;
	if (capacity_measure(cfg, pg, mongo, &rep) == -1) {
		for (int s = 0; s < CAP_NSTORES; s++)
			if (rep.err[s][0] != '\0') {
				snprintf(err, errlen, "%.400s (not sampled)", rep.err[s]);
				break;
			}
	}
	if (capacity_record(pg, &rep, cfg->aggregator_timezone, err, errlen) == -1)
		goto out;
	rc = err[0] == '\0' ? 1 : -1;
retain:
	pg_clear(pg);
	snprintf(kept, sizeof(kept), "%d", CAP_KEPT_DAYS);
	p[1] = kept;
	if (pg_exec(pg, "DELETE FROM capacity_samples WHERE day < (now() AT TIME ZONE $1)::date - $2::int",
	    2, p) == -1) {
		snprintf(err, errlen, "capacity_samples retention: PostgreSQL: %.300s", pg->err);
		rc = -1;
	}
out:
	pg_clear(pg);
	if (have_rep)
		capacity_report_free(&rep);
	return rc;
}

int capacity_growth(struct pg_conn *pg, struct cap_growth out[CAP_NSTORES], int *n)
{
	char window[16];
	const char *p[1] = { window };

	*n = 0;
	snprintf(window, sizeof(window), "%d", CAP_GROWTH_WINDOW);
	if (pg_exec(pg, "WITH d AS (SELECT store, day, sum(bytes) AS b, sum(rows) AS r "
	    "FROM capacity_samples GROUP BY store, day), "
	    "l AS (SELECT DISTINCT ON (store) store, day, b, r FROM d ORDER BY store, day DESC), "
	    "f AS (SELECT DISTINCT ON (d.store) d.store, d.day, d.b, d.r FROM d JOIN l USING (store) "
	    "WHERE d.day < l.day AND d.day >= l.day - $1::int ORDER BY d.store, d.day) "
	    "SELECT l.store, f.day::text, l.day::text, COALESCE(l.day - f.day, 0), COALESCE(l.b - f.b, 0), "
	    "COALESCE(l.r - f.r, 0), l.b FROM l LEFT JOIN f USING (store) ORDER BY l.store", 1, p) == -1)
		return -1;
	for (int i = 0; i < pg_ntuples(pg) && *n < CAP_NSTORES; i++) {
		struct cap_growth *g = &out[*n];
		const char *store = pg_value(pg, i, 0), *from = pg_value(pg, i, 1);
		int s;

		for (s = 0; s < CAP_NSTORES && strcmp(store, cap_store_name[s]) != 0; s++)
			;
		if (s == CAP_NSTORES)
			continue;
		g->store = (enum cap_store)s;
		snprintf(g->from, sizeof(g->from), "%s", from ? from : "");
		snprintf(g->to, sizeof(g->to), "%s", pg_value(pg, i, 2));
		g->days = (int)pg_value_ll(pg, i, 3);
		g->bytes_delta = pg_value_ll(pg, i, 4);
		g->rows_delta = pg_value_ll(pg, i, 5);
		g->bytes_last = pg_value_ll(pg, i, 6);
		(*n)++;
	}
	pg_clear(pg);
	return 0;
}

int capacity_growth_objects(struct pg_conn *pg, struct cap_object_growth *out, int max, int *n)
{
	char window[16], lim[16];
	const char *p[2] = { window, lim };

	*n = 0;
	snprintf(window, sizeof(window), "%d", CAP_GROWTH_WINDOW);
	snprintf(lim, sizeof(lim), "%d", max);
	if (pg_exec(pg, "WITH l AS (SELECT store, max(day) AS d FROM capacity_samples GROUP BY store), "
	    "f AS (SELECT s.store, min(s.day) AS d FROM capacity_samples s JOIN l USING (store) "
	    "WHERE s.day < l.d AND s.day >= l.d - $1::int GROUP BY s.store) "
	    "SELECT n.store, n.object, l.d - f.d, n.bytes - COALESCE(o.bytes, 0), n.rows - COALESCE(o.rows, 0) "
	    "FROM l JOIN f USING (store) JOIN capacity_samples n ON n.store = l.store AND n.day = l.d "
	    "LEFT JOIN capacity_samples o ON o.store = n.store AND o.object = n.object AND o.day = f.d "
	    "ORDER BY (n.bytes - COALESCE(o.bytes, 0))::float8 / (l.d - f.d) DESC, n.store, n.object "
	    "LIMIT $2::int", 2, p) == -1)
		return -1;
	for (int i = 0; i < pg_ntuples(pg) && *n < max; i++) {
		struct cap_object_growth *g = &out[*n];
		const char *store = pg_value(pg, i, 0);
		int s;

		for (s = 0; s < CAP_NSTORES && strcmp(store, cap_store_name[s]) != 0; s++)
			;
		if (s == CAP_NSTORES)
			continue;
		g->store = (enum cap_store)s;
		snprintf(g->object, sizeof(g->object), "%s", pg_value(pg, i, 1));
		g->days = (int)pg_value_ll(pg, i, 2);
		g->bytes_delta = pg_value_ll(pg, i, 3);
		g->rows_delta = pg_value_ll(pg, i, 4);
		(*n)++;
	}
	pg_clear(pg);
	return 0;
}

long long capacity_days_to_full(long long free_bytes, double growth_per_day)
{
	if (growth_per_day <= 0)
		return -1;
	if (free_bytes <= 0)
		return 0;
	return (long long)((double)free_bytes / growth_per_day);
}
