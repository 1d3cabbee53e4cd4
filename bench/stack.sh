# bench/stack.sh — sourced by the web benchmarks: a private stack and a wrk runner.
#
# The caller sets SRCDIR and DUR. Starts a stack in a fresh runtime
# directory on a random port (memory Mongo backend, REVLENS_WEB_WORKERS workers,
# default 4), removes it on exit, and sets `base` to its URL. Then:
#   bench_run URL [HEADER]  -> "rps p99" (wrk -t2 -c50 -d$DUR); any non-2xx answer
#                              or socket error stops the benchmark
#   to_ms LATENCY           -> wrk's "1.23ms" / "456.00us" / "1.01s" in milliseconds
#   bench_user              -> applies the schemas, makes bench@example.com (password
#                              in $pw) and logs it in: $token (API) and $cookie (browser)
#   snap; cpu_report WALL [CLIENT_CPU]
#                           -> CPU seconds each server used since snap, and % of WALL
# (Used by bench/web.sh, bench/auth.sh, bench/ingest.sh and bench/worker.sh.)
export REVLENS_BUILDDIR=${REVLENS_BUILDDIR:-$SRCDIR/build/plain}
export REVLENS_RUNDIR=$(mktemp -d /var/tmp/revlens-bench.XXXXXX)
chmod 755 "$REVLENS_RUNDIR"
export REVLENS_PORT=${REVLENS_PORT:-$((20000 + RANDOM % 12000))}
export REVLENS_MONGO_BACKEND=memory REVLENS_WEB_WORKERS=${REVLENS_WEB_WORKERS:-4}
# the benchmarks run their own revlens-worker, timed
export REVLENS_STACK_WORKER=0
bench_cleanup() { "$SRCDIR/scripts/stack" down >/dev/null 2>&1 || true; rm -rf "$REVLENS_RUNDIR"; }
trap bench_cleanup EXIT
command -v wrk >/dev/null || { echo "wrk is not installed (scripts/install-deps)"; exit 1; }
"$SRCDIR/scripts/stack" up >/dev/null
base=http://127.0.0.1:$REVLENS_PORT

bench_run() {
	local out bad
	if [[ -n ${2:-} ]]; then
		out=$(wrk -t2 -c50 -d"${DUR}s" --latency -H "$2" "$1")
	else
		out=$(wrk -t2 -c50 -d"${DUR}s" --latency "$1")
	fi
	bad=$(awk '/Non-2xx or 3xx responses:/ {print $5} /Socket errors:/ {print "socket errors"}' <<<"$out")
	if [[ -n $bad ]]; then
		echo "bench: $1 answered with errors: $bad" >&2
		echo "$out" >&2
		exit 1
	fi
	echo "$(awk '/^Requests\/sec:/ {print $2}' <<<"$out") $(awk '$1 == "99%" {print $2}' <<<"$out")"
}

to_ms() {
	awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}

bench_user() {
	local jar=$REVLENS_RUNDIR/cookies csrf conf=$REVLENS_RUNDIR/revlens.conf
	pw='bench pass phrase 2026'
	"$REVLENS_BUILDDIR/revlens" -c "$conf" migrate >/dev/null
	printf '%s\n' "$pw" | "$REVLENS_BUILDDIR/revlens" -c "$conf" user add bench@example.com >/dev/null
	token=$(curl -fsS -H 'Content-Type: application/json' \
		-d "{\"email\":\"bench@example.com\",\"password\":\"$pw\"}" "$base/api/auth/token" |
		sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
	[[ -n $token ]] || { echo "bench: POST /api/auth/token failed"; exit 1; }
	# a browser session: the form's CSRF cookie and token, then the log-in
	csrf=$(curl -fsS -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
	curl -fsS -o /dev/null -b "$jar" -c "$jar" -H "Origin: $base" --data-urlencode "csrf=$csrf" \
		--data-urlencode "email=bench@example.com" --data-urlencode "password=$pw" "$base/login"
	cookie=$(awk '$6 == "rl_session" {print "rl_session=" $7}' "$jar")
	[[ -n $cookie ]] || { echo "bench: log-in through the form failed"; exit 1; }
}

# CPU accounting: each server with its children, from /proc
tck=$(getconf CLK_TCK)
pg_pid=$(head -n 1 "$REVLENS_RUNDIR/pg/data/postmaster.pid")
mongo_pid=$(cat "$REVLENS_RUNDIR/mongo/mongo.pid")
web_pid=$(cat "$REVLENS_RUNDIR/web/revlens-web.pid")
redis_pid=$(cat "$REVLENS_RUNDIR/redis/redis.pid")
nginx_pid=$(cat "$REVLENS_RUNDIR/nginx/nginx.pid")
tree_ticks() { # PID: utime+stime of the process, of its reaped children and of its live children
	# (processes come and go while we read: cat skips the vanished ones)
	{ cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v root="$1" '
		{
			pid = $1
			sub(/^.*\) /, "")   # fields after the command name: $1 = state, $2 = ppid
			if (pid == root) t += $12 + $13 + $14 + $15
			else if ($2 == root) t += $12 + $13
		}
		END { print t + 0 }'
}
declare -A cpu0
snap() { for s in postgres mongo web redis nginx; do cpu0[$s]=$(tree_ticks "$(server_pid $s)"); done; }
server_pid() { case $1 in postgres) echo "$pg_pid" ;; mongo) echo "$mongo_pid" ;; web) echo "$web_pid" ;;
	redis) echo "$redis_pid" ;; nginx) echo "$nginx_pid" ;; esac; }
# cpu_report WALL [CLIENT_CPU]: CPU seconds of each server since the last snap, and % of WALL
cpu_report() {
	local wall=$1 client=${2:-} s d line=""
	for s in postgres mongo web redis nginx; do
		d=$(( $(tree_ticks "$(server_pid $s)") - ${cpu0[$s]} ))
		line+=$(awk -v s="$s" -v d="$d" -v t="$tck" -v w="$wall" 'BEGIN { printf "  %s %.2fs (%.0f%%)", s, d / t, 100 * d / t / w }')
	done
	[[ -n $client ]] && line+=$(awk -v c="$client" -v w="$wall" 'BEGIN { printf "  client %.2fs (%.0f%%)", c, 100 * c / w }')
	echo "    cpu:$line"
}
