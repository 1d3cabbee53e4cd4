/* cmd_ingest.c — `revlens import`, `crawl` and `reviews` (see cmd_ingest.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cmd_ingest.h"
#include "lib/crawl.h"
#include "lib/ingest.h"
#include "lib/strnum.h"

#define EXIT_FAIL  1
#define EXIT_USAGE 2
#define LINE_MAX_BYTES (1L << 20)       /* a line longer than this is rejected unread */
#define LINE_JSON_DEPTH 8

/* ------------------------------------------------------------------ stores */

struct stores {
	struct pg_conn pg;
	struct mongo_conn mongo;
	struct rds_conn cache;
	struct rds_conn queue;
	int mongo_up;
};

static int open_stores(const struct config *cfg, struct stores *s, int need_redis, const char *me)
{
	memset(s, 0, sizeof(*s));
	if (pg_init_file(&s->pg, cfg->pg_conninfo, cfg->pg_password_file) != 0 ||
	    pg_connect(&s->pg, PG_DEFAULT_CONNECT_TIMEOUT_S) != 0) {
		fprintf(stderr, "%s: PostgreSQL: %s\n", me, s->pg.err);
		return -1;
	}
	if (mongo_global_init() == -1 ||
	    mongo_open(&s->mongo, cfg->mongo_uri, cfg->mongo_database, cfg->health_timeout_ms) == -1) {
		fprintf(stderr, "%s: MongoDB: %s\n", me, s->mongo.err);
		return -1;
	}
	s->mongo_up = 1;
	if (need_redis && (rds_init(&s->cache, "cache", cfg->redis_cache, cfg->redis_timeout_ms) == -1 ||
	    rds_init(&s->queue, "queue", cfg->redis_queue, cfg->redis_timeout_ms) == -1)) {
		fprintf(stderr, "%s: Redis: %s%s\n", me, s->cache.err, s->queue.err);
		return -1;
	}
	return 0;
}

static void close_stores(struct stores *s)
{
	pg_close(&s->pg);
	if (s->mongo_up) {
		mongo_close(&s->mongo);
		mongo_global_cleanup();
	}
	rds_close(&s->cache);
	rds_close(&s->queue);
}

/* ------------------------------------------------------------------ import */

static const char *const kind_names[] = { "reviews", "prices", "tags" };

struct pending {
	json_object *items[INGEST_MAX_ITEMS];
	long lines[INGEST_MAX_ITEMS];
	int n;
	long stored, created, updated, unchanged;
};

struct import {
	struct ingest_ctx ctx;
	struct pending p[3];            /* by enum ingest_kind (review, price, tag) */
	struct ingest_reject rejected[INGEST_MAX_ITEMS];
	long bad_lines;
	int dry_run;
};

static void report(long line, const char *code, const char *msg)
{
	fprintf(stderr, "line %ld: %s: %s\n", line, code, msg);
}

/* Store the pending items of kind k. 0 or -1 (a store failed). */
static int flush(struct import *im, enum ingest_kind k)
{
	struct pending *p = &im->p[k];
	struct ingest_result res;
	int rc = 0;

	if (p->n == 0)
		return 0;
	res.rejected = im->rejected;
	if (im->dry_run) {
		res.stored = res.created = res.updated = res.unchanged = res.nrejected = 0;
		for (int i = 0; i < p->n; i++) {
			char msg[INGEST_MSG];
			const char *code;
			if (ingest_check(k, p->items[i], 0, &code, msg) == -1) {
				report(p->lines[i], code, msg);
				im->bad_lines++;
			} else {
				res.stored++;
			}
		}
	} else if ((rc = ingest_items(&im->ctx, k, p->items, p->lines, p->n, &res)) == 0) {
		for (long i = 0; i < res.nrejected; i++)
			report(res.rejected[i].index, res.rejected[i].code, res.rejected[i].message);
		im->bad_lines += res.nrejected;
	}
	p->stored += res.stored;
	p->created += res.created;
	p->updated += res.updated;
	p->unchanged += res.unchanged;
	for (int i = 0; i < p->n; i++)
		json_object_put(p->items[i]);
	p->n = 0;
	return rc;
}

