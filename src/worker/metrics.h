/* metrics.h — revlens-worker's counters, shared between the master and its processes.
 *
 * One anonymous MAP_SHARED mapping made by the master before the first fork (as
 * revlens-web's scoreboard). Slot i belongs to the master's process slot i: the
 * process running there is its only writer (relaxed atomic adds, no locks), and
 * the process that replaces it after a crash or a HUP keeps adding to the same
 * counters, so no counter goes backwards while the master runs. The master alone
 * writes the header. --once runs with a private slot and serves nothing.
 */
#ifndef REVLENS_WORKER_METRICS_H
#define REVLENS_WORKER_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "lib/rds.h"

#define WM_SLOTS    64          /* worker.processes' maximum */
#define WM_BUCKETS  12          /* stage duration upper bounds, see wm_bucket_le */

/* How a job's run ended (docs/worker.md "## Metrics"). */
enum wm_outcome {
	WM_DONE,        /* result saved, request done */
	WM_FAILED,      /* request failed for a reason users read (no reviews) */
	WM_DEAD,        /* moved to the dead-letter stream, request failed */
	WM_CANCELLED,   /* the request was cancelled while it ran */
	WM_SKIPPED,     /* nothing to do: request gone, finished, run elsewhere, bad entry */
	WM_RELEASED,    /* left pending for another worker (TERM, or a store down) */
	WM_NOUTCOMES
};

enum wm_stage { WM_COLLECT, WM_ANALYSE, WM_SUMMARISE, WM_NSTAGES };

struct wm_slot {
	uint64_t jobs[WM_NOUTCOMES];
	uint64_t retries;                       /* attempts retried after a transient error */
	uint64_t reclaims;                      /* entries taken over with XAUTOCLAIM */
	uint64_t stage_hist[WM_NSTAGES][WM_BUCKETS + 1];   /* last bucket is +Inf */
	uint64_t stage_us[WM_NSTAGES];          /* microseconds spent in each stage */
	uint64_t reviews_analysed, reviews_unchanged;
	uint64_t last_end_ms;                   /* last done job: end, ms since the epoch */
	uint64_t last_reviews, last_us;         /* its reviews and its run time (us) */
	int busy;                               /* 1 while the process runs a job */
};

struct wm_board {
	uint64_t restarts;          /* processes started again after dying */
	uint64_t reloads;           /* successful HUP reloads */
	uint64_t started_at;        /* master start, seconds since the epoch */
	struct wm_slot slot[WM_SLOTS];
};

/* The job stream as the master reads it at scrape time. */
struct wm_queue {
	int redis_up;               /* 0: Redis did not answer; the rest is unknown */
	int have_depth;             /* 0 when Redis cannot tell the group's lag */
	long long depth;            /* entries not yet delivered to any process */
	long long pending;          /* delivered, not acknowledged */
	long long dead;             /* length of the dead-letter stream */
	int have_age;               /* 0 when Redis could not tell the ages below */
	double waiting_age;         /* s since the oldest undelivered job was queued, 0 if none */
	double pending_age;         /* s since the oldest unacknowledged job was queued, 0 if none */
};

extern const double wm_bucket_le[WM_BUCKETS];

/* Map a zeroed board (MAP_SHARED | MAP_ANONYMOUS). NULL on error. */
struct wm_board *wm_create(void);
void wm_destroy(struct wm_board *b);

/* The stage index of "collect", "analyse" or "summarise"; -1 for another name. */
int wm_stage_index(const char *name);

/* Process side: one slot, one writer. */
void wm_job(struct wm_slot *s, enum wm_outcome o);
void wm_retry(struct wm_slot *s);
void wm_reclaim(struct wm_slot *s);
void wm_stage_time(struct wm_slot *s, int stage, uint64_t us);
void wm_reviews(struct wm_slot *s, uint64_t analysed, uint64_t unchanged);
void wm_last_job(struct wm_slot *s, uint64_t reviews, uint64_t us, uint64_t end_ms);
void wm_busy(struct wm_slot *s, int busy);

/* Master side: the stream's depth, pending entries, dead letters and the age of its
 * oldest waiting and pending jobs (from their entry ids, which XADD * makes from
 * Redis' clock) from Redis (job, group and dead-letter stream names as in worker.h).
 * Never fails: q says what is known. */
void wm_queue_read(struct rds_conn *r, struct wm_queue *q);
/* Write the Prometheus text of b, q and the number of running processes to f.
 * 0, or -1 on a write error. */
int wm_render(const struct wm_board *b, const struct wm_queue *q, int processes, FILE *f);

#endif
