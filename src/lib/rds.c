/* rds.c — lazily reconnected Redis connections, one per role. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/time.h>

#include "lib/rds.h"
#include "lib/strnum.h"

int rds_init(struct rds_conn *r, const char *role, const char *endpoint, int timeout_ms)
{
	const char *colon;
	long long port;

	memset(r, 0, sizeof(*r));
	r->role = role;
	r->timeout_ms = timeout_ms;
	if (strncmp(endpoint, "unix:", 5) == 0) {
		if (endpoint[5] != '/') {
			snprintf(r->err, sizeof(r->err), "redis.%s: unix socket path must be absolute", role);
			return -1;
		}
		r->path = strdup(endpoint + 5);
		return r->path ? 0 : -1;
	}
	colon = strrchr(endpoint, ':');
	if (colon == NULL || colon == endpoint ||
	    strnum_parse(colon + 1, 10, 1, 65535, &port) == -1) {
		snprintf(r->err, sizeof(r->err), "redis.%s: \"%.100s\" is not host:port or unix:/path",
		    role, endpoint);
		return -1;
	}
	r->host = strndup(endpoint, (size_t)(colon - endpoint));
	r->port = (int)port;
	return r->host ? 0 : -1;
}

static void drop(struct rds_conn *r, const char *what)
{
	if (r->ctx != NULL) {
		snprintf(r->err, sizeof(r->err), "redis %s: %s: %s", r->role, what,
		    r->ctx->errstr[0] ? r->ctx->errstr : "connection lost");
		redisFree(r->ctx);
		r->ctx = NULL;
	}
}

/* An idle connection has nothing to read: if it is readable, the server
 * closed it (a restart) or broke the protocol. Checked before each use, so a
 * command is never sent twice and never sent into a dead connection. */
static int idle_ok(const struct rds_conn *r)
{
	struct pollfd p = { .fd = r->ctx->fd, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

int rds_connect(struct rds_conn *r)
{
	struct timeval tv = { r->timeout_ms / 1000, (r->timeout_ms % 1000) * 1000 };

	if (r->ctx != NULL) {
		if (idle_ok(r))
			return 0;
		redisFree(r->ctx);
		r->ctx = NULL;
	}
	r->ctx = r->path ? redisConnectUnixWithTimeout(r->path, tv)
	                 : redisConnectWithTimeout(r->host, r->port, tv);
	if (r->ctx == NULL) {
		snprintf(r->err, sizeof(r->err), "redis %s: out of memory", r->role);
		return -1;
	}
	if (r->ctx->err) {
		drop(r, "connect");
		return -1;
	}
	if (redisSetTimeout(r->ctx, tv) != REDIS_OK) {
		drop(r, "set timeout");
		return -1;
	}
	return 0;
}

redisReply *rds_command(struct rds_conn *r, const char *fmt, ...)
{
	va_list ap;
	void *reply;

	if (rds_connect(r) == -1)
		return NULL;
	va_start(ap, fmt);
	reply = redisvCommand(r->ctx, fmt, ap);
	va_end(ap);
	if (reply == NULL)
		drop(r, "command");
	return reply;
}

redisReply *rds_command_argv(struct rds_conn *r, int argc, const char **argv, const size_t *lens)
{
	void *reply;

	if (rds_connect(r) == -1)
		return NULL;
	reply = redisCommandArgv(r->ctx, argc, argv, lens);
	if (reply == NULL)
		drop(r, "command");
	return reply;
}

static int script_load(struct rds_conn *r, struct rds_script *s)
{
	redisReply *reply = rds_command(r, "SCRIPT LOAD %s", s->src);
	int rc = -1;

	if (reply == NULL)
		return -1;
	if (reply->type == REDIS_REPLY_STRING && reply->len == 40) {
		memcpy(s->sha, reply->str, 41);
		rc = 0;
	} else {
		snprintf(r->err, sizeof(r->err), "redis %s: SCRIPT LOAD failed: %.200s", r->role,
		    reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
	}
	freeReplyObject(reply);
	return rc;
}

redisReply *rds_eval(struct rds_conn *r, struct rds_script *s, int nkeys, int nargs,
    const char *const *args, const size_t *lens)
{
	const char *argv[RDS_EVAL_MAXARGS + 3];
	size_t argl[RDS_EVAL_MAXARGS + 3];
	char nk[16];
	redisReply *reply;

	if (nargs > RDS_EVAL_MAXARGS || nkeys > nargs) {
		snprintf(r->err, sizeof(r->err), "redis %s: too many script arguments", r->role);
		return NULL;
	}
	snprintf(nk, sizeof(nk), "%d", nkeys);
	argv[0] = "EVALSHA";
	argv[2] = nk;
	for (int i = 0; i < nargs; i++) {
		argv[3 + i] = args[i];
		argl[3 + i] = lens != NULL ? lens[i] : strlen(args[i]);
	}
	argl[0] = 7;
	argl[2] = strlen(nk);
	for (int attempt = 0; attempt < 2; attempt++) {
		if (s->sha[0] == '\0' && script_load(r, s) == -1)
			return NULL;
		argv[1] = s->sha;
		argl[1] = 40;
		reply = rds_command_argv(r, nargs + 3, argv, argl);
		if (reply == NULL || reply->type != REDIS_REPLY_ERROR ||
		    strncmp(reply->str, "NOSCRIPT", 8) != 0)
			return reply;
		freeReplyObject(reply);
		s->sha[0] = '\0';      /* the server restarted or flushed its scripts */
	}
	snprintf(r->err, sizeof(r->err), "redis %s: script not found after loading", r->role);
	return NULL;
}

int rds_ping(struct rds_conn *r, int timeout_ms)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	struct timeval normal = { r->timeout_ms / 1000, (r->timeout_ms % 1000) * 1000 };
	redisReply *reply;
	int rc = -1;

	if (rds_connect(r) == -1)
		return -1;
	redisSetTimeout(r->ctx, tv);
	reply = rds_command(r, "PING");
	if (r->ctx != NULL)
		redisSetTimeout(r->ctx, normal);

	if (reply == NULL)
		return -1;
	if (reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "PONG") == 0)
		rc = 0;
	else
		snprintf(r->err, sizeof(r->err), "redis %s: unexpected PING reply", r->role);
	freeReplyObject(reply);
	return rc;
}

void rds_close(struct rds_conn *r)
{
	if (r->ctx != NULL)
		redisFree(r->ctx);
	free(r->host);
	free(r->path);
	r->ctx = NULL;
	r->host = r->path = NULL;
}
