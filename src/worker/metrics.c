/* metrics.c — revlens-worker's shared counters and their Prometheus text.
 *
 * Processes add to their own slot with relaxed atomics; the master sums the slots
 * at scrape time, so a scrape may see one job's counters half updated (its outcome
 * before its reviews), never a counter that went down. The stream's numbers are
 * read from Redis at scrape time (XINFO GROUPS, XLEN, XPENDING, XRANGE), by the master.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "worker/metrics.h"
#include "worker/worker.h"

const double wm_bucket_le[WM_BUCKETS] = {
	0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300
};

static const char *const outcome_name[WM_NOUTCOMES] = {
	"done", "failed", "dead", "cancelled", "skipped", "released"
};

static const char *const stage_name[WM_NSTAGES] = { "collect", "analyse", "summarise" };

struct wm_board *wm_create(void)
{
	void *p = mmap(NULL, sizeof(struct wm_board), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void wm_destroy(struct wm_board *b)
{
	if (b != NULL)
		munmap(b, sizeof(*b));
}

int wm_stage_index(const char *name)
{
	for (int i = 0; i < WM_NSTAGES; i++)
		if (strcmp(name, stage_name[i]) == 0)
			return i;
	return -1;
}

static void add(uint64_t *p, uint64_t n)
{
	__atomic_add_fetch(p, n, __ATOMIC_RELAXED);
}

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void wm_job(struct wm_slot *s, enum wm_outcome o)
{
	add(&s->jobs[o], 1);
}

void wm_retry(struct wm_slot *s)
{
	add(&s->retries, 1);
}

void wm_reclaim(struct wm_slot *s)
{
	add(&s->reclaims, 1);
}

void wm_stage_time(struct wm_slot *s, int stage, uint64_t us)
{
	int b = 0;

	if (stage < 0 || stage >= WM_NSTAGES)
		return;
	while (b < WM_BUCKETS && (double)us / 1e6 > wm_bucket_le[b])
		b++;
	add(&s->stage_hist[stage][b], 1);
	add(&s->stage_us[stage], us);
}

void wm_reviews(struct wm_slot *s, uint64_t analysed, uint64_t unchanged)
{
	if (analysed > 0)
		add(&s->reviews_analysed, analysed);
	if (unchanged > 0)
		add(&s->reviews_unchanged, unchanged);
}

void wm_last_job(struct wm_slot *s, uint64_t reviews, uint64_t us, uint64_t end_ms)
{
	__atomic_store_n(&s->last_reviews, reviews, __ATOMIC_RELAXED);
	__atomic_store_n(&s->last_us, us, __ATOMIC_RELAXED);
	__atomic_store_n(&s->last_end_ms, end_ms, __ATOMIC_RELEASE);
}

void wm_busy(struct wm_slot *s, int busy)
{
	__atomic_store_n(&s->busy, busy, __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------------- Redis */

static redisReply *command(struct rds_conn *r, int argc, const char **argv, int *up)
{
	redisReply *rep;

	if (!*up)
		return NULL;
	if ((rep = rds_command_argv(r, argc, argv, NULL)) == NULL)
		*up = 0;
	return rep;
}

/* An integer member of one XINFO GROUPS entry ([name, value, …]); -1 when absent or nil. */
static long long member(const redisReply *g, const char *name)
{
	for (size_t i = 0; i + 1 < g->elements; i += 2) {
		const redisReply *k = g->element[i], *v = g->element[i + 1];
		if (k->type == REDIS_REPLY_STRING && strcmp(k->str, name) == 0)
			return v->type == REDIS_REPLY_INTEGER ? v->integer : -1;
	}
	return -1;
}

/* A string member of one XINFO GROUPS entry; NULL when absent. */
static const char *member_str(const redisReply *g, const char *name)
{
	for (size_t i = 0; i + 1 < g->elements; i += 2) {
		const redisReply *k = g->element[i], *v = g->element[i + 1];
		if (k->type == REDIS_REPLY_STRING && strcmp(k->str, name) == 0)
			return v->type == REDIS_REPLY_STRING ? v->str : NULL;
	}
	return NULL;
}

