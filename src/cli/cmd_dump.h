/* cmd_dump.h — `revlens dump` (cmd_dump.c) and `revlens restore` (cmd_restore.c):
 * MongoDB backups through the C driver; the format is in dumpfile.h, the operator's
 * side in docs/backup.md, "MongoDB". */
#ifndef REVLENS_CMD_DUMP_H
#define REVLENS_CMD_DUMP_H

#include "lib/config.h"

/* revlens -c CONF dump [--collections a,b,...] [--batch N] DIR
 * argv[0] is "dump". Exit status: 0 done, 1 failed, 2 usage error, 130 interrupted
 * (run the same command again to continue). */
int cmd_dump(const struct config *cfg, int argc, char **argv);

/* revlens -c CONF restore [--drop] [--collections a,b,...] [--no-indexes]
 *     [--sql-dir DIR] [--mongo-dir DIR] [--batch N] DIR
 * argv[0] is "restore". Verifies every file against the manifest before writing
 * anything, then inserts (an existing _id is replaced), then re-creates the indexes
 * through `revlens migrate`. Exit status as for cmd_dump. */
int cmd_restore(const struct config *cfg, int argc, char **argv);

#endif
