/* cmd_jobs.c — `revlens jobs` and `revlens jobs retry ID` (see cmd_jobs.h).
 *
 * The listing reads the queue role of Redis and joins what it finds with
 * analysis_requests:
 *   queued   entries of revlens:jobs after the group's last-delivered-id (every entry
 *            when no worker has made the group yet), then requests queued in
 *            PostgreSQL with no entry there (a job that never reached the stream);
 *   running  the group's pending entries (XPENDING: consumer, idle, deliveries), then
 *            requests running in PostgreSQL with no pending entry;
 *   dead     entries of revlens:jobs:dead (the job's fields plus error, attempts,
 *            failed_at, written by the worker's dead_letter()).
 * Nothing is held across the reads, so a job moving meanwhile can be seen twice or
 * not at all; the listing is a snapshot for a person, not a lock.
 *
 * retry re-queues the same request. Its order, chosen so no job is ever lost:
 *   1. PostgreSQL, one transaction: the request row locked, checked (failed, with a
 *      dead-letter entry, its product without another active request), set back to
 *      queued (attempts 0, error, stage and times cleared; sql/010 lets only a
 *      transaction that set revlens.retry do failed -> queued), committed.
 *   2. XADD the job to revlens:jobs with the fields revlens-web writes. Only now can a
 *      worker read it, and it finds the request queued: had the job gone first, a
 *      worker could read it before the commit, see `failed`, acknowledge and skip it.
 *      When the XADD fails the request is put back to failed with its old reason,
 *      attempts and stage (queued -> failed is an ordinary transition) and the
 *      dead-letter entry stays: the state is as before and retry can be run again.
 *   3. XDEL the request's dead-letter entries (only once the job is on the stream, so
 *      a crash before leaves the dead entry as the record of what to retry).
 *   4. Publish progress "queued" (Redis hash and nchan), best effort.
 * A crash between 1 and 2 leaves the request queued with no job and its dead-letter
 * entry still there; the listing shows it ("no job on revlens:jobs") and running
 * retry again on it puts the job on the stream (step 1 is then skipped). The same
 * goes for any queued request with no job — one whose job the queue lost, as after a
 * restore of Redis from a backup older than the request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cli/cmd_jobs.h"
#include "lib/jobs.h"
#include "lib/pg.h"
#include "lib/progress.h"
#include "lib/rds.h"
#include "lib/strnum.h"
#include "lib/utf8.h"

#define ME "revlens jobs"
#define EXIT_FAIL  1
#define EXIT_USAGE 2

#define PAGE        "500"           /* entries per XRANGE / XPENDING round trip */
#define PAGE_N      500             /* the same, as a number */
#define ENTRY_MAX   48              /* "<ms>-<seq>" is at most 41 bytes */
#define RETRY_MSG   "관리자가 분석을 다시 대기열에 넣었습니다. 곧 다시 시작합니다."

enum state { ST_QUEUED, ST_RUNNING, ST_DEAD };
static const char *const state_name[] = { "queued", "running", "dead" };

/* A request as PostgreSQL has it. */
struct request {
	long long id, product_id, coupang_id, attempts;
	char *status, *stage, *name, *error;    /* owned; stage, name, error may be NULL */
};

/* One line of the listing. */
struct job {
	enum state state;
	char entry[ENTRY_MAX];          /* stream id; "" for a request with no entry */
	long long rid, pid;             /* from the entry's fields (0 when absent) */
	char *consumer;                 /* running: the pending entry's owner (owned) */
	long long idle_ms, deliveries;  /* running */
	char *error;                    /* dead: the worker's reason (owned) */
	long long dead_attempts;        /* dead: attempts when it was dead-lettered */
	long long failed_at;            /* dead: epoch seconds, 0 when absent */
	int dead_too;                   /* an entry with no job: its request has a dead letter */
	const struct request *req;      /* joined; NULL when the request is gone */
};

struct jobs {
	struct pg_conn pg;
	struct rds_conn queue;
	struct job *v;
	size_t n, cap;
	struct request *r;              /* sorted by id */
	size_t nr;
	int have_group;
	char last_delivered[ENTRY_MAX];
};

static void usage(FILE *f)
{
	fprintf(f, "usage: revlens [-c CONF] jobs [--json]\n"
	    "       revlens [-c CONF] jobs retry ID\n"
	    "Lists the analysis jobs queued on %s, running in the group %s, and dead-lettered\n"
	    "in %s, with their requests. retry puts a failed, dead-lettered request (ID: the\n"
	    "request id, or its dead-letter entry id such as 1712345678901-0) back on the queue.\n",
	    JOBS_STREAM, JOBS_GROUP, JOBS_DEAD);
}

