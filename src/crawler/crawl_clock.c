/* crawl_clock.c — monotonic time, stoppable sleeps, jittered back-off. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "crawler/crawl_clock.h"

#define SLICE_MS 100   /* how often a sleep looks at the stop flag */

long long clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int clock_sleep_ms(long long ms, const volatile sig_atomic_t *stop)
{
	long long end = clock_now_ms() + ms, left;

	while ((left = end - clock_now_ms()) > 0) {
		long long step = stop != NULL && left > SLICE_MS ? SLICE_MS : left;
		struct timespec ts = { (time_t)(step / 1000), (long)(step % 1000) * 1000000 };

		if (stop != NULL && *stop)
			return -1;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			if (stop != NULL && *stop)
				return -1;
	}
	return stop != NULL && *stop ? -1 : 0;
}

long long clock_backoff_ms(int base_ms, int n, long long cap_ms)
{
	long long b = base_ms;

	for (int i = 0; i < n && b < cap_ms; i++)
		b *= 2;
	if (b > cap_ms)
		b = cap_ms;
	b += random() % (b / 2 + 1);
	return b > cap_ms ? cap_ms : b;
}
