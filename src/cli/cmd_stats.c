/* cmd_stats.c — `revlens stats`, `revlens stats queries`, `revlens stats record`
 * (see cmd_stats.h; the numbers are explained in docs/capacity.md).
 *
 * The sizes come from lib/capacity.c, measured now; the growth from the daily samples
 * revlens-aggregator records (capacity_samples). The projection groups the stores by
 * the file system their stats.*_path lies on (stat's st_dev), adds up the growth per day
 * of the stores on it and divides the space left to unprivileged users (statvfs
 * f_bavail) by it: the days until that disk is full if the data keeps growing as it
 * did. Redis' growth is that of its memory, which its RDB/AOF files follow.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <json-c/json.h>

#include "cli/cmd_stats.h"
#include "lib/capacity.h"
#include "lib/log.h"
#include "lib/mongo.h"
#include "lib/pg.h"
#include "lib/strnum.h"

#define ME "revlens stats"
#define EXIT_FAIL  1
#define EXIT_USAGE 2
#define LIMIT_DEFAULT 20
#define LIMIT_MAX 1000
#define QUERY_SHOWN 160         /* bytes of a statement's text in the table (JSON: all) */
#define TOP_TEXT 5              /* fastest-growing objects in the text report */
#define TOP_JSON 20             /* ... and in --json */

#define USAGE "usage: revlens [-c CONF] stats [--json]\n" \
	"       revlens [-c CONF] stats queries [--limit N] [--json]   (N: 1..1000, default 20)\n" \
	"       revlens [-c CONF] stats record\n"

/* The disk of one or more stores. */
struct disk {
	dev_t dev;
	char paths[3][256];
	int stores[CAP_NSTORES];    /* 1 when the store's path is on this disk */
	int np;
	long long free_bytes, total_bytes;
	double growth;              /* bytes a day of the stores on it with a known growth */
	int unknown_growth;         /* stores on it whose growth is not known yet */
};

/* A store whose disk is not known, and why. */
struct nodisk {
	int store;
	char path[256];
	char why[200];
};

static const char *const store_title[CAP_NSTORES] = { "PostgreSQL", "MongoDB", "Redis" };
static const char *const conn_key[CAP_NSTORES] = { "postgres.conninfo", "mongodb.uri", "redis.*" };
static const char *const path_key[CAP_NSTORES] = { "stats.postgres_path", "stats.mongodb_path", "stats.redis_path" };

static void human(long long b, char *out, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)(b < 0 ? -b : b);
	int u = 0;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, len, "%s%lld B", b < 0 ? "-" : "", b < 0 ? -b : b);
	else
		snprintf(out, len, "%s%.1f %s", b < 0 ? "-" : "", v, unit[u]);
}

/* The statement's text on one line: white space runs as one space, control bytes '?';
 * cut at max bytes (on a UTF-8 boundary) with "...". */
static void flat(const char *s, char *out, size_t outlen, size_t max)
{
	char *tmp = malloc(strlen(s) + 1);
	size_t n = 0;
	int space = 0;

	if (tmp == NULL) {
		snprintf(out, outlen, "?");
		return;
	}
	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
			space = n > 0;
			continue;
		}
		if (space)
			tmp[n++] = ' ';
		space = 0;
		tmp[n++] = *s;
	}
	tmp[n] = '\0';
	log_safe(out, outlen < max + 4 ? outlen : max + 4, tmp, n);
	free(tmp);
}

/* s padded with spaces to width terminal columns (Hangul and other wide characters
 * take two), on the left when right is set. */
static void cell(const char *s, int width, int right)
{
	const unsigned char *u = (const unsigned char *)s;
	int cols = 0;

	for (size_t i = 0; u[i] != '\0'; i++) {
		if ((u[i] & 0xc0) == 0x80)
			continue;           /* continuation byte */
		cols += u[i] >= 0xe1 ? 2 : 1;   /* U+1100 and up: Hangul, CJK */
	}
	if (!right)
		fputs(s, stdout);
	for (; cols < width; cols++)
		putchar(' ');
	if (right)
		fputs(s, stdout);
}

