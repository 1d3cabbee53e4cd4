/* metrics_stores.c — the aggregator's last nightly runs and MongoDB's serverStatus for
 * GET /metrics (metrics_stores.h).
 *
 * Why here: revlens-aggregator is a timer job with no process to scrape, and the web
 * workers already hold a connection to every store (revlens-worker's master holds
 * none: it only supervises and asks Redis about the queue). A scrape reaches one web
 * worker; it reads the stores at most once per METRICS_STORES_TTL_MS and keeps the
 * text it made in process memory (malloc'd, freed by metrics_stores_close()).
 *
 * Bounds: PostgreSQL is pinged with health.timeout_ms first (a hung server costs that,
 * the connect step at least 2 s), then the one query runs in a transaction with
 * statement_timeout = health.timeout_ms (SET LOCAL: gone at COMMIT/ROLLBACK, so the
 * worker's connection keeps its settings). serverStatus goes through a client of this
 * module whose socketTimeoutMS, connectTimeoutMS and serverSelectionTimeoutMS are
 * health.timeout_ms unless mongodb.uri sets them: the worker's own client keeps the
 * driver's 5-minute socket timeout, which a scrape must not wait on.
 *
 * A serverStatus field the server does not report (mongo-java-server answers only
 * host, version, process, pid, uptime, connections.current and metrics.cursor) leaves
 * its series out; revlens_mongodb_up says whether the command answered at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "lib/pg.h"
#include "web/metrics_stores.h"

static char *cached;            /* the text made last, malloc'd; NULL before the first */
static size_t cached_len;
static uint64_t cached_at_ms;
static struct mongo_conn status_mongo;  /* for serverStatus; client NULL until first use */
static int pg_was_ok = 1, mongo_was_ok = 1;     /* log a failure once, not every scrape */

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- aggregator_runs */

/* One row per shard ('' = unsharded): the newest successful end, then the newest
 * finished run. Only nightly runs count: mode pending over every product (a back-fill
 * with --from/--to, a --product run or a dry run is started by hand and says how it
 * went on the terminal). With no nightly run within METRICS_AGG_SHARD_DAYS the
 * unsharded row still comes, so a stopped aggregator keeps being reported. */
static const char AGG_SQL[] =
	"WITH nightly AS (SELECT * FROM aggregator_runs WHERE mode = 'pending' AND product_id IS NULL), "
	"recent AS (SELECT * FROM nightly WHERE started_at > now() - make_interval(days => $1::int)), "
	"shards AS (SELECT DISTINCT coalesce(shard, '') AS shard FROM recent "
	"  UNION SELECT '' WHERE NOT EXISTS (SELECT 1 FROM recent)) "
	"SELECT s.shard, "
	" (SELECT extract(epoch FROM max(n.finished_at))::text FROM nightly n "
	"   WHERE coalesce(n.shard, '') = s.shard AND n.outcome IN ('ok', 'nothing')), "
	" l.id, extract(epoch FROM l.started_at)::text, extract(epoch FROM l.finished_at)::text, l.outcome, "
	" l.products, l.products_failed, l.days_written, l.days_unchanged, l.days_deleted, "
	" l.months_written, l.months_unchanged, l.months_deleted, l.reviews, l.prices "
	"FROM shards s LEFT JOIN LATERAL (SELECT * FROM nightly n "
	"  WHERE coalesce(n.shard, '') = s.shard AND n.finished_at IS NOT NULL "
	"  ORDER BY n.finished_at DESC, n.id DESC LIMIT 1) l ON true "
	"ORDER BY s.shard LIMIT 64";

enum { C_SHARD, C_OK_END, C_ID, C_START, C_END, C_OUTCOME, C_PRODUCTS, C_FAILED,
	C_DAYS_W, C_DAYS_U, C_DAYS_X, C_MONTHS_W, C_MONTHS_U, C_MONTHS_X, C_REVIEWS, C_PRICES };

static const char *const outcomes[] = { "ok", "nothing", "partial", "interrupted", "failed" };

static double num(const char *s)
{
	char *end;
	double v;
	if (s == NULL)
		return 0;
	v = strtod(s, &end);
	return end != s ? v : 0;
}

/* `{shard="K/N"}` (or "" unsharded) for a family without other labels. The column's
 * CHECK allows only digits and '/', so the value needs no escaping. */
