/* progress.c — latest progress in Redis, and its publication to nchan over HTTP on a Unix socket. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/progress.h"

char *progress_json(const struct progress *p)
{
	json_object *o = json_object_new_object();
	char *s;

	json_object_object_add(o, "id", json_object_new_int64(p->id));
	json_object_object_add(o, "status", json_object_new_string(p->status));
	json_object_object_add(o, "stage", p->stage ? json_object_new_string(p->stage) : NULL);
	json_object_object_add(o, "percent", json_object_new_int(p->percent));
	json_object_object_add(o, "message", p->message ? json_object_new_string(p->message) : NULL);
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

int progress_store(struct rds_conn *rc, const struct progress *p, char *err, size_t errlen)
{
	char key[48], pct[16], at[24], ttl[16];
	const char *argv[] = { "HSET", key, "status", p->status, "stage", p->stage ? p->stage : "",
		"percent", pct, "message", p->message ? p->message : "", "at", at };
	const char *exp[] = { "EXPIRE", key, ttl };
	redisReply *rep;
	int ok;

	snprintf(key, sizeof(key), "progress:%lld", p->id);
	snprintf(pct, sizeof(pct), "%d", p->percent);
	snprintf(at, sizeof(at), "%lld", (long long)time(NULL));
	snprintf(ttl, sizeof(ttl), "%d", PROGRESS_TTL);
	rep = rds_command_argv(rc, (int)(sizeof(argv) / sizeof(argv[0])), argv, NULL);
	ok = rep != NULL && rep->type == REDIS_REPLY_INTEGER;
	if (rep != NULL)
		freeReplyObject(rep);
	if (ok) {
		rep = rds_command_argv(rc, 3, exp, NULL);
		ok = rep != NULL && rep->type == REDIS_REPLY_INTEGER;
		if (rep != NULL)
			freeReplyObject(rep);
	}
	if (!ok)
		snprintf(err, errlen, "progress of request %lld: %s", p->id, rc->err[0] ? rc->err : "unexpected reply");
	return ok ? 0 : -1;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t got = send(fd, p, len, MSG_NOSIGNAL);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (got == 0)
				errno = EPIPE;
			return -1;
		}
		p += got;
		len -= (size_t)got;
	}
	return 0;
}

int progress_publish(const char *publish_socket, const struct progress *p, char *err,
    size_t errlen)
{
	struct sockaddr_un sa;
	struct timeval tv = { PROGRESS_TIMEOUT_MS / 1000, (PROGRESS_TIMEOUT_MS % 1000) * 1000 };
	char head[256], reply[64];
	char *body = progress_json(p);
	int fd = -1, rc = -1, n;
	size_t len, off;
	ssize_t got = 0;

	if (body == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(publish_socket) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "nchan.publish_socket: path too long");
		goto out;
	}
	strcpy(sa.sun_path, publish_socket);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		snprintf(err, errlen, "nchan publisher %s: %s", publish_socket, strerror(errno));
		goto out;
	}
	len = strlen(body);
	n = snprintf(head, sizeof(head), "POST /pub/request-%lld HTTP/1.0\r\nHost: localhost\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", p->id, len);
	/* send(MSG_NOSIGNAL): nginx closing on us must not kill the process with SIGPIPE */
	if (send_all(fd, head, (size_t)n) == -1 || send_all(fd, body, len) == -1)
		goto io;
	/* the status line is all we need: "HTTP/1.1 201 Created" */
	for (off = 0; off < sizeof(reply) - 1; off += (size_t)got) {
		got = read(fd, reply + off, sizeof(reply) - 1 - off);
		if (got == -1 && errno == EINTR) {
			got = 0;
			continue;
		}
		if (got <= 0)
			break;
	}
	reply[off] = '\0';
	if (off < 12 || strncmp(reply, "HTTP/1.", 7) != 0) {
		snprintf(err, errlen, "nchan publisher: no HTTP answer");
		goto out;
	}
	if (strncmp(reply + 9, "201", 3) != 0 && strncmp(reply + 9, "202", 3) != 0) {
		snprintf(err, errlen, "nchan publisher answered %.3s", reply + 9);
		goto out;
	}
	rc = 0;
	goto out;
io:
	snprintf(err, errlen, "nchan publisher: %s", strerror(errno));
out:
	if (fd != -1)
		close(fd);
	free(body);
	return rc;
}