/* ------------------------------------------------------------------ memory */

static char *xstrdup(const char *s)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL) {
		fprintf(stderr, ME ": out of memory\n");
		exit(EXIT_FAIL);    /* a one-shot tool: nothing to save */
	}
	return d;
}

static struct job *add_job(struct jobs *js, enum state st)
{
	struct job *j;

	if (js->n == js->cap) {
		size_t cap = js->cap ? js->cap * 2 : 64;
		struct job *v = realloc(js->v, cap * sizeof(*v));
		if (v == NULL) {
			fprintf(stderr, ME ": out of memory\n");
			exit(EXIT_FAIL);
		}
		js->v = v;
		js->cap = cap;
	}
	j = &js->v[js->n++];
	memset(j, 0, sizeof(*j));
	j->state = st;
	return j;
}

static void jobs_free(struct jobs *js)
{
	for (size_t i = 0; i < js->n; i++) {
		free(js->v[i].consumer);
		free(js->v[i].error);
	}
	for (size_t i = 0; i < js->nr; i++) {
		free(js->r[i].status);
		free(js->r[i].stage);
		free(js->r[i].name);
		free(js->r[i].error);
	}
	free(js->v);
	free(js->r);
	pg_close(&js->pg);
	rds_close(&js->queue);
}

/* ------------------------------------------------------------------ Redis */

/* Run argv; the reply, or NULL with the reason printed. A Redis error reply is
 * returned when it starts with one of the prefixes in ok_errors ("|"-separated
 * words such as "NOGROUP"), and printed otherwise. */
static redisReply *call(struct jobs *js, int argc, const char **argv, const char *ok_errors)
{
	redisReply *rep = rds_command_argv(&js->queue, argc, argv, NULL);

	if (rep == NULL) {
		fprintf(stderr, ME ": Redis (%s): %s; is it running? (redis.queue in the configuration)\n",
		    argv[0], js->queue.err);
		return NULL;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		if (ok_errors != NULL) {
			const char *p = ok_errors;
			while (*p) {
				size_t len = strcspn(p, "|");
				if (strncmp(rep->str, p, len) == 0)
					return rep;
				p += len + (p[len] == '|');
			}
		}
		fprintf(stderr, ME ": Redis %s %s: %s\n", argv[0], argv[1], rep->str);
		freeReplyObject(rep);
		return NULL;
	}
	return rep;
}

/* The fields [k, v, k, v, …] of one stream entry into j. */
static void take_fields(struct job *j, const redisReply *f)
{
	for (size_t i = 0; f != NULL && f->type == REDIS_REPLY_ARRAY && i + 1 < f->elements; i += 2) {
		const redisReply *k = f->element[i], *v = f->element[i + 1];
		long long n;
		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		if (strcmp(k->str, "request_id") == 0 && strnum_parse(v->str, 10, 1, 9223372036854775807LL, &n) == 0)
			j->rid = n;
		else if (strcmp(k->str, "product_id") == 0 && strnum_parse(v->str, 10, 1, 9223372036854775807LL, &n) == 0)
			j->pid = n;
		else if (strcmp(k->str, "attempts") == 0 && strnum_parse(v->str, 10, 0, 1000000000, &n) == 0)
			j->dead_attempts = n;
		else if (strcmp(k->str, "failed_at") == 0 && strnum_parse(v->str, 10, 0, 9223372036854775807LL, &n) == 0)
			j->failed_at = n;
		else if (strcmp(k->str, "error") == 0 && j->error == NULL)
			j->error = xstrdup(v->str);
	}
}

/* Every entry of key from start ("-" or "(<id>") on, as jobs in state st. 0 or -1. */
static int scan_stream(struct jobs *js, const char *key, const char *start, enum state st)
{
	char from[ENTRY_MAX + 1];

	snprintf(from, sizeof(from), "%s", start);
	for (;;) {
		const char *argv[] = { "XRANGE", key, from, "+", "COUNT", PAGE };
		redisReply *rep = call(js, 6, argv, NULL);
		size_t got = 0;

		if (rep == NULL)
			return -1;
		for (size_t i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
			const redisReply *e = rep->element[i];
			struct job *j;
			if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 || e->element[0]->type != REDIS_REPLY_STRING)
				continue;
			j = add_job(js, st);
			snprintf(j->entry, sizeof(j->entry), "%s", e->element[0]->str);
			take_fields(j, e->element[1]);
			snprintf(from, sizeof(from), "(%s", j->entry);
			got++;
		}
		freeReplyObject(rep);
		if (got < PAGE_N)
			return 0;
	}
}

