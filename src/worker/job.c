/* job.c — one analysis job: check the request, collect, analyse, summarise (docs/worker.md).
 *
 * job_run() returns what happened, and the caller (consume.c) acknowledges, retries
 * or dead-letters. Invariants:
 * - The request row is the truth: every stage update is conditional on the request
 *   still being `running`, so a cancel is noticed at the next stage or batch.
 * - The result and `done` are written in one PostgreSQL transaction, keyed by
 *   request_id: a job run twice (a reclaimed one) replaces its result, never adds.
 * - Per-review writes are updates by `_id`, carrying in sentiment.hash the hash of
 *   the text analysed: a review edited while it was being read keeps a mismatching
 *   hash and is analysed again by the next run; rewriting an analysis is idempotent.
 */
#include "worker/job.h"

#include <stdarg.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "lib/crawl.h"
#include "lib/log.h"
#include "lib/progress.h"
#include "worker/agg.h"

#define NO_REVIEWS_MSG "수집된 리뷰가 없어 분석할 수 없습니다. 잠시 후 다시 요청하거나 브라우저 확장 " \
	"프로그램 ‘revlens로 보내기’로 리뷰를 보내 주세요."
#define POLL_MS 500     /* crawl-state polling while collecting */
/* pg_try_advisory_lock(class, request id) held while a job runs: "rlwk", private to
 * the worker (revlens-web's request lock uses another class). A new connection after
 * a PostgreSQL restart has lost it; the job goes on (its writes stay idempotent). */
#define JOB_LOCK_CLASS "1919711083"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum job_outcome fail_with(struct job *j, enum job_outcome o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum job_outcome fail_with(struct job *j, enum job_outcome o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->err, sizeof(j->err), fmt, ap);
	va_end(ap);
	return o;
}

/* Publish the request's live progress; failures are logged, never fatal (nobody
 * watching must not fail an analysis). A publisher that failed (nginx down, or nchan
 * reconnecting to Redis and holding each message for NCHAN_TIMEOUT_MS) is left
 * alone for NCHAN_QUIET_MS for running progress, so the batches do not wait on it;
 * the final done/failed is always tried. The Redis hash is always written. */
#define NCHAN_QUIET_MS 10000
void job_publish(struct worker *w, const struct job *j, const char *status, const char *stage,
    int percent, const char *message)
{
	struct progress p = { j->rid, status, stage, percent, message };
	char err[300];

	if (progress_store(&w->queue, &p, err, sizeof(err)) == -1) {
		log_warn("request %lld: progress: %s", j->rid, err);
		return;
	}
	if (strcmp(status, "running") == 0 && now_ms() < w->nchan_quiet_until_ms)
		return;
	if (progress_publish(w->cfg->nchan_publish_socket, &p, err, sizeof(err)) == -1) {
		log_warn("request %lld: progress: %s", j->rid, err);
		w->nchan_quiet_until_ms = now_ms() + NCHAN_QUIET_MS;
	} else {
		w->nchan_quiet_until_ms = 0;
	}
}

/* Record stage and percent on the request and publish them. 1 while the request is
 * running, 0 when it is not any more (cancelled), -1 on a PostgreSQL error. */
static int stage(struct worker *w, struct job *j, const char *name, int percent, const char *message)
{
	char ids[24], pct[16];
	const char *p[3] = { ids, name, pct };

	worker_note(w, j, name);        /* metrics: stage times, reviews so far */
	snprintf(ids, sizeof(ids), "%lld", j->rid);
	snprintf(pct, sizeof(pct), "%d", percent);
	if (pg_exec(&w->pg, "UPDATE analysis_requests SET stage = $2, progress = $3 "
	    "WHERE id = $1 AND status = 'running' RETURNING id", 3, p) == -1) {
		snprintf(j->err, sizeof(j->err), "PostgreSQL: %s", w->pg.err);
		return -1;
	}
	if (pg_ntuples(&w->pg) == 0)
		return 0;
	job_publish(w, j, "running", name, percent, message);
	return 1;
}

/* ---------------------------------------------------------------- check */

static enum job_outcome check(struct worker *w, struct job *j)
{
	char ids[24];
	const char *p[1] = { ids };
	char st[16];

