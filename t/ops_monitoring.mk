# Tests of issue 14 (operations): monitoring (docs/monitoring.md). Owned by H3.
# monitoring_rules.t: promtool check/test of monitoring/ (no stack, ~5 s);
# monitoring.t: scripts/stack up --monitoring end to end (~50-60 s).
TESTS += t/integ/monitoring_rules.t t/integ/monitoring.t
EXTRA_DIST += t/integ/monitoring_rules.t t/integ/monitoring.t \
	monitoring/alerts.yml monitoring/alerts_test.yml monitoring/alerts_test_daily.yml \
	monitoring/prometheus.yml.in scripts/monitoring docs/monitoring.md

# the revlens_mongodb_* families of a MongoDB 7 and a stand-in serverStatus reply
check_PROGRAMS += t/unit/metrics_mongo
t_unit_metrics_mongo_SOURCES = t/unit/metrics_mongo.c src/web/metrics_stores.c src/web/metrics_stores.h
t_unit_metrics_mongo_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/t
t_unit_metrics_mongo_LDADD = librevlens.a $(REVLENS_LIBS)
TESTS += t/unit/metrics_mongo
