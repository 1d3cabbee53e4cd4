/* metrics_server.h — the master's GET /metrics endpoint on worker.metrics_listen.
 *
 * Runs inside the master's pselect() loop: nonblocking, one connection at a time
 * (the next waits in the listen backlog), HTTP/1.0 or 1.1 with Connection: close.
 * A connection has MS_TIMEOUT_MS from accept to its last byte written, so a slow
 * or silent client costs the supervision loop nothing but a file descriptor.
 * The body is made by the caller's render function when a 200 is due.
 */
#ifndef REVLENS_WORKER_METRICS_SERVER_H
#define REVLENS_WORKER_METRICS_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/select.h>

#include "worker/metrics_http.h"

#define MS_TIMEOUT_MS 2000      /* one exchange, accept to close */

struct msrv {
	int lfd;                /* listening socket, -1 when none */
	int cfd;                /* the connection being served, -1 when none */
	char spec[128];         /* worker.metrics_listen it listens on */
	char in[MH_HEAD_MAX];
	size_t inlen;
	char *out;              /* the answer (heap), NULL while reading */
	size_t outlen, outoff;
	int64_t deadline_ms;    /* monotonic */
};

/* Writes the body of a 200 to f; 0, or -1 (the client gets 503). */
typedef int (*msrv_render_fn)(void *arg, FILE *f);

void msrv_init(struct msrv *s);
/* Listen on spec (a loopback HOST:PORT as config.c admits; "" listens nowhere).
 * 0, or -1 with err. */
int msrv_open(struct msrv *s, const char *spec, char *err, size_t errlen);
/* Close both sockets and free the answer (also in a forked child, which must not
 * hold the master's port). */
void msrv_close(struct msrv *s);
/* Add the sockets to watch to rd/wr; returns the highest fd (or -1) and lowers
 * *timeout_ms to the connection's deadline. */
int msrv_fds(struct msrv *s, fd_set *rd, fd_set *wr, int64_t now_ms, long *timeout_ms);
/* Accept, read, answer or time out as rd/wr (from pselect) and now allow. */
void msrv_step(struct msrv *s, const fd_set *rd, const fd_set *wr, int64_t now_ms,
    msrv_render_fn render, void *arg);

#endif