	snprintf(ids, sizeof(ids), "%lld", j->rid);
	if (pg_exec(&w->pg, "SELECT status, product_id FROM analysis_requests WHERE id = $1", 1, p) == -1)
		return fail_with(j, JOB_TRANSIENT, "PostgreSQL: %s", w->pg.err);
	if (pg_ntuples(&w->pg) == 0)
		return fail_with(j, JOB_SKIPPED, "request %lld is gone", j->rid);
	snprintf(st, sizeof(st), "%s", pg_value(&w->pg, 0, 0));
	if (strcmp(st, "queued") != 0 && strcmp(st, "running") != 0)
		return fail_with(j, JOB_SKIPPED, "request %lld is %s", j->rid, st);
	j->pid = pg_value_ll(&w->pg, 0, 1);
	/* one worker per request at a time: a second entry of a request that another
	 * worker is running (or one reclaimed from a worker that is slow, not dead) */
	if (pg_exec(&w->pg, "SELECT pg_try_advisory_lock(" JOB_LOCK_CLASS ", ($1::bigint % 2147483647)::int)",
	    1, p) == -1)
		return fail_with(j, JOB_TRANSIENT, "PostgreSQL: %s", w->pg.err);
	if (strcmp(pg_value(&w->pg, 0, 0), "t") != 0) {
		if (strcmp(st, "running") == 0)
			return fail_with(j, JOB_SKIPPED, "request %lld is being analysed by another worker", j->rid);
		return fail_with(j, JOB_TRANSIENT, "request %lld is locked by another worker", j->rid);
	}
	j->lock_session = w->pg.session;
	j->locked = 1;
	/* queued -> running; a reclaimed job finds it running already */
	if (pg_exec(&w->pg, "UPDATE analysis_requests SET status = 'running', stage = 'collect', "
	    "progress = 0, attempts = attempts + 1 WHERE id = $1 AND status IN ('queued', 'running') "
	    "RETURNING attempts, (extract(epoch FROM now()) * 1000)::bigint", 1, p) == -1)
		return fail_with(j, JOB_TRANSIENT, "PostgreSQL: %s", w->pg.err);
	if (pg_ntuples(&w->pg) == 0)
		return fail_with(j, JOB_SKIPPED, "request %lld was finished meanwhile", j->rid);
	if (pg_value_ll(&w->pg, 0, 0) > j->attempts)
		j->attempts = pg_value_ll(&w->pg, 0, 0);
	j->start_ms = pg_value_ll(&w->pg, 0, 1);
	if (j->attempts > w->cfg->worker_max_attempts)
		return fail_with(j, JOB_PERMANENT, "%lld attempts, more than worker.max_attempts", j->attempts);
	if (w->model == NULL)
		return fail_with(j, JOB_PERMANENT, "model: %s", w->model_err);
	return JOB_DONE;
}

/* ---------------------------------------------------------------- collect */

static enum job_outcome collect(struct worker *w, struct job *j)
{
	int timeout = w->cfg->worker_collect_timeout, r;
	int64_t until = now_ms() + (int64_t)timeout * 1000;
	char entry[64], err[300], pids[24], since[24];
	const char *p[2] = { pids, since };

	r = stage(w, j, "collect", 0, "리뷰를 모으는 중입니다.");
	if (r != 1)
		return r == 0 ? JOB_CANCELLED : JOB_TRANSIENT;
	if (timeout == 0)
		return JOB_DONE;
	if (crawl_request(&w->pg, &w->queue, j->pid, j->rid, timeout, entry, sizeof(entry),
	    err, sizeof(err)) != 1) {
		/* collecting is best effort: analyse what is stored */
		log_warn("request %lld: no crawl request: %s", j->rid, err);
		return JOB_DONE;
	}
	snprintf(pids, sizeof(pids), "%lld", j->pid);
	snprintf(since, sizeof(since), "%lld", (long long)j->start_ms);
	while (now_ms() < until) {
		if (*w->stop)
			return JOB_STOPPED;
		if (pg_exec(&w->pg, "SELECT state FROM product_crawl_status WHERE product_id = $1 "
		    "AND state IN ('done', 'blocked', 'failed') "
		    "AND updated_at >= to_timestamp($2::bigint / 1000.0)", 2, p) == -1)
			return fail_with(j, JOB_TRANSIENT, "PostgreSQL: %s", w->pg.err);
		if (pg_ntuples(&w->pg) > 0) {
			log_info("request %lld: crawl %s", j->rid, pg_value(&w->pg, 0, 0));
			return JOB_DONE;
		}
		sleep_ms(POLL_MS);
	}
	log_info("request %lld: no crawl outcome within %d s, analysing what is stored", j->rid, timeout);
	return JOB_DONE;
}

/* ---------------------------------------------------------------- analyze */

static int polarity_of(const char *s)
{
	return strcmp(s, "pos") == 0 ? KR_POS : strcmp(s, "neg") == 0 ? KR_NEG : KR_NEUTRAL;
}

static int aspect_of(const char *s)
{
	for (int a = 0; a < KR_ASPECT_COUNT; a++)
		if (strcmp(kr_aspect_name(a), s) == 0)
			return a;
	return KR_ASPECT_NONE;
}

/* The stored analysis of a review (its sentiment, keywords and aspects) into r;
 * strings point into doc. */
