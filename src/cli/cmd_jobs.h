/* cmd_jobs.h — `revlens jobs`: the analysis job queue as an operator sees it
 * (docs/worker.md, "Operations: revlens jobs"). */
#ifndef REVLENS_CMD_JOBS_H
#define REVLENS_CMD_JOBS_H

#include "lib/config.h"

/* revlens -c CONF jobs [--json]
 * revlens -c CONF jobs retry ID      (a request id, or a dead-letter stream id)
 * The listing prints one line per job, queued, running and dead-lettered, joined
 * with the request in PostgreSQL; "no jobs" when there are none. retry puts a
 * failed, dead-lettered request back on the queue. Exit 0 done, 1 failed (with the
 * reason: no such request, not failed, its product busy, a store down), 2 usage. */
int cmd_jobs(const struct config *cfg, int argc, char **argv);

#endif
