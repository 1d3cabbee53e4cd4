/* aggregator_main.c — revlens-aggregator: one run of the nightly rollups
 * (docs/aggregator.md "Running it").
 *
 * Order: arguments and configuration (exit 2), the Redis lock (exit 5 when another
 * run holds it, 1 when Redis cannot be reached), the run's row in aggregator_runs
 * (its start is the cut-off for the pending rows this run claims), the plan, the
 * rollups, retention, the run's row finished and one log line, the lock released.
 * TERM or INT only set a flag: the product in hand is finished, the rest stays
 * pending, the run records `interrupted` and exits 4.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aggregator/aggregator.h"
#include "aggregator/lock.h"
#include "aggregator/period.h"
#include "lib/alerts.h"
#include "lib/capacity.h"
#include "lib/config.h"
#include "lib/jobs.h"
#include "lib/log.h"
#include "lib/rds.h"
#include "lib/strnum.h"

#define ME "revlens-aggregator"
#define RUNS_KEPT_DAYS 180
#define DELIVERIES_KEPT_DAYS 30
#define JOBS_KEPT_DAYS 7

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_NOTHING = 3, EXIT_PARTIAL = 4, EXIT_LOCKED = 5 };

static volatile sig_atomic_t got_stop;

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: " ME " -c CONF [--from YYYY-MM-DD --to YYYY-MM-DD] [--product ID]\n"
	    "                          [--shard K/N] [--dry-run]\n"
	    "  -c CONF          configuration file (aggregator.*, worker.model_file, the stores)\n"
	    "  (no range)       roll up the days that received data since the last run\n"
	    "  --from, --to     recompute every day of the range (inclusive; both required)\n"
	    "  --product ID     only this product (revlens id)\n"
	    "  --shard K/N      only products with id %% N = K (0 <= K < N)\n"
	    "  --dry-run        compute, write nothing, print what would change\n"
	    "exit: 0 done, 3 nothing to do, 4 partial or interrupted, 1 failed, 2 usage,\n"
	    "      5 another run holds the lock\n");
}

static double secs_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int parse_args(int argc, char **argv, const char **conf, struct agg_opts *o)
{
	int has_from = 0, has_to = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		long long k, n;
		char *slash;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			exit(0);
		} else if (strcmp(a, "--dry-run") == 0) {
			o->dry_run = 1;
			continue;
		} else if (v == NULL) {
			fprintf(stderr, ME ": \"%s\" needs a value, or is not an option\n", a);
			return -1;
		}
		i++;
		if (strcmp(a, "-c") == 0) {
			*conf = v;
		} else if (strcmp(a, "--from") == 0 || strcmp(a, "--to") == 0) {
			int32_t *d = a[2] == 'f' ? &o->from : &o->to;
			if (period_parse_date(v, d) == -1) {
				fprintf(stderr, ME ": %s takes a date YYYY-MM-DD, not \"%s\"\n", a, v);
				return -1;
			}
			*(a[2] == 'f' ? &has_from : &has_to) = 1;
		} else if (strcmp(a, "--product") == 0) {
			if (strnum_parse(v, 10, 1, 9223372036854775807LL, &o->product) == -1) {
				fprintf(stderr, ME ": --product takes a product id (revlens's, a positive number)\n");
				return -1;
			}
		} else if (strcmp(a, "--shard") == 0) {
			char buf[32];
			snprintf(buf, sizeof(buf), "%s", v);
			if ((slash = strchr(buf, '/')) == NULL)
				goto bad_shard;
			*slash = '\0';
			if (strnum_parse(buf, 10, 0, 9999, &k) == -1 || strnum_parse(slash + 1, 10, 1, 9999, &n) == -1 ||
			    k >= n)
				goto bad_shard;
			o->shard_k = (int)k;
			o->shard_n = (int)n;
		} else {
			fprintf(stderr, ME ": unknown argument \"%s\"\n", a);
			return -1;
		}
		continue;
bad_shard:
		fprintf(stderr, ME ": --shard takes K/N with 0 <= K < N <= 9999, e.g. 0/4, not \"%s\"\n", v);
		return -1;
	}
	if (*conf == NULL) {
		fprintf(stderr, ME ": -c CONF is required\n");
		return -1;
	}
	if (has_from != has_to) {
		fprintf(stderr, ME ": --from and --to go together (a range of days, both inclusive)\n");
		return -1;
	}
	if (has_from && o->from > o->to) {
		fprintf(stderr, ME ": --from is after --to\n");
		return -1;
	}
	o->has_range = has_from;
	return 0;
}

static int refresh_lock(void *arg)
{
	int r = agg_lock_refresh(arg);

	if (r == -1)
		log_warn("lock refresh: %s", ((struct agg_lock *)arg)->r->err);
	return r != 0;  /* a Redis error is not a lost lock: it expires only after its TTL */
}

