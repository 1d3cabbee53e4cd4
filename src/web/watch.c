/* watch.c — the watch list in PostgreSQL (watch_list, unique per user and product). */
#include <string.h>

#include "lib/log.h"
#include "lib/strnum.h"
#include "web/req.h"
#include "web/session.h"
#include "web/watch.h"

#define COLUMNS "w.id, w.product_id, p.coupang_product_id, p.name, coalesce(p.price, -1), " \
	"coalesce(w.target_price, -1), " \
	"(SELECT status FROM analysis_requests ar WHERE ar.product_id = w.product_id " \
	"ORDER BY requested_at DESC, id DESC LIMIT 1), " \
	"to_char(w.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"to_char(w.created_at AT TIME ZONE $2, 'YYYY-MM-DD') " \
	"FROM watch_list w JOIN products p ON p.id = w.product_id WHERE w.user_id = $1 "

int watch_parse_price(const char *in, long long *price, const char **msg)
{
	char digits[24];
	size_t n = 0;
	const char *p = in;

	while (*p == ' ')
		p++;
	if (*p == '\0') {
		*price = -1;
		return 0;
	}
	for (; *p && *p != ' '; p++) {
		if (*p == ',')
			continue;
		if (*p < '0' || *p > '9' || n + 1 >= sizeof(digits))
			break;
		digits[n++] = *p;
	}
	digits[n] = '\0';
	if (strncmp(p, "원", strlen("원")) == 0)
		p += strlen("원");
	while (*p == ' ')
		p++;
	if (*p != '\0' || n == 0 || digits[0] == '0' ||
	    strnum_parse(digits, 10, 1, WATCH_PRICE_MAX, price) == -1) {
		*msg = "목표가는 1원 이상 10억 원 이하의 정수로 입력해 주세요. 예: 12900";
		return -1;
	}
	return 0;
}

static int fill(struct req *r, int row, struct watch *w)
{
	struct pg_conn *pg = &r->app->pg;
	const char *name = pg_value(pg, row, 3), *st = pg_value(pg, row, 6);

	memset(w, 0, sizeof(*w));
	w->id = pg_value_ll(pg, row, 0);
	w->product_id = pg_value_ll(pg, row, 1);
	w->coupang_product_id = pg_value_ll(pg, row, 2);
	w->product_name = name ? arena_strdup(&r->arena, name) : NULL;
	w->price = pg_value_ll(pg, row, 4);
	w->target_price = pg_value_ll(pg, row, 5);
	w->reached = w->price >= 0 && w->target_price > 0 && w->price <= w->target_price;
	w->last_status = st ? arena_strdup(&r->arena, st) : NULL;
	w->created_at = arena_strdup(&r->arena, pg_value(pg, row, 7));
	w->created_local = arena_strdup(&r->arena, pg_value(pg, row, 8));
	return w->created_at && w->created_local && (!name || w->product_name) && (!st || w->last_status)
	    ? 0 : -1;
}

int watch_put(struct req *r, long long product_id, long long target, long long *id, int *created)
{
	struct pg_conn *pg = &r->app->pg;
	char uid[24], pid[24], tp[24];
	const char *q[3] = { uid, pid, target > 0 ? tp : NULL };

	snprintf(uid, sizeof(uid), "%lld", r->sess->uid);
	snprintf(pid, sizeof(pid), "%lld", product_id);
	snprintf(tp, sizeof(tp), "%lld", target);
	if (pg_exec(pg, "INSERT INTO watch_list (user_id, product_id, target_price) "
	    "SELECT $1, id, $3 FROM products WHERE id = $2 "
	    "ON CONFLICT (user_id, product_id) DO UPDATE SET target_price = EXCLUDED.target_price "
	    "RETURNING id, xmax = 0", 3, q) == -1) {
		log_error("watch put: %s", pg->err);
		return 503;
	}
	if (pg_ntuples(pg) == 0)
		return 404;
	*id = pg_value_ll(pg, 0, 0);
	*created = strcmp(pg_value(pg, 0, 1), "t") == 0;
	return 0;
}

/* Run sql over ($1 user, $2 entry id[, $3 target]) and say 0, 404 or 503 by the rows it touched. */
static int change(struct req *r, const char *sql, long long id, long long target)
{
	struct pg_conn *pg = &r->app->pg;
	char uid[24], ids[24], tp[24];
	const char *q[3] = { uid, ids, target > 0 ? tp : NULL };

	snprintf(uid, sizeof(uid), "%lld", r->sess->uid);
	snprintf(ids, sizeof(ids), "%lld", id);
	snprintf(tp, sizeof(tp), "%lld", target);
	if (pg_exec(pg, sql, target == 0 ? 2 : 3, q) == -1) {
		log_error("watch change: %s", pg->err);
		return 503;
	}
	return pg_affected(pg) == 1 ? 0 : 404;
}

int watch_set_target(struct req *r, long long id, long long target)
{
	return change(r, "UPDATE watch_list SET target_price = $3 WHERE user_id = $1 AND id = $2",
	    id, target > 0 ? target : -1);
}

int watch_delete(struct req *r, long long id)
{
	return change(r, "DELETE FROM watch_list WHERE user_id = $1 AND id = $2", id, 0);
}

int watch_list(struct req *r, struct watch **items, int *n)
{
	if (req_user_query(r, "watch list", "SELECT " COLUMNS
	    "ORDER BY w.created_at DESC, w.id DESC LIMIT 200", 0) == -1)
		return 503;
	*n = pg_ntuples(&r->app->pg);
	if ((*items = arena_calloc(&r->arena, (size_t)*n + 1, sizeof(**items))) == NULL)
		return 503;
	for (int i = 0; i < *n; i++)
		if (fill(r, i, &(*items)[i]) == -1)
			return 503;
	return 0;
}

int watch_load(struct req *r, long long id, struct watch *w)
{
	if (req_user_query(r, "watch load", "SELECT " COLUMNS "AND w.id = $3", id) == -1)
		return 503;
	if (pg_ntuples(&r->app->pg) == 0)
		return 404;
	return fill(r, 0, w) == 0 ? 0 : 503;
}

json_object *watch_json(const struct watch *w)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(w->id));
	json_object_object_add(o, "product_id", json_object_new_int64(w->product_id));
	json_object_object_add(o, "coupang_product_id", json_object_new_int64(w->coupang_product_id));
	json_object_object_add(o, "name", w->product_name ? json_object_new_string(w->product_name) : NULL);
	json_object_object_add(o, "price", w->price >= 0 ? json_object_new_int64(w->price) : NULL);
	json_object_object_add(o, "target_price",
	    w->target_price > 0 ? json_object_new_int64(w->target_price) : NULL);
	json_object_object_add(o, "target_reached", json_object_new_boolean(w->reached));
	json_object_object_add(o, "last_analysis_status",
	    w->last_status ? json_object_new_string(w->last_status) : NULL);
	json_object_object_add(o, "created_at", json_object_new_string(w->created_at));
	return o;
}
