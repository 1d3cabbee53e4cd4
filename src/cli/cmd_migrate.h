/* cmd_migrate.h — `revlens migrate`: apply SQL migrations and MongoDB index specs. */
#ifndef REVLENS_CMD_MIGRATE_H
#define REVLENS_CMD_MIGRATE_H

#include "lib/config.h"

/* revlens -c CONF migrate [--sql-dir DIR] [--mongo-dir DIR] [--dry-run]
 * argv[0] is "migrate". Applies every pending sql/NNN_name.sql in version order, each
 * in its own transaction, then creates the indexes of every mongo-indexes/<coll>.json.
 * Returns the process exit status: 0 done (or nothing pending), 1 a migration or a
 * database failed, 2 usage error or unreadable/malformed migration files. */
int cmd_migrate(const struct config *cfg, int argc, char **argv);

#endif
