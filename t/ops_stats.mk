# Tests of issue 14 (operations): stats — slow-query logs, revlens stats, the daily
# capacity sample (docs/capacity.md).
check_PROGRAMS += t/unit/capacity
TESTS += t/unit/capacity
t_unit_capacity_SOURCES = t/unit/capacity.c t/tap.h
t_unit_capacity_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/t
t_unit_capacity_LDADD = librevlens.a $(REVLENS_LIBS)

# Helper run by t/integ/stats.t against the stack's MongoDB (not a test itself).
check_PROGRAMS += t/unit/stats_probe
t_unit_stats_probe_SOURCES = t/unit/stats_probe.c
t_unit_stats_probe_LDADD = librevlens.a $(REVLENS_LIBS)

TESTS += t/integ/stats.t
EXTRA_DIST += t/integ/stats.t
EXTRA_DIST += docs/capacity.md
