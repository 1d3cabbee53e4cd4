/* worker.h — one analysis process: a consumer of the job stream and the job flow of
 * docs/worker.md (check, collect, analyse, summarise), with its stores and model.
 *
 * A struct worker belongs to one process (mongoc clients are not fork-safe): open it
 * after fork. worker_run() returns when *stop becomes non-zero (checked between
 * batches and while blocked on the stream, so at most about a second later plus one
 * batch) or, with once, when the stream holds nothing more for it.
 */
#ifndef REVLENS_WORKER_WORKER_H
#define REVLENS_WORKER_WORKER_H

#include <signal.h>
#include <stdint.h>

#include "kr/kr.h"
#include "lib/config.h"
#include "lib/mongo.h"
#include "lib/jobs.h"
#include "lib/pg.h"
#include "lib/rds.h"
#include "worker/metrics.h"


struct worker {
	const struct config *cfg;       /* borrowed; outlives the worker */
	volatile sig_atomic_t *stop;    /* set by TERM/INT: leave the job at the next batch */
	volatile sig_atomic_t *drain;   /* set by QUIT: finish the job, take no other */
	struct pg_conn pg;
	struct rds_conn queue;
	struct mongo_conn mongo;
	struct kr_model *model;         /* NULL when it could not be opened: model_err says why */
	char model_err[KR_ERR_MAX];
	char model_version[128];        /* "<file name>:<checksum hex>" */
	char consumer[128];             /* "<hostname>-<pid>" */
	unsigned char *arena_mem;       /* KR_ARENA_SIZE bytes */
	struct kr_arena arena;
	struct kr_result *res;
	int stores_open;
	int64_t nchan_quiet_until_ms;   /* after a failed publish, running progress skips
	                                 * nchan until then (each try can take 2 s) */
	struct wm_slot *m;              /* this process's counters (metrics.h); borrowed */
	int stage;                      /* the job's current stage (enum wm_stage), -1 none */
	int64_t stage_t0_us;            /* when it began, monotonic */
	long noted_analyzed, noted_kept;        /* the job's reviews counted in m so far */
};

struct job;

/* Open the stores (lazily connected) and the model. -1 only when the process cannot
 * work at all (no memory, a malformed endpoint), with the reason logged; a missing
 * model is not an error here: every job then ends in the dead-letter stream. */
int worker_open(struct worker *w, const struct config *cfg, volatile sig_atomic_t *stop,
    volatile sig_atomic_t *drain, struct wm_slot *m);
/* Consume jobs until *stop or *drain (or, once, until none is left). 0, or -1 when the stream
 * could not be reached in once mode. */
int worker_run(struct worker *w, int once);
void worker_close(struct worker *w);
/* Called by job.c as a stage begins (and at each analyse batch): times the stages
 * and counts the reviews read so far into the process's metrics. */
void worker_note(struct worker *w, const struct job *j, const char *stage);

#endif