static void load_stored(const bson_t *doc, struct kr_result *r)
{
	bson_iter_t it, sub, el;

	memset(r, 0, sizeof(*r));
	if (bson_iter_init_find(&it, doc, "sentiment") && BSON_ITER_HOLDS_DOCUMENT(&it) &&
	    bson_iter_recurse(&it, &sub)) {
		while (bson_iter_next(&sub)) {
			const char *k = bson_iter_key(&sub);
			if (strcmp(k, "label") == 0 && BSON_ITER_HOLDS_UTF8(&sub))
				r->label = (int8_t)polarity_of(bson_iter_utf8(&sub, NULL));
			else if (strcmp(k, "score") == 0 && BSON_ITER_HOLDS_NUMBER(&sub))
				r->score = (float)bson_iter_as_double(&sub);
			else if (strcmp(k, "confidence") == 0 && BSON_ITER_HOLDS_NUMBER(&sub))
				r->confidence = (float)bson_iter_as_double(&sub);
		}
	}
	if (bson_iter_init_find(&it, doc, "keywords") && BSON_ITER_HOLDS_ARRAY(&it) &&
	    bson_iter_recurse(&it, &sub)) {
		while (bson_iter_next(&sub) && r->nkeywords < KR_MAX_KEYWORDS) {
			struct kr_keyword *k = &r->keywords[r->nkeywords];
			uint32_t len = 0;
			if (!BSON_ITER_HOLDS_DOCUMENT(&sub) || !bson_iter_recurse(&sub, &el))
				continue;
			k->stem = NULL;
			k->aspect = KR_ASPECT_NONE;
			k->polarity = KR_NEUTRAL;
			while (bson_iter_next(&el)) {
				const char *key = bson_iter_key(&el);
				if (strcmp(key, "stem") == 0 && BSON_ITER_HOLDS_UTF8(&el))
					k->stem = bson_iter_utf8(&el, &len);
				else if (strcmp(key, "aspect") == 0 && BSON_ITER_HOLDS_UTF8(&el))
					k->aspect = (uint8_t)aspect_of(bson_iter_utf8(&el, NULL));
				else if (strcmp(key, "polarity") == 0 && BSON_ITER_HOLDS_UTF8(&el))
					k->polarity = (int8_t)polarity_of(bson_iter_utf8(&el, NULL));
			}
			if (k->stem != NULL && len > 0 && len <= UINT16_MAX) {
				k->len = (uint16_t)len;
				r->nkeywords++;
			}
		}
	}
	if (bson_iter_init_find(&it, doc, "aspects") && BSON_ITER_HOLDS_ARRAY(&it) &&
	    bson_iter_recurse(&it, &sub)) {
		while (bson_iter_next(&sub) && r->naspects < KR_ASPECT_COUNT) {
			struct kr_aspect_hit *h = &r->aspects[r->naspects];
			h->aspect = KR_ASPECT_NONE;
			h->polarity = KR_NEUTRAL;
			h->score = 0;
			if (!BSON_ITER_HOLDS_DOCUMENT(&sub) || !bson_iter_recurse(&sub, &el))
				continue;
			while (bson_iter_next(&el)) {
				const char *key = bson_iter_key(&el);
				if (strcmp(key, "aspect") == 0 && BSON_ITER_HOLDS_UTF8(&el))
					h->aspect = (uint8_t)aspect_of(bson_iter_utf8(&el, NULL));
				else if (strcmp(key, "polarity") == 0 && BSON_ITER_HOLDS_UTF8(&el))
					h->polarity = (int8_t)polarity_of(bson_iter_utf8(&el, NULL));
				else if (strcmp(key, "score") == 0 && BSON_ITER_HOLDS_NUMBER(&el))
					h->score = (float)bson_iter_as_double(&el);
			}
			if (h->aspect < KR_ASPECT_COUNT)
				r->naspects++;
		}
	}
}

/* The $set of one review's analysis. */
static void analysis_doc(bson_t *set, const struct kr_result *r, const char *hash, int64_t at_ms)
{
	bson_t sent, arr, el;
	char key[16];
	const char *kp;

	BSON_APPEND_DOCUMENT_BEGIN(set, "sentiment", &sent);
	BSON_APPEND_UTF8(&sent, "label", kr_polarity_name(r->label));
	BSON_APPEND_DOUBLE(&sent, "score", (double)r->score);
	BSON_APPEND_DOUBLE(&sent, "confidence", (double)r->confidence);
	BSON_APPEND_UTF8(&sent, "hash", hash);
	bson_append_document_end(set, &sent);
	BSON_APPEND_ARRAY_BEGIN(set, "keywords", &arr);
	for (uint32_t i = 0; i < r->nkeywords; i++) {
		const struct kr_keyword *k = &r->keywords[i];
		bson_uint32_to_string(i, &kp, key, sizeof(key));
		bson_append_document_begin(&arr, kp, -1, &el);
		bson_append_utf8(&el, "stem", -1, k->stem, k->len);
		if (k->aspect < KR_ASPECT_COUNT)
			BSON_APPEND_UTF8(&el, "aspect", kr_aspect_name(k->aspect));
		else
			BSON_APPEND_NULL(&el, "aspect");
		BSON_APPEND_UTF8(&el, "polarity", kr_polarity_name(k->polarity));
		bson_append_document_end(&arr, &el);
	}
	bson_append_array_end(set, &arr);
	BSON_APPEND_ARRAY_BEGIN(set, "aspects", &arr);
	for (uint32_t i = 0; i < r->naspects; i++) {
		const struct kr_aspect_hit *h = &r->aspects[i];
		bson_uint32_to_string(i, &kp, key, sizeof(key));
		bson_append_document_begin(&arr, kp, -1, &el);
		BSON_APPEND_UTF8(&el, "aspect", kr_aspect_name(h->aspect));
		BSON_APPEND_UTF8(&el, "polarity", kr_polarity_name(h->polarity));
		BSON_APPEND_DOUBLE(&el, "score", (double)h->score);
		bson_append_document_end(&arr, &el);
	}
	bson_append_array_end(set, &arr);
	BSON_APPEND_DATE_TIME(set, "analyzed_at", at_ms);
}

static double secs_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Keep the job's stream entry ours: reset its idle time so nobody reclaims it. */
static void heartbeat(struct worker *w, const struct job *j)
{
	const char *argv[] = { "XCLAIM", JOBS_STREAM, JOBS_GROUP, w->consumer, "0", j->entry, "JUSTID" };
	redisReply *rep;

	if (j->entry[0] == '\0')
		return;
	rep = rds_command_argv(&w->queue, 7, argv, NULL);
	if (rep == NULL)
		log_warn("request %lld: heartbeat: %s", j->rid, w->queue.err);
	freeReplyObject(rep);
}

