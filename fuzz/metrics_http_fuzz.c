/* metrics_http_fuzz.c — libFuzzer harness: mh_parse() (src/worker/metrics_http.c) on
 * arbitrary bytes, what revlens-worker's metrics endpoint reads from a client. It
 * must answer one of its statuses, want more bytes only below MH_HEAD_MAX, give 200
 * only for GET or HEAD /metrics, and never change its mind once it has decided
 * (more bytes after a decision give the same answer). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "worker/metrics_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	int head = -1, head2 = -1;
	int r = mh_parse(buf, size, &head), r2;

	if (r != MH_MORE && r != 200 && r != 400 && r != 404 && r != 405 && r != 431)
		abort();
	if (head != 0 && head != 1)
		abort();
	if (r == MH_MORE && size >= MH_HEAD_MAX)
		abort();
	if (r == 200 || r == 404) {
		if (head ? size < 5 || memcmp(buf, "HEAD ", 5) != 0 : size < 4 || memcmp(buf, "GET ", 4) != 0)
			abort();
	}
	if (r == 200) {
		const char *p = buf + (head ? 5 : 4);
		if ((size_t)(p - buf) + 9 > size || memcmp(p, "/metrics", 8) != 0 || (p[8] != ' ' && p[8] != '?'))
			abort();
	}
	if (size > 0) {
		r2 = mh_parse(buf, size - 1, &head2);
		if (r2 != MH_MORE && (r2 != r || head2 != head))
			abort();
	}
	return 0;
}
