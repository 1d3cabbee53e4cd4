#!/usr/bin/env bash
# bench/ingest.sh — review ingestion throughput (docs/ingest.md) on a private stack.
#
# Starts a stack with bench/stack.sh (memory Mongo stand-in, REVLENS_WEB_WORKERS
# workers), makes bench@example.com and an ingest token, generates reviews whose texts
# are the demo reviews (data/demo/demo.jsonl.gz) and measures
#   1. POST /api/ingest/reviews, batches of 1,000 (curl): API_REVIEWS reviews over one
#      connection, then as many again from API_PARALLEL parallel posters;
#   2. `revlens import` of a JSON-lines file of IMPORT_REVIEWS reviews, all new;
#   3. where the time goes: `revlens import --dry-run` of the same file (parsing and
#      validation alone, when the CLI has it), a second import of the file (every line
#      unchanged: reads and compares, no review write) and the CPU seconds each server
#      spent in each phase (utime+stime from /proc, children included).
# Prints reviews/s for each and a summary. Reports; asserts nothing (target: at least
# 20,000 reviews/s through import).
#
# The full-size run takes about a minute. (Before ingestion keyed its documents by _id,
# every upsert made the Mongo stand-in scan the collection, and it took hours: the
# per-batch times printed in phase 1 show whether a batch's cost grows with the data.)
# A quick look: API_REVIEWS=5000 IMPORT_REVIEWS=10000 bench/ingest.sh.
#
# usage: bench/ingest.sh     (env: REVLENS_BUILDDIR, API_REVIEWS=50000,
#                             API_PARALLEL=4, IMPORT_REVIEWS=100000)
set -euo pipefail
SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
API_REVIEWS=${API_REVIEWS:-50000}
API_PARALLEL=${API_PARALLEL:-4}
IMPORT_REVIEWS=${IMPORT_REVIEWS:-100000}
DUR=1  # bench/stack.sh wants it; no wrk run here
. "$SRCDIR/bench/stack.sh"
conf=$REVLENS_RUNDIR/revlens.conf
revlens=$REVLENS_BUILDDIR/revlens
work=$REVLENS_RUNDIR/ingest-bench
mkdir -p "$work"

if ! "$revlens" -c "$conf" import --help >/dev/null 2>&1 &&
	"$revlens" -c "$conf" import --help 2>&1 | grep -q 'unknown command'; then
	echo "bench: this build has no \`revlens import\` yet"; exit 1
fi
bench_user
ingest_token=$("$revlens" -c "$conf" token create --ingest --user bench@example.com --name bench | head -n 1)
[[ $ingest_token == rli_* ]] || { echo "bench: revlens token create --ingest printed no token"; exit 1; }

# ---------------------------------------------------------------- the data
# Review texts and ratings of the demo file, cycled; ids unique per phase; one product
# per 1,000 reviews in the API batches (a collector posts one product's pages), 5,000
# per product in the import file.
python3 - "$SRCDIR/data/demo/demo.jsonl.gz" "$work" "$API_REVIEWS" "$IMPORT_REVIEWS" <<'EOF'
import gzip, json, sys
src, work, n_api, n_imp = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
demo = [o for o in map(json.loads, gzip.open(src, 'rt', encoding='utf-8')) if o['kind'] == 'review']
base_ms = 1767193200000  # 2026-01-01T00:00:00+09:00
def review(n, pid, tag):
    d = demo[n % len(demo)]
    o = {'product_id': pid, 'review_id': f'{tag}-{n}', 'rating': d['rating'],
         'content': d['content'], 'written_at': base_ms + n * 37_000}
    if d['title']:
        o['title'] = d['title']
    o['option'] = d['option']
    o['author'] = d['author']
    return o