/* Milliseconds of a stream entry id "MS-SEQ"; 0 when it is not one. */
static unsigned long long id_ms(const char *id)
{
	char *end;
	unsigned long long ms;
	if (id == NULL || *id < '0' || *id > '9')
		return 0;
	ms = strtoull(id, &end, 10);
	return *end == '-' ? ms : 0;
}

static double age_s(unsigned long long ms)
{
	struct timespec ts;
	double now;
	if (ms == 0)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6;
	return now > (double)ms ? (now - (double)ms) / 1000 : 0;
}

/* The ages of the oldest waiting and pending jobs. group: the group exists, and
 * last is its last-delivered-id (entries after it wait); else every entry waits. */
static void read_ages(struct rds_conn *r, struct wm_queue *q, int group, const char *last)
{
	char from[64];
	const char *pending[] = { "XPENDING", JOBS_STREAM, JOBS_GROUP };
	const char *range[] = { "XRANGE", JOBS_STREAM, from, "+", "COUNT", "1" };
	redisReply *rep;
	int ok = 1;

	if (group && last == NULL)
		return;
	if (group)
		snprintf(from, sizeof(from), "(%s", last);       /* after the last delivered */
	else
		snprintf(from, sizeof(from), "-");
	if ((rep = command(r, 6, range, &q->redis_up)) == NULL)
		return;
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements > 0 && rep->element[0]->type == REDIS_REPLY_ARRAY &&
	    rep->element[0]->elements > 0 && rep->element[0]->element[0]->type == REDIS_REPLY_STRING)
		q->waiting_age = age_s(id_ms(rep->element[0]->element[0]->str));
	else if (rep->type != REDIS_REPLY_ARRAY)
		ok = 0;
	freeReplyObject(rep);
	if (group) {
		if ((rep = command(r, 3, pending, &q->redis_up)) == NULL)
			return;
		/* [count, smallest id, greatest id, consumers]; ids nil when nothing is pending */
		if (rep->type == REDIS_REPLY_ARRAY && rep->elements >= 2 && rep->element[1]->type == REDIS_REPLY_STRING)
			q->pending_age = age_s(id_ms(rep->element[1]->str));
		else if (rep->type != REDIS_REPLY_ARRAY)
			ok = 0;
		freeReplyObject(rep);
	}
	q->have_age = ok;
}

void wm_queue_read(struct rds_conn *r, struct wm_queue *q)
{
	char last[64] = "";
	int group = 0, stream = 1;
	const char *groups[] = { "XINFO", "GROUPS", JOBS_STREAM };
	const char *len_jobs[] = { "XLEN", JOBS_STREAM };
	const char *len_dead[] = { "XLEN", JOBS_DEAD };
	redisReply *rep;
	int found = 0;

	memset(q, 0, sizeof(*q));
	q->redis_up = 1;
	if ((rep = command(r, 3, groups, &q->redis_up)) != NULL) {
		if (rep->type == REDIS_REPLY_ERROR) {
			/* no stream yet: nothing queued, nothing pending */
			q->have_depth = strstr(rep->str, "no such key") != NULL;
			q->have_age = q->have_depth;
			stream = 0;
			found = 1;
		} else if (rep->type == REDIS_REPLY_ARRAY) {
			for (size_t i = 0; i < rep->elements; i++) {
				const redisReply *g = rep->element[i];
				if (g->type != REDIS_REPLY_ARRAY || g->elements < 2 ||
				    g->element[1]->type != REDIS_REPLY_STRING || strcmp(g->element[1]->str, JOBS_GROUP) != 0)
					continue;
				found = group = 1;
				if (member_str(g, "last-delivered-id") != NULL)
					snprintf(last, sizeof(last), "%s", member_str(g, "last-delivered-id"));
				q->pending = member(g, "pending") > 0 ? member(g, "pending") : 0;
				q->depth = member(g, "lag");
				q->have_depth = q->depth >= 0;
			}
		}
		freeReplyObject(rep);
	}
	/* a stream without the group (no process has started yet): every entry waits */
	if (!found && (rep = command(r, 2, len_jobs, &q->redis_up)) != NULL) {
		if (rep->type == REDIS_REPLY_INTEGER) {
			q->depth = rep->integer;
			q->have_depth = 1;
		}
		freeReplyObject(rep);
	}
	if (stream && q->redis_up)
		read_ages(r, q, group, last[0] != '\0' ? last : NULL);
	if ((rep = command(r, 2, len_dead, &q->redis_up)) != NULL) {
		q->dead = rep->type == REDIS_REPLY_INTEGER ? rep->integer : 0;
		freeReplyObject(rep);
	}
}

