# t/collector.mk — the browser-extension collector and the fake Coupang server.
# The fake Coupang server (HTTPS, fixtures, scenarios 1001-1007) the collector tests run against.
TESTS += t/integ/fake_coupang.t
EXTRA_DIST += t/integ/fake_coupang.t t/lib/FakeCoupang.pm t/fake-coupang/server.mjs t/fake-coupang/mkcert.sh \
	t/fake-coupang/fixtures/product.html t/fake-coupang/fixtures/products.json \
	t/fake-coupang/fixtures/reviews-soymilk.json t/fake-coupang/fixtures/reviews-seaweed.json