/* Write the batch's analyses. 0, or -1 with j->err. */
static int flush(struct job *j, mongoc_bulk_operation_t **bulk, int *nops)
{
	struct timespec t0;
	bson_t reply;
	bson_error_t error;
	int ok;

	if (*nops == 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok = (int)mongoc_bulk_operation_execute(*bulk, &reply, &error);
	bson_destroy(&reply);
	mongoc_bulk_operation_destroy(*bulk);
	*bulk = NULL;
	*nops = 0;
	j->t_write += secs_since(&t0);
	if (!ok) {
		snprintf(j->err, sizeof(j->err), "MongoDB: %s", error.message);
		return -1;
	}
	return 0;
}

/* Queue the update of one review's analysis on bulk (made on first use). */
static int queue_update(mongoc_collection_t *coll, mongoc_bulk_operation_t **bulk,
    const bson_value_t *id, const char *hash, const struct kr_result *r, int64_t at_ms, struct job *j)
{
	bson_t filter = BSON_INITIALIZER, update = BSON_INITIALIZER, set;
	bson_error_t error;
	int rc = 0;

	if (*bulk == NULL) {
		bson_t opts = BSON_INITIALIZER;
		BSON_APPEND_BOOL(&opts, "ordered", false);
		*bulk = mongoc_collection_create_bulk_operation_with_opts(coll, &opts);
		bson_destroy(&opts);
	}
	/* by _id alone: the Mongo stand-in uses an index only for a query on exactly its
	 * keys, and with {_id, hash} it scanned the collection per update (50 reviews/s).
	 * A review edited meanwhile gets this analysis under the old hash in
	 * sentiment.hash, so the next run sees the mismatch and analyses it again. */
	BSON_APPEND_VALUE(&filter, "_id", id);
	BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
	analysis_doc(&set, r, hash, at_ms);
	bson_append_document_end(&update, &set);
	if (!mongoc_bulk_operation_update_one_with_opts(*bulk, &filter, &update, NULL, &error)) {
		snprintf(j->err, sizeof(j->err), "MongoDB: %s", error.message);
		rc = -1;
	}
	bson_destroy(&filter);
	bson_destroy(&update);
	return rc;
}

/* One review document: its fields, analysed or its stored analysis, into g and bulk. */
static enum job_outcome one_review(struct worker *w, struct job *j, const bson_t *doc, struct agg *g,
    mongoc_collection_t *coll, mongoc_bulk_operation_t **bulk, int *nops, int64_t at_ms)
{
	struct agg_input in = { "", NULL, 0, 0, 0 };
	const char *hash = NULL, *stored = NULL;
	bson_value_t id;
	bson_iter_t it, sub;
	struct timespec t0;
	int have_id = 0;
	uint32_t len = 0;

	if (!bson_iter_init(&it, doc))
		return fail_with(j, JOB_PERMANENT, "a review document of product %lld cannot be read", j->pid);
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);
		if (strcmp(k, "_id") == 0) {
			id = *bson_iter_value(&it);
			have_id = 1;
		} else if (strcmp(k, "review_id") == 0 && BSON_ITER_HOLDS_UTF8(&it)) {
			in.id = bson_iter_utf8(&it, NULL);
		} else if (strcmp(k, "rating") == 0 && BSON_ITER_HOLDS_NUMBER(&it)) {
			in.rating = (int)bson_iter_as_int64(&it);
		} else if (strcmp(k, "text") == 0 && BSON_ITER_HOLDS_UTF8(&it)) {
			in.text = bson_iter_utf8(&it, &len);
			in.textlen = len;
		} else if (strcmp(k, "review_date") == 0 && BSON_ITER_HOLDS_DATE_TIME(&it)) {
			in.written_ms = bson_iter_date_time(&it);
		} else if (strcmp(k, "hash") == 0 && BSON_ITER_HOLDS_UTF8(&it)) {
			hash = bson_iter_utf8(&it, NULL);
		} else if (strcmp(k, "sentiment") == 0 && BSON_ITER_HOLDS_DOCUMENT(&it) &&
		    bson_iter_recurse(&it, &sub) && bson_iter_find(&sub, "hash") && BSON_ITER_HOLDS_UTF8(&sub)) {
			stored = bson_iter_utf8(&sub, NULL);
		}
	}
	if (!have_id || in.text == NULL || hash == NULL)
		return fail_with(j, JOB_PERMANENT, "a review of product %lld has no _id, text or hash "
		    "(the review set cannot be read)", j->pid);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (stored != NULL && strcmp(stored, hash) == 0) {
		load_stored(doc, w->res);
		j->kept++;
	} else {
		if (kr_analyze(w->model, in.text, in.textlen, w->res, &w->arena) == -1)
			log_warn("request %lld: review %s: invalid UTF-8, counted as neutral", j->rid, in.id);
		j->analyzed++;
		if (queue_update(coll, bulk, &id, hash, w->res, at_ms, j) == -1)
			return JOB_TRANSIENT;
		(*nops)++;
	}
	if (agg_add(g, &in, w->res) == -1)
		log_warn("request %lld: out of memory while summarising; keywords are missing", j->rid);
	j->t_analyze += secs_since(&t0);
	return JOB_DONE;
}