/* One line: parse, sort by kind, flush a full batch. 0 or -1 (a store failed). */
static int take_line(struct import *im, json_tokener *tok, const char *s, size_t len, long line)
{
	json_object *o, *kv;
	enum ingest_kind k;
	struct pending *p;

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	if (len == 0)
		return 0;
	if (len > LINE_MAX_BYTES) {
		report(line, "too_long", "한 줄이 1 MiB를 넘습니다.");
		im->bad_lines++;
		return 0;
	}
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len) {
		json_object_put(o);
		report(line, "bad_json", json_tokener_get_error(tok) == json_tokener_continue ?
		    "JSON이 줄 안에서 끝나지 않습니다." : "올바른 JSON이 아닙니다.");
		im->bad_lines++;
		return 0;
	}
	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, "kind", &kv) ||
	    !json_object_is_type(kv, json_type_string) || ingest_kind_parse(json_object_get_string(kv), &k) == -1) {
		json_object_put(o);
		report(line, "bad_kind", "각 줄은 \"kind\"가 review, price, tag 중 하나인 JSON 객체여야 합니다.");
		im->bad_lines++;
		return 0;
	}
	p = &im->p[k];
	p->items[p->n] = o;
	p->lines[p->n] = line;
	if (++p->n == INGEST_MAX_ITEMS)
		return flush(im, k);
	return 0;
}

static void import_usage(FILE *f)
{
	fprintf(f, "usage: revlens [-c CONF] import [--collector NAME] [--no-create-products] [--dry-run] FILE|-\n"
	    "Reads JSON lines with \"kind\": \"review\", \"price\" or \"tag\" (docs/ingest.md) from FILE\n"
	    "or standard input, stores them in batches of %d and reports bad lines by number.\n",
	    INGEST_MAX_ITEMS);
}

int cmd_import(const struct config *cfg, int argc, char **argv)
{
	static const char me[] = "revlens import";
	const char *path = NULL;
	struct import *im;
	struct stores st;
	json_tokener *tok = NULL;
	FILE *in = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	long lineno = 0;
	int rc = EXIT_USAGE, opened = 0;

	if ((im = calloc(1, sizeof(*im))) == NULL) {
		fprintf(stderr, "%s: out of memory\n", me);
		return EXIT_FAIL;
	}
	im->ctx.collector = "import";
	im->ctx.create_products = 1;
	im->ctx.trusted = 1;            /* the operator */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--collector") == 0 && i + 1 < argc) {
			im->ctx.collector = argv[++i];
			if (!ingest_collector_ok(im->ctx.collector)) {
				fprintf(stderr, "%s: --collector takes 1 to 32 of a-z 0-9 _ -\n", me);
				goto out;
			}
		} else if (strcmp(argv[i], "--no-create-products") == 0) {
			im->ctx.create_products = 0;
		} else if (strcmp(argv[i], "--dry-run") == 0) {
			im->dry_run = 1;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			import_usage(stdout);
			rc = 0;
			goto out;
		} else if (path == NULL && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0)) {
			path = argv[i];
		} else {
			fprintf(stderr, "%s: unexpected argument \"%s\"\n", me, argv[i]);
			import_usage(stderr);
			goto out;
		}
	}
	if (path == NULL) {
		fprintf(stderr, "%s: give a FILE, or - for standard input\n", me);
		import_usage(stderr);
		goto out;
	}
	if (strcmp(path, "-") == 0) {
		in = stdin;
	} else if ((in = fopen(path, "r")) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", me, path, strerror(errno));
		goto out;
	}
	if (!im->dry_run) {
		opened = 1;
		if (open_stores(cfg, &st, 1, me) == -1)
			goto out;
		im->ctx.pg = &st.pg;
		im->ctx.mongo = &st.mongo;
		im->ctx.cache = &st.cache;
		im->ctx.zone = cfg->aggregator_timezone;
	}
	if ((tok = json_tokener_new_ex(LINE_JSON_DEPTH)) == NULL) {
		rc = EXIT_FAIL;
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	while ((got = getline(&line, &cap, in)) != -1) {
		if (take_line(im, tok, line, (size_t)got, ++lineno) == -1)
			break;
		im->ctx.now_ms = 0;     /* each batch is stamped with its own time */
	}
	if (ferror(in)) {
		fprintf(stderr, "%s: %s: read error after line %ld: %s\n", me, path, lineno, strerror(errno));
		goto out;
	}
	for (int k = 0; k < 3 && im->ctx.err[0] == '\0'; k++)
		if (flush(im, (enum ingest_kind)k) == -1)
			break;
	if (im->ctx.err[0] != '\0') {
		fprintf(stderr, "%s: stopped at line %ld: %s (what was stored stays stored; importing "
		    "the file again is safe)\n", me, lineno, im->ctx.err);
		goto out;
	}
	for (int k = 0; k < 3; k++) {
		const struct pending *p = &im->p[k];
		if (im->dry_run)
			printf("%s: %ld valid\n", kind_names[k], p->stored);
		else
			printf("%s: %ld stored (%ld new, %ld updated, %ld unchanged)\n", kind_names[k],
			    p->stored, p->created, p->updated, p->unchanged);
	}
	printf("rejected: %ld line%s\n", im->bad_lines, im->bad_lines == 1 ? "" : "s");
	rc = im->bad_lines > 0 ? EXIT_FAIL : 0;
out:
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < im->p[k].n; i++)
			json_object_put(im->p[k].items[i]);
	if (tok != NULL)
		json_tokener_free(tok);
	free(line);
	if (in != NULL && in != stdin)
		fclose(in);
	if (opened)
		close_stores(&st);
	free(im);
	return rc;
}