/* ------------------------------------------------------------------ stats queries */

static int queries(const struct config *cfg, long long limit, int json)
{
	struct pg_conn pg;
	char lim[24];
	const char *p[1] = { lim };
	int rc = EXIT_FAIL;
	json_object *arr = NULL;

	snprintf(lim, sizeof(lim), "%lld", limit);
	if (pg_init_file(&pg, cfg->pg_conninfo, cfg->pg_password_file) != 0) {
		fprintf(stderr, ME ": PostgreSQL: %s\n", pg.err);
		return EXIT_FAIL;
	}
	if (pg_exec(&pg, "SELECT s.calls, round(s.total_exec_time::numeric, 3)::text, "
	    "round(s.mean_exec_time::numeric, 3)::text, s.rows, s.query "
	    "FROM pg_stat_statements s WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
	    "ORDER BY s.total_exec_time DESC LIMIT $1::int", 1, p) == -1) {
		const char *st = pg_sqlstate(&pg);

		if (strcmp(st, "42P01") == 0 || strcmp(st, "42883") == 0)
			fprintf(stderr, ME " queries: 이 데이터베이스에 pg_stat_statements 확장이 없습니다. "
			    "postgresql.conf의 shared_preload_libraries에 pg_stat_statements를 넣고 PostgreSQL을 "
			    "다시 시작한 다음, 데이터베이스 소유자로 CREATE EXTENSION pg_stat_statements; 를 실행하세요 "
			    "(docs/capacity.md). (%s)\n", pg.err);
		else if (strcmp(st, "55000") == 0)
			fprintf(stderr, ME " queries: pg_stat_statements가 로드되지 않았습니다. postgresql.conf에 "
			    "shared_preload_libraries = 'pg_stat_statements' 를 넣고 PostgreSQL을 다시 시작하세요. (%s)\n",
			    pg.err);
		else
			fprintf(stderr, ME " queries: PostgreSQL: %s\n", pg.err);
		goto out;
	}
	if (json) {
		arr = json_object_new_array();
		for (int i = 0; i < pg_ntuples(&pg); i++) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "calls", json_object_new_int64(pg_value_ll(&pg, i, 0)));
			json_object_object_add(o, "total_ms", json_object_new_double(strtod(pg_value(&pg, i, 1), NULL)));
			json_object_object_add(o, "mean_ms", json_object_new_double(strtod(pg_value(&pg, i, 2), NULL)));
			json_object_object_add(o, "rows", json_object_new_int64(pg_value_ll(&pg, i, 3)));
			json_object_object_add(o, "query", json_object_new_string(pg_value(&pg, i, 4) ? pg_value(&pg, i, 4) : ""));
			json_object_array_add(arr, o);
		}
		puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	} else if (pg_ntuples(&pg) == 0) {
		printf("pg_stat_statements에 이 데이터베이스의 문장이 아직 없습니다.\n");
	} else {
		printf("총 실행 시간 상위 %d개 문장 (pg_stat_statements, 통계 초기화 이후 누적)\n", pg_ntuples(&pg));
		cell("순위", 4, 1);
		cell("호출", 11, 1);
		cell("총 ms", 15, 1);
		cell("평균 ms", 13, 1);
		cell("행", 11, 1);
		printf("  문장\n");
		for (int i = 0; i < pg_ntuples(&pg); i++) {
			char text[QUERY_SHOWN + 8];

			flat(pg_value(&pg, i, 4) ? pg_value(&pg, i, 4) : "", text, sizeof(text), QUERY_SHOWN);
			printf("%4d %10lld %14s %12s %10lld  %s\n", i + 1, pg_value_ll(&pg, i, 0), pg_value(&pg, i, 1),
			    pg_value(&pg, i, 2), pg_value_ll(&pg, i, 3), text);
		}
	}
	rc = 0;
