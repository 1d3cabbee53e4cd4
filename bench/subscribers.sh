#!/usr/bin/env bash
# bench/subscribers.sh — how many live-progress subscribers one nginx holds while
# revlens-web stays responsive (no FastCGI worker is held by a subscriber).
#
# Starts a private stack, makes a user and an analysis request, opens N EventSource
# subscriptions to /live/requests/{id} (bench/subscribers.c; each one authorised by
# revlens-web through nginx's internal auth location), then, while they are held, runs
# wrk on GET /api/version for DURATION seconds, publishes one progress message and
# counts the subscribers that received it. Asserts nothing.
#
# usage: bench/subscribers.sh [N] [DURATION_SECONDS]   (default 5000, 5)
set -euo pipefail
SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
N=${1:-5000}
DUR=${2:-5}
. "$SRCDIR/bench/stack.sh"
bench_user
pid=$(curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	-d '{"url":"1234567"}' "$base/api/products" | sed -n 's/^{"id":\([0-9]*\).*/\1/p')
rid=$(curl -fsS -X POST -H "Authorization: Bearer $token" "$base/api/products/$pid/analyses" |
	sed -n 's/^{"id":\([0-9]*\).*/\1/p')
gcc -O2 -o "$REVLENS_RUNDIR/subscribers" "$SRCDIR/bench/subscribers.c"
read -r v0 p0 < <(bench_run "$base/api/version")
fifo=$REVLENS_RUNDIR/subs.out
"$REVLENS_RUNDIR/subscribers" "$REVLENS_PORT" "/live/requests/$rid" "$cookie" "$N" 30 > "$fifo" &
spid=$!
for _ in $(seq 120); do grep -q '^ready' "$fifo" 2>/dev/null && break; sleep 0.5; done
head -1 "$fifo"
read -r v1 p1 < <(bench_run "$base/api/version")
t0=$(date +%s.%N)
curl -fsS -o /dev/null --unix-socket "$REVLENS_RUNDIR/nginx/publish.sock" -X POST \
	-H 'Content-Type: application/json' -d "{\"id\":$rid,\"status\":\"running\",\"stage\":\"collect\",\"percent\":10}" \
	"http://localhost/pub/request-$rid"
wait "$spid"
t1=$(date +%s.%N)
tail -1 "$fifo"
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "delivery to all of them took at most %.2f s\n", b - a }'
printf 'GET /api/version (wrk -t2 -c50 -d%ss): %s req/s p99 %s ms alone, %s req/s p99 %s ms with the subscribers held\n' \
	"$DUR" "$v0" "$(to_ms "$p0")" "$v1" "$(to_ms "$p1")"
