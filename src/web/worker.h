/* worker.h — the body of one pre-forked revlens-web worker. */
#ifndef REVLENS_WORKER_H
#define REVLENS_WORKER_H

#include "lib/config.h"
#include "web/scoreboard.h"

/* Run the accept loop on listen_fd until QUIT/HUP (drain) or TERM (immediate).
 * Writes one byte to ready_fd once it can accept. Returns the exit status. */
int worker_main(const struct config *cfg, int listen_fd, int ready_fd, struct scoreboard *sb,
    int slot);

#endif