static const char *shard_only(const char *shard, char *out, size_t n)
{
	if (shard[0] == '\0')
		out[0] = '\0';
	else
		snprintf(out, n, "{shard=\"%s\"}", shard);
	return out;
}

/* `shard="K/N",` (or "") to open a label set with more labels after it. */
static const char *shard_first(const char *shard, char *out, size_t n)
{
	if (shard[0] == '\0')
		out[0] = '\0';
	else
		snprintf(out, n, "shard=\"%s\",", shard);
	return out;
}

#define HELP(b, name, type, text) \
	buf_puts(b, "# HELP " name " " text "\n# TYPE " name " " type "\n")

/* Count columns by family: each family's HELP once, then its series for every shard. */
struct agg_family {
	const char *name, *help, *label;    /* label: NULL, or "result" with values below */
	int col[3];
	const char *values[3];
};

static const struct agg_family count_families[] = {
	{ "revlens_aggregator_last_run_products", "Products the last nightly run rolled up.",
	  NULL, { C_PRODUCTS }, { NULL } },
	{ "revlens_aggregator_last_run_products_failed",
	  "Products the last nightly run could not roll up (left pending for the next run).",
	  NULL, { C_FAILED }, { NULL } },
	{ "revlens_aggregator_last_run_daily_documents",
	  "Daily documents of the last nightly run, by what happened to them.",
	  "result", { C_DAYS_W, C_DAYS_U, C_DAYS_X }, { "written", "unchanged", "deleted" } },
	{ "revlens_aggregator_last_run_monthly_documents",
	  "Monthly documents of the last nightly run, by what happened to them.",
	  "result", { C_MONTHS_W, C_MONTHS_U, C_MONTHS_X }, { "written", "unchanged", "deleted" } },
	{ "revlens_aggregator_last_run_reviews", "Reviews the last nightly run read.",
	  NULL, { C_REVIEWS }, { NULL } },
	{ "revlens_aggregator_last_run_prices", "Price observations the last nightly run read.",
	  NULL, { C_PRICES }, { NULL } },
};

/* Read aggregator_runs; 0 with the families in b, -1 when PostgreSQL did not answer
 * (a reason in err). */
