/* nchan.c — publish a message to an nchan channel through nginx's internal publisher
 * (HTTP/1.0 over a Unix socket). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/nchan.h"

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

int nchan_publish(const char *publish_socket, const char *channel, const char *body, char *err,
    size_t errlen)
{
	struct sockaddr_un sa;
	struct timeval tv = { NCHAN_TIMEOUT_MS / 1000, (NCHAN_TIMEOUT_MS % 1000) * 1000 };
	char head[256], reply[64];
	size_t len = strlen(body), off;
	ssize_t got = 0;
	int fd = -1, rc = -1, n;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(publish_socket) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "nchan.publish_socket: path too long");
		return -1;
	}
	strcpy(sa.sun_path, publish_socket);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		snprintf(err, errlen, "nchan publisher %s: %s", publish_socket, strerror(errno));
		goto out;
	}
	n = snprintf(head, sizeof(head), "POST /pub/%s HTTP/1.0\r\nHost: localhost\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", channel, len);
	if (n < 0 || (size_t)n >= sizeof(head)) {
		snprintf(err, errlen, "nchan channel name too long");
		goto out;
	}
	if (send_all(fd, head, (size_t)n) == -1 || send_all(fd, body, len) == -1) {
		snprintf(err, errlen, "nchan publisher: %s", strerror(errno));
		goto out;
	}
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
	if (off < 12 || strncmp(reply, "HTTP/1.", 7) != 0)
		snprintf(err, errlen, "nchan publisher: no HTTP answer");
	else if (strncmp(reply + 9, "201", 3) != 0 && strncmp(reply + 9, "202", 3) != 0)
		snprintf(err, errlen, "nchan publisher answered %.3s", reply + 9);
	else
		rc = 0;
out:
	if (fd != -1)
		close(fd);
	return rc;
}