/* ------------------------------------------------------------------ crawl */

int cmd_crawl(const struct config *cfg, int argc, char **argv)
{
	static const char me[] = "revlens crawl";
	long long id = 0, request = 0, deadline = 1800;
	char entry[64], err[300];
	struct stores st;
	int rc = EXIT_FAIL, n;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--deadline") == 0 && i + 1 < argc) {
			if (strnum_parse(argv[++i], 10, 1, 86400 * 7, &deadline) == -1) {
				fprintf(stderr, "%s: --deadline takes 1 to 604800 seconds\n", me);
				return EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--request") == 0 && i + 1 < argc) {
			if (strnum_parse(argv[++i], 10, 1, 9223372036854775807LL, &request) == -1) {
				fprintf(stderr, "%s: --request takes an analysis request id\n", me);
				return EXIT_USAGE;
			}
		} else if (id == 0 && strnum_parse(argv[i], 10, 1, 9223372036854775807LL, &id) == 0) {
			continue;
		} else {
			fprintf(stderr, "usage: revlens [-c CONF] crawl [--deadline SECONDS] [--request ID] PRODUCT_ID\n");
			return EXIT_USAGE;
		}
	}
	if (id == 0) {
		fprintf(stderr, "usage: revlens [-c CONF] crawl [--deadline SECONDS] [--request ID] PRODUCT_ID\n");
		return EXIT_USAGE;
	}
	if (open_stores(cfg, &st, 1, me) == -1)
		goto out;
	n = crawl_request(&st.pg, &st.queue, id, request, (int)deadline, entry, sizeof(entry),
	    err, sizeof(err));
	if (n == -1) {
		fprintf(stderr, "%s: %s\n", me, err);
	} else if (n == 0) {
		fprintf(stderr, "%s: no product %lld (revlens product ids: the number in /products/ID)\n", me, id);
	} else {
		printf("crawl request %s for product %lld on %s\n", entry, id, CRAWL_STREAM);
		rc = 0;
	}
out:
	close_stores(&st);
	return rc;
}

/* ------------------------------------------------------------------ reviews */

