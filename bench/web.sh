#!/usr/bin/env bash
# bench/web.sh — revlens-web against nginx's own ceiling, in the same run.
#
# Starts a private stack (memory Mongo backend), then runs wrk (2 threads, 50
# connections, DURATION seconds each) against
#   1. GET /api/version   through nginx -> FastCGI -> revlens-web: real routing,
#      access logging and scoreboard accounting, no store access;
#   2. a static file of exactly the same body size served by nginx itself;
#   3. the same path served by bench/fcgi_bare.c, the smallest libfcgi program
#      (same number of processes, same socket): the FastCGI ceiling;
# and prints req/s, p99 and the ratios. A benchmark, not a test: it asserts nothing.
#
# usage: bench/web.sh [DURATION_SECONDS]   (env: REVLENS_BUILDDIR, default build/plain)
set -euo pipefail
SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DUR=${1:-8}
. "$SRCDIR/bench/stack.sh"
body=$(curl -fsS "$base/api/version")
size=$(printf '%s\n' "$body" | wc -c)
static=$(sed -n 's|^ *alias \(.*\)/;|\1|p' "$REVLENS_RUNDIR/nginx/nginx.conf" | head -1)
[[ -d $static ]] || { echo "cannot find the static directory in nginx.conf"; exit 1; }
name=bench-$$.json
head -c "$size" /dev/zero | tr '\0' 'x' > "$static/$name"
trap 'rm -f "$static/$name"; bench_cleanup' EXIT
curl -fsS -o /dev/null "$base/static/$name"

read -r app_rps app_p99 < <(bench_run "$base/api/version")
read -r st_rps st_p99 < <(bench_run "$base/static/$name")
# The bare libfcgi program on revlens-web's socket, for the ceiling.
gcc -O2 -o "$REVLENS_RUNDIR/fcgi_bare" "$SRCDIR/bench/fcgi_bare.c" $(pkg-config --libs fcgi 2>/dev/null || echo -lfcgi)
"$SRCDIR/scripts/stack" stop-service web >/dev/null
sock=$REVLENS_RUNDIR/web/web.sock
"$REVLENS_RUNDIR/fcgi_bare" "$sock" "$REVLENS_WEB_WORKERS" &
bare_pid=$!
for _ in $(seq 50); do [[ -S $sock ]] && break; sleep 0.1; done
chgrp www-data "$sock"
curl -fsS -o /dev/null "$base/api/version"
read -r bare_rps bare_p99 < <(bench_run "$base/api/version")
pkill -P "$bare_pid" 2>/dev/null; kill "$bare_pid" 2>/dev/null; wait "$bare_pid" 2>/dev/null || true
echo "body size: $size bytes; wrk -t2 -c50 -d${DUR}s; revlens-web workers: $REVLENS_WEB_WORKERS; $(nproc) cores"
printf '%-32s %12s %10s\n' target req/s p99_ms
printf '%-32s %12s %10s\n' "revlens-web GET /api/version" "$app_rps" "$(to_ms "$app_p99")"
printf '%-32s %12s %10s\n' "nginx static, same size" "$st_rps" "$(to_ms "$st_p99")"
printf '%-32s %12s %10s\n' "bare libfcgi, same body" "$bare_rps" "$(to_ms "$bare_p99")"
awk -v a="$app_rps" -v s="$st_rps" -v b="$bare_rps" 'BEGIN {
	printf "ratio revlens-web / nginx static: %.3f\n", a / s
	printf "ratio bare libfcgi / nginx static: %.3f\n", b / s
	printf "ratio revlens-web / bare libfcgi: %.3f\n", a / b }'
