#!/usr/bin/env bash
# bench/aggregator.sh — revlens-aggregator (docs/aggregator.md) on a private stack.
#
# Starts a stack with bench/stack.sh (memory Mongo stand-in, REVLENS_MONGO_HEAP 12g by
# default: a million reviews and their rollups live in its heap; with 4g it spent its
# time in garbage collection), imports REVIEWS reviews over PRODUCTS
# products and DAYS days (texts and ratings of the demo reviews, data/demo/demo.jsonl.gz),
# one price per product and day and a survey snapshot per product and month, with
# IMPORT_JOBS `revlens import` processes side by side, then times revlens-aggregator:
#   1. from scratch: every day pending (what the import marked);
#   2. an incremental night: NEW_PCT % new reviews on random products and days, and as
#      many new prices, then a pending run;
#   3. the same night again: nothing to do (exit 3);
#   4. a recent night: NEW_PCT % new reviews again, on the last two days only (what a
#      nightly crawl brings), and a price per product for the last day.
# Prints wall seconds, reviews/s, the aggregator's own line (days and months written,
# reviews and prices read) and the CPU each server used (bench/stack.sh's snap and
# cpu_report; client = revlens-aggregator). Reports; asserts nothing. Issue 13's target:
# an incremental night costs in proportion to the new data, not to all data.
#
# usage: bench/aggregator.sh   (env: REVLENS_BUILDDIR, REVIEWS=1000000, PRODUCTS=500,
#        DAYS=365, NEW_PCT=1, IMPORT_JOBS=2, REVLENS_MONGO_HEAP=12g)
set -euo pipefail
SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
REVIEWS=${REVIEWS:-1000000}
PRODUCTS=${PRODUCTS:-500}
DAYS=${DAYS:-365}
NEW_PCT=${NEW_PCT:-1}
IMPORT_JOBS=${IMPORT_JOBS:-2}
export REVLENS_MONGO_HEAP=${REVLENS_MONGO_HEAP:-12g}
export REVLENS_WEB_WORKERS=${REVLENS_WEB_WORKERS:-1}
DUR=1  # bench/stack.sh wants it; no wrk run here
. "$SRCDIR/bench/stack.sh"
conf=$REVLENS_RUNDIR/revlens.conf
revlens=$REVLENS_BUILDDIR/revlens
agg=$REVLENS_BUILDDIR/revlens-aggregator
work=$REVLENS_RUNDIR/aggregator-bench
mkdir -p "$work"
[[ -x $agg ]] || { echo "bench: $agg is not built"; exit 1; }
"$revlens" -c "$conf" migrate >/dev/null
aconf=$work/aggregator.conf
{ cat "$conf"; printf '\nlog.file = %s\nworker.model_file = %s\n' "$work/aggregator.log" \
	"$SRCDIR/data/kr/sentiment.model"; } >"$aconf"

# ---------------------------------------------------------------- the data
python3 - "$SRCDIR/data/demo/demo.jsonl.gz" "$work" "$REVIEWS" "$PRODUCTS" "$DAYS" "$NEW_PCT" "$IMPORT_JOBS" <<'EOF'
import gzip, json, random, sys
src, work, n, products, days, pct, jobs = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6]), float(sys.argv[6]), int(sys.argv[7])
demo = [o for o in map(json.loads, gzip.open(src, 'rt', encoding='utf-8')) if o['kind'] == 'review']
rnd = random.Random(13)
day_ms = 86_400_000
base_ms = 1_735_657_200_000       # 2025-01-01T00:00:00+09:00: every day in the past
first_cp = 9_300_000
out = [open(f'{work}/base.{j}.jsonl', 'w', encoding='utf-8') for j in range(jobs)]
def review(f, cp, i, at):
    d = demo[i % len(demo)]
    f.write(json.dumps({'kind': 'review', 'product_id': cp, 'review_id': f'b{i}', 'rating': d['rating'],
        'content': d['content'], 'written_at': at}, ensure_ascii=False) + '\n')
for i in range(n):
    p = i % products
    review(out[p % jobs], first_cp + p, i, base_ms + rnd.randrange(days * day_ms))
