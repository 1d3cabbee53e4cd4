/* cmd_stats.h — `revlens stats`: how big the stores are, how fast they grow, when the
 * disk fills, and which statements cost the most (docs/capacity.md). */
#ifndef REVLENS_CMD_STATS_H
#define REVLENS_CMD_STATS_H

#include "lib/config.h"

/* revlens -c CONF stats [--json]
 *   every PostgreSQL table (rows, exact or estimated; bytes with indexes and TOAST),
 *   every MongoDB collection (documents, bytes and where they come from), Redis memory
 *   and keys per server with the roles on it, the growth per day from the daily samples
 *   (capacity_samples) and, per disk of stats.*_path, the free space and the days until
 *   it is full at that growth.
 * revlens -c CONF stats queries [--limit N] [--json]
 *   the N (1..1000, default 20) statements of this database with the most total time in
 *   pg_stat_statements: calls, total and mean ms, rows, the normalised text.
 * revlens -c CONF stats record
 *   measure now and store it as today's sample (replacing one taken earlier today).
 * Exit 0 done, 1 a store could not be measured or read (what could be, is printed, with
 * the reason), 2 usage. */
int cmd_stats(const struct config *cfg, int argc, char **argv);

#endif
