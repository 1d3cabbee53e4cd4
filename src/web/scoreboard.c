/* scoreboard.c — the shared master/worker state and request accounting. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "web/scoreboard.h"

const double sb_bucket_le[SB_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0
};

const int sb_status_code[SB_NSTATUS - 1] = { SB_STATUS_CODES };

struct scoreboard *sb_create(void)
{
	void *p = mmap(NULL, sizeof(struct scoreboard), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void sb_destroy(struct scoreboard *sb)
{
	if (sb != NULL)
		munmap(sb, sizeof(*sb));
}

int sb_status_index(int status)
{
	for (int i = 0; i < SB_NSTATUS - 1; i++)
		if (sb_status_code[i] == status)
			return i;
	return SB_NSTATUS - 1;
}

void sb_begin(struct sb_slot *s, const char *method, const char *uri, uint64_t now_ms)
{
	size_t m = strnlen(method, 16), u = strnlen(uri, sizeof(s->current) - m - 2);

	memcpy(s->current, method, m);
	s->current[m] = ' ';
	memcpy(s->current + m + 1, uri, u);
	s->current[m + 1 + u] = '\0';
	__atomic_store_n(&s->started_ms, now_ms, __ATOMIC_RELAXED);
	__atomic_store_n(&s->state, SB_BUSY, __ATOMIC_RELEASE);
}

void sb_end(struct sb_slot *s, int route, int status, uint64_t duration_us)
{
	double secs = (double)duration_us / 1e6;
	int b = 0;

	if (route < 0 || route >= SB_ROUTES)
		route = SB_ROUTES - 1;
	while (b < SB_BUCKETS && secs > sb_bucket_le[b])
		b++;
	__atomic_add_fetch(&s->requests[route][sb_status_index(status)], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&s->hist[route][b], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&s->duration_us[route], duration_us, __ATOMIC_RELAXED);
	__atomic_store_n(&s->started_ms, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->state, SB_IDLE, __ATOMIC_RELEASE);
}
