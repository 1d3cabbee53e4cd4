# t/demo.mk — the demo data of scripts/dev and the ingest benchmark.
# (t/integ/demo.t uses t/unit/mongo_probe, a check program of src/lib/db.mk.)
# t/integ/dev.t runs scripts/dev itself (README command 1) on a private port.
TESTS += t/integ/demo.t t/integ/dev.t
EXTRA_DIST += t/integ/demo.t t/integ/dev.t data/demo/demo.jsonl.gz data/demo/README.md tools/make-demo-data \
	scripts/load-demo bench/ingest.sh
