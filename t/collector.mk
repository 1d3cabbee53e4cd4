# t/collector.mk — the browser-extension collector and the fake Coupang server.