static void iso_utc(long long ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The values at it (a document's or array's) as a json-c object or array; _id left out. */
static json_object *bson_to_json(bson_iter_t *it, int array)
{
	json_object *out = array ? json_object_new_array() : json_object_new_object();

	while (bson_iter_next(it)) {
		const char *k = bson_iter_key(it);
		json_object *v = NULL;
		bson_iter_t sub;
		char when[32];
		if (!array && strcmp(k, "_id") == 0)
			continue;
		if (BSON_ITER_HOLDS_UTF8(it)) {
			v = json_object_new_string(bson_iter_utf8(it, NULL));
		} else if (BSON_ITER_HOLDS_DATE_TIME(it)) {
			iso_utc(bson_iter_date_time(it), when);
			v = json_object_new_string(when);
		} else if (BSON_ITER_HOLDS_INT(it)) {
			v = json_object_new_int64(bson_iter_as_int64(it));
		} else if (BSON_ITER_HOLDS_DOUBLE(it)) {
			v = json_object_new_double(bson_iter_double(it));
		} else if (BSON_ITER_HOLDS_BOOL(it)) {
			v = json_object_new_boolean(bson_iter_bool(it));
		} else if ((BSON_ITER_HOLDS_DOCUMENT(it) || BSON_ITER_HOLDS_ARRAY(it)) && bson_iter_recurse(it, &sub)) {
			v = bson_to_json(&sub, BSON_ITER_HOLDS_ARRAY(it));
		}
		if (array)
			json_object_array_add(out, v);
		else
			json_object_object_add(out, k, v);
	}
	return out;
}

/* What `revlens reviews` and `revlens keywords` print: a product's documents of one
 * collection, in an order given by two sort keys. */
struct product_docs {
	const char *me, *usage, *collection;
	const char *sort1, *sort2;      /* sort1 descending, sort2 ascending */
};

static int print_product_docs(const struct config *cfg, int argc, char **argv, const struct product_docs *d)
{
	const char *me = d->me;
	long long id = 0, coupang = 0, limit = 0, pid = 0;
	struct stores st;
	mongoc_collection_t *coll = NULL;
	mongoc_cursor_t *cur = NULL;
	bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, sort;
	const bson_t *doc;
	bson_error_t error;
	int rc = EXIT_FAIL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--coupang") == 0 && i + 1 < argc) {
			if (strnum_parse(argv[++i], 10, 1, 9223372036854775807LL, &coupang) == -1) {
				fprintf(stderr, "%s: --coupang takes a Coupang product id\n", me);
				return EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
			if (strnum_parse(argv[++i], 10, 1, 100000000, &limit) == -1) {
				fprintf(stderr, "%s: --limit takes a positive number\n", me);
				return EXIT_USAGE;
			}
		} else if (id == 0 && strnum_parse(argv[i], 10, 1, 9223372036854775807LL, &id) == 0) {
			continue;
		} else {
			fprintf(stderr, "%s\n", d->usage);
			return EXIT_USAGE;
		}
	}
	if ((id == 0) == (coupang == 0)) {
		fprintf(stderr, "%s\n", d->usage);
		return EXIT_USAGE;
	}
	if (open_stores(cfg, &st, 0, me) == -1)
		goto out;
	{
		char arg[24];
		const char *p[1] = { arg };
		snprintf(arg, sizeof(arg), "%lld", coupang != 0 ? coupang : id);
		if (pg_exec(&st.pg, coupang != 0 ? "SELECT id FROM products WHERE coupang_product_id = $1" :
		    "SELECT id FROM products WHERE id = $1", 1, p) == -1) {
			fprintf(stderr, "%s: PostgreSQL: %s\n", me, st.pg.err);
			goto out;
		}
		if (pg_ntuples(&st.pg) == 1)
			pid = pg_value_ll(&st.pg, 0, 0);
	}
	if (pid == 0) {
		fprintf(stderr, "%s: no such product\n", me);
		goto out;
	}
	coll = mongoc_client_get_collection(st.mongo.client, st.mongo.dbname, d->collection);
	BSON_APPEND_INT64(&filter, "product_id", pid);
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "sort", &sort);
	BSON_APPEND_INT32(&sort, d->sort1, -1);
	BSON_APPEND_INT32(&sort, d->sort2, 1);
	bson_append_document_end(&opts, &sort);
	if (limit > 0)
		BSON_APPEND_INT64(&opts, "limit", limit);
	cur = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
	while (mongoc_cursor_next(cur, &doc)) {
		json_object *o;
		bson_iter_t it;
		if (!bson_iter_init(&it, doc))
			continue;
		o = bson_to_json(&it, 0);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	if (mongoc_cursor_error(cur, &error)) {
		fprintf(stderr, "%s: MongoDB: %s\n", me, error.message);
		goto out;
	}
	rc = 0;
out:
	if (cur != NULL)
		mongoc_cursor_destroy(cur);
	if (coll != NULL)
		mongoc_collection_destroy(coll);
	bson_destroy(&filter);
	bson_destroy(&opts);
	close_stores(&st);
	return rc;
}

int cmd_reviews(const struct config *cfg, int argc, char **argv)
{
	static const struct product_docs d = { "revlens reviews",
		"usage: revlens [-c CONF] reviews [--limit N] PRODUCT_ID | --coupang COUPANG_ID",
		"product_reviews_raw", "review_date", "review_id" };

	return print_product_docs(cfg, argc, argv, &d);
}

int cmd_keywords(const struct config *cfg, int argc, char **argv)
{
	static const struct product_docs d = { "revlens keywords",
		"usage: revlens [-c CONF] keywords [--limit N] PRODUCT_ID | --coupang COUPANG_ID",
		"keywords", "frequency", "keyword" };

	return print_product_docs(cfg, argc, argv, &d);
}

int cmd_rollups(const struct config *cfg, int argc, char **argv)
{
	static const struct product_docs days = { "revlens rollups",
		"usage: revlens [-c CONF] rollups [--month] [--limit N] PRODUCT_ID | --coupang COUPANG_ID",
		"product_analysis_daily", "date", "_id" };
	static const struct product_docs months = { "revlens rollups",
		"usage: revlens [-c CONF] rollups [--month] [--limit N] PRODUCT_ID | --coupang COUPANG_ID",
		"product_analysis_monthly", "month", "_id" };
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	int n = 0, month = 0, rc;

	if (args == NULL)
		return EXIT_FAIL;
	/* --month is ours; the rest is print_product_docs()' */
	for (int i = 0; i < argc; i++) {
		if (i > 0 && strcmp(argv[i], "--month") == 0)
			month = 1;
		else
			args[n++] = argv[i];
	}
	rc = print_product_docs(cfg, n, args, month ? &months : &days);
	free(args);
	return rc;
}