/* ---------------------------------------------------------------- text */

#define HELP(f, name, type, text) \
	fprintf(f, "# HELP " name " " text "\n# TYPE " name " " type "\n")

int wm_render(const struct wm_board *b, const struct wm_queue *q, int processes, FILE *f)
{
	uint64_t sum, last_end = 0, last_reviews = 0, last_us = 0;
	int busy = 0;

	HELP(f, "revlens_worker_jobs_total", "counter",
	    "Job runs by how they ended (a retried job counts once, when it ends).");
	for (int o = 0; o < WM_NOUTCOMES; o++) {
		sum = 0;
		for (int i = 0; i < WM_SLOTS; i++)
			sum += load(&b->slot[i].jobs[o]);
		fprintf(f, "revlens_worker_jobs_total{outcome=\"%s\"} %llu\n", outcome_name[o], (unsigned long long)sum);
	}
	HELP(f, "revlens_worker_retries_total", "counter", "Attempts retried after a transient error.");
	sum = 0;
	for (int i = 0; i < WM_SLOTS; i++)
		sum += load(&b->slot[i].retries);
	fprintf(f, "revlens_worker_retries_total %llu\n", (unsigned long long)sum);
	HELP(f, "revlens_worker_reclaims_total", "counter",
	    "Jobs taken over from a process that went silent past worker.visibility_timeout.");
	sum = 0;
	for (int i = 0; i < WM_SLOTS; i++)
		sum += load(&b->slot[i].reclaims);
	fprintf(f, "revlens_worker_reclaims_total %llu\n", (unsigned long long)sum);
	HELP(f, "revlens_worker_stage_duration_seconds", "histogram", "Time spent in each stage of a job run.");
	for (int st = 0; st < WM_NSTAGES; st++) {
		uint64_t cum = 0, us = 0;
		for (int i = 0; i < WM_SLOTS; i++)
			us += load(&b->slot[i].stage_us[st]);
		for (int k = 0; k <= WM_BUCKETS; k++) {
			for (int i = 0; i < WM_SLOTS; i++)
				cum += load(&b->slot[i].stage_hist[st][k]);
			if (k < WM_BUCKETS)
				fprintf(f, "revlens_worker_stage_duration_seconds_bucket{stage=\"%s\",le=\"%g\"} %llu\n",
				    stage_name[st], wm_bucket_le[k], (unsigned long long)cum);
			else
				fprintf(f, "revlens_worker_stage_duration_seconds_bucket{stage=\"%s\",le=\"+Inf\"} %llu\n",
				    stage_name[st], (unsigned long long)cum);
		}
		fprintf(f, "revlens_worker_stage_duration_seconds_sum{stage=\"%s\"} %.6f\n"
		    "revlens_worker_stage_duration_seconds_count{stage=\"%s\"} %llu\n",
		    stage_name[st], (double)us / 1e6, stage_name[st], (unsigned long long)cum);
	}
	HELP(f, "revlens_worker_reviews_total", "counter",
	    "Reviews read by jobs: analysed now, or kept because their text is unchanged.");
	sum = 0;
	for (int i = 0; i < WM_SLOTS; i++)
		sum += load(&b->slot[i].reviews_analysed);
	fprintf(f, "revlens_worker_reviews_total{result=\"analysed\"} %llu\n", (unsigned long long)sum);
	sum = 0;
	for (int i = 0; i < WM_SLOTS; i++)
		sum += load(&b->slot[i].reviews_unchanged);
	fprintf(f, "revlens_worker_reviews_total{result=\"unchanged\"} %llu\n", (unsigned long long)sum);
	for (int i = 0; i < WM_SLOTS; i++) {
		uint64_t end = __atomic_load_n(&b->slot[i].last_end_ms, __ATOMIC_ACQUIRE);
		if (end > last_end) {
			last_end = end;
			last_reviews = load(&b->slot[i].last_reviews);
			last_us = load(&b->slot[i].last_us);
		}
		busy += __atomic_load_n(&b->slot[i].busy, __ATOMIC_RELAXED) != 0;
	}
	if (last_end > 0) {
		HELP(f, "revlens_worker_last_job_reviews_per_second", "gauge",
		    "Reviews per second of the job done last, from its start to its end.");
		fprintf(f, "revlens_worker_last_job_reviews_per_second %.1f\n",
		    last_us > 0 ? (double)last_reviews * 1e6 / (double)last_us : 0.0);
	}
	HELP(f, "revlens_worker_processes", "gauge", "Analysis processes running.");
	fprintf(f, "revlens_worker_processes %d\n", processes);
	HELP(f, "revlens_worker_busy", "gauge", "Analysis processes running a job.");
	fprintf(f, "revlens_worker_busy %d\n", busy);
	HELP(f, "revlens_worker_restarts_total", "counter", "Processes started again after dying.");
	fprintf(f, "revlens_worker_restarts_total %llu\n", (unsigned long long)load(&b->restarts));
	HELP(f, "revlens_worker_reloads_total", "counter", "Successful configuration reloads (HUP).");
	fprintf(f, "revlens_worker_reloads_total %llu\n", (unsigned long long)load(&b->reloads));
	HELP(f, "revlens_worker_start_time_seconds", "gauge", "When the master started, Unix time.");
	fprintf(f, "revlens_worker_start_time_seconds %llu\n", (unsigned long long)b->started_at);
	HELP(f, "revlens_worker_redis_up", "gauge", "1 when Redis answered this scrape's queue questions.");
	fprintf(f, "revlens_worker_redis_up %d\n", q->redis_up);
	if (q->redis_up && q->have_depth) {
		HELP(f, "revlens_worker_queue_depth", "gauge",
		    "Jobs on " JOBS_STREAM " not yet delivered to any process (the group's lag).");
		fprintf(f, "revlens_worker_queue_depth %lld\n", q->depth);
	}
	if (q->redis_up) {
		HELP(f, "revlens_worker_queue_pending", "gauge",
		    "Jobs delivered to a process and not yet acknowledged (running, or left by a dead process).");
		fprintf(f, "revlens_worker_queue_pending %lld\n", q->pending);
		HELP(f, "revlens_worker_dead_letters", "gauge", "Length of the dead-letter stream " JOBS_DEAD ".");
		fprintf(f, "revlens_worker_dead_letters %lld\n", q->dead);
	}
	if (q->redis_up && q->have_age) {
		HELP(f, "revlens_worker_queue_oldest_age_seconds", "gauge",
		    "Seconds since the oldest job was queued, by state: waiting (not yet delivered) or pending "
		    "(delivered, not acknowledged); 0 when there is none.");
		fprintf(f, "revlens_worker_queue_oldest_age_seconds{state=\"waiting\"} %.3f\n"
		    "revlens_worker_queue_oldest_age_seconds{state=\"pending\"} %.3f\n", q->waiting_age, q->pending_age);
	}
	return ferror(f) ? -1 : 0;
}
