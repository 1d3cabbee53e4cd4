#!/usr/bin/env bash
# bench/dump.sh — `revlens dump` and `revlens restore` (docs/backup.md, "MongoDB") on a
# private stack: imports REVIEWS reviews (texts of the demo data, over PRODUCTS products
# and DAYS days, with prices and survey tags) and runs the aggregator once, so every
# collection has data; then times
#   1. dump of every collection;
#   2. restore --drop --no-indexes into the same database (verify, drop, insert,
#      count), then the indexes (revlens migrate, what restore runs last);
#   3. restore again without --drop (every _id exists: each insert batch fails as
#      duplicates and is replaced by _id: the idempotent path);
#   4. a dump with --batch 100 (a checkpoint, an fdatasync, every 100 documents).
# Prints per step wall seconds, documents/s, MB/s of dump files, the peak resident
# size of the revlens process (GNU time's %M), the CPU seconds it and the stand-in
# used (a busy machine shows as wall time used by neither), and checks that the dump after the
# restores is byte-identical to the first. Reports; asserts nothing else.
#
# usage: bench/dump.sh   (env: REVLENS_BUILDDIR (default build/plain), REVIEWS=200000,
#        PRODUCTS=200, DAYS=365, REVLENS_MONGO_BACKEND=memory (or h2, the local stack's:
#        its import of 200,000 reviews took over 15 minutes here), REVLENS_MONGO_HEAP=4g)
set -euo pipefail
SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
REVIEWS=${REVIEWS:-200000}
PRODUCTS=${PRODUCTS:-200}
DAYS=${DAYS:-365}
export REVLENS_BUILDDIR=${REVLENS_BUILDDIR:-$SRCDIR/build/plain}
export REVLENS_RUNDIR=$(mktemp -d /var/tmp/revlens-bench.XXXXXX)
chmod 755 "$REVLENS_RUNDIR"
export REVLENS_PORT=${REVLENS_PORT:-$((20000 + RANDOM % 12000))}
export REVLENS_MONGO_BACKEND=${REVLENS_MONGO_BACKEND:-memory}
export REVLENS_MONGO_HEAP=${REVLENS_MONGO_HEAP:-4g}
export REVLENS_STACK_NO_WEB=1 REVLENS_STACK_WORKER=0 REVLENS_PG_FAST=1
cleanup() { "$SRCDIR/scripts/stack" down >/dev/null 2>&1 || true; rm -rf "$REVLENS_RUNDIR"; }
trap cleanup EXIT
revlens=$REVLENS_BUILDDIR/revlens
[[ -x $revlens && -x $REVLENS_BUILDDIR/revlens-aggregator ]] || { echo "bench: build $REVLENS_BUILDDIR first"; exit 1; }
"$SRCDIR/scripts/stack" up >/dev/null
conf=$REVLENS_RUNDIR/revlens.conf
work=$REVLENS_RUNDIR/dump-bench
mkdir -p "$work"
"$revlens" -c "$conf" migrate >/dev/null

python3 - "$SRCDIR/data/demo/demo.jsonl.gz" "$work" "$REVIEWS" "$PRODUCTS" "$DAYS" <<'EOF'
import gzip, json, random, sys
src, work, n, products, days = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
demo = [o for o in map(json.loads, gzip.open(src, 'rt', encoding='utf-8')) if o['kind'] == 'review']
rnd = random.Random(14)
day_ms, base_ms, cp0 = 86_400_000, 1_735_657_200_000, 9_400_000
outs = [open(f'{work}/data.{j}.jsonl', 'w', encoding='utf-8') for j in range(2)]
for i in range(n):
    d = demo[i % len(demo)]
    outs[i % products % 2].write(json.dumps({'kind': 'review', 'product_id': cp0 + i % products,
        'review_id': f'd{i}', 'rating': d['rating'], 'content': d['content'],
        'written_at': base_ms + rnd.randrange(days * day_ms)}, ensure_ascii=False) + '\n')
