# src/worker/local.mk — revlens-worker, the analysis worker (docs/worker.md), and its tests.
#
# The master and its processes (worker_main.c, worker.c), one job's stages (job.c),
# the summary it saves (agg.c), the counters and their endpoint (metrics.c,
# metrics_server.c). The Korean analysis library is in librevlens.a, and so is the
# parser of the metrics request (metrics_http.c), for fuzz/metrics_http_fuzz.c.
librevlens_a_SOURCES += src/worker/metrics_http.c src/worker/metrics_http.h

bin_PROGRAMS += revlens-worker
revlens_worker_SOURCES = src/worker/worker_main.c \
	src/worker/worker.c src/worker/worker.h \
	src/worker/job.c src/worker/job.h \
	src/worker/agg.c src/worker/agg.h \
	src/worker/metrics.c src/worker/metrics.h \
	src/worker/metrics_server.c src/worker/metrics_server.h
revlens_worker_LDADD = librevlens.a $(REVLENS_LIBS)

# Tests: the summary aggregate in C; the worker and its metrics end to end against a
# real stack.
check_PROGRAMS += t/unit/worker_agg
t_unit_worker_agg_SOURCES = t/unit/worker_agg.c src/worker/agg.c src/worker/agg.h
t_unit_worker_agg_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/t
t_unit_worker_agg_LDADD = librevlens.a $(REVLENS_LIBS)
TESTS += t/unit/worker_agg t/integ/worker.t t/integ/worker_metrics.t t/integ/worker_faults.t \
	t/integ/jobs_cli.t t/integ/browser_analysis.t
EXTRA_DIST += t/integ/worker.t t/integ/worker_metrics.t t/integ/worker_faults.t t/integ/jobs_cli.t \
	t/integ/browser_analysis.t t/browser/analysis.mjs \
	docs/worker.md bench/worker.sh \
	fuzz/metrics_http_fuzz.c
