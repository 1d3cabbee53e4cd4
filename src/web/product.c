/* product.c — registering, loading and searching products in PostgreSQL.
 *
 * Registration is one INSERT … ON CONFLICT (coupang_product_id) DO UPDATE:
 * concurrent registrations of one product, in whatever URL form, end in one
 * row, and item ids learnt from a later URL fill the ones still unknown.
 * Search is LIKE '%q%' on the lower-cased name over its pg_trgm index, the
 * matches ordered by where the words stand in the name, then newest first.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/coupang.h"
#include "lib/log.h"
#include "web/product.h"
#include "web/req.h"
#include "web/session.h"

#define COLUMNS "id, coupang_product_id, coalesce(coupang_item_id, 0), " \
	"coalesce(coupang_vendor_item_id, 0), url, name, coalesce(price, -1), image_url, " \
	"to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"extract(epoch FROM created_at)::bigint"
#define NCOLUMNS 10

#define CACHE_PRODUCT_TTL 300   /* seconds a product summary is cached */
#define CACHE_SEARCH_TTL  60    /* seconds a page of search results is cached */

static const char *viewer_tz(const struct req *r)
{
	return r->sess != NULL ? r->sess->tz : "Asia/Seoul";
}

/* "YYYY-MM-DD" of epoch in the viewer's time zone (the worker is single-threaded,
 * so switching TZ is safe; glibc re-reads a zone only when the name changes). */
static const char *local_date(struct req *r, long long epoch)
{
	static char current[64];
	const char *tz = viewer_tz(r);
	time_t t = (time_t)epoch;
	struct tm tm;
	char out[16];

	if (strcmp(current, tz) != 0) {
		setenv("TZ", tz, 1);
		tzset();
		snprintf(current, sizeof(current), "%s", tz);
	}
	if (localtime_r(&t, &tm) == NULL || strftime(out, sizeof(out), "%Y-%m-%d", &tm) == 0)
		return arena_strdup(&r->arena, "-");
	return arena_strdup(&r->arena, out);
}