/* Retention (docs/aggregator.md): expired realtime_sessions, old run rows, finished
 * webhook deliveries. */
static void retention(struct agg_run *r, char *msg, size_t msglen)
{
	mongoc_collection_t *coll = mongoc_client_get_collection(r->mongo.client, r->mongo.dbname, "realtime_sessions");
	bson_t filter = BSON_INITIALIZER, lt, reply;
	bson_error_t error;
	bson_iter_t it;
	long long sessions = 0, runs = 0, deliveries = 0;
	char days[16];
	const char *p[1] = { days };

	BSON_APPEND_DOCUMENT_BEGIN(&filter, "expires_at", &lt);
	BSON_APPEND_DATE_TIME(&lt, "$lt", r->now_ms);
	bson_append_document_end(&filter, &lt);
	if (!mongoc_collection_delete_many(coll, &filter, NULL, &reply, &error)) {
		log_error("retention: realtime_sessions: MongoDB: %s", error.message);
		snprintf(msg, msglen, "retention: realtime_sessions: %s", error.message);
	} else if (bson_iter_init_find(&it, &reply, "deletedCount") && BSON_ITER_HOLDS_NUMBER(&it)) {
		sessions = bson_iter_as_int64(&it);
	}
	bson_destroy(&reply);
	bson_destroy(&filter);
	mongoc_collection_destroy(coll);
	snprintf(days, sizeof(days), "%d", RUNS_KEPT_DAYS);
	if (pg_exec(&r->pg, "DELETE FROM aggregator_runs WHERE started_at < now() - make_interval(days => $1::int)",
	    1, p) == -1) {
		log_error("retention: aggregator_runs: PostgreSQL: %s", r->pg.err);
		snprintf(msg, msglen, "retention: aggregator_runs: %s", r->pg.err);
	} else {
		runs = pg_affected(&r->pg);
	}
	pg_clear(&r->pg);
	/* webhook deliveries that are over (delivered or abandoned) */
	snprintf(days, sizeof(days), "%d", DELIVERIES_KEPT_DAYS);
	if (pg_exec(&r->pg, "DELETE FROM webhook_deliveries WHERE status <> 'pending' "
	    "AND created_at < now() - make_interval(days => $1::int)", 1, p) == -1) {
		log_error("retention: webhook_deliveries: PostgreSQL: %s", r->pg.err);
		snprintf(msg, msglen, "retention: webhook_deliveries: %s", r->pg.err);
	} else {
		deliveries = pg_affected(&r->pg);
	}
	pg_clear(&r->pg);
	if (sessions > 0 || runs > 0 || deliveries > 0)
		log_info("retention: %lld expired realtime sessions, %lld runs older than %d days, "
		    "%lld finished webhook deliveries older than %d days deleted",
		    sessions, runs, RUNS_KEPT_DAYS, deliveries, DELIVERIES_KEPT_DAYS);
}

/* A stream entry id "ms-seq". */
struct sid {
	unsigned long long ms, seq;
};

