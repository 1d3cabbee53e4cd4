# t/collector.mk — the browser-extension collector and the fake Coupang server.
# The fake Coupang server (HTTPS, fixtures, scenarios 1001-1007) the collector tests run against.
TESTS += t/integ/fake_coupang.t
EXTRA_DIST += t/integ/fake_coupang.t t/lib/FakeCoupang.pm t/fake-coupang/server.mjs t/fake-coupang/mkcert.sh \
	t/fake-coupang/fixtures/product.html t/fake-coupang/fixtures/products.json \
	t/fake-coupang/fixtures/reviews-soymilk.json t/fake-coupang/fixtures/reviews-seaweed.json
# The browser-extension collector end to end: headless Chromium with collector/ loaded,
# the fake Coupang and a private stack (uses t/unit/mongo_probe, a check program of db.mk).
TESTS += t/integ/collector.t
EXTRA_DIST += t/integ/collector.t t/browser/collector.mjs \
	collector/manifest.json collector/content.js collector/background.js collector/options.html \
	collector/options.js collector/options.css collector/README.md \
	collector/icons/icon16.png collector/icons/icon32.png collector/icons/icon48.png collector/icons/icon128.png
