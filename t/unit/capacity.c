/* t/unit/capacity.c — the projection of revlens stats: days until a disk is full. */
#include "lib/capacity.h"
#include "tap.h"

int main(void)
{
	const long long gib = 1024LL * 1024 * 1024;

	is_int(capacity_days_to_full(100 * gib, (double)gib), 100, "100 GiB free at 1 GiB a day: 100 days");
	ok(capacity_days_to_full(100 * gib, 3.0 * gib) == 33, "100 GiB at 3 GiB a day: 33 days (whole days, rounded down)");
	ok(capacity_days_to_full(1000, 1000.5) == 0, "less than a day's growth left: 0 days");
	ok(capacity_days_to_full(0, 10) == 0, "a full disk: 0 days");
	ok(capacity_days_to_full(100 * gib, 0) == -1, "no growth: never (-1)");
	ok(capacity_days_to_full(100 * gib, -5.0) == -1, "shrinking: never (-1)");
	ok(capacity_days_to_full(4LL * 1024 * gib, 512.0 * 1024 * 1024) == 8192,
	    "4 TiB at 512 MiB a day: 8192 days");
	return tap_done();
}
