/* scoreboard.h — state shared between the master and its workers.
 *
 * One anonymous MAP_SHARED mapping made by the master before the first fork.
 * Each worker owns one slot and is its only writer (so counters need no locks,
 * only relaxed atomic stores the master and /metrics may read at any time);
 * the master alone writes the header. A slot keeps its counters across the
 * workers that occupy it, so totals never go backwards when a worker dies.
 */
#ifndef REVLENS_SCOREBOARD_H
#define REVLENS_SCOREBOARD_H

#include <stdint.h>
#include <sys/types.h>

#define SB_SLOTS        128     /* 2 x the largest web.workers, for HUP hand-over */
#define SB_ROUTES       96      /* route table entries + 1 for "no route" */
#define SB_BUCKETS      12      /* latency histogram upper bounds, see sb_bucket_le */
#define SB_CURRENT_MAX  192     /* bytes of "METHOD /uri" kept for crash reports */

/* Status codes counted one by one; anything else lands in "other". */
#define SB_STATUS_CODES 200, 201, 204, 301, 302, 303, 304, 400, 401, 403, 404, 405, \
	409, 413, 414, 415, 422, 429, 431, 500, 502, 503
#define SB_NSTATUS      23      /* the codes above + "other" */

enum sb_state { SB_FREE = 0, SB_STARTING, SB_IDLE, SB_BUSY };

struct sb_slot {
	pid_t pid;
	int state;                  /* enum sb_state, written by the worker (and master on reap) */
	unsigned generation;        /* master's generation that forked it */
	uint64_t started_ms;        /* request start, ms since the epoch (0 when idle) */
	char current[SB_CURRENT_MAX];
	uint64_t requests[SB_ROUTES][SB_NSTATUS];
	uint64_t hist[SB_ROUTES][SB_BUCKETS + 1];   /* last bucket is +Inf */
	uint64_t duration_us[SB_ROUTES];
};

struct scoreboard {
	uint64_t worker_restarts;   /* workers replaced after dying */
	uint64_t worker_crashes;    /* workers that died by a signal or non-zero exit */
	uint64_t reloads;           /* successful HUP reloads */
	uint64_t started_at;        /* master start, seconds since the epoch */
	struct sb_slot slot[SB_SLOTS];
};

extern const double sb_bucket_le[SB_BUCKETS];
extern const int sb_status_code[SB_NSTATUS - 1];

/* Map a fresh zeroed scoreboard (MAP_SHARED | MAP_ANONYMOUS). NULL on error. */
struct scoreboard *sb_create(void);
void sb_destroy(struct scoreboard *sb);

/* Index of status in the counter array (SB_NSTATUS - 1 = other). */
int sb_status_index(int status);

/* Worker side: mark the slot busy serving what, and account a finished request. */
void sb_begin(struct sb_slot *s, const char *method, const char *uri, uint64_t now_ms);
void sb_end(struct sb_slot *s, int route, int status, uint64_t duration_us);

#endif