static int sid_parse(const char *s, struct sid *x)
{
	char end;

	return s != NULL && sscanf(s, "%llu-%llu%c", &x->ms, &x->seq, &end) == 2 ? 0 : -1;
}

static int sid_less(const struct sid *a, const struct sid *b)
{
	return a->ms < b->ms || (a->ms == b->ms && a->seq < b->seq);
}

/* The value of field name in a flat RESP2 field/value array, or NULL. */
static const redisReply *field(const redisReply *a, const char *name)
{
	for (size_t i = 0; a->type == REDIS_REPLY_ARRAY && i + 1 < a->elements; i += 2)
		if (a->element[i]->type == REDIS_REPLY_STRING && strcmp(a->element[i]->str, name) == 0)
			return a->element[i + 1];
	return NULL;
}

/* revlens:jobs keeps the entries workers acknowledged: delete those older than
 * JOBS_KEPT_DAYS, never reaching the oldest pending entry (a job a worker holds, or
 * one TERM left for the next) nor the entries after the group's last delivered one
 * (jobs nobody took yet). Without the group (no worker ever ran) nothing goes.
 * Returns the entries deleted, or -1 with the reason logged. */
static long long trim_jobs(struct rds_conn *q, int64_t now)
{
	redisReply *g = rds_command(q, "XINFO GROUPS %s", JOBS_STREAM), *p = NULL, *t = NULL;
	const redisReply *last = NULL, *pending = NULL;
	struct sid min = { (unsigned long long)(now - JOBS_KEPT_DAYS * 86400000LL), 0 }, x;
	long long n = 0;
	char id[48];

	if (g == NULL || g->type != REDIS_REPLY_ARRAY) {
		/* no stream yet ("no such key") is nothing to trim */
		if (g == NULL || g->type != REDIS_REPLY_ERROR || strstr(g->str, "no such key") == NULL) {
			log_error("retention: %s: %s", JOBS_STREAM, g == NULL ? q->err :
			    g->type == REDIS_REPLY_ERROR ? g->str : "unexpected reply to XINFO GROUPS");
			n = -1;
		}
		goto out;
	}
	for (size_t i = 0; i < g->elements; i++) {
		const redisReply *name = field(g->element[i], "name");
		if (name != NULL && name->type == REDIS_REPLY_STRING && strcmp(name->str, JOBS_GROUP) == 0) {
			last = field(g->element[i], "last-delivered-id");
			pending = field(g->element[i], "pending");
		}
	}
	if (last == NULL || last->type != REDIS_REPLY_STRING || sid_parse(last->str, &x) == -1 ||
	    pending == NULL || pending->type != REDIS_REPLY_INTEGER)
		goto out;
	x.seq++;                /* the last delivered entry itself may go */
	if (sid_less(&x, &min))
		min = x;
	if (pending->integer > 0) {
		/* XPENDING summary: count, smallest id, greatest id, consumers */
		p = rds_command(q, "XPENDING %s %s", JOBS_STREAM, JOBS_GROUP);
		if (p == NULL || p->type != REDIS_REPLY_ARRAY || p->elements < 2 ||
		    p->element[1]->type != REDIS_REPLY_STRING || sid_parse(p->element[1]->str, &x) == -1) {
			log_error("retention: %s: XPENDING: %s", JOBS_STREAM, p == NULL ? q->err : "unexpected reply");
			n = -1;
			goto out;
		}
		if (sid_less(&x, &min))
			min = x;
	}
	snprintf(id, sizeof(id), "%llu-%llu", min.ms, min.seq);
	t = rds_command(q, "XTRIM %s MINID %s", JOBS_STREAM, id);
	if (t == NULL || t->type != REDIS_REPLY_INTEGER) {
		log_error("retention: %s: XTRIM: %s", JOBS_STREAM, t == NULL ? q->err :
		    t->type == REDIS_REPLY_ERROR ? t->str : "unexpected reply");
		n = -1;
	} else {
		n = t->integer;
	}
out:
	if (g != NULL)
		freeReplyObject(g);
	if (p != NULL)
		freeReplyObject(p);
	if (t != NULL)
		freeReplyObject(t);
	return n;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	static struct agg_run r;
	struct config cfg;
	struct agg_lock lock;
	struct rds_conn queue;
	struct timespec t0;
	const char *conf = NULL, *outcome = "failed";
	char err[CONFIG_ERR_MAX], holder[160] = "", host[256] = "", msg[1100] = "";
	char lockkey[64], pidbuf[16], from[PERIOD_DATE_LEN], to[PERIOD_DATE_LEN], prod[24], shard[24];
	long long run_id = 0;
	int rc = EXIT_FAILED, have_cfg = 0, have_pg = 0, have_mongo = 0, have_queue = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&lock, 0, sizeof(lock));
	if (parse_args(argc, argv, &conf, &r.o) == -1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (config_load(&cfg, conf, err, sizeof(err)) == -1) {
		fprintf(stderr, ME ": %s\n", err);
		return EXIT_USAGE;
	}
	have_cfg = 1;
	r.cfg = &cfg;
	if (log_open(cfg.log_file, cfg.log_level) == -1) {
		fprintf(stderr, ME ": cannot open log %s: %s\n", cfg.log_file, strerror(errno));
		rc = EXIT_USAGE;
		goto out;
	}
	if (period_zone_set(cfg.aggregator_timezone) == -1) {
		fprintf(stderr, ME ": aggregator.timezone \"%s\" is not a zone this system knows "
		    "(install tzdata, or name an IANA zone such as Asia/Seoul)\n", cfg.aggregator_timezone);
		rc = EXIT_USAGE;
		goto out;
	}
	{
		const char *path = cfg.worker_model_file[0] != '\0' ? cfg.worker_model_file : kr_model_default_path();
		char kerr[KR_ERR_MAX];
		if (kr_model_open(&r.model, path, NULL, kerr, sizeof(kerr)) == -1) {
			fprintf(stderr, ME ": model: %s (set worker.model_file to the analysis model)\n", kerr);
			log_error("model: %s", kerr);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	{
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_stop;        /* no SA_RESTART */
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
	}
	r.stop = &got_stop;
	pg_slow_query_ms_set(cfg.pg_slow_query_ms);
	mongo_slow_query_ms_set(cfg.mongo_slow_query_ms);
	mongo_global_init();

	/* one run at a time */
	if (rds_init(&queue, "queue", cfg.redis_queue, cfg.redis_timeout_ms) == -1) {
		fprintf(stderr, ME ": redis.queue: %s\n", queue.err);
		rc = EXIT_USAGE;
		goto out;
	}
	have_queue = 1;
	/* a shard's runs have their own lock, so N hosts can each run their shard at once */
	if (r.o.shard_n > 0)
		snprintf(lockkey, sizeof(lockkey), AGG_LOCK_KEY ":%d/%d", r.o.shard_k, r.o.shard_n);
	else
		snprintf(lockkey, sizeof(lockkey), AGG_LOCK_KEY);
	switch (agg_lock_take(&lock, &queue, lockkey, cfg.aggregator_lock_ttl, holder, sizeof(holder))) {
	case 0:
		log_info("aggregator: another run holds the lock %s (%s); nothing done", lockkey, holder);
		fprintf(stderr, ME ": another run holds the lock %s (%s); nothing done. It expires %d s after "
		    "that run stops refreshing it.\n", lockkey, holder, cfg.aggregator_lock_ttl);
		rc = EXIT_LOCKED;
		goto out;
	case -1:
		log_error("aggregator: Redis: %s", queue.err);
		fprintf(stderr, ME ": Redis (redis.queue): %s; start Redis, then run again\n", queue.err);
		rc = EXIT_FAILED;
		goto out;
	}
	r.refresh = refresh_lock;
	r.refresh_arg = &lock;

	/* the run's row: its start is the claim's cut-off */
	if (pg_init_file(&r.pg, cfg.pg_conninfo, cfg.pg_password_file) == -1) {
		fprintf(stderr, ME ": PostgreSQL: %s\n", r.pg.err);
		rc = EXIT_USAGE;
		goto out;
	}
	have_pg = 1;
	gethostname(host, sizeof(host) - 1);
	if (host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	snprintf(pidbuf, sizeof(pidbuf), "%ld", (long)getpid());
	period_format_date(r.o.from, from);
	period_format_date(r.o.to, to);
	snprintf(prod, sizeof(prod), "%lld", r.o.product);
	snprintf(shard, sizeof(shard), "%d/%d", r.o.shard_k, r.o.shard_n);
	{
		const char *p[7] = { host, pidbuf, r.o.dry_run ? "dry-run" : r.o.has_range ? "range" : "pending",
			r.o.has_range ? from : NULL, r.o.has_range ? to : NULL, r.o.product ? prod : NULL,
			r.o.shard_n ? shard : NULL };
		if (pg_exec(&r.pg, "INSERT INTO aggregator_runs (host, pid, mode, range_from, range_to, product_id, shard) "
		    "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, clock_timestamp()::text", 7, p) == -1) {
			log_error("aggregator: PostgreSQL: %s", r.pg.err);
			fprintf(stderr, ME ": PostgreSQL: %s; start it (or fix postgres.*), then run again\n", r.pg.err);
			rc = EXIT_FAILED;
			goto out;
		}
		run_id = pg_value_ll(&r.pg, 0, 0);
		snprintf(r.started, sizeof(r.started), "%s", pg_value(&r.pg, 0, 1));
		pg_clear(&r.pg);
	}
	r.now_ms = now_ms();
	if (mongo_open(&r.mongo, cfg.mongo_uri, cfg.mongo_database, cfg.health_timeout_ms) == -1 ||
	    mongo_ping(&r.mongo) == -1) {
		snprintf(r.err, sizeof(r.err), "MongoDB: %s", r.mongo.err);
		have_mongo = r.mongo.client != NULL;
		goto finish;
	}
	have_mongo = 1;
	if (agg_plan(&r) == -1)
		goto finish;
	if (r.npv == 0) {
		outcome = "nothing";
		rc = EXIT_NOTHING;
	} else if (agg_execute(&r) == -1) {
		goto finish;
	} else if (r.interrupted) {
		outcome = "interrupted";
		rc = EXIT_PARTIAL;
	} else if (r.n.failed > 0 || r.lock_lost) {
		outcome = "partial";
		rc = EXIT_PARTIAL;
		if (r.lock_lost)
			snprintf(r.err, sizeof(r.err), "the lock expired or was taken by another run: stopped; "
			    "raise aggregator.lock_ttl if products take longer than it");
	} else {
		outcome = "ok";
		rc = EXIT_OK;
	}
	if (!r.o.dry_run && !r.interrupted) {
		char aerr[256];
		int fired, sampled;
		long long trimmed;
		retention(&r, msg, sizeof(msg));
		if ((trimmed = trim_jobs(&queue, r.now_ms)) > 0)
			log_info("retention: %lld acknowledged analysis jobs older than %d days deleted from %s",
			    trimmed, JOBS_KEPT_DAYS, JOBS_STREAM);
		/* price alerts of every watched product: a target set while the price already
		 * met it, or a price stored while the check failed, fires here at the latest */
		if ((fired = alerts_check(&r.pg, cfg.nchan_publish_socket, NULL, 0, aerr, sizeof(aerr))) == -1)
			log_error("price alerts: %s", aerr);
		else if (fired > 0)
			log_info("price alerts: %d fired", fired);
		/* today's capacity sample for revlens stats (docs/capacity.md): once a day; a
		 * failure is logged and never fails the run */
		if ((sampled = capacity_sample_daily(&cfg, &r.pg, &r.mongo, aerr, sizeof(aerr))) == -1)
			log_error("capacity sample: %s", aerr);
		else if (sampled == 1)
			log_info("capacity sample of today recorded (revlens stats)");
		pg_clear(&r.pg);
	}
finish:
	if (strcmp(outcome, "failed") == 0)
		rc = EXIT_FAILED;
	if (rc != EXIT_OK && rc != EXIT_NOTHING && r.err[0] != '\0')
		snprintf(msg, sizeof(msg), "%s", r.err);
	else if (r.interrupted)
		snprintf(msg, sizeof(msg), "interrupted by a signal: %ld products left pending",
		    (long)(r.npv - r.n.products - r.n.failed));
	{
		char line[1600], indexed[64] = "";
		if (r.n.indexed > 0)
			snprintf(indexed, sizeof(indexed), " (%lld reviews added to the day index)", r.n.indexed);
		snprintf(line, sizeof(line), "%s: %ld products, %ld days (%ld written, %ld unchanged, %ld deleted), "
		    "%ld months (%ld written, %ld unchanged, %ld deleted), %lld reviews, %lld prices%s in %.1f s "
		    "(reviews read %.1f s, analysed %.1f s, prices and tags %.1f s, stored documents %.1f s, "
		    "writes %.1f s, pending rows %.1f s)%s%s",
		    outcome, r.n.products, r.n.days_w + r.n.days_u + r.n.days_x, r.n.days_w, r.n.days_u, r.n.days_x,
		    r.n.months_w + r.n.months_u + r.n.months_x, r.n.months_w, r.n.months_u, r.n.months_x,
		    r.n.reviews, r.n.prices, indexed, secs_since(&t0), r.n.t_reviews, r.n.t_analyze, r.n.t_sources,
		    r.n.t_stored, r.n.t_write, r.n.t_pending, msg[0] ? "; " : "", msg);
		if (rc == EXIT_OK || rc == EXIT_NOTHING)
			log_info("aggregator run %lld: %s", run_id, line);
		else
			log_error("aggregator run %lld: %s", run_id, line);
		if (r.o.dry_run || (rc != EXIT_OK && rc != EXIT_NOTHING))
			fprintf(rc == EXIT_OK || rc == EXIT_NOTHING ? stdout : stderr, "aggregator run %lld: %s\n",
			    run_id, line);
	}
	{
		char c[10][24], idbuf[24];
		long long v[10] = { r.n.products, r.n.days_w, r.n.days_u, r.n.days_x, r.n.months_w, r.n.months_u,
			r.n.months_x, r.n.reviews, r.n.prices, 0 };
		const char *p[13];
		snprintf(idbuf, sizeof(idbuf), "%lld", run_id);
		p[0] = idbuf;
		for (int i = 0; i < 9; i++) {
			snprintf(c[i], sizeof(c[i]), "%lld", v[i]);
			p[1 + i] = c[i];
		}
		p[10] = outcome;
		p[11] = msg[0] ? msg : NULL;
		snprintf(c[9], sizeof(c[9]), "%ld", r.n.failed);
		p[12] = c[9];
		if (pg_exec(&r.pg, "UPDATE aggregator_runs SET finished_at = now(), products = $2, days_written = $3, "
		    "days_unchanged = $4, days_deleted = $5, months_written = $6, months_unchanged = $7, "
		    "months_deleted = $8, reviews = $9, prices = $10, outcome = $11, message = left($12, 2000), "
		    "products_failed = $13 WHERE id = $1", 13, p) == -1)
			log_error("aggregator run %lld: recording its end: PostgreSQL: %s", run_id, r.pg.err);
		pg_clear(&r.pg);
	}
out:
	agg_lock_release(&lock);
	agg_plan_free(&r);
	if (have_mongo)
		mongo_close(&r.mongo);
	if (have_pg)
		pg_close(&r.pg);
	if (have_queue)
		rds_close(&queue);
	kr_model_close(r.model);
	if (have_cfg) {
		log_close();
		config_free(&cfg);
	}
	return rc;
}