out:
	if (arr != NULL)
		json_object_put(arr);
	pg_close(&pg);
	return rc;
}

/* ------------------------------------------------------------------ disks */

static void find_disks(const struct config *cfg, const struct cap_growth *g, int ng,
    struct disk d[CAP_NSTORES], int *nd, struct nodisk u[CAP_NSTORES], int *nu)
{
	const char *paths[CAP_NSTORES] = { cfg->stats_postgres_path, cfg->stats_mongodb_path, cfg->stats_redis_path };

	*nd = *nu = 0;
	for (int s = 0; s < CAP_NSTORES; s++) {
		struct stat st;
		struct statvfs vfs;
		struct disk *k = NULL;
		const struct cap_growth *gs = NULL;

		if (paths[s][0] == '\0' || stat(paths[s], &st) == -1 || statvfs(paths[s], &vfs) == -1) {
			struct nodisk *x = &u[(*nu)++];
			x->store = s;
			snprintf(x->path, sizeof(x->path), "%s", paths[s]);
			if (paths[s][0] == '\0')
				snprintf(x->why, sizeof(x->why), "%s가 비어 있습니다 (다른 호스트의 저장소)", path_key[s]);
			else
				snprintf(x->why, sizeof(x->why), "%s: %s (%s에 이 호스트의 데이터 디렉터리를 적으세요)",
				    paths[s], strerror(errno), path_key[s]);
			continue;
		}
		for (int i = 0; i < *nd; i++)
			if (d[i].dev == st.st_dev)
				k = &d[i];
		if (k == NULL) {
			k = &d[(*nd)++];
			memset(k, 0, sizeof(*k));
			k->dev = st.st_dev;
			k->free_bytes = (long long)vfs.f_bavail * (long long)vfs.f_frsize;
			k->total_bytes = (long long)vfs.f_blocks * (long long)vfs.f_frsize;
		}
		snprintf(k->paths[k->np++], sizeof(k->paths[0]), "%s", paths[s]);
		k->stores[s] = 1;
		for (int i = 0; i < ng; i++)
			if ((int)g[i].store == s && g[i].days > 0)
				gs = &g[i];
		if (gs != NULL)
			k->growth += (double)gs->bytes_delta / gs->days;
		else
			k->unknown_growth++;
	}
}

/* YYYY-MM-DD days from now (UTC), "" when too far to matter. */
static void date_after(long long days, char *out, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	out[0] = '\0';
	if (days < 0 || days > 365LL * 200)
		return;
	t += (time_t)days * 86400;
	if (gmtime_r(&t, &tm) != NULL)
		strftime(out, len, "%Y-%m-%d", &tm);
}

/* ------------------------------------------------------------------ report */

