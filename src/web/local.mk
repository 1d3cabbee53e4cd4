# revlens-web — the FastCGI master and its pre-forked workers.
bin_PROGRAMS += revlens-web
revlens_web_SOURCES = \
	src/web/main.c \
	src/web/app.c src/web/app.h \
	src/web/layout.c src/web/layout.h \
	src/web/login.c src/web/login.h \
	src/web/pages.h \
	src/web/page_admin_config.c \
	src/web/page_api_auth.c \
	src/web/page_api_products.c \
	src/web/page_api_requests.c src/web/page_ingest.c src/web/page_tokens.c \
	src/web/page_history.c \
	src/web/page_live.c \
	src/web/page_products.c \
	src/web/page_trends.c src/web/page_trends.h \
	src/web/trends.c src/web/trends.h \
	src/web/trends_svg.c src/web/trends_svg.h \
	src/web/page_requests.c \
	src/web/product.c src/web/product.h \
	src/web/page_home.c \
	src/web/page_login.c \
	src/web/page_me.c \
	src/web/page_password.c \
	src/web/page_sessions.c \
	src/web/page_signup.c \
	src/web/page_watchlist.c \
	src/web/page_webhook.c src/web/page_webhook.h \
	src/web/notify.c src/web/notify.h \
	src/web/page_healthz.c src/web/page_healthz.h \
	src/web/page_metrics.c src/web/page_metrics.h \
	src/web/metrics_stores.c src/web/metrics_stores.h \
	src/web/page_version.c src/web/page_version.h \
	src/web/req.c src/web/req.h \
	src/web/ratelimit.c src/web/ratelimit.h \
	src/web/request.c src/web/request.h \
	src/web/result.c src/web/result.h \
	src/web/route.c src/web/route.h \
	src/web/scoreboard.c src/web/scoreboard.h \
	src/web/session.c src/web/session.h \
	src/web/settings.c src/web/settings.h \
	src/web/watch.c src/web/watch.h \
	src/web/worker.c src/web/worker.h
revlens_web_LDADD = librevlens.a $(REVLENS_LIBS)

# trends (docs/aggregator.md, "Trends"): the pure parts, the API and page with the
# aggregator on a real stack, and the page in Chromium (t/browser/trends.mjs)
check_PROGRAMS += t/unit/trends_range t/unit/trends_svg
t_unit_trends_range_SOURCES = t/unit/trends_range.c src/web/trends.c src/web/trends.h
t_unit_trends_range_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/t
t_unit_trends_range_LDADD = librevlens.a $(REVLENS_LIBS)
t_unit_trends_svg_SOURCES = t/unit/trends_svg.c src/web/trends_svg.c src/web/trends_svg.h src/web/trends.c src/web/trends.h
t_unit_trends_svg_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/t
t_unit_trends_svg_LDADD = librevlens.a $(REVLENS_LIBS)
TESTS += t/unit/trends_range t/unit/trends_svg t/integ/trends.t
EXTRA_DIST += t/integ/trends.t t/browser/trends.mjs
