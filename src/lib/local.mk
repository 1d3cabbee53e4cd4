# Shared library code linked by every revlens binary.
noinst_LIBRARIES += librevlens.a
librevlens_a_SOURCES = \
	src/lib/account.c src/lib/account.h \
	src/lib/alerts.c src/lib/alerts.h src/lib/webhook.c src/lib/webhook.h \
	src/lib/arena.c src/lib/arena.h \
	src/lib/config.c src/lib/config.h \
	src/lib/cookie.c src/lib/cookie.h \
	src/lib/coupang.c src/lib/coupang.h \
	src/lib/file.c src/lib/file.h \
	src/lib/form.c src/lib/form.h \
	src/lib/html.c src/lib/html.h \
	src/lib/jwt.c src/lib/jwt.h \
	src/lib/log.c src/lib/log.h \
	src/lib/progress.c src/lib/progress.h src/lib/nchan.c src/lib/nchan.h src/lib/civil.c src/lib/civil.h src/lib/review_days.c src/lib/review_days.h src/lib/jobs.h src/lib/ingest.c src/lib/ingest.h src/lib/ingest_token.c src/lib/ingest_token.h src/lib/crawl.c src/lib/crawl.h \
	src/lib/rds.c src/lib/rds.h \
	src/lib/strnum.c src/lib/strnum.h \
	src/lib/utf8.c src/lib/utf8.h