/* The group's last-delivered-id (XINFO GROUPS). No stream or no group is not an
 * error: nothing was delivered then. 0 or -1. */
static int group_info(struct jobs *js)
{
	const char *argv[] = { "XINFO", "GROUPS", JOBS_STREAM };
	redisReply *rep = call(js, 3, argv, "ERR no such key");

	if (rep == NULL)
		return -1;
	for (size_t g = 0; rep->type == REDIS_REPLY_ARRAY && g < rep->elements; g++) {
		const redisReply *grp = rep->element[g];
		const char *name = NULL, *last = NULL;
		for (size_t i = 0; grp->type == REDIS_REPLY_ARRAY && i + 1 < grp->elements; i += 2) {
			const redisReply *k = grp->element[i], *v = grp->element[i + 1];
			if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
				continue;
			if (strcmp(k->str, "name") == 0)
				name = v->str;
			else if (strcmp(k->str, "last-delivered-id") == 0)
				last = v->str;
		}
		if (name != NULL && last != NULL && strcmp(name, JOBS_GROUP) == 0) {
			js->have_group = 1;
			snprintf(js->last_delivered, sizeof(js->last_delivered), "%s", last);
		}
	}
	freeReplyObject(rep);
	return 0;
}

/* The fields of entry id of the job stream (gone when it was deleted). 0 or -1. */
static int entry_fields(struct jobs *js, struct job *j)
{
	const char *argv[] = { "XRANGE", JOBS_STREAM, j->entry, j->entry };
	redisReply *rep = call(js, 4, argv, NULL);

	if (rep == NULL)
		return -1;
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1 && rep->element[0]->type == REDIS_REPLY_ARRAY &&
	    rep->element[0]->elements >= 2)
		take_fields(j, rep->element[0]->element[1]);
	freeReplyObject(rep);
	return 0;
}

/* The group's pending entries. 0 or -1. */
static int scan_pending(struct jobs *js)
{
	char from[ENTRY_MAX + 1] = "-";
	size_t first = js->n;

	if (!js->have_group)
		return 0;
	for (;;) {
		const char *argv[] = { "XPENDING", JOBS_STREAM, JOBS_GROUP, from, "+", PAGE };
		redisReply *rep = call(js, 6, argv, "NOGROUP");
		size_t got = 0;

		if (rep == NULL)
			return -1;
		for (size_t i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements; i++) {
			const redisReply *e = rep->element[i];
			struct job *j;
			if (e->type != REDIS_REPLY_ARRAY || e->elements < 4 || e->element[0]->type != REDIS_REPLY_STRING ||
			    e->element[1]->type != REDIS_REPLY_STRING)
				continue;
			j = add_job(js, ST_RUNNING);
			snprintf(j->entry, sizeof(j->entry), "%s", e->element[0]->str);
			j->consumer = xstrdup(e->element[1]->str);
			j->idle_ms = e->element[2]->type == REDIS_REPLY_INTEGER ? e->element[2]->integer : 0;
			j->deliveries = e->element[3]->type == REDIS_REPLY_INTEGER ? e->element[3]->integer : 0;
			snprintf(from, sizeof(from), "(%s", j->entry);
			got++;
		}
		freeReplyObject(rep);
		if (got < PAGE_N)
			break;
	}
	for (size_t i = first; i < js->n; i++)
		if (entry_fields(js, &js->v[i]) == -1)
			return -1;
	return 0;
}

/* ------------------------------------------------------------------ PostgreSQL */

