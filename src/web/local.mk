# revlens-web — the FastCGI master and its pre-forked workers.
bin_PROGRAMS += revlens-web
revlens_web_SOURCES = \
	src/web/main.c \
	src/web/app.c src/web/app.h \
	src/web/page_healthz.c src/web/page_healthz.h \
	src/web/page_metrics.c src/web/page_metrics.h \
	src/web/page_version.c src/web/page_version.h \
	src/web/req.c src/web/req.h \
	src/web/route.c src/web/route.h \
	src/web/scoreboard.c src/web/scoreboard.h \
	src/web/worker.c src/web/worker.h
revlens_web_LDADD = librevlens.a $(REVLENS_LIBS)
