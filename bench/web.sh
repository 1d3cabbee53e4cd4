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
export REVLENS_BUILDDIR=${REVLENS_BUILDDIR:-$SRCDIR/build/plain}
export REVLENS_RUNDIR=$(mktemp -d /var/tmp/revlens-bench.XXXXXX)
chmod 755 "$REVLENS_RUNDIR"
export REVLENS_PORT=${REVLENS_PORT:-$((20000 + RANDOM % 20000))}
export REVLENS_MONGO_BACKEND=memory REVLENS_WEB_WORKERS=${REVLENS_WEB_WORKERS:-4}
trap '"$SRCDIR/scripts/stack" down >/dev/null 2>&1 || true; rm -rf "$REVLENS_RUNDIR"' EXIT
command -v wrk >/dev/null || { echo "wrk is not installed (scripts/install-deps)"; exit 1; }

"$SRCDIR/scripts/stack" up >/dev/null
base=http://127.0.0.1:$REVLENS_PORT
body=$(curl -fsS "$base/api/version")
size=$(printf '%s\n' "$body" | wc -c)
static=$(sed -n 's|^ *alias \(.*\)/;|\1|p' "$REVLENS_RUNDIR/nginx/nginx.conf" | head -1)
[[ -d $static ]] || { echo "cannot find the static directory in nginx.conf"; exit 1; }
name=bench-$$.json
head -c "$size" /dev/zero | tr '\0' 'x' > "$static/$name"
trap 'rm -f "$static/$name"; "$SRCDIR/scripts/stack" down >/dev/null 2>&1 || true; rm -rf "$REVLENS_RUNDIR"' EXIT
curl -fsS -o /dev/null "$base/static/$name"

run() { # URL -> "rps p99_ms"; only 2xx answers count, anything else stops the bench
	local out rps p99 bad
	out=$(wrk -t2 -c50 -d"${DUR}s" --latency "$1")
	bad=$(awk '/Non-2xx or 3xx responses:/ {print $5} /Socket errors:/ {print "socket errors"}' <<<"$out")
	if [[ -n $bad ]]; then
		echo "bench: $1 answered with errors: $bad" >&2
		echo "$out" >&2
		exit 1
	fi
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
	echo "$rps $p99"
}
to_ms() { # wrk latency like 1.23ms, 456.00us, 1.01s
	awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
read -r app_rps app_p99 < <(run "$base/api/version")
read -r st_rps st_p99 < <(run "$base/static/$name")
# The bare libfcgi program on revlens-web's socket, for the ceiling.
gcc -O2 -o "$REVLENS_RUNDIR/fcgi_bare" "$SRCDIR/bench/fcgi_bare.c" $(pkg-config --libs fcgi 2>/dev/null || echo -lfcgi)
"$SRCDIR/scripts/stack" stop-service web >/dev/null
sock=$REVLENS_RUNDIR/web/web.sock
"$REVLENS_RUNDIR/fcgi_bare" "$sock" "$REVLENS_WEB_WORKERS" &
bare_pid=$!
for _ in $(seq 50); do [[ -S $sock ]] && break; sleep 0.1; done
chgrp www-data "$sock"
curl -fsS -o /dev/null "$base/api/version"
read -r bare_rps bare_p99 < <(run "$base/api/version")
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
