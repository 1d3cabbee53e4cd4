# Tests of the shared library and the web tier (other areas list theirs in their own .mk).
UNIT_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/t
UNIT_LDADD = librevlens.a $(REVLENS_LIBS)

check_PROGRAMS += t/unit/config t/unit/form t/unit/html t/unit/jwt t/unit/account t/unit/cookie t/unit/coupang t/unit/ingest
t_unit_config_CPPFLAGS = $(UNIT_CPPFLAGS)
t_unit_config_LDADD = $(UNIT_LDADD)
t_unit_form_CPPFLAGS = $(UNIT_CPPFLAGS)
t_unit_form_LDADD = $(UNIT_LDADD)
t_unit_html_CPPFLAGS = $(UNIT_CPPFLAGS)
t_unit_html_LDADD = $(UNIT_LDADD)
t_unit_jwt_CPPFLAGS = $(UNIT_CPPFLAGS)
t_unit_jwt_LDADD = $(UNIT_LDADD)
t_unit_account_CPPFLAGS = $(UNIT_CPPFLAGS)
t_unit_account_LDADD = $(UNIT_LDADD)
t_unit_cookie_CPPFLAGS = $(UNIT_CPPFLAGS)
t_unit_cookie_LDADD = $(UNIT_LDADD)
t_unit_coupang_CPPFLAGS = $(UNIT_CPPFLAGS)
t_unit_coupang_LDADD = $(UNIT_LDADD)
t_unit_ingest_CPPFLAGS = $(UNIT_CPPFLAGS)
t_unit_ingest_LDADD = $(UNIT_LDADD)

TESTS += t/unit/config t/unit/form t/unit/html t/unit/jwt t/unit/account t/unit/cookie t/unit/coupang t/unit/ingest t/integ/web.t t/integ/stack.t t/integ/user_cli.t \
	t/integ/accounts.t t/integ/products.t t/integ/requests.t t/integ/watchlist.t t/integ/live.t \
	t/integ/migrate_requests.t t/integ/ingest.t \
	t/integ/results.t
EXTRA_DIST += t/integ/results.t t/browser/results.mjs t/browser/result-summary.json
EXTRA_DIST += t/integ/ingest.t t/integ/web.t t/integ/stack.t t/integ/user_cli.t t/integ/accounts.t \
	t/integ/products.t t/integ/requests.t t/integ/watchlist.t t/integ/live.t t/integ/migrate_requests.t t/lib/RevlensTest.pm
# the browser tests (headless chromium via playwright-core from t/browser/node_modules)
TESTS += t/integ/browser.t
EXTRA_DIST += t/integ/browser.t t/browser/accounts.mjs t/browser/lib.mjs t/browser/products.mjs t/browser/requests.mjs t/browser/package.json t/browser/package-lock.json

# The C unit tests (scripts/test runs them again under valgrind).
print-unit-tests:
	@echo $(filter-out %.t,$(TESTS))
# Every test (scripts/test leaves some out of the sanitizer build).
print-tests:
	@echo $(TESTS)
.PHONY: print-unit-tests print-tests
