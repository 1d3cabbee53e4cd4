/* worker.c — one analysis process: consumer of revlens:jobs in the group `workers`.
 *
 * Each round first takes over one entry left idle longer than
 * worker.visibility_timeout by a dead worker (XAUTOCLAIM), then reads one new entry
 * (XREADGROUP, blocking briefly so a stop is noticed). An entry is acknowledged once
 * its job is done, skipped, cancelled, failed or dead-lettered; a job interrupted by
 * a stop stays pending for the next worker, its request back to `queued`.
 * Transient errors retry here with back-off (worker.retry_backoff_ms, doubling); the
 * request's `attempts` counts every run, so a job that keeps killing its worker is
 * dead-lettered too once it passes worker.max_attempts.
 */
#include "worker/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/strnum.h"
#include "worker/job.h"

#define FAILED_MSG "분석하지 못했습니다 (%s). 잠시 후 다시 요청해 주세요. 계속되면 관리자에게 알려 주세요."

/* "<file name>:<checksum hex>" of the model at path (its header's checksum, see
 * src/kr/kr_model.h), or the name alone when the header cannot be read. */
static void model_version(const char *path, char *out, size_t outlen)
{
	const char *base = strrchr(path, '/');
	unsigned char hdr[56];
	unsigned long long sum = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	base = base ? base + 1 : path;
	if (fd >= 0 && read(fd, hdr, sizeof(hdr)) == (ssize_t)sizeof(hdr)) {
		for (int i = 7; i >= 0; i--)
			sum = (sum << 8) | hdr[48 + i];
		snprintf(out, outlen, "%.80s:%016llx", base, sum);
	} else {
		snprintf(out, outlen, "%.80s", base);
	}
	if (fd >= 0)
		close(fd);
}

int worker_open(struct worker *w, const struct config *cfg, volatile sig_atomic_t *stop,
    volatile sig_atomic_t *drain, struct wm_slot *m)
{
	const char *model = cfg->worker_model_file[0] ? cfg->worker_model_file : kr_model_default_path();
	char host[64];

	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->stop = stop;
	w->drain = drain;
	w->m = m;
	w->stage = -1;
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "worker");
	host[sizeof(host) - 1] = '\0';
	snprintf(w->consumer, sizeof(w->consumer), "%s-%ld", host, (long)getpid());
	pg_slow_query_ms_set(cfg->pg_slow_query_ms);
	mongo_slow_query_ms_set(cfg->mongo_slow_query_ms);
	if (pg_init_file(&w->pg, cfg->pg_conninfo, cfg->pg_password_file) == -1) {
		log_error("PostgreSQL: %s", w->pg.err);
		return -1;
	}
	if (rds_init(&w->queue, "queue", cfg->redis_queue, cfg->redis_timeout_ms) == -1) {
		log_error("Redis: %s", w->queue.err);
		return -1;
	}
	if (mongo_global_init() == -1 ||
	    mongo_open(&w->mongo, cfg->mongo_uri, cfg->mongo_database, cfg->health_timeout_ms) == -1) {
		log_error("MongoDB: %s", w->mongo.err);
		return -1;
	}
	w->stores_open = 1;
	w->arena_mem = malloc(KR_ARENA_SIZE);
	w->res = malloc(sizeof(*w->res));
	if (w->arena_mem == NULL || w->res == NULL) {
		log_error("out of memory");
		return -1;
	}
	kr_arena_init(&w->arena, w->arena_mem, KR_ARENA_SIZE);
	model_version(model, w->model_version, sizeof(w->model_version));
	if (kr_model_open(&w->model, model, NULL, w->model_err, sizeof(w->model_err)) == -1) {
		w->model = NULL;
		log_error("model: %s (every job goes to %s until it is fixed)", w->model_err, JOBS_DEAD);
	}
	return 0;
}

void worker_close(struct worker *w)
{
	kr_model_close(w->model);
	w->model = NULL;
	free(w->arena_mem);
	free(w->res);
	w->arena_mem = NULL;
	w->res = NULL;
	pg_close(&w->pg);
	rds_close(&w->queue);
	if (w->stores_open) {
		mongo_close(&w->mongo);
		mongo_global_cleanup();
		w->stores_open = 0;
	}
}

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The running stage ends now: its time goes to the metrics. */
static void stage_end(struct worker *w, int64_t now_us)
{
	if (w->stage >= 0)
		wm_stage_time(w->m, w->stage, (uint64_t)(now_us - w->stage_t0_us));
	w->stage = -1;
}