for phase, first_pid in (('seq', 8900000001), ('par', 8901000001)):
    for b in range((n_api + 999) // 1000):
        items = [review(n, first_pid + b, phase) for n in range(b * 1000, min(n_api, (b + 1) * 1000))]
        with open(f'{work}/{phase}-{b:04d}.json', 'w', encoding='utf-8') as f:
            json.dump({'collector': 'bench', 'items': items}, f, ensure_ascii=False, separators=(',', ':'))
with open(f'{work}/import.jsonl', 'w', encoding='utf-8') as f:
    for n in range(n_imp):
        o = review(n, 8910000001 + n // 5000, 'imp')
        f.write(json.dumps(dict(kind='review', **o), ensure_ascii=False, separators=(',', ':')) + '\n')
EOF
echo "data: $(du -sh "$work" | cut -f1) in $work; demo texts ($(gzip -dc "$SRCDIR/data/demo/demo.jsonl.gz" | grep -c '"kind":"review"') distinct)"

now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }

declare -A result
# ---------------------------------------------------------------- 1. the API
post_batch() { # FILE -> the answer's "new" count, or an error line on stderr
	local body
	body=$(curl -sS -w '\n%{http_code}' -H "Authorization: Bearer $ingest_token" \
		-H 'Content-Type: application/json' --data-binary "@$1" "$base/api/ingest/reviews") || return 1
	if [[ ${body##*$'\n'} != 200 ]]; then
		echo "bench: $1: HTTP ${body##*$'\n'}: ${body%$'\n'*}" >&2; return 1
	fi
	sed -n 's/.*"new":\([0-9]*\).*/\1/p' <<<"${body%$'\n'*}"
}
export -f post_batch
export ingest_token base

echo
echo "1. POST /api/ingest/reviews, batches of 1,000, $API_REVIEWS reviews"
snap; t0=$(now)
new=0 times=()
for f in "$work"/seq-*.json; do
	b0=$(now)
	n=$(post_batch "$f") || exit 1
	times+=("$(awk -v a="$b0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')")
	new=$((new + n))
done
t1=$(now); wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
result[api1]=$(rate "$API_REVIEWS" "$wall")
printf '   one connection:        %6.2fs  %8s reviews/s  (new: %d)\n' "$wall" "${result[api1]}" "$new"
# a batch's time as the collection grows (constant if every write is indexed)
if (( ${#times[@]} <= 10 )); then
	echo "    seconds per batch, in order: ${times[*]}"
else
	echo "    seconds per batch, in order: ${times[*]:0:5} ... ${times[*]: -5}"
fi
cpu_report "$wall"

snap; t0=$(now)
new=$(ls "$work"/par-*.json | xargs -P "$API_PARALLEL" -n 1 bash -c 'post_batch "$0"' | awk '{ s += $1 } END { print s + 0 }') ||
	{ echo "bench: a parallel batch failed (above)"; exit 1; }
t1=$(now); wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
result[apiN]=$(rate "$API_REVIEWS" "$wall")
printf '   %d parallel posters:    %6.2fs  %8s reviews/s  (new: %d)\n' "$API_PARALLEL" "$wall" "${result[apiN]}" "$new"
cpu_report "$wall"

# ---------------------------------------------------------------- 2. revlens import
# run_import LABEL ARGS...: times `revlens import ARGS FILE`, prints its last report line
run_import() {
	local label=$1 out=$work/import.out tf=$work/import.time st=0 wall ucpu
	shift
	snap
	/usr/bin/time -f '%e %U %S' -o "$tf" "$revlens" -c "$conf" import "$@" "$work/import.jsonl" \
		>"$out" 2>&1 || st=$?
	read -r wall u s < "$tf"
	ucpu=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
	result[$label]=$(rate "$IMPORT_REVIEWS" "$wall")
	printf '   %-22s %6.2fs  %8s reviews/s  (exit %d: %s)\n' "$label:" "$wall" "${result[$label]}" \
		"$st" "$(grep -v '^[[:space:]]*$' "$out" | paste -sd ";" - | sed "s/;/; /g")"
	cpu_report "$wall" "$ucpu"
}
echo
echo "2. revlens import, $IMPORT_REVIEWS reviews ($(du -h "$work/import.jsonl" | cut -f1) of JSON lines)"
run_import "new" --collector bench

echo
echo "3. where the time goes"
if "$revlens" -c "$conf" import --help 2>&1 | grep -q -- '--dry-run'; then
	run_import "dry-run" --dry-run --collector bench
else
	echo "   dry-run:               not measured (this revlens import has no --dry-run)"
fi
run_import "unchanged" --collector bench

echo
echo "summary ($(nproc) cores, memory Mongo stand-in, $REVLENS_WEB_WORKERS web workers):"
echo "   API, one connection:     ${result[api1]} reviews/s"
echo "   API, $API_PARALLEL connections:       ${result[apiN]} reviews/s"
echo "   import, all new:         ${result[new]} reviews/s   (target >= 20000)"
[[ -n ${result[dry-run]:-} ]] && echo "   import --dry-run:        ${result[dry-run]} reviews/s   (parse + validate only)"
echo "   import, all unchanged:   ${result[unchanged]} reviews/s"