static enum job_outcome analyze(struct worker *w, struct job *j, struct agg *g)
{
	mongoc_collection_t *coll = NULL;
	mongoc_cursor_t *cur = NULL;
	mongoc_bulk_operation_t *bulk = NULL;
	bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, proj;
	const bson_t *doc;
	bson_error_t error;
	enum job_outcome o = JOB_DONE;
	struct timespec t0;
	int64_t at_ms = now_ms();
	int nops = 0, inbatch = 0, r;
	char msg[160], pids[24];
	const char *pp[1] = { pids };

	coll = mongoc_client_get_collection(w->mongo.client, w->mongo.dbname, "product_reviews_raw");
	BSON_APPEND_INT64(&filter, "product_id", j->pid);
	/* the total for the progress bar from what ingestion counts (product_review_stats):
	 * counting the documents would cost the stand-in one more scan of the collection */
	snprintf(pids, sizeof(pids), "%lld", j->pid);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (pg_exec(&w->pg, "SELECT reviews FROM product_review_stats WHERE product_id = $1", 1, pp) == -1) {
		o = fail_with(j, JOB_TRANSIENT, "PostgreSQL: %s", w->pg.err);
		goto out;
	}
	j->t_pg += secs_since(&t0);
	j->total = pg_ntuples(&w->pg) > 0 ? (long)pg_value_ll(&w->pg, 0, 0) : 0;
	if (j->total > 0)
		snprintf(msg, sizeof(msg), "리뷰 %ld개를 분석하는 중입니다.", j->total);
	else
		snprintf(msg, sizeof(msg), "리뷰를 분석하는 중입니다.");
	if ((r = stage(w, j, "analyse", 5, msg)) != 1) {
		o = r == 0 ? JOB_CANCELLED : JOB_TRANSIENT;
		goto out;
	}
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "projection", &proj);
	BSON_APPEND_INT32(&proj, "review_id", 1);
	BSON_APPEND_INT32(&proj, "rating", 1);
	BSON_APPEND_INT32(&proj, "text", 1);
	BSON_APPEND_INT32(&proj, "review_date", 1);
	BSON_APPEND_INT32(&proj, "hash", 1);
	BSON_APPEND_INT32(&proj, "sentiment", 1);
	BSON_APPEND_INT32(&proj, "keywords", 1);
	BSON_APPEND_INT32(&proj, "aspects", 1);
	bson_append_document_end(&opts, &proj);
	BSON_APPEND_INT32(&opts, "batchSize", w->cfg->worker_batch_size);
	cur = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
	for (;;) {
		int more;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		more = mongoc_cursor_next(cur, &doc);
		j->t_read += secs_since(&t0);
		if (!more)
			break;
		if ((o = one_review(w, j, doc, g, coll, &bulk, &nops, at_ms)) != JOB_DONE)
			goto out;
		j->done++;
		if (++inbatch < w->cfg->worker_batch_size)
			continue;
		inbatch = 0;
		if (flush(j, &bulk, &nops) == -1) {
			o = JOB_TRANSIENT;
			goto out;
		}
		heartbeat(w, j);
		if (j->total > 0)
			snprintf(msg, sizeof(msg), "리뷰 %ld개 중 %ld개를 분석했습니다.", j->total, j->done);
		else
			snprintf(msg, sizeof(msg), "리뷰 %ld개를 분석했습니다.", j->done);
		if ((r = stage(w, j, "analyse", 5 + (j->total > 0 ?
		    (int)(85 * (j->done < j->total ? j->done : j->total) / j->total) : 40), msg)) != 1) {
			o = r == 0 ? JOB_CANCELLED : JOB_TRANSIENT;
			goto out;
		}
		if (*w->stop) {
			o = JOB_STOPPED;
			goto out;
		}
	}
	if (mongoc_cursor_error(cur, &error)) {
		o = fail_with(j, JOB_TRANSIENT, "MongoDB: %s", error.message);
		goto out;
	}
	if (flush(j, &bulk, &nops) == -1) {
		o = JOB_TRANSIENT;
		goto out;
	}
	if (j->done == 0)
		o = fail_with(j, JOB_FAILED, "%s", NO_REVIEWS_MSG);
out:
	if (bulk != NULL)
		mongoc_bulk_operation_destroy(bulk);
	if (cur != NULL)
		mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(coll);
	bson_destroy(&filter);
	bson_destroy(&opts);
	return o;
}

/* ---------------------------------------------------------------- save */

static int by_percent(const void *a, const void *b)
{
	json_object *x = *(json_object *const *)a, *y = *(json_object *const *)b;
	json_object *px = NULL, *py = NULL;
	double dx, dy;

	json_object_object_get_ex(x, "percent", &px);
	json_object_object_get_ex(y, "percent", &py);
	dx = json_object_get_double(px);
	dy = json_object_get_double(py);
	return dx > dy ? -1 : dx < dy ? 1 : 0;
}

static int by_question(const void *a, const void *b)
{
	json_object *qa = NULL, *qb = NULL;

	json_object_object_get_ex(*(json_object *const *)a, "question", &qa);
	json_object_object_get_ex(*(json_object *const *)b, "question", &qb);
	return strcmp(json_object_get_string(qa), json_object_get_string(qb));
}

/* The product's latest survey-tag snapshot as the summary's survey_tags array (a heap
 * string), or NULL with j->err on a MongoDB error. */