static void print_text(const struct cap_report *r, const struct cap_growth *g, int ng,
    const struct cap_object_growth *og, int nog,
    const struct disk *d, int nd, const struct nodisk *u, int nu, const char *growth_err)
{
	char a[32], b[32];

	for (int s = 0; s < CAP_NSTORES; s++) {
		long long total = 0, rows = 0;

		printf("%s\n", store_title[s]);
		if (r->err[s][0] != '\0')
			printf("  측정하지 못했습니다: %s\n  (서버를 시작하거나 %s 설정을 고친 뒤 다시 실행하세요)\n", r->err[s],
			    conn_key[s]);
		printf("  ");
		cell(s == CAP_PG ? "테이블" : s == CAP_MONGO ? "컬렉션" : "서버의 역할", 32, 0);
		cell(s == CAP_PG ? "행" : s == CAP_MONGO ? "문서" : "키", 17, 1);
		cell(s == CAP_REDIS ? "메모리" : "크기", 13, 1);
		printf("%s\n", s == CAP_PG ? "" : s == CAP_MONGO ? "  크기 출처" : "  주소, maxmemory");
		for (size_t i = 0; i < r->n; i++) {
			const struct cap_item *it = &r->v[i];

			if ((int)it->store != s)
				continue;
			total += it->bytes;
			rows += it->rows;
			human(it->bytes, a, sizeof(a));
			snprintf(b, sizeof(b), "%lld%s", it->rows, it->rows_exact ? "" : " (추정)");
			if (s == CAP_PG) {
				printf("  %-32s %16s %12s\n", it->object, b, a);
			} else if (s == CAP_MONGO) {
				printf("  %-32s %16s %12s  %s\n", it->object, b, a, it->how);
			} else {
				char lim[32];
				if (it->limit > 0)
					human(it->limit, lim, sizeof(lim));
				else
					snprintf(lim, sizeof(lim), "제한 없음");
				printf("  %-32s %16s %12s  %s, maxmemory %s%s\n", it->object, b, a, it->endpoint, lim,
				    strchr(it->object, '+') != NULL ? " (이 역할들이 한 서버를 함께 씁니다)" : "");
			}
		}
		human(total, a, sizeof(a));
		printf("  ");
		cell("합계", 32, 0);
		printf(" %16lld %12s\n\n", rows, a);
	}

	printf("하루 증가량 (revlens-aggregator의 일별 표본, 최근 %d일 안에서)\n", CAP_GROWTH_WINDOW);
	if (growth_err != NULL)
		printf("  읽지 못했습니다: %s\n", growth_err);
	else if (ng == 0)
		printf("  표본이 아직 없습니다: revlens-aggregator가 하루 한 번 남깁니다 (지금 남기려면 revlens stats record)\n");
	for (int i = 0; i < ng; i++) {
		if (g[i].days == 0) {
			printf("  %-10s 표본이 하루치(%s)뿐입니다: 다른 날의 표본이 있어야 증가량을 압니다\n",
			    store_title[g[i].store], g[i].to);
			continue;
		}
		human((long long)((double)g[i].bytes_delta / g[i].days), a, sizeof(a));
		printf("  %-10s 하루 %s, %.1f행 (%s ~ %s, %d일)\n", store_title[g[i].store], a,
		    (double)g[i].rows_delta / g[i].days, g[i].from, g[i].to, g[i].days);
	}

	if (nog > 0)
		printf("  가장 빨리 크는 것:\n");
	for (int i = 0; i < nog && i < TOP_TEXT; i++) {
		human((long long)((double)og[i].bytes_delta / og[i].days), a, sizeof(a));
		printf("    %-10s %-32s 하루 %s, %.1f행\n", store_title[og[i].store], og[i].object, a,
		    (double)og[i].rows_delta / og[i].days);
	}

	printf("\n디스크\n");
	for (int i = 0; i < nd; i++) {
		long long days = capacity_days_to_full(d[i].free_bytes, d[i].growth);
		char c[32], date[16];

		human(d[i].free_bytes, a, sizeof(a));
		human(d[i].total_bytes, b, sizeof(b));
		printf("  %s", d[i].paths[0]);
		for (int k = 1; k < d[i].np; k++)
			printf(", %s", d[i].paths[k]);
		printf(" (");
		for (int s = 0, first = 1; s < CAP_NSTORES; s++)
			if (d[i].stores[s]) {
				printf("%s%s", first ? "" : ", ", store_title[s]);
				first = 0;
			}
		printf("): 남은 공간 %s / %s\n", a, b);
		if (d[i].unknown_growth > 0 && d[i].growth <= 0) {
			printf("    가득 차는 날: 알 수 없음 (증가량을 아직 모릅니다: 다른 날의 표본이 필요합니다)\n");
			continue;
		}
		human((long long)d[i].growth, c, sizeof(c));
		if (days < 0) {
			printf("    하루 %s: 늘지 않으므로 이대로면 가득 차지 않습니다\n", c);
			continue;
		}
		date_after(days, date, sizeof(date));
		printf("    하루 %s씩 늘면 %lld일 뒤 가득 찹니다%s%s%s%s\n", c, days, date[0] ? " (" : "", date,
		    date[0] ? ")" : "", d[i].unknown_growth > 0 ? "; 증가량을 모르는 저장소는 빼고 계산했습니다" : "");
	}
	for (int i = 0; i < nu; i++)
		printf("  %s: 디스크를 알 수 없습니다: %s\n", store_title[u[i].store], u[i].why);
}

