/* jobs.h — the names of the analysis job streams on the queue role (docs/worker.md):
 * revlens-web queues, revlens-worker consumes in its group, `revlens jobs` and the
 * aggregator's retention read them. One definition for all of them. */
#ifndef REVLENS_JOBS_H
#define REVLENS_JOBS_H

#define JOBS_STREAM "revlens:jobs"          /* the analysis jobs */
#define JOBS_GROUP  "workers"               /* revlens-worker's consumer group */
#define JOBS_DEAD   "revlens:jobs:dead"     /* jobs that failed for good */

#endif