static char *survey_tags(struct worker *w, struct job *j)
{
	mongoc_collection_t *coll;
	mongoc_cursor_t *cur = NULL;
	bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, sort;
	const bson_t *doc;
	bson_error_t error;
	bson_iter_t it;
	json_object *arr = json_object_new_array();
	char day[16] = "", *out = NULL;

	coll = mongoc_client_get_collection(w->mongo.client, w->mongo.dbname, "coupang_keyword_tags");
	BSON_APPEND_INT64(&filter, "product_id", j->pid);
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "sort", &sort);
	BSON_APPEND_INT32(&sort, "snapshot_date", -1);
	bson_append_document_end(&opts, &sort);
	BSON_APPEND_INT64(&opts, "limit", 1);
	cur = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
	if (mongoc_cursor_next(cur, &doc) && bson_iter_init_find(&it, doc, "snapshot_date") &&
	    BSON_ITER_HOLDS_UTF8(&it))
		snprintf(day, sizeof(day), "%s", bson_iter_utf8(&it, NULL));
	if (mongoc_cursor_error(cur, &error))
		goto fail;
	mongoc_cursor_destroy(cur);
	cur = NULL;
	if (day[0] != '\0') {
		BSON_APPEND_UTF8(&filter, "snapshot_date", day);
		cur = mongoc_collection_find_with_opts(coll, &filter, NULL, NULL);
		while (mongoc_cursor_next(cur, &doc)) {
			const char *q = NULL, *a = NULL;
			double pct = 0;
			json_object *question = NULL, *answers, *ans;
			if (!bson_iter_init(&it, doc))
				continue;
			while (bson_iter_next(&it)) {
				const char *k = bson_iter_key(&it);
				if (strcmp(k, "category") == 0 && BSON_ITER_HOLDS_UTF8(&it))
					q = bson_iter_utf8(&it, NULL);
				else if (strcmp(k, "tag") == 0 && BSON_ITER_HOLDS_UTF8(&it))
					a = bson_iter_utf8(&it, NULL);
				else if (strcmp(k, "percent") == 0 && BSON_ITER_HOLDS_NUMBER(&it))
					pct = bson_iter_as_double(&it);
			}
			if (q == NULL || a == NULL)
				continue;
			/* one object per question; sorted by its text below (Coupang's own
			 * order is not stored) */
			for (size_t i = 0; i < json_object_array_length(arr) && question == NULL; i++) {
				json_object *e = json_object_array_get_idx(arr, i), *qv;
				if (json_object_object_get_ex(e, "question", &qv) &&
				    strcmp(json_object_get_string(qv), q) == 0)
					question = e;
			}
			if (question == NULL) {
				question = json_object_new_object();
				json_object_object_add(question, "question", json_object_new_string(q));
				json_object_object_add(question, "observed_on", json_object_new_string(day));
				json_object_object_add(question, "answers", json_object_new_array());
				json_object_array_add(arr, question);
			}
			json_object_object_get_ex(question, "answers", &answers);
			ans = json_object_new_object();
			json_object_object_add(ans, "answer", json_object_new_string(a));
			json_object_object_add(ans, "percent", json_object_new_double(pct));
			json_object_array_add(answers, ans);
		}
		if (mongoc_cursor_error(cur, &error))
			goto fail;
		json_object_array_sort(arr, by_question);
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			json_object *answers;
			json_object_object_get_ex(json_object_array_get_idx(arr, i), "answers", &answers);
			json_object_array_sort(answers, by_percent);
		}
	}
	out = strdup(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	if (out == NULL)
		snprintf(j->err, sizeof(j->err), "out of memory");
	goto done;
fail:
	snprintf(j->err, sizeof(j->err), "MongoDB: %s", error.message);
done:
	if (cur != NULL)
		mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(coll);
	bson_destroy(&filter);
	bson_destroy(&opts);
	json_object_put(arr);
	return out;
}

/* Whether the stored keyword document d holds k's counts and aspect. */
static int keyword_same(const bson_t *d, const struct agg_kw *k)
{
	static const char *const field[4] = { "frequency", "positive", "negative", "neutral" };
	const long want[4] = { k->count, k->pos, k->neg, k->neu };
	const char *tag = k->aspect < KR_ASPECT_COUNT ? kr_aspect_name(k->aspect) : NULL;
	bson_iter_t it, sub;

	for (int i = 0; i < 4; i++)
		if (!bson_iter_init_find(&it, d, field[i]) || !BSON_ITER_HOLDS_NUMBER(&it) ||
		    bson_iter_as_int64(&it) != want[i])
			return 0;
	if (!bson_iter_init_find(&it, d, "tags") || !BSON_ITER_HOLDS_ARRAY(&it) ||
	    !bson_iter_recurse(&it, &sub))
		return 0;
	if (!bson_iter_next(&sub))
		return tag == NULL;
	return tag != NULL && BSON_ITER_HOLDS_UTF8(&sub) && strcmp(bson_iter_utf8(&sub, NULL), tag) == 0 &&
	    !bson_iter_next(&sub);
}

