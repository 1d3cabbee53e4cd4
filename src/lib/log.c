/* log.c — one-line, one-write log records. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/utf8.h"

static int log_fd = 2;
static int log_min = LOG_LEVEL_INFO;
static pid_t log_pid;           /* cached; log_open() and log_after_fork() refresh it */

static const char *const level_tag[] = { "debug", "info", "warn", "error" };

int log_open(const char *path, int level)
{
	int fd = 2;

	if (path != NULL && strcmp(path, "-") != 0) {
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (fd == -1)
			return -1;
	}
	if (log_fd > 2)
		close(log_fd);
	log_fd = fd;
	log_min = level;
	log_pid = getpid();
	return 0;
}

void log_after_fork(void)
{
	log_pid = getpid();
}

int log_enabled(int level)
{
	return level >= log_min;
}

void log_close(void)
{
	if (log_fd > 2)
		close(log_fd);
	log_fd = 2;
}

void log_msg(int level, const char *fmt, ...)
{
	char line[2048];
	struct tm tm;
	time_t now;
	va_list ap;
	int n, m;

	if (level < log_min)
		return;
	now = time(NULL);
	gmtime_r(&now, &tm);
	n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02dZ %s [%ld] ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    level_tag[level < 0 ? 0 : level > 3 ? 3 : level], (long)(log_pid ? log_pid : getpid()));
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	while (write(log_fd, line, (size_t)n) == -1 && errno == EINTR)
		;
}

char *log_safe(char *out, size_t outlen, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t o = 0, i = 0;

	if (outlen < 4) {           /* no room for even "..." */
		if (outlen)
			out[0] = '\0';
		return out;
	}
	while (i < len) {
		size_t n = utf8_seq_len(u + i, len - i);
		/* controls, DEL, C1 controls (U+0080..U+009F) and malformed bytes become '?' */
		int bad = n == 0 || (n == 1 && (u[i] < 0x20 || u[i] == 0x7f)) ||
		    (n == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0);
		size_t w = bad ? 1 : n;
		if (o + w + 4 > outlen)     /* room for this, "..." and the NUL */
			break;
		if (bad)
			out[o] = '?';
		else
			memcpy(out + o, s + i, n);
		o += w;
		i += w;
	}
	if (i < len) {              /* the loop kept room for it */
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}