/* Row `row` of the last result (columns COLUMNS from `col`) into *p. 0 or -1. */
static int fill(struct req *r, int row, int col, struct product *p)
{
	struct pg_conn *pg = &r->app->pg;
	const char *name = pg_value(pg, row, col + 5), *img = pg_value(pg, row, col + 7);

	p->id = pg_value_ll(pg, row, col);
	p->coupang_product_id = pg_value_ll(pg, row, col + 1);
	p->item_id = pg_value_ll(pg, row, col + 2);
	p->vendor_item_id = pg_value_ll(pg, row, col + 3);
	p->url = arena_strdup(&r->arena, pg_value(pg, row, col + 4));
	p->name = name != NULL ? arena_strdup(&r->arena, name) : NULL;
	p->price = pg_value_ll(pg, row, col + 6);
	p->image_url = img != NULL ? arena_strdup(&r->arena, img) : NULL;
	p->created_at = arena_strdup(&r->arena, pg_value(pg, row, col + 8));
	p->created_epoch = pg_value_ll(pg, row, col + 9);
	p->created_local = local_date(r, p->created_epoch);
	if (p->url == NULL || p->created_at == NULL || p->created_local == NULL ||
	    (name != NULL && p->name == NULL) || (img != NULL && p->image_url == NULL))
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- the API cache
 *
 * Redis' cache role holds product summaries ("c:p:<id>") and pages of search
 * results ("c:s:<hash of the query>:<page>") as "<generation>|<JSON>". A change
 * to products bumps the generation "c:gen" (product_invalidate()), and an entry
 * of another generation is a miss: nothing cached before the change is read
 * after it, also not an entry a slow reader writes late with the generation it
 * read. Anything that changes products must call it. A cache that fails is a miss: the database answers, and
 * the failure is logged at most every CACHE_WARN_EVERY seconds per worker.
 */
#define CACHE_WARN_EVERY 10

static void cache_warn(struct rds_conn *rc, const char *what)
{
	static time_t last;
	time_t now = time(NULL);

	if (now - last >= CACHE_WARN_EVERY) {
		log_warn("cache %s: %s (reading the database instead)", what, rc->err[0] ? rc->err : "unexpected reply");
		last = now;
	}
}

static json_object *cache_item(const struct product *p)
{
	json_object *o = product_json(p);

	json_object_object_add(o, "created_epoch", json_object_new_int64(p->created_epoch));
	return o;
}

/* Products from a cached JSON text: 0, or -1 when it does not parse as ours. */
static int cache_parse(struct req *r, const char *text, struct product **items, int *n,
    long long *total)
{
	json_object *root = json_tokener_parse(text), *arr, *v;
	int rc = -1, len;

	if (root == NULL || !json_object_object_get_ex(root, "items", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		goto out;
	len = (int)json_object_array_length(arr);
	*total = json_object_object_get_ex(root, "total", &v) ? json_object_get_int64(v) : len;
	if ((*items = arena_calloc(&r->arena, (size_t)len + 1, sizeof(**items))) == NULL)
		goto out;
	for (int i = 0; i < len; i++) {
		json_object *o = json_object_array_get_idx(arr, (size_t)i);
		struct product *p = &(*items)[i];
#define STR(k) (json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ? \
	arena_strdup(&r->arena, json_object_get_string(v)) : NULL)
#define NUM(k, d) (json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_int) ? \
	json_object_get_int64(v) : (d))
		p->id = NUM("id", 0);
		p->coupang_product_id = NUM("coupang_product_id", 0);
		p->item_id = NUM("coupang_item_id", 0);
		p->vendor_item_id = NUM("coupang_vendor_item_id", 0);
		p->url = STR("url");
		p->name = STR("name");
		p->price = NUM("price", -1);
		p->image_url = STR("image_url");
		p->created_at = STR("created_at");
		p->created_epoch = NUM("created_epoch", 0);
#undef STR
#undef NUM
		p->created_local = local_date(r, p->created_epoch);
		if (p->id <= 0 || p->url == NULL || p->created_at == NULL || p->created_local == NULL)
			goto out;
	}
	*n = len;
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

/* Cache items under key, stamped with generation gen (nothing when gen is ""). */
static void cache_put(struct req *r, const char *key, const char *gen, int ttl,
    const struct product *items, int n, long long total)
{
	struct rds_conn *rc = &r->app->redis[RDS_CACHE];
	json_object *root, *arr;
	char ttl_s[16];
	const char *argv[5] = { "SET", key, NULL, "EX", ttl_s };
	redisReply *rep;

	if (gen[0] == '\0')
		return;
	root = json_object_new_object();
	arr = json_object_new_array();
	for (int i = 0; i < n; i++)
		json_object_array_add(arr, cache_item(&items[i]));
	json_object_object_add(root, "total", json_object_new_int64(total));
	json_object_object_add(root, "items", arr);
	argv[2] = arena_printf(&r->arena, "%s|%s", gen, json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	if (argv[2] == NULL)
		return;
	snprintf(ttl_s, sizeof(ttl_s), "%d", ttl);
	rep = rds_command_argv(rc, 5, argv, NULL);
	if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
		cache_warn(rc, "write");
	if (rep != NULL)
		freeReplyObject(rep);
}

void product_invalidate(struct req *r)
{
	struct rds_conn *rc = &r->app->redis[RDS_CACHE];
	redisReply *rep = rds_command(rc, "INCR c:gen");

	if (rep == NULL)
		cache_warn(rc, "invalidate");
	else
		freeReplyObject(rep);
}

int product_register(struct req *r, const char *input, long long *id, int *created,
    const char **msg)
{
	struct pg_conn *pg = &r->app->pg;
	struct coupang_ref ref;
	enum coupang_err e = coupang_parse(input, &ref);
	char url[128], pid[24], iid[24], vid[24], uid[24];
	const char *p[5] = { pid, ref.item_id ? iid : NULL, ref.vendor_item_id ? vid : NULL, url,
		uid };

	if (e != COUPANG_OK) {
		*msg = coupang_strerror(e);
		return 422;
	}
	if (coupang_canonical_url(ref.product_id, url, sizeof(url)) == -1)
		return 503;
	snprintf(pid, sizeof(pid), "%lld", ref.product_id);
	snprintf(iid, sizeof(iid), "%lld", ref.item_id);
	snprintf(vid, sizeof(vid), "%lld", ref.vendor_item_id);
	snprintf(uid, sizeof(uid), "%lld", r->sess != NULL ? r->sess->uid : 0);
	if (r->sess == NULL)
		p[4] = NULL;
	/* an update only when it fills an id still unknown (else nothing changes) */
	if (pg_exec(pg, "WITH up AS (INSERT INTO products (coupang_product_id, coupang_item_id, "
	    "coupang_vendor_item_id, url, added_by) VALUES ($1, $2, $3, $4, $5) "
	    "ON CONFLICT (coupang_product_id) DO UPDATE SET "
	    "coupang_item_id = coalesce(products.coupang_item_id, EXCLUDED.coupang_item_id), "
	    "coupang_vendor_item_id = coalesce(products.coupang_vendor_item_id, "
	    "EXCLUDED.coupang_vendor_item_id) "
	    "WHERE (products.coupang_item_id IS NULL AND EXCLUDED.coupang_item_id IS NOT NULL) "
	    "OR (products.coupang_vendor_item_id IS NULL AND EXCLUDED.coupang_vendor_item_id IS NOT NULL) "
	    "RETURNING id, xmax = 0 AS inserted) "
	    "SELECT id, inserted, true FROM up UNION ALL "
	    "SELECT id, false, false FROM products WHERE coupang_product_id = $1 "
	    "AND NOT EXISTS (SELECT 1 FROM up)", 5, p) == -1) {
		log_error("product register: %s", pg->err);
		return 503;
	}
	/* a registration racing ours committed after our statement began: look again */
	if (pg_ntuples(pg) == 0 && pg_exec(pg, "SELECT id, false, false FROM products "
	    "WHERE coupang_product_id = $1", 1, p) == -1) {
		log_error("product register: %s", pg->err);
		return 503;
	}
	if (pg_ntuples(pg) != 1) {
		log_error("product register: Coupang %lld: no row", ref.product_id);
		return 503;
	}
	*id = pg_value_ll(pg, 0, 0);
	*created = strcmp(pg_value(pg, 0, 1), "t") == 0;
	if (*created)
		log_info("product %lld registered (Coupang %lld)", *id, ref.product_id);
	if (strcmp(pg_value(pg, 0, 2), "t") == 0)
		product_invalidate(r);
	return 0;
}

/* The entry under key, if it was written in the current generation: 1 with
 * *value (the reply, which the caller frees) and *json inside it on a hit; 0 on a
 * miss. Either way gen gets the generation to stamp a new entry with ("" when the
 * cache is out of reach: then nothing is written). One MGET: "c:gen" and the key.
 * Every product change bumps "c:gen", so no entry from before it is read again —
 * also not one a slow reader writes after it, stamped with the old generation. */
static int cache_lookup(struct req *r, const char *key, redisReply **value, const char **json,
    char *gen, size_t genlen)
{
	struct rds_conn *rc = &r->app->redis[RDS_CACHE];
	const char *argv[3] = { "MGET", "c:gen", key };
	redisReply *rep = rds_command_argv(rc, 3, argv, NULL);
	size_t gl;

	gen[0] = '\0';
	*value = NULL;
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
		cache_warn(rc, "read");
		if (rep != NULL)
			freeReplyObject(rep);
		return 0;
	}
	snprintf(gen, genlen, "%s", rep->element[0]->type == REDIS_REPLY_STRING ? rep->element[0]->str : "0");
	gl = strlen(gen);
	if (rep->element[1]->type == REDIS_REPLY_STRING && rep->element[1]->len > gl &&
	    memcmp(rep->element[1]->str, gen, gl) == 0 && rep->element[1]->str[gl] == '|') {
		*value = rep;
		*json = rep->element[1]->str + gl + 1;
		return 1;
	}
	freeReplyObject(rep);
	return 0;
}

int product_load(struct req *r, long long id, struct product *p)
{
	struct pg_conn *pg = &r->app->pg;
	struct product *cached = NULL;
	char ids[24], key[40], gen[24];
	const char *q[1] = { ids }, *json;
	redisReply *hit;
	long long total;
	int n = 0, ok;

	snprintf(key, sizeof(key), "c:p:%lld", id);
	if (cache_lookup(r, key, &hit, &json, gen, sizeof(gen))) {
		ok = cache_parse(r, json, &cached, &n, &total) == 0 && n == 1 && cached[0].id == id;
		freeReplyObject(hit);
		if (ok) {
			*p = cached[0];
			return 0;
		}
	}
	snprintf(ids, sizeof(ids), "%lld", id);
	if (pg_exec(pg, "SELECT " COLUMNS " FROM products WHERE id = $1", 1, q) == -1) {
		log_error("product load: %s", pg->err);
		return 503;
	}
	if (pg_ntuples(pg) == 0)
		return 404;
	if (fill(r, 0, 0, p) != 0)
		return 503;
	cache_put(r, key, gen, CACHE_PRODUCT_TTL, p, 1, 1);
	return 0;
}

/* q with LIKE's wildcards and its escape character escaped, in the arena
 * (lower() leaves the backslashes alone). */
static char *like_escape(struct arena *a, const char *q)
{
	char *out = arena_alloc(a, strlen(q) * 2 + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (; *q; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			*o++ = '\\';
		*o++ = *q;
	}
	*o = '\0';
	return out;
}

/* A cached page of results for (q, page): 0 on a hit; on a miss -1, with key and
 * gen to cache the answer under (gen "" when the cache is out of reach). */
static int search_cached(struct req *r, const char *q, long long page, struct product **items,
    int *n, long long *total, char *key, size_t keylen, char *gen, size_t genlen)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[33];
	const char *json;
	redisReply *hit;
	int rv = -1;

	crypto_hash_sha256(h, (const unsigned char *)q, strlen(q));
	sodium_bin2hex(hex, sizeof(hex), h, 16);
	snprintf(key, keylen, "c:s:%s:%lld", hex, page);
	if (cache_lookup(r, key, &hit, &json, gen, genlen)) {
		if (cache_parse(r, json, items, n, total) == 0)
			rv = 0;
		freeReplyObject(hit);
	}
	return rv;
}

int product_search(struct req *r, const char *q, long long page, struct product **items,
    int *n, long long *total, const char **msg)
{
	struct pg_conn *pg = &r->app->pg;
	char off[24], *pat = NULL, key[96], gen[24];
	size_t chars = 0, len;
	int rows;

	while (*q == ' ' || *q == '\t')
		q++;
	for (len = strlen(q); len > 0 && (q[len - 1] == ' ' || q[len - 1] == '\t'); len--)
		;
	if ((q = arena_strndup(&r->arena, q, len)) == NULL)
		return 503;
	for (const char *c = q; *c; c++)
		chars += ((unsigned char)*c & 0xC0) != 0x80;
	if (chars > PRODUCT_QUERY_MAX) {
		*msg = "검색어는 100자 이내로 입력해 주세요.";
		return 422;
	}
	if (search_cached(r, q, page, items, n, total, key, sizeof(key), gen, sizeof(gen)) == 0)
		goto history;
	snprintf(off, sizeof(off), "%lld", (page - 1) * PRODUCT_PAGE_SIZE);
	if (q[0] == '\0') {
		const char *p[1] = { off };
		if (pg_exec(pg, "SELECT " COLUMNS ", count(*) OVER () FROM products "
		    "ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET $1", 1, p) == -1) {
			log_error("product list: %s", pg->err);
			return 503;
		}
	} else {
		const char *p[3] = { off, NULL, q };
		if ((pat = like_escape(&r->arena, q)) == NULL)
			return 503;
		p[1] = pat;
		/* the earlier the words stand in the name, the better the match */
		if (pg_exec(pg, "SELECT " COLUMNS ", count(*) OVER () FROM products "
		    "WHERE name_lc LIKE '%' || lower($2) || '%' "
		    "ORDER BY strpos(name_lc, lower($3)), id DESC LIMIT 20 OFFSET $1", 3, p) == -1) {
			log_error("product search: %s", pg->err);
			return 503;
		}
	}
	rows = pg_ntuples(pg);
	*n = rows;
	*total = rows > 0 ? pg_value_ll(pg, 0, NCOLUMNS) : 0;
	if (rows == 0 && page > 1) {
		/* past the last page: the count still says how many there are */
		const char *c[1] = { pat };
		if (pg_exec(pg, pat == NULL ? "SELECT count(*) FROM products" :
		    "SELECT count(*) FROM products WHERE name_lc LIKE '%' || lower($1) || '%'",
		    pat == NULL ? 0 : 1, c) == -1) {
			log_error("product search count: %s", pg->err);
			return 503;
		}
		*total = pg_value_ll(pg, 0, 0);
	}
	if ((*items = arena_calloc(&r->arena, (size_t)rows + 1, sizeof(**items))) == NULL)
		return 503;
	for (int i = 0; i < rows; i++)
		if (fill(r, i, 0, &(*items)[i]) == -1)
			return 503;
	cache_put(r, key, gen, CACHE_SEARCH_TTL, *items, rows, *total);
history:
	if (r->sess != NULL && q[0] != '\0' && page == 1) {
		char uid[24], cnt[24];
		const char *h[3] = { uid, q, cnt };
		snprintf(uid, sizeof(uid), "%lld", r->sess->uid);
		snprintf(cnt, sizeof(cnt), "%lld", *total);
		/* one entry per query: searching it again moves it to the top */
		if (pg_exec(pg, "WITH old AS (DELETE FROM search_history WHERE user_id = $1 AND query = $2) "
		    "INSERT INTO search_history (user_id, query, result_count) VALUES ($1, $2, $3)",
		    3, h) == -1)
			log_warn("search history: %s", pg->err);
	}
	return 0;
}

json_object *product_json(const struct product *p)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(p->id));
	json_object_object_add(o, "coupang_product_id", json_object_new_int64(p->coupang_product_id));
	json_object_object_add(o, "coupang_item_id",
	    p->item_id ? json_object_new_int64(p->item_id) : NULL);
	json_object_object_add(o, "coupang_vendor_item_id",
	    p->vendor_item_id ? json_object_new_int64(p->vendor_item_id) : NULL);
	json_object_object_add(o, "url", json_object_new_string(p->url));
	json_object_object_add(o, "name", p->name ? json_object_new_string(p->name) : NULL);
	json_object_object_add(o, "price", p->price >= 0 ? json_object_new_int64(p->price) : NULL);
	json_object_object_add(o, "image_url",
	    p->image_url ? json_object_new_string(p->image_url) : NULL);
	json_object_object_add(o, "created_at", json_object_new_string(p->created_at));
	return o;
}