for p in range(products):
    f = outs[p % 2]
    for d in range(days):
        f.write(json.dumps({'kind': 'price', 'product_id': cp0 + p, 'price': 10000 + d,
            'observed_at': base_ms + d * day_ms + 36_000_000}) + '\n')
    for m in range(0, days, 30):
        f.write(json.dumps({'kind': 'tag', 'product_id': cp0 + p, 'question': '맛', 'answer': '아주 맛있어요',
            'percent': 60, 'observed_at': base_ms + m * day_ms + 32_400_000}, ensure_ascii=False) + '\n')
for f in outs:
    f.close()
EOF
echo "dump benchmark: $REVIEWS reviews, $PRODUCTS products, $DAYS days; MongoDB stand-in, $REVLENS_MONGO_BACKEND backend"
t0=$(date +%s.%N)
for f in "$work"/data.*.jsonl; do "$revlens" -c "$conf" import "$f" >/dev/null 2>&1 & done
wait
t1=$(date +%s.%N)
rc=0; "$REVLENS_BUILDDIR/revlens-aggregator" -c "$conf" >/dev/null 2>&1 || rc=$?
t2=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v rc="$rc" 'BEGIN { printf "setup: import (2 processes) %.1f s, aggregator %.1f s (exit %d)\n", b - a, c - b, rc }'

docs=0 bytes=0
counts() { # documents and bytes of the first dump, and its collections
	read -r docs bytes < <(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
print(sum(c["documents"] for c in m["collections"]), sum(c["bytes"] for c in m["collections"]))
for c in m["collections"]:
    print("   %-26s %8d documents %8.1f MB" % (c["name"], c["documents"], c["bytes"] / 1e6), file=sys.stderr)' "$work/d1/manifest.json")
}
mongo_pid=$(cat "$REVLENS_RUNDIR/mongo/mongo.pid")
tck=$(getconf CLK_TCK)
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
step() { # NAME CMD...: wall seconds, docs/s and MB/s of the dump, peak RSS and CPU seconds
	# of the command, CPU seconds of the stand-in
	local name=$1 tf=$work/time.out w rss u sy m0 m1
	shift
	m0=$(ticks "$mongo_pid")
	/usr/bin/time -f '%e %M %U %S' -o "$tf" "$@" >"$work/step.out" 2>&1 || { cat "$work/step.out"; echo "bench: $name failed"; exit 1; }
	m1=$(ticks "$mongo_pid")
	read -r w rss u sy < <(tail -n 1 "$tf")
	[[ $docs != 0 ]] || counts
	awk -v n="$name" -v w="$w" -v d="$docs" -v b="$bytes" -v r="$rss" -v c="$(awk -v u="$u" -v s="$sy" 'BEGIN { print u + s }')" \
		-v m="$(( (m1 - m0) ))" -v t="$tck" 'BEGIN {
		printf "%-40s %6.1f s %7.0f docs/s %5.1f MB/s  RSS %5.1f MB  cpu: revlens %5.1f s, stand-in %5.1f s\n",
			n, w, d / w, b / w / 1e6, r / 1024, c, m / t }'
}
step "1. dump" "$revlens" -c "$conf" dump "$work/d1"
echo "   ($docs documents, $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB of dump files)"
step "2. restore --drop --no-indexes" "$revlens" -c "$conf" restore --drop --no-indexes "$work/d1"
step "   then its indexes (revlens migrate)" "$revlens" -c "$conf" migrate
step "3. restore again (every _id replaced)" "$revlens" -c "$conf" restore "$work/d1"
step "4. dump --batch 100" "$revlens" -c "$conf" dump --batch 100 "$work/d2"
same=yes
for f in "$work"/d1/*.bson; do cmp -s "$f" "$work/d2/$(basename "$f")" || same=no; done
echo "the dump after both restores is byte-identical to the first: $same"
echo "load average at the end (2 cores here; above 2, wall times include waiting for a CPU): $(cut -d' ' -f1-3 /proc/loadavg)"
