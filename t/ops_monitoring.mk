# Tests of issue 14 (operations): monitoring (docs/monitoring.md). Owned by H3.
# monitoring_rules.t: promtool check/test of monitoring/ (no stack, ~5 s);
# monitoring.t: scripts/stack up --monitoring end to end (~50-60 s).
TESTS += t/integ/monitoring_rules.t t/integ/monitoring.t
EXTRA_DIST += t/integ/monitoring_rules.t t/integ/monitoring.t \
	monitoring/alerts.yml monitoring/alerts_test.yml monitoring/alerts_test_daily.yml \
	monitoring/prometheus.yml.in scripts/monitoring docs/monitoring.md
