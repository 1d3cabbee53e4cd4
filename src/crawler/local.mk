# src/crawler/local.mk — revlens-crawler and revlens-replay-crawler (libcurl).
#
# The pure parts (the review-page parser, crawl-request fields, the replay file index)
# live in librevlens.a so unit tests and fuzz/run reach them; the parts that talk to
# Coupang, revlens and Redis are libcrawler.a, linked by the two programs only.
librevlens_a_SOURCES += \
	src/crawler/review_page.c src/crawler/review_page.h \
	src/crawler/crawl_req.c src/crawler/crawl_req.h \
	src/crawler/replay_index.c src/crawler/replay_index.h

noinst_LIBRARIES += libcrawler.a
libcrawler_a_SOURCES = \
	src/crawler/crawl_clock.c src/crawler/crawl_clock.h \
	src/crawler/fetch.c src/crawler/fetch.h \
	src/crawler/ingest.c src/crawler/ingest.h \
	src/crawler/queue.c src/crawler/queue.h \
	src/crawler/runner.c src/crawler/runner.h
libcrawler_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS)
CRAWLER_LDADD = libcrawler.a librevlens.a $(REVLENS_LIBS) $(CURL_LIBS)

bin_PROGRAMS += revlens-crawler revlens-replay-crawler
revlens_crawler_SOURCES = src/crawler/crawler_main.c
revlens_crawler_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS)
revlens_crawler_LDADD = $(CRAWLER_LDADD)
revlens_replay_crawler_SOURCES = src/crawler/replay_main.c
revlens_replay_crawler_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS)
revlens_replay_crawler_LDADD = $(CRAWLER_LDADD)

# Tests: the pure modules in C; both programs end to end against the fake Coupang
# server (t/fake-coupang) and a real stack.
CRAWLER_UNIT_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/t -DCRAWLER_SRCDIR='"$(abs_top_srcdir)"'
check_PROGRAMS += t/unit/crawler_page t/unit/crawler_req t/unit/crawler_replay
t_unit_crawler_page_CPPFLAGS = $(CRAWLER_UNIT_CPPFLAGS)
t_unit_crawler_page_LDADD = librevlens.a $(REVLENS_LIBS)
t_unit_crawler_req_CPPFLAGS = $(CRAWLER_UNIT_CPPFLAGS)
t_unit_crawler_req_LDADD = librevlens.a $(REVLENS_LIBS)
t_unit_crawler_replay_CPPFLAGS = $(CRAWLER_UNIT_CPPFLAGS)
t_unit_crawler_replay_LDADD = librevlens.a $(REVLENS_LIBS)
TESTS += t/unit/crawler_page t/unit/crawler_req t/unit/crawler_replay \
	t/integ/crawler.t t/integ/replay.t
EXTRA_DIST += t/integ/crawler.t t/integ/replay.t fuzz/crawler_fuzz.c docs/crawlers.md
