#!/usr/bin/env bash
# bench/search.sh — product search latency on N generated products (default 100,000).
#
# Starts a private stack, fills `products` with generated names (Korean and Latin
# brand, kind, size and pack words), then for each query runs wrk (1 thread,
# 1 connection: latency without queueing, DURATION seconds) on GET /api/products?q=… with a bearer token and
# prints req/s, p50 and p99, next to PostgreSQL's plan (index or scan) and the
# matches. A benchmark, not a test: it asserts nothing.
#
# usage: bench/search.sh [DURATION_SECONDS] [PRODUCTS]   (env: REVLENS_BUILDDIR)
set -euo pipefail
SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DUR=${1:-5}
N=${2:-100000}
. "$SRCDIR/bench/stack.sh"
bench_user
psql_() {
	/usr/lib/postgresql/15/bin/psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 \
		-p $((REVLENS_PORT + 1)) -U revlens -d revlens -c "$1"
}
t0=$(date +%s.%N)
psql_ "INSERT INTO products (coupang_product_id, url, name, price)
	SELECT 9000000000 + g, 'https://www.coupang.com/vp/products/' || (9000000000 + g),
	(ARRAY['매일', '삼다수', '농심', '오뚜기', '풀무원', '동원', 'Apple', 'Samsung', 'LG', 'Sony',
	       '비비고', '코카콜라'])[1 + g % 12] || ' ' ||
	(ARRAY['두유', '생수', '라면', '무선 이어폰', '노트북', '세탁 세제', '샴푸', '원두 커피',
	       '우유', '과자', 'Wireless Earbuds', 'Coffee Beans', '김치', '참치캔'])[1 + (g / 12) % 14] || ' ' ||
	(100 + g % 900) || 'ml ' || (1 + g % 24) || '팩',
	1000 + (g * 37) % 100000
	FROM generate_series(1, $N) g; ANALYZE products"
t1=$(date +%s.%N)
awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { printf "%d products generated in %.1f s\n", n, b - a }'
printf '%-18s %8s %9s %9s %9s  %s\n' query matches req/s p50_ms p99_ms plan
for q in 두유 이어폰 '무선 이어폰' wireless 'coffee beans' 300ml 참치캔 '없는상품명'; do
	enc=$(printf '%s' "$q" | od -An -tx1 | tr -d ' \n' | sed 's/../%&/g')
	matches=$(curl -fsS -H "Authorization: Bearer $token" "$base/api/products?q=$enc" |
		sed -n 's/.*"total":\([0-9]*\).*/\1/p')
	plan=$(psql_ "EXPLAIN SELECT id FROM products WHERE name_lc LIKE '%' || lower('$q') || '%'" |
		grep -oE 'Bitmap Index Scan on [a-z_]+|Seq Scan on [a-z_]+|Index Scan using [a-z_]+' | head -1)
	out=$(wrk -t1 -c1 -d"${DUR}s" --latency -H "Authorization: Bearer $token" "$base/api/products?q=$enc")
	printf '%-18s %8s %9s %9s %9s  %s\n' "$q" "$matches" \
		"$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")" \
		"$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")" \
		"$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")" "$plan"
done
