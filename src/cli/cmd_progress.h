/* cmd_progress.h — `revlens progress-demo`: walk a request through its stages. */
#ifndef REVLENS_CMD_PROGRESS_H
#define REVLENS_CMD_PROGRESS_H

#include "lib/config.h"

/* revlens -c CONF progress-demo [--step-ms N] REQUEST_ID
 * Advances a queued or running request through collect, analyze and save to done,
 * writing each step to PostgreSQL and publishing it as the worker will (Redis and
 * nchan), N ms apart (default 700). It stands in for the worker until it exists, and
 * drives the live-progress tests. Exit: 0 done, 1 failed, 2 usage. */
int cmd_progress_demo(const struct config *cfg, int argc, char **argv);

#endif