static void keyword_set(bson_t *set, const struct agg_kw *k, int64_t at)
{
	bson_t tags;

	BSON_APPEND_INT64(set, "frequency", k->count);
	BSON_APPEND_INT64(set, "positive", k->pos);
	BSON_APPEND_INT64(set, "negative", k->neg);
	BSON_APPEND_INT64(set, "neutral", k->neu);
	BSON_APPEND_DOUBLE(set, "sentiment_ratio", k->count > 0 ? (double)k->pos / (double)k->count : 0.0);
	BSON_APPEND_ARRAY_BEGIN(set, "tags", &tags);
	if (k->aspect < KR_ASPECT_COUNT)
		BSON_APPEND_UTF8(&tags, "0", kr_aspect_name(k->aspect));
	bson_append_array_end(set, &tags);
	BSON_APPEND_DATE_TIME(set, "updated_at", at);
}

static int run_bulk(mongoc_bulk_operation_t *bulk, long n, struct job *j, const char *what)
{
	bson_t reply;
	bson_error_t error;
	int ok;

	if (n == 0)
		return 0;
	if (!(ok = mongoc_bulk_operation_execute(bulk, &reply, &error) != 0))
		log_error("request %lld: %s keywords: MongoDB: %s", j->rid, what, error.message);
	bson_destroy(&reply);
	return ok ? 0 : -1;
}

/* The product's keyword documents (product_id, keyword, counts, tags, updated_at):
 * one read of what is stored, then only the differences, each by _id: a keyword this
 * run did not see is deleted, one whose counts or aspect changed is updated, a new one
 * inserted. Deletes go first, so a keyword stored twice cannot collide with its insert
 * on the unique (product_id, keyword) index. A re-run over unchanged reviews writes
 * nothing (updated_at is when the counts last changed). Failures are logged: the
 * result is saved already. */
static void write_keywords(struct worker *w, struct job *j, const struct agg *g)
{
	mongoc_collection_t *coll;
	mongoc_cursor_t *cur;
	mongoc_bulk_operation_t *del, *put;
	bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, proj, bopts = BSON_INITIALIZER;
	const bson_t *d;
	bson_error_t error;
	bson_iter_t it;
	unsigned char *seen = calloc(g->kwcap ? g->kwcap : 1, 1);
	long ndel = 0, nput = 0;
	int64_t at = now_ms();

	if (seen == NULL) {
		log_warn("request %lld: keywords: out of memory", j->rid);
		return;
	}
	coll = mongoc_client_get_collection(w->mongo.client, w->mongo.dbname, "keywords");
	BSON_APPEND_BOOL(&bopts, "ordered", false);
	del = mongoc_collection_create_bulk_operation_with_opts(coll, &bopts);
	put = mongoc_collection_create_bulk_operation_with_opts(coll, &bopts);
	BSON_APPEND_INT64(&filter, "product_id", j->pid);
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "projection", &proj);
	BSON_APPEND_INT32(&proj, "keyword", 1);
	BSON_APPEND_INT32(&proj, "frequency", 1);
	BSON_APPEND_INT32(&proj, "positive", 1);
	BSON_APPEND_INT32(&proj, "negative", 1);
	BSON_APPEND_INT32(&proj, "neutral", 1);
	BSON_APPEND_INT32(&proj, "tags", 1);
	bson_append_document_end(&opts, &proj);
	cur = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
	while (mongoc_cursor_next(cur, &d)) {
		const struct agg_kw *k = NULL;
		bson_t id = BSON_INITIALIZER, u = BSON_INITIALIZER, set;

		if (!bson_iter_init_find(&it, d, "_id"))
			continue;
		bson_append_iter(&id, "_id", 3, &it);
		if (bson_iter_init_find(&it, d, "keyword") && BSON_ITER_HOLDS_UTF8(&it))
			k = agg_keyword(g, bson_iter_utf8(&it, NULL));
		if (k == NULL || seen[k - g->kw]) {
			mongoc_bulk_operation_remove_one_with_opts(del, &id, NULL, NULL);
			ndel++;
		} else {
			seen[k - g->kw] = 1;
			if (!keyword_same(d, k)) {
				BSON_APPEND_DOCUMENT_BEGIN(&u, "$set", &set);
				keyword_set(&set, k, at);
				bson_append_document_end(&u, &set);
				mongoc_bulk_operation_update_one_with_opts(put, &id, &u, NULL, NULL);
				nput++;
			}
		}
		bson_destroy(&id);
		bson_destroy(&u);
	}
	if (mongoc_cursor_error(cur, &error)) {
		log_error("request %lld: keywords: MongoDB: %s; left as they were", j->rid, error.message);
	} else if (run_bulk(del, ndel, j, "old") == 0) {
		for (size_t i = 0; i < g->kwcap; i++) {
			const struct agg_kw *k = &g->kw[i];
			bson_t doc = BSON_INITIALIZER;
			if (k->stem == NULL || seen[i])
				continue;
			BSON_APPEND_INT64(&doc, "product_id", j->pid);
			BSON_APPEND_UTF8(&doc, "keyword", k->stem);
			keyword_set(&doc, k, at);
			mongoc_bulk_operation_insert_with_opts(put, &doc, NULL, NULL);
			bson_destroy(&doc);
			nput++;
		}
		run_bulk(put, nput, j, "changed");
	}
	j->keywords_written = ndel + nput;
	mongoc_cursor_destroy(cur);
	mongoc_bulk_operation_destroy(del);
	mongoc_bulk_operation_destroy(put);
	mongoc_collection_destroy(coll);
	bson_destroy(&filter);
	bson_destroy(&opts);
	bson_destroy(&bopts);
	free(seen);
}