static int agg_read(struct app *app, struct buf *b, char *err, size_t errlen)
{
	struct pg_conn *pg = &app->pg;
	char tmo[16], days[16], lb[64];
	const char *p[1];
	int n, rc = -1, in_tx = 0, any_run = 0;

	snprintf(tmo, sizeof(tmo), "%d", app->cfg->health_timeout_ms);
	snprintf(days, sizeof(days), "%d", METRICS_AGG_SHARD_DAYS);
	if (pg_ping(pg, app->cfg->health_timeout_ms) == -1)
		goto out;
	if (pg_exec(pg, "BEGIN READ ONLY", 0, NULL) == -1)
		goto out;
	in_tx = 1;
	p[0] = tmo;
	if (pg_exec(pg, "SELECT set_config('statement_timeout', $1, true)", 1, p) == -1)
		goto out;
	p[0] = days;
	if (pg_exec(pg, AGG_SQL, 1, p) == -1)
		goto out;
	n = pg_ntuples(pg);

	HELP(b, "revlens_aggregator_last_success_timestamp_seconds", "gauge",
	    "End of the newest nightly run that ended ok or with nothing to do, Unix time; 0 when none is recorded.");
	for (int i = 0; i < n; i++)
		buf_printf(b, "revlens_aggregator_last_success_timestamp_seconds%s %.3f\n",
		    shard_only(pg_value(pg, i, C_SHARD), lb, sizeof(lb)), num(pg_value(pg, i, C_OK_END)));
	for (int i = 0; i < n; i++)
		any_run |= pg_value(pg, i, C_ID) != NULL;
	if (any_run) {
		HELP(b, "revlens_aggregator_last_run_id", "gauge",
		    "aggregator_runs.id of the newest finished nightly run.");
		for (int i = 0; i < n; i++)
			if (pg_value(pg, i, C_ID) != NULL)
				buf_printf(b, "revlens_aggregator_last_run_id%s %lld\n",
				    shard_only(pg_value(pg, i, C_SHARD), lb, sizeof(lb)), pg_value_ll(pg, i, C_ID));
		HELP(b, "revlens_aggregator_last_run_outcome", "gauge",
		    "1 for the outcome of the newest finished nightly run, 0 for the others.");
		for (int i = 0; i < n; i++) {
			const char *o = pg_value(pg, i, C_OUTCOME);
			if (pg_value(pg, i, C_ID) == NULL)
				continue;
			for (size_t k = 0; k < sizeof(outcomes) / sizeof(outcomes[0]); k++)
				buf_printf(b, "revlens_aggregator_last_run_outcome{%soutcome=\"%s\"} %d\n",
				    shard_first(pg_value(pg, i, C_SHARD), lb, sizeof(lb)), outcomes[k],
				    o != NULL && strcmp(o, outcomes[k]) == 0);
		}
		HELP(b, "revlens_aggregator_last_run_start_timestamp_seconds", "gauge",
		    "Start of the newest finished nightly run, Unix time.");
		for (int i = 0; i < n; i++)
			if (pg_value(pg, i, C_ID) != NULL)
				buf_printf(b, "revlens_aggregator_last_run_start_timestamp_seconds%s %.3f\n",
				    shard_only(pg_value(pg, i, C_SHARD), lb, sizeof(lb)), num(pg_value(pg, i, C_START)));
		HELP(b, "revlens_aggregator_last_run_end_timestamp_seconds", "gauge",
		    "End of the newest finished nightly run, Unix time.");
		for (int i = 0; i < n; i++)
			if (pg_value(pg, i, C_ID) != NULL)
				buf_printf(b, "revlens_aggregator_last_run_end_timestamp_seconds%s %.3f\n",
				    shard_only(pg_value(pg, i, C_SHARD), lb, sizeof(lb)), num(pg_value(pg, i, C_END)));
		HELP(b, "revlens_aggregator_last_run_duration_seconds", "gauge",
		    "How long the newest finished nightly run took.");
		for (int i = 0; i < n; i++)
			if (pg_value(pg, i, C_ID) != NULL)
				buf_printf(b, "revlens_aggregator_last_run_duration_seconds%s %.3f\n",
				    shard_only(pg_value(pg, i, C_SHARD), lb, sizeof(lb)),
				    num(pg_value(pg, i, C_END)) - num(pg_value(pg, i, C_START)));
		for (size_t f = 0; f < sizeof(count_families) / sizeof(count_families[0]); f++) {
			const struct agg_family *fam = &count_families[f];
			buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", fam->name, fam->help, fam->name);
			for (int i = 0; i < n; i++) {
				const char *shard = pg_value(pg, i, C_SHARD);
				if (pg_value(pg, i, C_ID) == NULL)
					continue;
				if (fam->label == NULL) {
					buf_printf(b, "%s%s %lld\n", fam->name, shard_only(shard, lb, sizeof(lb)),
					    pg_value_ll(pg, i, fam->col[0]));
					continue;
				}
				for (int k = 0; k < 3; k++)
					buf_printf(b, "%s{%s%s=\"%s\"} %lld\n", fam->name, shard_first(shard, lb, sizeof(lb)),
					    fam->label, fam->values[k], pg_value_ll(pg, i, fam->col[k]));
			}
		}
	}
	pg_clear(pg);
	if (pg_exec(pg, "COMMIT", 0, NULL) == -1)
		goto out;
	in_tx = 0;
	rc = 0;
out:
	if (rc == -1)
		snprintf(err, errlen, "%s", pg->err);
	if (in_tx && pg_exec(pg, "ROLLBACK", 0, NULL) == -1)
		log_warn("metrics: aggregator_runs: ROLLBACK: %s", pg->err);
	pg_clear(pg);
	return rc;
}

/* ---------------------------------------------------------------- serverStatus */

/* Open the serverStatus client once per process, its timeouts health.timeout_ms
 * unless the URI sets them. 0, or -1 with a reason in err. */
static int status_open(const struct config *cfg, char *err, size_t errlen)
{
	int rc;

	if (status_mongo.client != NULL)
		return 0;
	rc = mongo_open_bounded(&status_mongo, cfg->mongo_uri, cfg->mongo_database, cfg->health_timeout_ms);
	if (rc == -1) {
		snprintf(err, errlen, "%s", status_mongo.err);
		mongo_close(&status_mongo);
	}
	return rc;
}

