/* cmd_token.h — `revlens token`: ingest tokens of collectors (docs/ingest.md). */
#ifndef REVLENS_CMD_TOKEN_H
#define REVLENS_CMD_TOKEN_H

#include "lib/config.h"

/* revlens -c CONF token create --ingest --user EMAIL [--name NAME] [--days N]
 *                              [--no-create-products]
 * revlens -c CONF token list [--user EMAIL]
 * revlens -c CONF token revoke ID
 * create prints the token alone on the first line of standard output (it is shown
 * only this once) and what it may do on standard error. Exit 0 done, 1 failed (no
 * such user or token, database down), 2 usage. */
int cmd_token(const struct config *cfg, int argc, char **argv);

#endif
