# src/notifier/local.mk — revlens-notifier, the sender of price alerts' webhooks
# (docs/aggregator.md "Price alerts"), and the tests of the alerts end to end.
#
# The alert check itself (lib/alerts.c, sql/012's revlens_price_alerts) and the URL
# and address rules with the signature (lib/webhook.c) are in librevlens.a: ingestion,
# revlens-web and the aggregator use them too.
bin_PROGRAMS += revlens-notifier
revlens_notifier_SOURCES = src/notifier/notifier_main.c \
	src/notifier/deliver.c src/notifier/deliver.h
revlens_notifier_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS)
revlens_notifier_LDADD = librevlens.a $(REVLENS_LIBS) $(CURL_LIBS)

TESTS += t/integ/alerts.t t/integ/notifier.t
EXTRA_DIST += t/integ/alerts.t t/integ/notifier.t static/notify.js fuzz/webhook_url_fuzz.c

# The URL and address rules and the signature, in C.
check_PROGRAMS += t/unit/webhook
TESTS += t/unit/webhook
t_unit_webhook_SOURCES = t/unit/webhook.c t/tap.h
t_unit_webhook_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/t
t_unit_webhook_LDADD = librevlens.a $(REVLENS_LIBS)
