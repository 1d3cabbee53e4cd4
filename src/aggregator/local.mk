# src/aggregator/local.mk — revlens-aggregator, the nightly rollups (docs/aggregator.md),
# and its tests.
#
# The run (aggregator_main.c), the Redis lock (lock.c), the plan (plan.c), the chunks
# and products rolled up (chunk.c), the documents (rollup.c) and the zone's days
# (period.c). A day's reviews are counted with the worker's summary aggregate
# (src/worker/agg.c), so the keyword counts agree with an analysis.
bin_PROGRAMS += revlens-aggregator
revlens_aggregator_SOURCES = src/aggregator/aggregator_main.c src/aggregator/aggregator.h \
	src/aggregator/lock.c src/aggregator/lock.h \
	src/aggregator/plan.c \
	src/aggregator/chunk.c \
	src/aggregator/rollup.c src/aggregator/rollup.h \
	src/aggregator/period.c src/aggregator/period.h \
	src/worker/agg.c src/worker/agg.h
revlens_aggregator_LDADD = librevlens.a $(REVLENS_LIBS)

# Tests: days and months in a zone, and the documents, in C; the runs end to end
# against a real stack.
check_PROGRAMS += t/unit/aggregator_period t/unit/aggregator_rollup
t_unit_aggregator_period_SOURCES = t/unit/aggregator_period.c src/aggregator/period.c src/aggregator/period.h
t_unit_aggregator_period_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/t
t_unit_aggregator_period_LDADD = librevlens.a $(REVLENS_LIBS)
t_unit_aggregator_rollup_SOURCES = t/unit/aggregator_rollup.c src/aggregator/rollup.c src/aggregator/rollup.h \
	src/worker/agg.c src/worker/agg.h
t_unit_aggregator_rollup_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/t
t_unit_aggregator_rollup_LDADD = librevlens.a $(REVLENS_LIBS)
# t/integ/aggregator.t stages MongoDB documents with a helper (no driver in Perl)
check_PROGRAMS += t/unit/aggregator_probe
t_unit_aggregator_probe_SOURCES = t/unit/aggregator_probe.c
t_unit_aggregator_probe_LDADD = librevlens.a $(REVLENS_LIBS)
TESTS += t/unit/aggregator_period t/unit/aggregator_rollup t/integ/aggregator.t
EXTRA_DIST += t/integ/aggregator.t docs/aggregator.md bench/aggregator.sh \
	etc/systemd/revlens-aggregator.service.in etc/systemd/revlens-aggregator.timer.in etc/cron.d/revlens-aggregator.in
