/* job.h — one job of the stream carried through its stages (job.c); worker.c decides
 * from the outcome whether to acknowledge, retry or dead-letter it. */
#ifndef REVLENS_WORKER_JOB_H
#define REVLENS_WORKER_JOB_H

#include <stdint.h>

#include "worker/worker.h"

enum job_outcome {
	JOB_DONE,       /* the result is saved and the request done */
	JOB_SKIPPED,    /* nothing to do: the request is gone or finished (err says why) */
	JOB_CANCELLED,  /* the request was cancelled while it ran */
	JOB_FAILED,     /* the request is failed for a reason the user reads (err) */
	JOB_TRANSIENT,  /* a store failed: try again later (err) */
	JOB_PERMANENT,  /* cannot succeed: dead letter (err) */
	JOB_STOPPED     /* the process is stopping: leave the job pending */
};

struct job {
	char entry[64];         /* stream entry id */
	long long rid, pid;     /* analysis_requests.id, products.id */
	long long attempts;     /* runs so far, this one included */
	int64_t start_ms;       /* PostgreSQL's clock when this run started */
	long total;             /* reviews ingestion counted (product_review_stats); 0: unknown */
	long done;              /* reviews read so far */
	long analyzed, kept;    /* of them: analysed now, analysis kept (unchanged) */
	long keywords;          /* distinct keywords of the product */
	long keywords_written;  /* keyword documents inserted, updated or deleted */
	double t_read, t_analyze, t_write, t_kw, t_pg;  /* seconds spent: MongoDB reads,
	                         * analysis, review writes, keyword writes, PostgreSQL */
	int locked;             /* holds the request's advisory lock */
	unsigned long lock_session;     /* pg.session that took it */
	char err[640];          /* the reason of a non-DONE outcome */
};

/* Run every stage of j (rid set, the rest zero but attempts, which carries over
 * between tries). */
enum job_outcome job_run(struct worker *w, struct job *j);
/* Publish the live progress of j's request (logged, never fatal). */
void job_publish(struct worker *w, const struct job *j, const char *status, const char *stage,
    int percent, const char *message);

#endif
