#!/usr/bin/env bash
# bench/products.sh — a cached product summary against the no-database route.
#
# Starts a private stack, registers a product, logs in (cookie and bearer token) and
# runs wrk (2 threads, 50 connections, DURATION seconds each), ROUNDS times (default 3)
# interleaved, on
#   1. GET /api/version        no session, no store;
#   2. GET /api/products/{id}  bearer token: one Redis HMGET (session) + one GET (cache);
#   3. GET /products/{id}      browser cookie: the same two Redis calls, the HTML page,
#                              and its latest-analysis query in PostgreSQL;
# printing req/s, p99, each ratio to 1 and the median ratios. Asserts nothing.
#
# usage: bench/products.sh [DURATION_SECONDS]   (env: REVLENS_BUILDDIR, ROUNDS)
set -euo pipefail
SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DUR=${1:-8}
ROUNDS=${ROUNDS:-3}
. "$SRCDIR/bench/stack.sh"
bench_user
id=$(curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	-d '{"url":"https://www.coupang.com/vp/products/7335597976"}' "$base/api/products" |
	sed -n 's/^{"id":\([0-9]*\).*/\1/p')
curl -fsS -o /dev/null -H "Cookie: $cookie" "$base/products/$id"    # warm the cache

echo "wrk -t2 -c50 -d${DUR}s; revlens-web workers: $REVLENS_WEB_WORKERS; $(nproc) cores; product $id"
printf '%-44s %12s %10s %8s\n' target req/s p99_ms ratio
ra=() rp=()
for round in $(seq "$ROUNDS"); do
	read -r v_rps v_p99 < <(bench_run "$base/api/version")
	read -r a_rps a_p99 < <(bench_run "$base/api/products/$id" "Authorization: Bearer $token")
	read -r p_rps p_p99 < <(bench_run "$base/products/$id" "Cookie: $cookie")
	ra+=("$(awk -v a="$a_rps" -v b="$v_rps" 'BEGIN { printf "%.3f", a / b }')")
	rp+=("$(awk -v a="$p_rps" -v b="$v_rps" 'BEGIN { printf "%.3f", a / b }')")
	printf '%-44s %12s %10s %8s\n' "[$round] GET /api/version" "$v_rps" "$(to_ms "$v_p99")" 1.000
	printf '%-44s %12s %10s %8s\n' "[$round] GET /api/products/$id (bearer, cached)" "$a_rps" "$(to_ms "$a_p99")" "${ra[-1]}"
	printf '%-44s %12s %10s %8s\n' "[$round] GET /products/$id (cookie, cached + page)" "$p_rps" "$(to_ms "$p_p99")" "${rp[-1]}"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "median ratio GET /api/products/{id} / GET /api/version: $(median "${ra[@]}")"
echo "median ratio GET /products/{id} / GET /api/version: $(median "${rp[@]}")"
