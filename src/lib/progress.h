/* progress.h — the live progress of an analysis request: written to Redis (the
 * latest state, for a page opened later and for the JSON status) and published to
 * the request's nchan channel (for every browser watching).
 *
 * Redis: hash "progress:<id>" on the queue role with status, stage, percent,
 * message, at (epoch seconds); it expires PROGRESS_TTL after its last update.
 * nchan: POST /pub/request-<id> on nginx's internal publisher socket
 * (nchan.publish_socket) with the JSON message {"id", "status", "stage",
 * "percent", "message"}; 201 (delivered) and 202 (stored) both succeed.
 * Used by the worker and by `revlens progress-demo`.
 */
#ifndef REVLENS_PROGRESS_H
#define REVLENS_PROGRESS_H

#include <stddef.h>

#include "lib/rds.h"

#define PROGRESS_TTL          86400   /* seconds the latest state is kept */

struct progress {
	long long id;               /* analysis_requests.id */
	const char *status;         /* queued, running, done, failed, cancelled */
	const char *stage;          /* may be NULL */
	int percent;                /* 0..100 */
	const char *message;        /* Korean, may be NULL */
};

/* The JSON message of p (a heap string the caller frees), or NULL on no memory. */
char *progress_json(const struct progress *p);

/* Record p in Redis. 0, or -1 with the reason in err. */
int progress_store(struct rds_conn *rc, const struct progress *p, char *err, size_t errlen);

/* Publish p to its channel over the Unix socket at publish_socket. 0, or -1 with
 * the reason in err (nginx down, a status other than 201/202). */
int progress_publish(const char *publish_socket, const struct progress *p, char *err,
    size_t errlen);

#endif
