#!/bin/sh
# bench/kr_bench.sh [BUILDDIR] [DATA] — kr_analyze() throughput on one core (CPU 0).
# Builds bench/kr_bench in BUILDDIR (default build/plain) and runs it on dev.tsv.
set -eu
SRCDIR=$(cd "$(dirname "$0")/.." && pwd -P)
B=${1:-$SRCDIR/build/plain}
DATA=${2:-$SRCDIR/../shared/data/reviews/dev.tsv}
make -s -C "$B" bench/kr_bench
exec taskset -c 0 "$B/bench/kr_bench" "$SRCDIR/data/kr/sentiment.model" "$DATA" "${KR_BENCH_SECONDS:-5}"