/* The number at a dotted path of doc, if the server reported one there. */
static int field(const bson_t *doc, const char *path, double *v)
{
	bson_iter_t it, d;
	if (!bson_iter_init(&it, doc) || !bson_iter_find_descendant(&it, path, &d))
		return 0;
	switch (bson_iter_type(&d)) {
	case BSON_TYPE_INT32:
	case BSON_TYPE_INT64:
	case BSON_TYPE_DOUBLE:
	case BSON_TYPE_BOOL:
		*v = bson_iter_as_double(&d);
		return 1;
	default:
		return 0;
	}
}

/* One family whose series are the fields of serverStatus that are present. */
struct status_series {
	const char *path;       /* dotted path in the reply */
	const char *labels;     /* "" or `{…}` */
	double scale;           /* reply unit to the metric's */
};

struct status_family {
	const char *name, *type, *help;
	struct status_series s[6];
};

static const struct status_family status_families[] = {
	{ "revlens_mongodb_uptime_seconds", "gauge", "Seconds since the MongoDB server started.",
	  { { "uptime", "", 1 } } },
	{ "revlens_mongodb_connections", "gauge", "Client connections to the MongoDB server, by state.",
	  { { "connections.current", "{state=\"current\"}", 1 },
	    { "connections.available", "{state=\"available\"}", 1 } } },
	{ "revlens_mongodb_connections_created_total", "counter", "Connections the MongoDB server accepted.",
	  { { "connections.totalCreated", "", 1 } } },
	{ "revlens_mongodb_opcounters_total", "counter", "Operations the MongoDB server ran, by kind.",
	  { { "opcounters.insert", "{op=\"insert\"}", 1 }, { "opcounters.query", "{op=\"query\"}", 1 },
	    { "opcounters.update", "{op=\"update\"}", 1 }, { "opcounters.delete", "{op=\"delete\"}", 1 },
	    { "opcounters.getmore", "{op=\"getmore\"}", 1 }, { "opcounters.command", "{op=\"command\"}", 1 } } },
	{ "revlens_mongodb_memory_bytes", "gauge", "Memory of the MongoDB server process, by kind.",
	  { { "mem.resident", "{type=\"resident\"}", 1048576 }, { "mem.virtual", "{type=\"virtual\"}", 1048576 } } },
	{ "revlens_mongodb_wiredtiger_cache_bytes", "gauge", "WiredTiger cache: bytes held and the configured maximum.",
	  { { "wiredTiger.cache.bytes currently in the cache", "{state=\"used\"}", 1 },
	    { "wiredTiger.cache.maximum bytes configured", "{state=\"max\"}", 1 } } },
	{ "revlens_mongodb_network_bytes_total", "counter", "Bytes the MongoDB server received and sent.",
	  { { "network.bytesIn", "{direction=\"in\"}", 1 }, { "network.bytesOut", "{direction=\"out\"}", 1 } } },
	{ "revlens_mongodb_cursors_open", "gauge", "Cursors open on the MongoDB server.",
	  { { "metrics.cursor.open.total", "", 1 } } },
	{ "revlens_mongodb_cursors_timed_out_total", "counter", "Cursors the MongoDB server timed out.",
	  { { "metrics.cursor.timedOut", "", 1 } } },
	{ "revlens_mongodb_global_lock_queue", "gauge", "Operations queued for the global lock.",
	  { { "globalLock.currentQueue.total", "", 1 } } },
	{ "revlens_mongodb_asserts_total", "counter", "Assertions the MongoDB server raised, by kind.",
	  { { "asserts.regular", "{type=\"regular\"}", 1 }, { "asserts.warning", "{type=\"warning\"}", 1 },
	    { "asserts.msg", "{type=\"msg\"}", 1 }, { "asserts.user", "{type=\"user\"}", 1 } } },
};

/* A label value as the text format wants it: \\, \" and \n escaped, at most 64 bytes. */
static void label_value(struct buf *b, const char *s)
{
	for (size_t i = 0; s[i] != '\0' && i < 64; i++) {
		if (s[i] == '\\' || s[i] == '"')
			buf_printf(b, "\\%c", s[i]);
		else if (s[i] == '\n')
			buf_puts(b, "\\n");
		else
			buf_append(b, s + i, 1);
	}
}

static const char *string_field(const bson_t *doc, const char *key)
{
	bson_iter_t it;
	if (bson_iter_init_find(&it, doc, key) && BSON_ITER_HOLDS_UTF8(&it))
		return bson_iter_utf8(&it, NULL);
	return "";
}

