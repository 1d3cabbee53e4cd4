#!/usr/bin/env bash
# bench/auth.sh — what authentication costs: session-checked routes against the
# no-database route in the same run, and log-ins per second at the configured cost.
#
# Starts a private stack (memory Mongo backend, the default Argon2id cost of
# etc/revlens.conf.example: 64 MiB, 2 passes), creates a user with
# `revlens user add`, logs in once through the form (cookie) and once through
# POST /api/auth/token (bearer), then runs wrk (2 threads, 50 connections,
# DURATION seconds each), interleaved:
#   1. GET /api/version   no session, no store: the ceiling of the app;
#   2. GET /api/me        bearer token: JWT check + one Redis round trip
#                         (the answer comes from the session record);
#   3. GET /me            browser cookie: one Redis round trip + the profile
#                         query in PostgreSQL + the full page;
# ROUNDS times (default 3), and prints req/s, p99, each ratio to 1 and the median
# ratios (the machine's noise is large: single runs vary by 10-20 %). Then LOGINS log-ins through
# POST /api/auth/token, two at a time: log-ins per second at that cost.
# A benchmark, not a test: it asserts nothing.
#
# usage: bench/auth.sh [DURATION_SECONDS] [LOGINS]   (env: REVLENS_BUILDDIR, default build/plain)
set -euo pipefail
SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DUR=${1:-8}
LOGINS=${2:-40}
ROUNDS=${ROUNDS:-3}
. "$SRCDIR/bench/stack.sh"
bench_user
curl -fsS -o /dev/null -H "Cookie: $cookie" "$base/me"
curl -fsS -o /dev/null -H "Authorization: Bearer $token" "$base/api/me"

echo "wrk -t2 -c50 -d${DUR}s; revlens-web workers: $REVLENS_WEB_WORKERS; $(nproc) cores; $ROUNDS rounds"
printf '%-40s %12s %10s %8s\n' target req/s p99_ms ratio
ra=() rm=()
for round in $(seq "$ROUNDS"); do
	read -r v_rps v_p99 < <(bench_run "$base/api/version")
	read -r a_rps a_p99 < <(bench_run "$base/api/me" "Authorization: Bearer $token")
	read -r m_rps m_p99 < <(bench_run "$base/me" "Cookie: $cookie")
	ra+=("$(awk -v a="$a_rps" -v b="$v_rps" 'BEGIN { printf "%.3f", a / b }')")
	rm+=("$(awk -v a="$m_rps" -v b="$v_rps" 'BEGIN { printf "%.3f", a / b }')")
	printf '%-40s %12s %10s %8s\n' "[$round] GET /api/version (no session)" "$v_rps" "$(to_ms "$v_p99")" 1.000
	printf '%-40s %12s %10s %8s\n' "[$round] GET /api/me (bearer, Redis)" "$a_rps" "$(to_ms "$a_p99")" "${ra[-1]}"
	printf '%-40s %12s %10s %8s\n' "[$round] GET /me (cookie, Redis + PG page)" "$m_rps" "$(to_ms "$m_p99")" "${rm[-1]}"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "median ratio GET /api/me / GET /api/version: $(median "${ra[@]}")"
echo "median ratio GET /me / GET /api/version: $(median "${rm[@]}")"

# log-ins at the configured Argon2id cost, two at a time (one per core)
login() {
	curl -fsS -o /dev/null -H 'Content-Type: application/json' \
		-d "{\"email\":\"bench@example.com\",\"password\":\"$pw\"}" "$base/api/auth/token"
}
export -f login; export base pw
start=$(date +%s.%N)
seq "$LOGINS" | xargs -P2 -I{} bash -c login
end=$(date +%s.%N)
awk -v n="$LOGINS" -v s="$start" -v e="$end" -v c="$(grep -E '^auth.pwhash_(ops|mem)limit' "$SRCDIR/etc/revlens.conf.example" | tr '\n' ' ')" \
	'BEGIN { printf "log-ins (POST /api/auth/token, 2 in parallel, %s): %d in %.2f s = %.1f/s\n", c, n, e - s, n / (e - s) }'