static int cmp_request(const void *a, const void *b)
{
	const struct request *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static const struct request *find_request(const struct jobs *js, long long id)
{
	struct request key;

	if (js->nr == 0)
		return NULL;
	key.id = id;
	return bsearch(&key, js->r, js->nr, sizeof(*js->r), cmp_request);
}

/* Load the requests of the jobs, and every queued or running one. 0 or -1. */
static int load_requests(struct jobs *js)
{
	size_t len = 3, off = 0;
	char *ids;
	const char *p[1];
	int rc;

	for (size_t i = 0; i < js->n; i++)
		len += 21;
	if ((ids = malloc(len)) == NULL) {
		fprintf(stderr, ME ": out of memory\n");
		return -1;
	}
	ids[off++] = '{';
	for (size_t i = 0; i < js->n; i++)
		if (js->v[i].rid > 0)
			off += (size_t)snprintf(ids + off, len - off, "%s%lld", off > 1 ? "," : "", js->v[i].rid);
	snprintf(ids + off, len - off, "}");
	p[0] = ids;
	rc = pg_exec(&js->pg, "SELECT ar.id, ar.product_id, p.coupang_product_id, ar.attempts, ar.status, "
	    "ar.stage, p.name, ar.error_message FROM analysis_requests ar JOIN products p ON p.id = ar.product_id "
	    "WHERE ar.id = ANY ($1::bigint[]) OR ar.status IN ('queued', 'running') ORDER BY ar.id", 1, p);
	free(ids);
	if (rc == -1) {
		fprintf(stderr, ME ": PostgreSQL: %s\n", js->pg.err);
		return -1;
	}
	js->nr = (size_t)pg_ntuples(&js->pg);
	if ((js->r = calloc(js->nr ? js->nr : 1, sizeof(*js->r))) == NULL) {
		js->nr = 0;
		fprintf(stderr, ME ": out of memory\n");
		return -1;
	}
	for (size_t i = 0; i < js->nr; i++) {
		struct request *q = &js->r[i];
		q->id = pg_value_ll(&js->pg, (int)i, 0);
		q->product_id = pg_value_ll(&js->pg, (int)i, 1);
		q->coupang_id = pg_value_ll(&js->pg, (int)i, 2);
		q->attempts = pg_value_ll(&js->pg, (int)i, 3);
		q->status = xstrdup(pg_value(&js->pg, (int)i, 4));
		q->stage = xstrdup(pg_value(&js->pg, (int)i, 5));
		q->name = xstrdup(pg_value(&js->pg, (int)i, 6));
		q->error = xstrdup(pg_value(&js->pg, (int)i, 7));
	}
	pg_clear(&js->pg);
	return 0;
}

/* 1 when an entry of state st (with a stream id) carries request id. */
static int has_entry(const struct jobs *js, long long id, enum state st)
{
	for (size_t i = 0; i < js->n; i++)
		if (js->v[i].state == st && js->v[i].rid == id && js->v[i].entry[0])
			return 1;
	return 0;
}

/* ------------------------------------------------------------------ loading */

static int connect_stores(const struct config *cfg, struct jobs *js)
{
	if (pg_init_file(&js->pg, cfg->pg_conninfo, cfg->pg_password_file) != 0 ||
	    pg_connect(&js->pg, PG_DEFAULT_CONNECT_TIMEOUT_S) != 0) {
		fprintf(stderr, ME ": PostgreSQL: %s\n", js->pg.err);
		return -1;
	}
	if (rds_init(&js->queue, "queue", cfg->redis_queue, cfg->redis_timeout_ms) == -1) {
		fprintf(stderr, ME ": Redis: %s\n", js->queue.err);
		return -1;
	}
	return 0;
}

/* Everything the listing shows, into js (connected). 0 or -1 with the reason printed. */
static int load(struct jobs *js)
{
	char from[ENTRY_MAX + 1];

	if (group_info(js) == -1)
		return -1;
	snprintf(from, sizeof(from), js->have_group ? "(%s" : "-", js->last_delivered);
	if (scan_stream(js, JOBS_STREAM, from, ST_QUEUED) == -1 || scan_pending(js) == -1 ||
	    scan_stream(js, JOBS_DEAD, "-", ST_DEAD) == -1 || load_requests(js) == -1)
		return -1;
	/* requests PostgreSQL calls active whose job is not where it should be */
	for (size_t i = 0; i < js->nr; i++) {
		const struct request *q = &js->r[i];
		enum state st = strcmp(q->status, "running") == 0 ? ST_RUNNING : ST_QUEUED;
		struct job *j;
		if (strcmp(q->status, "queued") != 0 && strcmp(q->status, "running") != 0)
			continue;
		if (has_entry(js, q->id, ST_QUEUED) || has_entry(js, q->id, ST_RUNNING))
			continue;
		j = add_job(js, st);
		j->rid = q->id;
		j->pid = q->product_id;
		j->dead_too = has_entry(js, q->id, ST_DEAD);
	}
	for (size_t i = 0; i < js->n; i++)
		js->v[i].req = find_request(js, js->v[i].rid);
	return 0;
}

/* ------------------------------------------------------------------ listing */

/* s with control characters as spaces and invalid UTF-8 as '?', into a heap string. */
static char *printable(const char *s)
{
	size_t len = strlen(s), o = 0;
	char *d = malloc(len + 1);

	if (d == NULL) {
		fprintf(stderr, ME ": out of memory\n");
		exit(EXIT_FAIL);
	}
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len((const unsigned char *)s + i, len - i);
		if (n == 0) {
			d[o++] = '?';
			i++;
		} else if (n == 1 && ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)) {
			d[o++] = ' ';
			i++;
		} else {
			memcpy(d + o, s + i, n);
			o += n;
			i += n;
		}
	}
	d[o] = '\0';
	return d;
}

