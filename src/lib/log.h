/* log.h — one-line log records to a file or standard error.
 *
 * Records are "2026-11-26T12:00:00Z LEVEL [pid] message\n", written with one
 * write(2) so lines from pre-forked workers sharing the file never interleave.
 * Untrusted bytes go through log_safe() first.
 */
#ifndef REVLENS_LOG_H
#define REVLENS_LOG_H

#include <stddef.h>

#include "lib/config.h"

/* Open path ("-" = stderr) in append mode; replaces a previous target. */
int log_open(const char *path, int level);
void log_close(void);
/* Call in a forked child: records are tagged with the new PID. */
void log_after_fork(void);
/* 1 when records of level are written (skip building costly messages). */
int log_enabled(int level);

__attribute__((format(printf, 2, 3)))
void log_msg(int level, const char *fmt, ...);

#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

/* Copy untrusted s into out (outlen bytes, NUL-terminated): well-formed UTF-8
 * is kept, control characters (C0, DEL, C1) and malformed bytes become '?',
 * and a cut is marked with "...". Returns out. */
char *log_safe(char *out, size_t outlen, const char *s, size_t len);

#endif