static json_object *jstr_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_object_new_string(s) : NULL;
}

static void print_json(const struct cap_report *r, const struct cap_growth *g, int ng,
    const struct cap_object_growth *og, int nog,
    const struct disk *d, int nd, const struct nodisk *u, int nu, const char *growth_err)
{
	json_object *oa = json_object_new_array();
	static const char *const list_key[CAP_NSTORES] = { "tables", "collections", "servers" };
	json_object *root = json_object_new_object(), *ga = json_object_new_array(), *da = json_object_new_array();
	json_object *ua = json_object_new_array();

	for (int s = 0; s < CAP_NSTORES; s++) {
		json_object *o = json_object_new_object(), *arr = json_object_new_array();
		long long total = 0, rows = 0;

		json_object_object_add(o, "ok", json_object_new_boolean(r->err[s][0] == '\0'));
		json_object_object_add(o, "error", jstr_or_null(r->err[s]));
		for (size_t i = 0; i < r->n; i++) {
			const struct cap_item *it = &r->v[i];
			json_object *x;

			if ((int)it->store != s)
				continue;
			x = json_object_new_object();
			total += it->bytes;
			rows += it->rows;
			if (s == CAP_REDIS) {
				json_object *roles = json_object_new_array();
				char tmp[sizeof(it->object)], *save = NULL;
				snprintf(tmp, sizeof(tmp), "%s", it->object);
				for (char *t = strtok_r(tmp, "+", &save); t != NULL; t = strtok_r(NULL, "+", &save))
					json_object_array_add(roles, json_object_new_string(t));
				json_object_object_add(x, "roles", roles);
				json_object_object_add(x, "shared", json_object_new_boolean(strchr(it->object, '+') != NULL));
				json_object_object_add(x, "endpoint", json_object_new_string(it->endpoint));
				json_object_object_add(x, "used_memory", json_object_new_int64(it->bytes));
				json_object_object_add(x, "maxmemory", json_object_new_int64(it->limit));
				json_object_object_add(x, "keys", json_object_new_int64(it->rows));
			} else {
				json_object_object_add(x, "name", json_object_new_string(it->object));
				json_object_object_add(x, s == CAP_PG ? "rows" : "documents", json_object_new_int64(it->rows));
				if (s == CAP_PG)
					json_object_object_add(x, "rows_exact", json_object_new_boolean(it->rows_exact));
				json_object_object_add(x, "bytes", json_object_new_int64(it->bytes));
				json_object_object_add(x, "bytes_source", json_object_new_string(it->how));
			}
			json_object_array_add(arr, x);
		}
		json_object_object_add(o, list_key[s], arr);
		json_object_object_add(o, "bytes", json_object_new_int64(total));
		json_object_object_add(o, s == CAP_REDIS ? "keys" : s == CAP_PG ? "rows" : "documents",
		    json_object_new_int64(rows));
		json_object_object_add(root, cap_store_name[s], o);
	}
	for (int i = 0; i < ng; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "store", json_object_new_string(cap_store_name[g[i].store]));
		json_object_object_add(o, "from", jstr_or_null(g[i].from));
		json_object_object_add(o, "to", json_object_new_string(g[i].to));
		json_object_object_add(o, "days", json_object_new_int(g[i].days));
		json_object_object_add(o, "bytes_delta", json_object_new_int64(g[i].bytes_delta));
		json_object_object_add(o, "rows_delta", json_object_new_int64(g[i].rows_delta));
		json_object_object_add(o, "bytes_last", json_object_new_int64(g[i].bytes_last));
		json_object_object_add(o, "bytes_per_day", g[i].days > 0 ?
		    json_object_new_double((double)g[i].bytes_delta / g[i].days) : NULL);
		json_object_object_add(o, "rows_per_day", g[i].days > 0 ?
		    json_object_new_double((double)g[i].rows_delta / g[i].days) : NULL);
		json_object_array_add(ga, o);
	}
	for (int i = 0; i < nd; i++) {
		json_object *o = json_object_new_object(), *st = json_object_new_array(), *pa = json_object_new_array();
		long long days = capacity_days_to_full(d[i].free_bytes, d[i].growth);
		int known = !(d[i].unknown_growth > 0 && d[i].growth <= 0);
		char date[16];

		for (int s = 0; s < CAP_NSTORES; s++)
			if (d[i].stores[s])
				json_object_array_add(st, json_object_new_string(cap_store_name[s]));
		for (int k = 0; k < d[i].np; k++)
			json_object_array_add(pa, json_object_new_string(d[i].paths[k]));
		json_object_object_add(o, "stores", st);
		json_object_object_add(o, "paths", pa);
		json_object_object_add(o, "free_bytes", json_object_new_int64(d[i].free_bytes));
		json_object_object_add(o, "total_bytes", json_object_new_int64(d[i].total_bytes));
		json_object_object_add(o, "growth_bytes_per_day", known ? json_object_new_double(d[i].growth) : NULL);
		json_object_object_add(o, "stores_without_growth", json_object_new_int(d[i].unknown_growth));
		json_object_object_add(o, "days_to_full", known && days >= 0 ? json_object_new_int64(days) : NULL);
		date_after(known ? days : -1, date, sizeof(date));
		json_object_object_add(o, "full_on", jstr_or_null(date));
		json_object_array_add(da, o);
	}
	for (int i = 0; i < nu; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "store", json_object_new_string(cap_store_name[u[i].store]));
		json_object_object_add(o, "path", json_object_new_string(u[i].path));
		json_object_object_add(o, "reason", json_object_new_string(u[i].why));
		json_object_array_add(ua, o);
	}
	for (int i = 0; i < nog; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "store", json_object_new_string(cap_store_name[og[i].store]));
		json_object_object_add(o, "object", json_object_new_string(og[i].object));
		json_object_object_add(o, "days", json_object_new_int(og[i].days));
		json_object_object_add(o, "bytes_delta", json_object_new_int64(og[i].bytes_delta));
		json_object_object_add(o, "rows_delta", json_object_new_int64(og[i].rows_delta));
		json_object_object_add(o, "bytes_per_day", json_object_new_double((double)og[i].bytes_delta / og[i].days));
		json_object_object_add(o, "rows_per_day", json_object_new_double((double)og[i].rows_delta / og[i].days));
		json_object_array_add(oa, o);
	}
	json_object_object_add(root, "growth", ga);
	json_object_object_add(root, "growth_objects", oa);
	json_object_object_add(root, "growth_error", jstr_or_null(growth_err));
	json_object_object_add(root, "growth_window_days", json_object_new_int(CAP_GROWTH_WINDOW));
	json_object_object_add(root, "disks", da);
	json_object_object_add(root, "unknown_disks", ua);
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