static void iso_utc(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL) {
		snprintf(out, 32, "-");
		return;
	}
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* What the line says beyond its columns. */
static void detail(const struct job *j, char *out, size_t outlen)
{
	const struct request *q = j->req;
	char at[32];

	if (j->rid == 0) {
		snprintf(out, outlen, "the entry has no valid request_id (a worker acknowledges and drops it)");
	} else if (q == NULL) {
		snprintf(out, outlen, "request %lld no longer exists", j->rid);
	} else if (j->state == ST_QUEUED && j->entry[0] == '\0' && j->dead_too) {
		snprintf(out, outlen, "no job on %s: a retry stopped before queueing it; revlens jobs retry %lld "
		    "finishes it", JOBS_STREAM, j->rid);
	} else if (j->state == ST_QUEUED && j->entry[0] == '\0') {
		snprintf(out, outlen, "no job on %s: no worker will run it (the queue lost it, or it was never "
		    "queued): revlens jobs retry %lld queues it", JOBS_STREAM, j->rid);
	} else if (j->state == ST_RUNNING && j->entry[0] == '\0') {
		snprintf(out, outlen, "no pending entry in %s/%s: its worker acknowledged it or Redis lost it",
		    JOBS_STREAM, JOBS_GROUP);
	} else if (j->state == ST_QUEUED) {
		snprintf(out, outlen, strcmp(q->status, "queued") == 0 ? "waiting for a worker" :
		    "the request is %s: a worker will skip this entry", q->status);
	} else if (j->state == ST_RUNNING) {
		snprintf(out, outlen, "consumer %s, idle %.1f s, delivered %lld time%s%s", j->consumer,
		    (double)j->idle_ms / 1000.0, j->deliveries, j->deliveries == 1 ? "" : "s",
		    strcmp(q->status, "queued") == 0 ? " (stopped: left for the next worker)" : "");
	} else {
		iso_utc(j->failed_at, at);
		snprintf(out, outlen, "failed at %s after %lld attempt%s: %s", at, j->dead_attempts,
		    j->dead_attempts == 1 ? "" : "s", j->error ? j->error : "(no error recorded)");
	}
}

static void print_human(const struct job *j)
{
	char rid[24] = "-", pid[24] = "-", tries[24] = "-", det[1400];
	const struct request *q = j->req;
	char *safe;

	if (j->rid > 0)
		snprintf(rid, sizeof(rid), "%lld", j->rid);
	if (j->pid > 0 || q != NULL)
		snprintf(pid, sizeof(pid), "%lld", q ? q->product_id : j->pid);
	if (q != NULL)
		snprintf(tries, sizeof(tries), "%lld", q->attempts);
	detail(j, det, sizeof(det));
	if (q != NULL && q->name != NULL)
		snprintf(det + strlen(det), sizeof(det) - strlen(det), " [%s]", q->name);
	safe = printable(det);
	printf("%-8s %-17s %-8s %-8s %-9s %-10s %-5s %s\n", state_name[j->state], j->entry[0] ? j->entry : "-",
	    rid, pid, q ? q->status : "-", q && q->stage ? q->stage : "-", tries, safe);
	free(safe);
}

static json_object *str_or_null(const char *s)
{
	char *safe;
	json_object *o;

	if (s == NULL)
		return NULL;
	safe = printable(s);
	o = json_object_new_string(safe);
	free(safe);
	return o;
}

