#!/usr/bin/env bash
# bench/worker.sh — revlens-worker end to end (docs/worker.md) on a private stack.
#
# Starts a stack with bench/stack.sh (memory Mongo stand-in), imports REVIEWS reviews
# of one product (texts and ratings of the demo reviews, data/demo/demo.jsonl.gz),
# asks for its analysis through the API and times `revlens-worker --once` with
# worker.collect_timeout = 0 (no crawl wait):
#   1. first analysis: every review analysed and written back;
#   2. a second request of the same product: every review unchanged (read and
#      aggregated, nothing analysed or written);
#   3. two products of REVIEWS reviews each, two worker processes side by side.
# Prints seconds and reviews/s, and the worker's own account of where the time went
# (its log line: MongoDB read, analysis and aggregation, MongoDB writes, PostgreSQL).
# Reports; asserts nothing (issue 12's target: at least 8,000 reviews/s end to end).
#
# usage: bench/worker.sh      (env: REVLENS_BUILDDIR, REVIEWS=10000, BATCH=1000)
set -euo pipefail
SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
REVIEWS=${REVIEWS:-10000}
BATCH=${BATCH:-1000}
DUR=1  # bench/stack.sh wants it; no wrk run here
. "$SRCDIR/bench/stack.sh"
conf=$REVLENS_RUNDIR/revlens.conf
revlens=$REVLENS_BUILDDIR/revlens
worker=$REVLENS_BUILDDIR/revlens-worker
work=$REVLENS_RUNDIR/worker-bench
mkdir -p "$work"
[[ -x $worker ]] || { echo "bench: $worker is not built"; exit 1; }
bench_user

wconf=$work/worker.conf
{ cat "$conf"; printf '\nlog.file = %s\nworker.model_file = %s\nworker.collect_timeout = 0\nworker.batch_size = %s\n' \
	"$work/worker.log" "$SRCDIR/data/kr/sentiment.model" "$BATCH"; } >"$wconf"

# ---------------------------------------------------------------- the data
python3 - "$SRCDIR/data/demo/demo.jsonl.gz" "$work" "$REVIEWS" <<'EOF'
import gzip, json, sys
src, work, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
demo = [o for o in map(json.loads, gzip.open(src, 'rt', encoding='utf-8')) if o['kind'] == 'review']
base_ms = 1767193200000  # 2026-01-01T00:00:00+09:00
for name, products in (('one', [9100001]), ('two', [9100002, 9100003])):
    with open(f'{work}/{name}.jsonl', 'w', encoding='utf-8') as f:
        for pid in products:
            for i in range(n):
                d = demo[i % len(demo)]
                f.write(json.dumps({'kind': 'review', 'product_id': pid, 'review_id': f'b{i}',
                    'rating': d['rating'], 'content': d['content'],
                    'written_at': base_ms + i * 37_000}, ensure_ascii=False) + '\n')
EOF
"$revlens" -c "$conf" import "$work/one.jsonl" >/dev/null
"$revlens" -c "$conf" import "$work/two.jsonl" >/dev/null

pid_of() { "$REVLENS_BUILDDIR/revlens" -c "$conf" reviews --coupang "$1" --limit 1 >/dev/null &&
	psql_at "SELECT id FROM products WHERE coupang_product_id = $1"; }
psql_at() {
	/usr/lib/postgresql/15/bin/psql -X -q -At -h 127.0.0.1 -p "$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$(grep '^postgres.conninfo' "$conf")")" \
		-U revlens -d revlens -c "$1"
}
request() {
	curl -fsS -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{}' \
		"$base/api/products/$1/analyses" | python3 -c 'import json,sys; o=json.load(sys.stdin); print((o.get("request") or o)["id"])'
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.2f s, %.0f reviews/s", s, n / s }'; }
# timed WALLVAR CPUVAR CMD...: runs CMD, wall seconds and its CPU seconds into the variables
timed() {
	local tf=$work/time.out w u s
	/usr/bin/time -f '%e %U %S' -o "$tf" "${@:3}"
	read -r w u s < "$tf"
	printf -v "$1" '%s' "$w"
	printf -v "$2" '%s' "$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')"
}

p1=$(pid_of 9100001)
echo "worker benchmark: $REVIEWS reviews per product, batches of $BATCH, collect_timeout 0"
echo "(cpu: seconds each server used, and % of the wall time; client = revlens-worker)"

r=$(request "$p1"); snap; timed wall cpu "$worker" -c "$wconf" --once
echo "1. first analysis:      $(rate "$REVIEWS" "$wall") (process start to exit)"
grep -o "request $r: done: .*" "$work/worker.log" | sed 's/^/   worker: /'
cpu_report "$wall" "$cpu"

r=$(request "$p1"); snap; timed wall cpu "$worker" -c "$wconf" --once
echo "2. unchanged reviews:   $(rate "$REVIEWS" "$wall")"
grep -o "request $r: done: .*" "$work/worker.log" | sed 's/^/   worker: /'
cpu_report "$wall" "$cpu"

p2=$(pid_of 9100002); p3=$(pid_of 9100003)
r2=$(request "$p2"); r3=$(request "$p3")
snap
timed wall cpu bash -c '"$1" -c "$2" --once & a=$!; "$1" -c "$2" --once & b=$!; wait $a $b' - "$worker" "$wconf"
echo "3. two products, two processes: $(rate $((2 * REVIEWS)) "$wall") together"
grep -oE "request ($r2|$r3): done: .*" "$work/worker.log" | sed 's/^/   worker: /'
cpu_report "$wall" "$cpu"
echo "results: $(psql_at "SELECT string_agg(request_id || ':' || review_count || ' reviews', ', ' ORDER BY request_id) FROM analysis_results")"
