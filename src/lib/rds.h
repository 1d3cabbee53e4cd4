/* rds.h — one lazily (re)connected hiredis connection per Redis role.
 *
 * Endpoints are "host:port" or "unix:/path". A connection that reports an I/O
 * or protocol error is closed and the next call reconnects; an idle connection
 * the server has closed is noticed before use and reopened, so a restarted
 * Redis is picked up without a failed command and without sending one twice. Commands use hiredis'
 * argv form or its printf-like format, never strings spliced by hand.
 */
#ifndef REVLENS_RDS_H
#define REVLENS_RDS_H

#include <hiredis/hiredis.h>

struct rds_conn {
	redisContext *ctx;
	const char *role;       /* "sessions", "cache", "queue", "pubsub" (static) */
	char *host;             /* owned; NULL for a Unix socket */
	char *path;             /* owned; NULL for TCP */
	int port;
	int timeout_ms;         /* connect and command timeout */
	char err[256];          /* last error, one line */
};

/* Parse endpoint; no I/O. Returns -1 with err set on a malformed endpoint. */
int rds_init(struct rds_conn *r, const char *role, const char *endpoint, int timeout_ms);
int rds_connect(struct rds_conn *r);
/* Run a command; returns the reply (caller frees with freeReplyObject) or NULL
 * with r->err set. A REDIS_REPLY_ERROR reply is returned, not treated as I/O failure. */
redisReply *rds_command(struct rds_conn *r, const char *fmt, ...);
redisReply *rds_command_argv(struct rds_conn *r, int argc, const char **argv, const size_t *lens);
/* A Lua script run by its SHA-1 (one round trip); the first use on a server,
 * and the first after a server lost its script cache (NOSCRIPT), loads it. */
#define RDS_EVAL_MAXARGS 64
struct rds_script {
	const char *src;        /* static Lua source */
	char sha[41];           /* hex SHA-1 from SCRIPT LOAD, "" until loaded */
};
/* EVALSHA s with nkeys keys followed by the other arguments: args[0..nargs).
 * lens may be NULL (strlen). Returns the reply as rds_command() does. */
redisReply *rds_eval(struct rds_conn *r, struct rds_script *s, int nkeys, int nargs,
    const char *const *args, const size_t *lens);
/* PING with its own reply timeout (ms); 0 when the server answered PONG. */
int rds_ping(struct rds_conn *r, int timeout_ms);
void rds_close(struct rds_conn *r);

#endif
