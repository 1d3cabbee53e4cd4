/* product.c — registering, loading and searching products in PostgreSQL.
 *
 * Registration is one INSERT … ON CONFLICT (coupang_product_id) DO UPDATE:
 * concurrent registrations of one product, in whatever URL form, end in one
 * row, and item ids learnt from a later URL fill the ones still unknown.
 * Search is LIKE '%q%' on the lower-cased name over its pg_trgm index, the
 * matches ordered by where the words stand in the name, then newest first.
 */
#include <string.h>

#include "lib/coupang.h"
#include "lib/log.h"
#include "web/product.h"
#include "web/req.h"
#include "web/session.h"

#define COLUMNS "id, coupang_product_id, coalesce(coupang_item_id, 0), " \
	"coalesce(coupang_vendor_item_id, 0), url, name, coalesce(price, -1), image_url, " \
	"to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"to_char(created_at AT TIME ZONE $1, 'YYYY-MM-DD')"
#define NCOLUMNS 10

static const char *viewer_tz(const struct req *r)
{
	return r->sess != NULL ? r->sess->tz : "Asia/Seoul";
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
	p->created_local = arena_strdup(&r->arena, pg_value(pg, row, col + 9));
	if (p->url == NULL || p->created_at == NULL || p->created_local == NULL ||
	    (name != NULL && p->name == NULL) || (img != NULL && p->image_url == NULL))
		return -1;
	return 0;
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
	if (pg_exec(pg, "INSERT INTO products (coupang_product_id, coupang_item_id, "
	    "coupang_vendor_item_id, url, added_by) VALUES ($1, $2, $3, $4, $5) "
	    "ON CONFLICT (coupang_product_id) DO UPDATE SET "
	    "coupang_item_id = coalesce(products.coupang_item_id, EXCLUDED.coupang_item_id), "
	    "coupang_vendor_item_id = coalesce(products.coupang_vendor_item_id, "
	    "EXCLUDED.coupang_vendor_item_id) "
	    "RETURNING id, xmax = 0", 5, p) == -1) {
		log_error("product register: %s", pg->err);
		return 503;
	}
	*id = pg_value_ll(pg, 0, 0);
	*created = strcmp(pg_value(pg, 0, 1), "t") == 0;
	if (*created)
		log_info("product %lld registered (Coupang %lld)", *id, ref.product_id);
	return 0;
}

int product_load(struct req *r, long long id, struct product *p)
{
	struct pg_conn *pg = &r->app->pg;
	char ids[24];
	const char *q[2] = { viewer_tz(r), ids };

	snprintf(ids, sizeof(ids), "%lld", id);
	if (pg_exec(pg, "SELECT " COLUMNS " FROM products WHERE id = $2", 2, q) == -1) {
		log_error("product load: %s", pg->err);
		return 503;
	}
	if (pg_ntuples(pg) == 0)
		return 404;
	return fill(r, 0, 0, p) == 0 ? 0 : 503;
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

int product_search(struct req *r, const char *q, long long page, struct product **items,
    int *n, long long *total, const char **msg)
{
	struct pg_conn *pg = &r->app->pg;
	char off[24], *pat;
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
	snprintf(off, sizeof(off), "%lld", (page - 1) * PRODUCT_PAGE_SIZE);
	if (q[0] == '\0') {
		const char *p[2] = { viewer_tz(r), off };
		if (pg_exec(pg, "SELECT " COLUMNS ", count(*) OVER () FROM products "
		    "ORDER BY created_at DESC, id DESC LIMIT 20 OFFSET $2", 2, p) == -1) {
			log_error("product list: %s", pg->err);
			return 503;
		}
	} else {
		const char *p[4] = { viewer_tz(r), off, NULL, q };
		if ((pat = like_escape(&r->arena, q)) == NULL)
			return 503;
		p[2] = pat;
		/* the earlier the words stand in the name, the better the match */
		if (pg_exec(pg, "SELECT " COLUMNS ", count(*) OVER () FROM products "
		    "WHERE name_lc LIKE '%' || lower($3) || '%' "
		    "ORDER BY strpos(name_lc, lower($4)), id DESC LIMIT 20 OFFSET $2", 4, p) == -1) {
			log_error("product search: %s", pg->err);
			return 503;
		}
	}
	rows = pg_ntuples(pg);
	*n = rows;
	*total = rows > 0 ? pg_value_ll(pg, 0, NCOLUMNS) : 0;
	if ((*items = arena_calloc(&r->arena, (size_t)rows + 1, sizeof(**items))) == NULL)
		return 503;
	for (int i = 0; i < rows; i++)
		if (fill(r, i, 0, &(*items)[i]) == -1)
			return 503;
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