static enum job_outcome save(struct worker *w, struct job *j, const struct agg *g)
{
	char *tags = NULL, *summary = NULL;
	char ids[24], pids[24], n[4][24], ratio[16], avg[16], from[24], to[24];
	const char *p[12] = { ids, pids, n[0], n[1], n[2], n[3], ratio, g->rated > 0 ? avg : NULL,
	    from, to, NULL, w->model_version };
	enum job_outcome o = JOB_TRANSIENT;
	struct timespec t0;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = stage(w, j, "summarise", 92, "결과를 저장하는 중입니다.")) != 1) {
		o = r == 0 ? JOB_CANCELLED : JOB_TRANSIENT;
		goto out;
	}
	if ((tags = survey_tags(w, j)) == NULL)
		goto out;
	if ((summary = agg_summary_json(g, tags)) == NULL) {
		snprintf(j->err, sizeof(j->err), "out of memory");
		goto out;
	}
	p[10] = summary;
	snprintf(ids, sizeof(ids), "%lld", j->rid);
	snprintf(pids, sizeof(pids), "%lld", j->pid);
	snprintf(n[0], sizeof(n[0]), "%ld", g->reviews);
	snprintf(n[1], sizeof(n[1]), "%ld", g->pos);
	snprintf(n[2], sizeof(n[2]), "%ld", g->neg);
	snprintf(n[3], sizeof(n[3]), "%ld", g->neu);
	snprintf(ratio, sizeof(ratio), "%.4f", g->reviews > 0 ? (double)g->pos / (double)g->reviews : 0.0);
	snprintf(avg, sizeof(avg), "%.2f", g->rated > 0 ? (double)g->rating_sum / (double)g->rated : 0.0);
	snprintf(from, sizeof(from), "%lld", (long long)g->first_ms);
	snprintf(to, sizeof(to), "%lld", (long long)g->last_ms);
	if (pg_exec(&w->pg, "BEGIN", 0, NULL) == -1 ||
	    pg_exec(&w->pg, "INSERT INTO analysis_results (request_id, product_id, review_count, "
	    "positive_count, negative_count, neutral_count, positive_ratio, avg_rating, date_from, date_to, "
	    "summary, model_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
	    "(to_timestamp($9::bigint / 1000.0) AT TIME ZONE 'Asia/Seoul')::date, "
	    "(to_timestamp($10::bigint / 1000.0) AT TIME ZONE 'Asia/Seoul')::date, $11::jsonb, $12) "
	    "ON CONFLICT (request_id) DO UPDATE SET product_id = EXCLUDED.product_id, "
	    "review_count = EXCLUDED.review_count, positive_count = EXCLUDED.positive_count, "
	    "negative_count = EXCLUDED.negative_count, neutral_count = EXCLUDED.neutral_count, "
	    "positive_ratio = EXCLUDED.positive_ratio, avg_rating = EXCLUDED.avg_rating, "
	    "date_from = EXCLUDED.date_from, date_to = EXCLUDED.date_to, summary = EXCLUDED.summary, "
	    "model_version = EXCLUDED.model_version, created_at = now()", 12, p) == -1 ||
	    pg_exec(&w->pg, "UPDATE analysis_requests SET status = 'done', stage = 'summarise', progress = 100 "
	    "WHERE id = $1 AND status = 'running' RETURNING id", 1, p) == -1) {
		snprintf(j->err, sizeof(j->err), "PostgreSQL: %s", w->pg.err);
		pg_exec(&w->pg, "ROLLBACK", 0, NULL);
		goto out;
	}
	if (pg_ntuples(&w->pg) == 0) {
		pg_exec(&w->pg, "ROLLBACK", 0, NULL);
		o = JOB_CANCELLED;
		goto out;
	}
	if (pg_exec(&w->pg, "COMMIT", 0, NULL) == -1) {
		snprintf(j->err, sizeof(j->err), "PostgreSQL: commit: %s", w->pg.err);
		goto out;
	}
	j->t_pg += secs_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	write_keywords(w, j, g);
	j->keywords = (long)g->nkw;
	j->t_kw += secs_since(&t0);
	job_publish(w, j, "done", NULL, 100, "분석이 끝났습니다.");
	o = JOB_DONE;
out:
	free(tags);
	free(summary);
	return o;
}

enum job_outcome job_run(struct worker *w, struct job *j)
{
	struct agg g;
	enum job_outcome o;

	agg_init(&g);
	j->pid = 0;
	j->total = j->done = j->analyzed = j->kept = j->keywords = j->keywords_written = 0;
	j->t_read = j->t_analyze = j->t_write = j->t_kw = j->t_pg = 0;
	j->err[0] = '\0';
	if ((o = check(w, j)) != JOB_DONE || (o = collect(w, j)) != JOB_DONE ||
	    (o = analyze(w, j, &g)) != JOB_DONE || (o = save(w, j, &g)) != JOB_DONE)
		goto out;
out:
	if (j->locked && j->lock_session == w->pg.session) {
		char ids[24];
		const char *p[1] = { ids };
		snprintf(ids, sizeof(ids), "%lld", j->rid);
		if (pg_exec(&w->pg, "SELECT pg_advisory_unlock(" JOB_LOCK_CLASS ", ($1::bigint % 2147483647)::int)",
		    1, p) == -1)
			log_warn("request %lld: unlock: %s", j->rid, w->pg.err);
	}
	j->locked = 0;
	agg_free(&g);
	return o;
}