static void print_json(const struct job *j)
{
	const struct request *q = j->req;
	json_object *o = json_object_new_object();
	char at[32], det[1400];

	detail(j, det, sizeof(det));
	json_object_object_add(o, "state", json_object_new_string(state_name[j->state]));
	json_object_object_add(o, "entry", j->entry[0] ? json_object_new_string(j->entry) : NULL);
	json_object_object_add(o, "request_id", j->rid > 0 ? json_object_new_int64(j->rid) : NULL);
	json_object_object_add(o, "product_id", q ? json_object_new_int64(q->product_id) :
	    j->pid > 0 ? json_object_new_int64(j->pid) : NULL);
	json_object_object_add(o, "coupang_product_id", q ? json_object_new_int64(q->coupang_id) : NULL);
	json_object_object_add(o, "product_name", str_or_null(q ? q->name : NULL));
	json_object_object_add(o, "status", q ? json_object_new_string(q->status) : NULL);
	json_object_object_add(o, "stage", str_or_null(q ? q->stage : NULL));
	json_object_object_add(o, "attempts", q ? json_object_new_int64(q->attempts) : NULL);
	if (j->state == ST_RUNNING && j->entry[0]) {
		json_object_object_add(o, "consumer", str_or_null(j->consumer));
		json_object_object_add(o, "idle_ms", json_object_new_int64(j->idle_ms));
		json_object_object_add(o, "deliveries", json_object_new_int64(j->deliveries));
	}
	if (j->state == ST_DEAD) {
		iso_utc(j->failed_at, at);
		json_object_object_add(o, "error", str_or_null(j->error));
		json_object_object_add(o, "dead_attempts", json_object_new_int64(j->dead_attempts));
		json_object_object_add(o, "failed_at", j->failed_at > 0 ? json_object_new_string(at) : NULL);
	}
	json_object_object_add(o, "detail", str_or_null(det));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int list(const struct config *cfg, int argc, char **argv)
{
	struct jobs js;
	int as_json = 0, rc = EXIT_FAIL;
	size_t count[3] = { 0, 0, 0 };

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			as_json = 1;
		} else {
			fprintf(stderr, ME ": unexpected argument \"%s\"\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	memset(&js, 0, sizeof(js));
	if (connect_stores(cfg, &js) == -1 || load(&js) == -1)
		goto out;
	if (js.n == 0) {
		if (as_json)
			fprintf(stderr, "no jobs: nothing queued, running or dead-lettered\n");
		else
			printf("no jobs: nothing queued, running or dead-lettered\n");
		rc = 0;
		goto out;
	}
	if (!as_json)
		printf("%-8s %-17s %-8s %-8s %-9s %-10s %-5s %s\n", "STATE", "ENTRY", "REQUEST", "PRODUCT",
		    "STATUS", "STAGE", "TRIES", "DETAIL");
	for (int st = ST_QUEUED; st <= ST_DEAD; st++)
		for (size_t i = 0; i < js.n; i++)
			if ((int)js.v[i].state == st) {
				count[st]++;
				if (as_json)
					print_json(&js.v[i]);
				else
					print_human(&js.v[i]);
			}
	if (!as_json)
		printf("%zu queued, %zu running, %zu dead%s\n", count[ST_QUEUED], count[ST_RUNNING], count[ST_DEAD],
		    js.have_group ? "" : " (no worker has made the group " JOBS_GROUP " yet)");
	rc = 0;
out:
	jobs_free(&js);
	return rc;
}

/* ------------------------------------------------------------------ retry */

/* "<digits>-<digits>": a stream id. */
static int is_entry_id(const char *s)
{
	size_t a = strspn(s, "0123456789"), b;

	if (a == 0 || a > 20 || s[a] != '-')
		return 0;
	b = strspn(s + a + 1, "0123456789");
	return b > 0 && b <= 20 && s[a + 1 + b] == '\0';
}

static int rollback(struct jobs *js)
{
	if (pg_exec(&js->pg, "ROLLBACK", 0, NULL) == -1)
		fprintf(stderr, ME ": PostgreSQL: rollback: %s\n", js->pg.err);
	return EXIT_FAIL;
}

/* Step 1 (see the top of the file): the request back to queued, committed. 0, or
 * EXIT_FAIL with the reason printed. *requeued is 1 when this call changed it, 0 when
 * it was queued already with no job (a retry interrupted before its XADD). */
static int requeue(struct jobs *js, long long rid, size_t ndead, long long *pid, int *requeued)
{
	char ids[24], pids[24];
	const char *p[2] = { ids, pids };
	char status[16];

	*requeued = 0;
	snprintf(ids, sizeof(ids), "%lld", rid);
	if (pg_exec(&js->pg, "BEGIN", 0, NULL) == -1 ||
	    pg_exec(&js->pg, "SELECT status, product_id FROM analysis_requests WHERE id = $1 FOR UPDATE", 1, p) == -1) {
		fprintf(stderr, ME ": PostgreSQL: %s\n", js->pg.err);
		return rollback(js);
	}
	if (pg_ntuples(&js->pg) == 0) {
		fprintf(stderr, ME " retry: no request %lld (revlens jobs lists the dead-lettered ones)\n", rid);
		return rollback(js);
	}
	snprintf(status, sizeof(status), "%s", pg_value(&js->pg, 0, 0));
	*pid = pg_value_ll(&js->pg, 0, 1);
	snprintf(pids, sizeof(pids), "%lld", *pid);
	if (strcmp(status, "queued") == 0 && !has_entry(js, rid, ST_QUEUED) && !has_entry(js, rid, ST_RUNNING)) {
		/* queued with no job: a retry that stopped between its commit and its XADD, or
		 * a job the queue lost (Redis restored from a backup older than the request):
		 * put the job on the stream */
		if (pg_exec(&js->pg, "COMMIT", 0, NULL) == -1) {
			fprintf(stderr, ME ": PostgreSQL: %s\n", js->pg.err);
			return EXIT_FAIL;
		}
		return 0;
	}
	if (strcmp(status, "failed") != 0) {
		fprintf(stderr, ME " retry: request %lld is %s, not failed: only a failed, dead-lettered "
		    "request is retried%s\n", rid, status,
		    strcmp(status, "queued") == 0 || strcmp(status, "running") == 0 ?
		    " (its job is on the queue already; revlens jobs shows it)" :
		    strcmp(status, "done") == 0 ? " (ask for a new analysis of the product to run it again)" : "");
		return rollback(js);
	}
	if (ndead == 0) {
		fprintf(stderr, ME " retry: request %lld failed without a dead-letter entry in %s (a failure "
		    "the worker decided, such as a product without reviews): ask for a new analysis of "
		    "product %lld instead\n", rid, JOBS_DEAD, *pid);
		return rollback(js);
	}
	/* the unique index allows one active request per product */
	if (pg_exec(&js->pg, "SELECT id, status FROM analysis_requests WHERE product_id = $2 AND id <> $1 "
	    "AND status IN ('queued', 'running') ORDER BY id LIMIT 1", 2, p) == -1) {
		fprintf(stderr, ME ": PostgreSQL: %s\n", js->pg.err);
		return rollback(js);
	}
	if (pg_ntuples(&js->pg) == 1) {
		fprintf(stderr, ME " retry: product %lld already has request %s %s: retry request %lld after it "
		    "finishes, or leave it (that request does the same work)\n", *pid, pg_value(&js->pg, 0, 0),
		    pg_value(&js->pg, 0, 1), rid);
		return rollback(js);
	}
	if (pg_exec(&js->pg, "SELECT set_config('revlens.retry', 'on', true)", 0, NULL) == -1 ||
	    pg_exec(&js->pg, "UPDATE analysis_requests SET status = 'queued', error_message = NULL, "
	    "finished_at = NULL, started_at = NULL, stage = NULL, progress = 0, attempts = 0 "
	    "WHERE id = $1 AND status = 'failed'", 1, p) == -1) {
		if (pg_sqlstate(&js->pg) != NULL && strcmp(pg_sqlstate(&js->pg), "23505") == 0)
			fprintf(stderr, ME " retry: product %lld got another active request meanwhile: retry "
			    "request %lld after it finishes\n", *pid, rid);
		else
			fprintf(stderr, ME ": PostgreSQL: %s%s\n", js->pg.err,
			    pg_sqlstate(&js->pg) != NULL && strcmp(pg_sqlstate(&js->pg), "23514") == 0 ?
			    " (run revlens migrate: sql/010 lets a retry re-queue a failed request)" : "");
		return rollback(js);
	}
	if (pg_exec(&js->pg, "COMMIT", 0, NULL) == -1) {
		fprintf(stderr, ME ": PostgreSQL: commit: %s\n", js->pg.err);
		return EXIT_FAIL;
	}
	*requeued = 1;
	return 0;
}

/* Step 2 failed: the request back to failed as it was. */
static void undo_requeue(struct jobs *js, long long rid, const struct request *old)
{
	char ids[24], att[24];
	const char *p[4] = { ids, old && old->error ? old->error : "분석 작업을 다시 대기열에 넣지 못했습니다.",
		att, old ? old->stage : NULL };

	snprintf(ids, sizeof(ids), "%lld", rid);
	snprintf(att, sizeof(att), "%lld", old ? old->attempts : 0);
	if (pg_exec(&js->pg, "UPDATE analysis_requests SET status = 'failed', error_message = $2, "
	    "attempts = $3::integer, stage = $4 WHERE id = $1 AND status = 'queued'", 4, p) == -1)
		fprintf(stderr, ME ": PostgreSQL: %s: request %lld stays queued with no job; run revlens jobs "
		    "retry %lld again once Redis answers\n", js->pg.err, rid, rid);
	else
		fprintf(stderr, ME " retry: request %lld is failed again, as before, and keeps its dead-letter "
		    "entry: run the retry again once Redis answers\n", rid);
}

static int retry(const struct config *cfg, int argc, char **argv)
{
	struct jobs js;
	long long rid = 0, pid = 0;
	size_t ndead = 0;
	int rc = EXIT_FAIL, requeued = 0;
	char entry[ENTRY_MAX] = "", ids[24], pids[24], err[300];
	const struct request *old;
	redisReply *rep;

	if (argc != 2 || (strnum_parse(argv[1], 10, 1, 9223372036854775807LL, &rid) == -1 && !is_entry_id(argv[1]))) {
		fprintf(stderr, ME " retry: give one request id, or a dead-letter entry id such as "
		    "1712345678901-0 (revlens jobs lists them)\n");
		return EXIT_USAGE;
	}
	memset(&js, 0, sizeof(js));
	if (connect_stores(cfg, &js) == -1 || load(&js) == -1)
		goto out;
	if (rid == 0) {                 /* a dead-letter entry id */
		for (size_t i = 0; i < js.n && rid == 0; i++)
			if (js.v[i].state == ST_DEAD && strcmp(js.v[i].entry, argv[1]) == 0) {
				rid = js.v[i].rid;
				if (rid == 0) {
					fprintf(stderr, ME " retry: dead-letter entry %s has no valid request_id: nothing "
					    "to retry (redis-cli XDEL %s %s removes it)\n", argv[1], JOBS_DEAD, argv[1]);
					goto out;
				}
			}
		if (rid == 0) {
			fprintf(stderr, ME " retry: no entry %s in %s (revlens jobs lists them)\n", argv[1], JOBS_DEAD);
			goto out;
		}
	}
	for (size_t i = 0; i < js.n; i++)
		if (js.v[i].state == ST_DEAD && js.v[i].rid == rid)
			ndead++;
	old = find_request(&js, rid);
	if ((rc = requeue(&js, rid, ndead, &pid, &requeued)) != 0)
		goto out;
	rc = EXIT_FAIL;
	/* step 2: the job on the stream, as revlens-web writes it */
	snprintf(ids, sizeof(ids), "%lld", rid);
	snprintf(pids, sizeof(pids), "%lld", pid);
	{
		const char *xadd[] = { "XADD", JOBS_STREAM, "*", "request_id", ids, "product_id", pids };
		if ((rep = call(&js, 7, xadd, NULL)) == NULL || rep->type != REDIS_REPLY_STRING) {
			if (rep != NULL)
				fprintf(stderr, ME ": Redis XADD: unexpected reply\n");
			freeReplyObject(rep);
			if (requeued)
				undo_requeue(&js, rid, old);
			else
				fprintf(stderr, ME " retry: request %lld stays queued with no job: run the retry "
				    "again once Redis answers\n", rid);
			goto out;
		}
		snprintf(entry, sizeof(entry), "%s", rep->str);
		freeReplyObject(rep);
	}
	rc = 0;
	/* step 3: the dead-letter entries of the request */
	for (size_t i = 0; i < js.n; i++) {
		if (js.v[i].state != ST_DEAD || js.v[i].rid != rid)
			continue;
		const char *xdel[] = { "XDEL", JOBS_DEAD, js.v[i].entry };
		if ((rep = call(&js, 3, xdel, NULL)) == NULL)
			fprintf(stderr, ME " retry: the job is queued, but its dead-letter entry %s stays listed: "
			    "redis-cli XDEL %s %s removes it\n", js.v[i].entry, JOBS_DEAD, js.v[i].entry);
		freeReplyObject(rep);
	}
	/* step 4: whoever watches the request sees it queued again */
	{
		struct progress pr = { rid, "queued", NULL, 0, RETRY_MSG };
		if (progress_store(&js.queue, &pr, err, sizeof(err)) != 0 ||
		    progress_publish(cfg->nchan_publish_socket, &pr, err, sizeof(err)) != 0)
			fprintf(stderr, ME " retry: the job is queued; its live progress was not updated: %s\n", err);
	}
	printf("request %lld of product %lld queued again: job %s on %s (%zu dead-letter entr%s removed)\n",
	    rid, pid, entry, JOBS_STREAM, ndead, ndead == 1 ? "y" : "ies");
out:
	jobs_free(&js);
	return rc;
}

int cmd_jobs(const struct config *cfg, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "retry") == 0)
		return retry(cfg, argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	return list(cfg, argc, argv);
}
