# Database layer: PostgreSQL and MongoDB wrappers, the SQL splitter, `revlens migrate`.
# cmd_migrate.c sits in the library so src/cli/main.c links it by reference alone.
librevlens_a_SOURCES += \
	src/lib/pg.c src/lib/pg.h \
	src/lib/mongo.c src/lib/mongo.h \
	src/lib/sqlsplit.c src/lib/sqlsplit.h \
	src/lib/capacity.c src/lib/capacity.h \
	src/cli/cmd_migrate.c src/cli/cmd_migrate.h

check_PROGRAMS += t/unit/sqlsplit
TESTS += t/unit/sqlsplit
t_unit_sqlsplit_SOURCES = t/unit/sqlsplit.c t/tap.h
t_unit_sqlsplit_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/t
t_unit_sqlsplit_LDADD = librevlens.a $(REVLENS_LIBS)

# Installed data read by `revlens migrate` (REVLENS_DATADIR/sql, REVLENS_DATADIR/mongo-indexes).
sqldir = $(pkgdatadir)/sql
dist_sql_DATA = sql/001_accounts.sql sql/002_products.sql sql/003_analysis.sql \
	sql/004_integrity.sql sql/005_accounts_settings.sql \
	sql/006_products_search.sql sql/007_requests.sql sql/008_ingest.sql sql/009_review_stats.sql \
	sql/010_request_retry.sql sql/011_rollups.sql sql/012_alerts.sql \
	sql/013_capacity.sql sql/014_aggregator_failed.sql
mongoindexdir = $(pkgdatadir)/mongo-indexes
dist_mongoindex_DATA = \
	mongo-indexes/coupang_keyword_tags.json \
	mongo-indexes/keywords.json \
	mongo-indexes/product_analysis_daily.json \
	mongo-indexes/product_analysis_monthly.json \
	mongo-indexes/product_reviews_raw.json \
	mongo-indexes/realtime_sessions.json

check_PROGRAMS += t/unit/mongo_spec t/unit/mongo_open
TESTS += t/unit/mongo_spec t/unit/mongo_open
t_unit_mongo_open_SOURCES = t/unit/mongo_open.c t/tap.h
t_unit_mongo_open_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/t
t_unit_mongo_open_LDADD = librevlens.a $(REVLENS_LIBS)
t_unit_mongo_spec_SOURCES = t/unit/mongo_spec.c t/tap.h
t_unit_mongo_spec_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/t
t_unit_mongo_spec_LDADD = librevlens.a $(REVLENS_LIBS)

# Helper run by t/integ/mongo_indexes.t against the stack's Mongo (not a test itself).
check_PROGRAMS += t/unit/mongo_probe
t_unit_mongo_probe_SOURCES = t/unit/mongo_probe.c
t_unit_mongo_probe_LDADD = librevlens.a $(REVLENS_LIBS)

# Integration tests (need root; start a private stack through t/lib/RevlensTest.pm).
TESTS += t/integ/migrate.t t/integ/mongo_indexes.t
EXTRA_DIST += t/integ/migrate.t t/integ/mongo_indexes.t