void metrics_stores_mongo_text(const bson_t *status, struct buf *b)
{
	HELP(b, "revlens_mongodb_info", "gauge", "The MongoDB server's version and process name, from serverStatus.");
	buf_puts(b, "revlens_mongodb_info{version=\"");
	label_value(b, string_field(status, "version"));
	buf_puts(b, "\",process=\"");
	label_value(b, string_field(status, "process"));
	buf_puts(b, "\"} 1\n");
	for (size_t f = 0; f < sizeof(status_families) / sizeof(status_families[0]); f++) {
		const struct status_family *fam = &status_families[f];
		int head = 0;
		for (size_t k = 0; k < sizeof(fam->s) / sizeof(fam->s[0]) && fam->s[k].path != NULL; k++) {
			double v;
			if (!field(status, fam->s[k].path, &v))
				continue;
			if (!head++)
				buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", fam->name, fam->help, fam->name, fam->type);
			buf_printf(b, "%s%s %.17g\n", fam->name, fam->s[k].labels, v * fam->s[k].scale);
		}
	}
}

/* Run serverStatus; 0 with the families in b, -1 (a reason in err) when it failed. */
static int mongo_read(struct app *app, struct buf *b, char *err, size_t errlen)
{
	bson_t cmd = BSON_INITIALIZER, reply;
	bson_error_t error;
	int rc = -1;

	bson_init(&reply);
	if (status_open(app->cfg, err, errlen) == -1)
		goto out;
	BSON_APPEND_INT32(&cmd, "serverStatus", 1);
	bson_destroy(&reply);
	if (!mongoc_client_command_simple(status_mongo.client, "admin", &cmd, NULL, &reply, &error)) {
		snprintf(err, errlen, "serverStatus: %.300s", error.message);
		goto out;
	}
	metrics_stores_mongo_text(&reply, b);
	rc = 0;
out:
	bson_destroy(&reply);
	bson_destroy(&cmd);
	return rc;
}

/* ---------------------------------------------------------------- render */

static void read_all(struct app *app, struct buf *b)
{
	char err[512];
	int ok;

	err[0] = '\0';
	ok = agg_read(app, b, err, sizeof(err)) == 0;
	if (!ok && pg_was_ok)
		log_warn("metrics: aggregator_runs could not be read (revlens_aggregator_runs_up 0): %s; "
		    "is PostgreSQL up and `revlens migrate` run?", err);
	else if (ok && !pg_was_ok)
		log_info("metrics: aggregator_runs can be read again");
	pg_was_ok = ok;
	HELP(b, "revlens_aggregator_runs_up", "gauge",
	    "1 when this scrape could read aggregator_runs in PostgreSQL, else 0 (and no revlens_aggregator_* series).");
	buf_printf(b, "revlens_aggregator_runs_up %d\n", ok);

	err[0] = '\0';
	ok = mongo_read(app, b, err, sizeof(err)) == 0;
	if (!ok && mongo_was_ok)
		log_warn("metrics: MongoDB serverStatus failed (revlens_mongodb_up 0): %s", err);
	else if (ok && !mongo_was_ok)
		log_info("metrics: MongoDB serverStatus answers again");
	mongo_was_ok = ok;
	HELP(b, "revlens_mongodb_up", "gauge",
	    "1 when MongoDB answered serverStatus for this scrape, else 0 (and no other revlens_mongodb_* series).");
	buf_printf(b, "revlens_mongodb_up %d\n", ok);
}

void metrics_stores_render(struct app *app, struct buf *b)
{
	uint64_t now = mono_ms();
	size_t start = b->len;
	char *copy;

	if (cached != NULL && now - cached_at_ms < METRICS_STORES_TTL_MS) {
		buf_append(b, cached, cached_len);
		return;
	}
	read_all(app, b);
	if (b->failed || b->len < start)
		return;
	if ((copy = malloc(b->len - start + 1)) == NULL)
		return;         /* no copy kept: the next scrape reads again */
	memcpy(copy, b->data + start, b->len - start);
	copy[b->len - start] = '\0';
	free(cached);
	cached = copy;
	cached_len = b->len - start;
	cached_at_ms = now;
}

void metrics_stores_close(void)
{
	free(cached);
	cached = NULL;
	cached_len = 0;
	mongo_close(&status_mongo);
}