/* Count the reviews of j read since the last note. */
static void note_reviews(struct worker *w, const struct job *j)
{
	if (j->analyzed > w->noted_analyzed || j->kept > w->noted_kept)
		wm_reviews(w->m, (uint64_t)(j->analyzed - w->noted_analyzed), (uint64_t)(j->kept - w->noted_kept));
	w->noted_analyzed = j->analyzed;
	w->noted_kept = j->kept;
}

void worker_note(struct worker *w, const struct job *j, const char *stage)
{
	int st = wm_stage_index(stage);
	int64_t now = mono_us();

	note_reviews(w, j);
	if (st == w->stage)
		return;
	stage_end(w, now);
	w->stage = st;
	w->stage_t0_us = now;
}

/* Sleep ms, waking early when the process is told to stop. */
static void wait_ms(struct worker *w, long ms)
{
	while (ms > 0 && !*w->stop) {
		long step = ms > 200 ? 200 : ms;
		struct timespec ts = { 0, step * 1000000L };
		nanosleep(&ts, NULL);
		ms -= step;
	}
}

/* XGROUP CREATE … 0 MKSTREAM; an existing group (BUSYGROUP) is fine. */
static int ensure_group(struct worker *w)
{
	const char *argv[] = { "XGROUP", "CREATE", JOBS_STREAM, JOBS_GROUP, "0", "MKSTREAM" };
	redisReply *rep = rds_command_argv(&w->queue, 6, argv, NULL);
	int rc = 0;

	if (rep == NULL) {
		log_error("Redis: %s", w->queue.err);
		return -1;
	}
	if (rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "BUSYGROUP", 9) != 0) {
		log_error("Redis: XGROUP CREATE: %s", rep->str);
		rc = -1;
	}
	freeReplyObject(rep);
	return rc;
}

static void ack(struct worker *w, const struct job *j)
{
	const char *argv[] = { "XACK", JOBS_STREAM, JOBS_GROUP, j->entry };
	redisReply *rep = rds_command_argv(&w->queue, 4, argv, NULL);

	if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
		log_error("request %lld: XACK %s: %s", j->rid, j->entry, rep ? rep->str : w->queue.err);
	freeReplyObject(rep);
}

/* The request failed with msg (a user-facing text). 0, or -1 on a PostgreSQL error. */
static int fail_request(struct worker *w, struct job *j, const char *msg)
{
	char ids[24];
	const char *p[2] = { ids, msg };

	snprintf(ids, sizeof(ids), "%lld", j->rid);
	if (pg_exec(&w->pg, "UPDATE analysis_requests SET status = 'failed', error_message = left($2, 2000) "
	    "WHERE id = $1 AND status IN ('queued', 'running')", 2, p) == -1) {
		log_error("request %lld: marking it failed: %s", j->rid, w->pg.err);
		return -1;
	}
	job_publish(w, j, "failed", NULL, 100, msg);
	return 0;
}

/* Move the job to the dead-letter stream and fail its request; acknowledged only when
 * both are written, so a store that is down leaves it pending for a later worker.
 * The outcome for the metrics: dead once it is on the dead-letter stream, else released. */
static enum wm_outcome dead_letter(struct worker *w, struct job *j, const char *pids)
{
	char ids[24], att[24], at[24], msg[1200];
	const char *argv[] = { "XADD", JOBS_DEAD, "MAXLEN", "~", "100000", "*", "request_id", ids,
	    "product_id", pids, "error", j->err, "attempts", att, "failed_at", at };
	redisReply *rep;

	snprintf(ids, sizeof(ids), "%lld", j->rid);
	snprintf(att, sizeof(att), "%lld", j->attempts);
	snprintf(at, sizeof(at), "%lld", (long long)time(NULL));
	log_error("request %lld: dead letter after %lld attempts: %s", j->rid, j->attempts, j->err);
	rep = rds_command_argv(&w->queue, 16, argv, NULL);
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR) {
		log_error("request %lld: XADD %s: %s", j->rid, JOBS_DEAD, rep ? rep->str : w->queue.err);
		freeReplyObject(rep);
		return WM_RELEASED;
	}
	freeReplyObject(rep);
	snprintf(msg, sizeof(msg), FAILED_MSG, j->err);
	if (fail_request(w, j, msg) == 0)
		ack(w, j);
	return WM_DEAD;
}