for p in range(products):
    f = out[p % jobs]
    for d in range(days):
        f.write(json.dumps({'kind': 'price', 'product_id': first_cp + p, 'price': 10000 + rnd.randrange(-2000, 2000) // 10 * 10,
            'observed_at': base_ms + d * day_ms + 10 * 3_600_000}) + '\n')
    for m in range(0, days, 30):
        at = base_ms + m * day_ms + 9 * 3_600_000
        for q, answers in (('맛', ('아주 맛있어요', '적당해요')), ('양', ('많아요', '적당해요'))):
            a = rnd.randrange(20, 80)
            for ans, v in zip(answers, (a, 100 - a)):
                f.write(json.dumps({'kind': 'tag', 'product_id': first_cp + p, 'question': q, 'answer': ans,
                    'percent': v, 'observed_at': at}, ensure_ascii=False) + '\n')
for f in out:
    f.close()
with open(f'{work}/night.jsonl', 'w', encoding='utf-8') as f:
    k = int(n * pct / 100)
    for i in range(k):
        p = rnd.randrange(products)
        review(f, first_cp + p, n + i, base_ms + rnd.randrange(days * day_ms))
    for i in range(k // max(1, n // (products * days))):
        p = rnd.randrange(products)
        f.write(json.dumps({'kind': 'price', 'product_id': first_cp + p, 'price': 9000 + i % 1000,
            'observed_at': base_ms + rnd.randrange(days * day_ms)}) + '\n')
with open(f'{work}/recent.jsonl', 'w', encoding='utf-8') as f:
    k = int(n * pct / 100)
    for i in range(k):
        p = rnd.randrange(products)
        review(f, first_cp + p, 2 * n + i, base_ms + (days - 2) * day_ms + rnd.randrange(2 * day_ms))
    for p in range(products):
        f.write(json.dumps({'kind': 'price', 'product_id': first_cp + p, 'price': 9500,
            'observed_at': base_ms + (days - 1) * day_ms + 20 * 3_600_000}) + '\n')
EOF
new=$(grep -c '"kind": "review"' "$work/night.jsonl" || true)
newp=$(grep -c '"kind": "price"' "$work/night.jsonl" || true)

rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f s, %.0f reviews/s", s, n / s }'; }
timed() { # WALLVAR CPUVAR CMD...: wall seconds and the command's CPU seconds; its exit status in $rc
	local tf=$work/time.out w u s
	rc=0
	/usr/bin/time -f '%e %U %S' -o "$tf" "${@:3}" || rc=$?
	read -r w u s < <(tail -n 1 "$tf")
	printf -v "$1" '%s' "$w"
	printf -v "$2" '%s' "$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')"
}
last_line() { grep -o 'aggregator run [0-9]*: .*' "$work/aggregator.log" | tail -n 1 | sed 's/^/   /'; }

echo "aggregator benchmark: $REVIEWS reviews, $PRODUCTS products, $DAYS days; a night of $NEW_PCT % new data"
echo "(cpu: seconds each server used, and % of the wall time; client = revlens-aggregator)"
snap
timed wall cpu bash -c 'for f in "$2"/base.*.jsonl; do "$1" -c "$3" import "$f" >/dev/null & done; wait' - \
	"$revlens" "$work" "$conf"
echo "0. import ($IMPORT_JOBS processes): $(rate "$REVIEWS" "$wall") (plus $((PRODUCTS * DAYS)) prices and the survey tags)"
cpu_report "$wall"

snap; timed wall cpu "$agg" -c "$aconf"
echo "1. from scratch (exit $rc): $(rate "$REVIEWS" "$wall")"
last_line
cpu_report "$wall" "$cpu"

"$revlens" -c "$conf" import "$work/night.jsonl" >/dev/null
snap; timed wall cpu "$agg" -c "$aconf"
echo "2. incremental night, $new new reviews and $newp new prices (exit $rc): $(rate "$new" "$wall") of new data"
last_line
cpu_report "$wall" "$cpu"

snap; timed wall cpu "$agg" -c "$aconf"
echo "3. the same night again (exit $rc): ${wall} s"
cpu_report "$wall" "$cpu"

"$revlens" -c "$conf" import "$work/recent.jsonl" >/dev/null
snap; timed wall cpu "$agg" -c "$aconf"
echo "4. a recent night, $new new reviews on the last two days and $PRODUCTS prices (exit $rc): $(rate "$new" "$wall") of new data"
last_line
cpu_report "$wall" "$cpu"
