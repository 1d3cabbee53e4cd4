/* crawl_clock.h — monotonic time and stoppable sleeps for the crawlers. */
#ifndef REVLENS_CRAWL_CLOCK_H
#define REVLENS_CRAWL_CLOCK_H

#include <signal.h>

/* Milliseconds of CLOCK_MONOTONIC. */
long long clock_now_ms(void);

/* Sleep ms; with stop non-NULL, wake early (within 100 ms) once *stop is set.
 * Returns 0 after the full time, -1 when stopped early. */
int clock_sleep_ms(long long ms, const volatile sig_atomic_t *stop);

/* A back-off for attempt n (0, 1, ...): base * 2^n plus up to half of that again at
 * random, capped at cap_ms. */
long long clock_backoff_ms(int base_ms, int n, long long cap_ms);

#endif
