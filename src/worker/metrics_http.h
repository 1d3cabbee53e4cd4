/* metrics_http.h — the one request revlens-worker's metrics endpoint understands.
 *
 * A pure parser of the bytes a client sent (no I/O), so it can be fuzzed
 * (fuzz/metrics_http_fuzz.c): the request line must be METHOD SP /TARGET SP
 * HTTP/1.0 or HTTP/1.1, each header line "name: value", all of it within
 * MH_HEAD_MAX bytes and ending with an empty line (CRLF or bare LF). A request
 * line that is already malformed is refused before the rest arrives.
 */
#ifndef REVLENS_WORKER_METRICS_HTTP_H
#define REVLENS_WORKER_METRICS_HTTP_H

#include <stddef.h>

#define MH_HEAD_MAX 4096        /* bytes of request line and headers; 431 above */
#define MH_MORE     0           /* the head is not complete yet */

/* The status to answer buf[0..len) with: 200 (GET or HEAD /metrics, with or
 * without a query), 404 (another path), 405 (another method), 400 (malformed),
 * 431 (no end of the head within MH_HEAD_MAX bytes), or MH_MORE. *head is set to
 * 1 for HEAD (headers only), else 0. */
int mh_parse(const char *buf, size_t len, int *head);

#endif
