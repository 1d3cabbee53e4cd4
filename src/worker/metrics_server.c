/* metrics_server.c — GET /metrics for revlens-worker's master (metrics_server.h).
 *
 * The answer is built whole before the first byte is written (a few KB), then
 * written as the socket takes it. After the answer the write side is shut and what
 * the client sent beyond its head is read away, so closing does not reset the
 * connection under a client still reading.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/strnum.h"
#include "worker/metrics_server.h"

void msrv_init(struct msrv *s)
{
	memset(s, 0, sizeof(*s));
	s->lfd = s->cfd = -1;
}

int msrv_open(struct msrv *s, const char *spec, char *err, size_t errlen)
{
	const char *colon = strrchr(spec, ':');
	char host[64];
	long long port;
	size_t hl;
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	msrv_init(s);
	if (spec[0] == '\0')
		return 0;
	memset(&ss, 0, sizeof(ss));
	if (colon == NULL || (hl = (size_t)(colon - spec)) == 0 || hl >= sizeof(host) ||
	    strnum_parse(colon + 1, 10, 1, 65535, &port) == -1) {
		snprintf(err, errlen, "worker.metrics_listen \"%s\" is not HOST:PORT", spec);
		return -1;
	}
	memcpy(host, spec, hl);
	host[hl] = '\0';
	if (host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		host[hl - 1] = '\0';
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1 || !IN6_IS_ADDR_LOOPBACK(&a->sin6_addr))
			goto not_loopback;
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (strcmp(host, "localhost") == 0)
			a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		else if (inet_pton(AF_INET, host, &a->sin_addr) != 1 || (ntohl(a->sin_addr.s_addr) >> 24) != 127)
			goto not_loopback;
		sl = sizeof(*a);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "worker.metrics_listen %s: socket: %s", spec, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1 || listen(fd, 16) == -1) {
		snprintf(err, errlen, "worker.metrics_listen %s: %s (is another revlens-worker running, "
		    "or is the port taken? choose another port)", spec, strerror(errno));
		close(fd);
		return -1;
	}
	s->lfd = fd;
	snprintf(s->spec, sizeof(s->spec), "%s", spec);
	return 0;
not_loopback:
	snprintf(err, errlen, "worker.metrics_listen \"%s\" is not a loopback address", spec);
	return -1;
}

static void end_conn(struct msrv *s)
{
	if (s->cfd != -1) {
		char drain[4096];
		shutdown(s->cfd, SHUT_WR);
		for (int i = 0; i < 16 && read(s->cfd, drain, sizeof(drain)) > 0; i++)
			;
		close(s->cfd);
	}
	s->cfd = -1;
	free(s->out);
	s->out = NULL;
	s->inlen = s->outlen = s->outoff = 0;
}

void msrv_close(struct msrv *s)
{
	if (s->cfd != -1)
		close(s->cfd);
	s->cfd = -1;
	free(s->out);
	s->out = NULL;
	if (s->lfd != -1)
		close(s->lfd);
	s->lfd = -1;
}

int msrv_fds(struct msrv *s, fd_set *rd, fd_set *wr, int64_t now_ms, long *timeout_ms)
{
	if (s->cfd != -1) {
		long left = s->deadline_ms > now_ms ? (long)(s->deadline_ms - now_ms) : 0;
		if (left < *timeout_ms)
			*timeout_ms = left;
		FD_SET(s->cfd, s->out != NULL ? wr : rd);
		return s->cfd;
	}
	if (s->lfd != -1) {
		FD_SET(s->lfd, rd);
		return s->lfd;
	}
	return -1;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	default: return "Service Unavailable";
	}
}

/* The whole answer for status into s->out. */
static void answer(struct msrv *s, int status, int head, msrv_render_fn render, void *arg)
{
	char *body = NULL;
	size_t blen = 0;
	FILE *f;
	const char *type = "text/plain; charset=utf-8", *msg = NULL;

	if (status == 200) {
		int rc = -1;
		if ((f = open_memstream(&body, &blen)) != NULL) {
			rc = render(arg, f);
			if (fclose(f) != 0)
				rc = -1;
		}
		if (rc == -1) {
			status = 503;
			log_error("metrics: the answer could not be made (out of memory?)");
		} else {
			type = "text/plain; version=0.0.4; charset=utf-8";
		}
	}
	if (status == 404)
		msg = "없는 경로입니다. 지표는 GET /metrics 에 있습니다.\n";
	else if (status == 405)
		msg = "GET 또는 HEAD 요청만 받습니다. GET /metrics 로 요청해 주세요.\n";
	else if (status == 400)
		msg = "잘못된 HTTP 요청입니다. GET /metrics HTTP/1.1 형식으로 요청해 주세요.\n";
	else if (status == 431)
		msg = "요청 헤더가 너무 깁니다. 헤더를 줄여 다시 요청해 주세요.\n";
	else if (status == 503)
		msg = "지금은 지표를 만들 수 없습니다. 잠시 후 다시 요청해 주세요.\n";
	if (msg != NULL) {
		free(body);
		body = strdup(msg);
		blen = body != NULL ? strlen(body) : 0;
	}
	s->outlen = 0;
	s->outoff = 0;
	if ((s->out = malloc(256 + blen)) == NULL) {
		free(body);
		end_conn(s);
		return;
	}
	s->outlen = (size_t)snprintf(s->out, 256, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "%sCache-Control: no-store\r\nConnection: close\r\n\r\n", status, reason(status), type, blen,
	    status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (!head && body != NULL) {
		memcpy(s->out + s->outlen, body, blen);
		s->outlen += blen;
	}
	free(body);
}

void msrv_step(struct msrv *s, const fd_set *rd, const fd_set *wr, int64_t now_ms,
    msrv_render_fn render, void *arg)
{
	ssize_t n;

	if (s->cfd == -1) {
		if (s->lfd == -1 || !FD_ISSET(s->lfd, rd))
			return;
		if ((s->cfd = accept(s->lfd, NULL, NULL)) == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
				log_warn("metrics: accept: %s", strerror(errno));
			return;
		}
		if (fcntl(s->cfd, F_SETFL, O_NONBLOCK) == -1 || fcntl(s->cfd, F_SETFD, FD_CLOEXEC) == -1) {
			log_warn("metrics: fcntl: %s", strerror(errno));
			close(s->cfd);
			s->cfd = -1;
			return;
		}
		s->deadline_ms = now_ms + MS_TIMEOUT_MS;
		s->inlen = 0;
		return;         /* read when pselect says so */
	}
	if (now_ms >= s->deadline_ms) {
		end_conn(s);
		return;
	}
	if (s->out == NULL && FD_ISSET(s->cfd, rd)) {
		int head = 0, status;
		n = read(s->cfd, s->in + s->inlen, sizeof(s->in) - s->inlen);
		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
			end_conn(s);
			return;
		}
		if (n > 0)
			s->inlen += (size_t)n;
		if ((status = mh_parse(s->in, s->inlen, &head)) == MH_MORE)
			return;
		answer(s, status, head, render, arg);
		return;         /* write when pselect says so */
	}
	if (s->out != NULL && FD_ISSET(s->cfd, wr)) {
		n = send(s->cfd, s->out + s->outoff, s->outlen - s->outoff, MSG_NOSIGNAL);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n > 0)
			s->outoff += (size_t)n;
		if (n <= 0 || s->outoff >= s->outlen)
			end_conn(s);
	}
}