/* A run stopped by TERM: the request goes back to the queue, the entry stays pending. */
static void release(struct worker *w, struct job *j)
{
	char ids[24];
	const char *p[1] = { ids };

	snprintf(ids, sizeof(ids), "%lld", j->rid);
	if (pg_exec(&w->pg, "UPDATE analysis_requests SET status = 'queued', stage = NULL, progress = 0 "
	    "WHERE id = $1 AND status = 'running'", 1, p) == -1)
		log_warn("request %lld: release: %s", j->rid, w->pg.err);
	log_info("request %lld: stopping; left for another worker", j->rid);
}

/* One run of j: its stages timed and its reviews counted into the metrics. */
static enum job_outcome run_attempt(struct worker *w, struct job *j)
{
	enum job_outcome o;

	w->stage = -1;
	w->noted_analyzed = w->noted_kept = 0;
	o = job_run(w, j);
	note_reviews(w, j);
	stage_end(w, mono_us());
	return o;
}

/* One stream entry: run its job until it is finished one way or another. The
 * outcome for the metrics. */
static enum wm_outcome run_entry(struct worker *w, const char *entry, const redisReply *fields)
{
	struct job j;
	const char *rids = NULL, *pids = "";
	long backoff = w->cfg->worker_retry_backoff_ms;
	enum job_outcome o;
	int64_t t0 = mono_us();
	struct timespec now;

	memset(&j, 0, sizeof(j));
	snprintf(j.entry, sizeof(j.entry), "%s", entry);
	for (size_t i = 0; fields != NULL && fields->type == REDIS_REPLY_ARRAY && i + 1 < fields->elements; i += 2) {
		const redisReply *k = fields->element[i], *v = fields->element[i + 1];
		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		if (strcmp(k->str, "request_id") == 0)
			rids = v->str;
		else if (strcmp(k->str, "product_id") == 0)
			pids = v->str;
	}
	if (rids == NULL || strnum_parse(rids, 10, 1, 9223372036854775807LL, &j.rid) == -1) {
		char safe[80];
		log_error("job %s: no valid request_id (%s); acknowledged", entry,
		    log_safe(safe, sizeof(safe), rids ? rids : "none", rids ? strlen(rids) : 4));
		ack(w, &j);
		return WM_SKIPPED;
	}
	for (;;) {
		j.attempts++;
		o = run_attempt(w, &j);
		switch (o) {
		case JOB_DONE:
			log_info("request %lld: done: %ld reviews (%ld analysed, %ld unchanged) in %.3f s "
			    "(read %.3f, analyse %.3f, write %.3f, %ld keywords (%ld written) %.3f, postgres %.3f)",
			    j.rid, j.done, j.analyzed, j.kept, j.t_read + j.t_analyze + j.t_write + j.t_kw + j.t_pg,
			    j.t_read, j.t_analyze, j.t_write, j.keywords, j.keywords_written, j.t_kw, j.t_pg);
			ack(w, &j);
			clock_gettime(CLOCK_REALTIME, &now);
			wm_last_job(w->m, (uint64_t)j.done, (uint64_t)(mono_us() - t0),
			    (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000);
			return WM_DONE;
		case JOB_SKIPPED:
			log_info("job %s: %s; skipped", entry, j.err);
			ack(w, &j);
			return WM_SKIPPED;
		case JOB_CANCELLED:
			log_info("request %lld: cancelled; stopped", j.rid);
			ack(w, &j);
			return WM_CANCELLED;
		case JOB_FAILED:
			log_info("request %lld: failed: %s", j.rid, j.err);
			if (fail_request(w, &j, j.err) == 0) {
				ack(w, &j);
				return WM_FAILED;
			}
			return WM_RELEASED;
		case JOB_STOPPED:
			release(w, &j);
			return WM_RELEASED;
		case JOB_PERMANENT:
			return dead_letter(w, &j, pids);
		case JOB_TRANSIENT:
			if (j.attempts >= w->cfg->worker_max_attempts)
				return dead_letter(w, &j, pids);
			log_warn("request %lld: attempt %lld failed: %s; retrying in %ld ms", j.rid, j.attempts,
			    j.err, backoff);
			wait_ms(w, backoff);
			if (*w->stop) {
				release(w, &j);
				return WM_RELEASED;
			}
			wm_retry(w->m);
			backoff = backoff > 3600000 / 2 ? 3600000 : backoff * 2;
			break;
		}
	}
}

static void handle(struct worker *w, const char *entry, const redisReply *fields)
{
	wm_busy(w->m, 1);
	wm_job(w->m, run_entry(w, entry, fields));
	wm_busy(w->m, 0);
}

/* The first entry of a stream-entries array ([[id, [field, value, …]], …]): handled
 * when present (a reclaimed one counted as such). 1 when one was, 0 when none. */
static int take_first(struct worker *w, const redisReply *entries, int reclaimed)
{
	const redisReply *e;

	if (entries == NULL || entries->type != REDIS_REPLY_ARRAY || entries->elements == 0)
		return 0;
	e = entries->element[0];
	if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 || e->element[0]->type != REDIS_REPLY_STRING)
		return 0;
	if (reclaimed)
		wm_reclaim(w->m);
	handle(w, e->element[0]->str, e->element[1]);
	return 1;
}

