/* bench/subscribers.c — hold N live-progress subscribers on nginx (nchan) and count
 * how many of them receive a published message.
 *
 * usage: subscribers PORT PATH COOKIE N WAIT_SECONDS
 * Opens N EventSource connections to 127.0.0.1:PORT PATH (with the session cookie),
 * waits until each has its response headers (200 = subscribed), prints
 * "subscribed OK of N in T s" and "ready", then waits up to WAIT_SECONDS for an event
 * on every connection and prints "received K of OK". A benchmark helper: no test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn { int fd, state; };   /* state: 0 connecting/headers, 1 subscribed, 2 got event, -1 failed */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	struct epoll_event ev, evs[256];
	struct sockaddr_in sa;
	struct conn *c;
	char req[2048], buf[4096];
	int n, port, ep, ok = 0, got = 0, done = 0, wait_s;
	double t0, deadline;

	if (argc != 6) {
		fprintf(stderr, "usage: subscribers PORT PATH COOKIE N WAIT_SECONDS\n");
		return 2;
	}
	port = atoi(argv[1]);
	n = atoi(argv[4]);
	wait_s = atoi(argv[5]);
	rl.rlim_cur = rl.rlim_max = (rlim_t)n + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		perror("setrlimit");
	c = calloc((size_t)n, sizeof(*c));
	ep = epoll_create1(0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: text/event-stream\r\n"
	    "Cookie: %s\r\n\r\n", argv[2], port, argv[3]);
	t0 = now();
	for (int i = 0; i < n; i++) {
		c[i].fd = socket(AF_INET, SOCK_STREAM, 0);
		if (c[i].fd == -1 || connect(c[i].fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
		    write(c[i].fd, req, strlen(req)) != (ssize_t)strlen(req)) {
			c[i].state = -1;
			done++;
			continue;
		}
		fcntl(c[i].fd, F_SETFL, O_NONBLOCK);
		ev.events = EPOLLIN;
		ev.data.u32 = (unsigned)i;
		epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
	}
	deadline = now() + 60;
	while (done < n && now() < deadline) {
		int k = epoll_wait(ep, evs, 256, 500);
		for (int j = 0; j < k; j++) {
			struct conn *x = &c[evs[j].data.u32];
			ssize_t r = read(x->fd, buf, sizeof(buf) - 1);
			if (r <= 0) {
				if (r == -1 && errno == EAGAIN)
					continue;
				if (x->state == 0)
					done++;
				x->state = -1;
				epoll_ctl(ep, EPOLL_CTL_DEL, x->fd, NULL);
				continue;
			}
			buf[r] = '\0';
			if (x->state == 0) {
				x->state = strncmp(buf, "HTTP/1.1 200", 12) == 0 ? 1 : -1;
				ok += x->state == 1;
				done++;
			}
		}
	}
	printf("subscribed %d of %d in %.1f s\nready\n", ok, n, now() - t0);
	fflush(stdout);
	deadline = now() + wait_s;
	while (got < ok && now() < deadline) {
		int k = epoll_wait(ep, evs, 256, 500);
		for (int j = 0; j < k; j++) {
			struct conn *x = &c[evs[j].data.u32];
			ssize_t r = read(x->fd, buf, sizeof(buf) - 1);
			if (r <= 0)
				continue;
			buf[r] = '\0';
			if (x->state == 1 && strstr(buf, "data:") != NULL) {
				x->state = 2;
				got++;
			}
		}
	}
	printf("received %d of %d\n", got, ok);
	return 0;
}