/* revlens stats (record = 0) and revlens stats record (1). */
static int report(const struct config *cfg, int json, int record)
{
	struct pg_conn pg;
	struct mongo_conn mongo;
	struct cap_report rep;
	struct cap_growth g[CAP_NSTORES];
	struct cap_object_growth og[TOP_JSON];
	struct disk d[CAP_NSTORES];
	struct nodisk u[CAP_NSTORES];
	char gerr[400] = "", err[400];
	int ng = 0, nog = 0, nd = 0, nu = 0, rc = 0, have_mongo = 0;

	memset(&rep, 0, sizeof(rep));
	if (pg_init_file(&pg, cfg->pg_conninfo, cfg->pg_password_file) != 0) {
		fprintf(stderr, ME ": PostgreSQL: %s\n", pg.err);
		return EXIT_FAIL;
	}
	mongo_global_init();
	if (mongo_open(&mongo, cfg->mongo_uri, cfg->mongo_database, cfg->health_timeout_ms) == 0)
		have_mongo = 1;
	if (capacity_measure(cfg, &pg, &mongo, &rep) == -1)
		rc = EXIT_FAIL;
	if (record) {
		if (capacity_record(&pg, &rep, cfg->aggregator_timezone, err, sizeof(err)) == -1) {
			fprintf(stderr, ME " record: %s\n", err);
			rc = EXIT_FAIL;
			goto out;
		}
		for (int s = 0; s < CAP_NSTORES; s++)
			if (rep.err[s][0] != '\0')
				fprintf(stderr, ME " record: %s: 측정하지 못해 기록하지 않았습니다: %s\n",
				    store_title[s], rep.err[s]);
		printf("오늘(%s)의 용량 표본을 기록했습니다: 항목 %zu개\n", cfg->aggregator_timezone, rep.n);
		goto out;
	}
	if (capacity_growth(&pg, g, &ng) == -1 || capacity_growth_objects(&pg, og, TOP_JSON, &nog) == -1) {
		snprintf(gerr, sizeof(gerr), "capacity_samples: %.300s", pg.err);
		rc = EXIT_FAIL;
	}
	find_disks(cfg, g, ng, d, &nd, u, &nu);
	if (json)
		print_json(&rep, g, ng, og, nog, d, nd, u, nu, gerr[0] ? gerr : NULL);
	else
		print_text(&rep, g, ng, og, nog, d, nd, u, nu, gerr[0] ? gerr : NULL);
	for (int s = 0; s < CAP_NSTORES; s++)
		if (rep.err[s][0] != '\0')
			fprintf(stderr, ME ": %s (서버를 시작하거나 %s 설정을 고치세요)\n", rep.err[s], conn_key[s]);
	if (gerr[0])
		fprintf(stderr, ME ": %s (revlens migrate가 sql/013_capacity.sql을 적용했는지 확인하세요)\n", gerr);
out:
	capacity_report_free(&rep);
	if (have_mongo)
		mongo_close(&mongo);
	mongo_global_cleanup();
	pg_close(&pg);
	return rc;
}

int cmd_stats(const struct config *cfg, int argc, char **argv)
{
	int json = 0, is_queries = 0, is_record = 0, i = 1;
	long long limit = LIMIT_DEFAULT;

	if (i < argc && strcmp(argv[i], "queries") == 0) {
		is_queries = 1;
		i++;
	} else if (i < argc && strcmp(argv[i], "record") == 0) {
		is_record = 1;
		i++;
	}
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0 && !is_record) {
			json = 1;
		} else if (strcmp(argv[i], "--limit") == 0 && is_queries) {
			if (i + 1 >= argc || strnum_parse(argv[i + 1], 10, 1, LIMIT_MAX, &limit) == -1) {
				fprintf(stderr, ME " queries: --limit에는 1부터 %d까지의 수를 주세요\n" USAGE, LIMIT_MAX);
				return EXIT_USAGE;
			}
			i++;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(USAGE, stdout);
			return 0;
		} else {
			fprintf(stderr, ME ": 알 수 없는 인자 \"%s\"\n" USAGE, argv[i]);
			return EXIT_USAGE;
		}
	}
	if (is_queries)
		return queries(cfg, limit, json);
	return report(cfg, json, is_record);
}