/* Take over one entry idle longer than the visibility timeout. 1 handled, 0 none, -1 error. */
static int reclaim(struct worker *w)
{
	char idle[24];
	const char *argv[] = { "XAUTOCLAIM", JOBS_STREAM, JOBS_GROUP, w->consumer, idle, "0-0", "COUNT", "1" };
	redisReply *rep;
	int rc;

	snprintf(idle, sizeof(idle), "%lld", (long long)w->cfg->worker_visibility_timeout * 1000);
	if ((rep = rds_command_argv(&w->queue, 8, argv, NULL)) == NULL) {
		log_error("Redis: XAUTOCLAIM: %s", w->queue.err);
		return -1;
	}
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 2) {
		log_error("Redis: XAUTOCLAIM: %s", rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply");
		/* a Redis that lost its data (restarted without its AOF) has no group:
		 * make it again, or no read would ever succeed */
		rc = rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "NOGROUP", 7) == 0 && ensure_group(w) == 0 ? 0 : -1;
		freeReplyObject(rep);
		return rc;
	}
	if (rep->element[1]->type == REDIS_REPLY_ARRAY && rep->element[1]->elements > 0 &&
	    rep->element[1]->element[0]->type == REDIS_REPLY_ARRAY &&
	    rep->element[1]->element[0]->elements > 0 &&
	    rep->element[1]->element[0]->element[0]->type == REDIS_REPLY_STRING)
		log_warn("reclaiming job %s from a worker that went silent",
		    rep->element[1]->element[0]->element[0]->str);
	rc = take_first(w, rep->element[1], 1);
	freeReplyObject(rep);
	return rc;
}

/* Read one new entry, blocking at most block_ms (0: not at all). 1, 0 or -1. */
static int read_new(struct worker *w, int block_ms)
{
	char block[24];
	const char *argv[] = { "XREADGROUP", "GROUP", JOBS_GROUP, w->consumer, "COUNT", "1",
	    "BLOCK", block, "STREAMS", JOBS_STREAM, ">" };
	redisReply *rep;
	int rc = 0;

	snprintf(block, sizeof(block), "%d", block_ms);
	/* without BLOCK the command returns at once when nothing is there */
	if (block_ms == 0) {
		argv[6] = "STREAMS";
		argv[7] = JOBS_STREAM;
		argv[8] = ">";
	}
	if ((rep = rds_command_argv(&w->queue, block_ms == 0 ? 9 : 11, argv, NULL)) == NULL) {
		log_error("Redis: XREADGROUP: %s", w->queue.err);
		return -1;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		log_error("Redis: XREADGROUP: %s", rep->str);
		rc = strncmp(rep->str, "NOGROUP", 7) == 0 ? ensure_group(w) : -1;
	} else if (rep->type == REDIS_REPLY_ARRAY && rep->elements > 0 &&
	    rep->element[0]->type == REDIS_REPLY_ARRAY && rep->element[0]->elements == 2) {
		rc = take_first(w, rep->element[0]->element[1], 0);
	}
	freeReplyObject(rep);
	return rc;
}

int worker_run(struct worker *w, int once)
{
	int block_ms = w->cfg->redis_timeout_ms / 2, r;

	if (block_ms < 5)
		block_ms = 5;
	while (!*w->stop && ensure_group(w) == -1) {
		if (once)
			return -1;
		wait_ms(w, 1000);
	}
	log_info("consumer %s of %s/%s ready", w->consumer, JOBS_STREAM, JOBS_GROUP);
	while (!*w->stop && !*w->drain) {
		if ((r = reclaim(w)) == 1)
			continue;
		if (r == 0 && (r = read_new(w, once ? 0 : block_ms)) == 1)
			continue;
		if (r == -1) {
			if (once)
				return -1;
			wait_ms(w, 1000);   /* Redis down: its reconnect is lazy, try again */
			continue;
		}
		if (once)
			break;
	}
	return 0;
}
