/* cmd_user.h — `revlens user`: create an account, change an account's role. */
#ifndef REVLENS_CMD_USER_H
#define REVLENS_CMD_USER_H

#include "lib/config.h"

/* revlens -c CONF user add [--admin] [--name NICKNAME] EMAIL   (password on stdin)
 * revlens -c CONF user set-role EMAIL admin|user
 * argv[0] is "user". Applies the web sign-up's rules (lib/account.h) and writes to
 * PostgreSQL. Returns the process exit status: 0 done, 1 the command failed (database
 * unreachable, e-mail already registered, no such user), 2 usage error or input that
 * breaks an account rule. The password is never taken from an argument. */
int cmd_user(const struct config *cfg, int argc, char **argv);

#endif
