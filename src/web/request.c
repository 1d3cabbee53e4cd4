/* request.c — creating, joining, listing and cancelling analysis requests.
 *
 * Creating is INSERT … ON CONFLICT DO NOTHING on the one-active-request-per-
 * product index, with the creator's link in the same statement; when another
 * request is active the user joins it. Concurrent askers race on that index,
 * so exactly one of them creates the request and queues its job. A request
 * whose job cannot be queued is failed at once with the reason: none is left
 * queued without a job.
 */
#include <string.h>

#include "lib/log.h"
#include "lib/progress.h"
#include "lib/strnum.h"
#include "web/req.h"
#include "web/request.h"
#include "web/session.h"
#include "web/settings.h"

#define COLUMNS "ar.id, ar.product_id, CASE WHEN aru.cancelled_at IS NOT NULL THEN 'cancelled' " \
	"ELSE ar.status END, ar.stage, ar.progress, ar.error_message, " \
	"to_char(ar.requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"to_char(ar.requested_at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI'), " \
	"to_char(coalesce(aru.cancelled_at, ar.finished_at) AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI'), " \
	"p.name, p.coupang_product_id, " \
	"(SELECT count(*) FROM analysis_request_users x WHERE x.request_id = ar.id " \
	"AND x.cancelled_at IS NULL) " \
	"FROM analysis_requests ar " \
	"JOIN analysis_request_users aru ON aru.request_id = ar.id AND aru.user_id = $1 " \
	"JOIN products p ON p.id = ar.product_id "

static const char *const status_ko[][2] = {
	{ "queued", "대기 중" }, { "running", "분석 중" }, { "done", "완료" },
	{ "failed", "실패" }, { "cancelled", "취소됨" },
};

/* Leave the transaction r's connection is in and answer status. */
static int rollback(struct req *r, int status)
{
	if (pg_exec(&r->app->pg, "ROLLBACK", 0, NULL) == -1)
		log_error("request: rollback: %s", r->app->pg.err);
	return status;
}

/* Tell whoever watches request id that it ended here (the worker reports the
 * rest): the latest state in Redis and a message on its channel. Best effort. */
static void notify(struct req *r, long long id, const char *status, const char *message)
{
	struct progress p = { id, status, NULL, 0, message };
	char err[300];

	if (progress_store(&r->app->redis[RDS_QUEUE], &p, err, sizeof(err)) != 0 ||
	    progress_publish(r->app->cfg->nchan_publish_socket, &p, err, sizeof(err)) != 0)
		log_warn("request %lld: %s", id, err);
}

const char *request_status_ko(const char *status)
{
	for (size_t i = 0; i < sizeof(status_ko) / sizeof(status_ko[0]); i++)
		if (strcmp(status_ko[i][0], status) == 0)
			return status_ko[i][1];
	return status;
}

static const char *dup_or_null(struct req *r, const char *s)
{
	return s != NULL ? arena_strdup(&r->arena, s) : NULL;
}

/* Row `row` of the last result (COLUMNS) into *q. 0 or -1. */
static int fill(struct req *r, int row, struct request *q)
{
	struct pg_conn *pg = &r->app->pg;

	memset(q, 0, sizeof(*q));
	q->id = pg_value_ll(pg, row, 0);
	q->product_id = pg_value_ll(pg, row, 1);
	q->status = dup_or_null(r, pg_value(pg, row, 2));
	q->stage = dup_or_null(r, pg_value(pg, row, 3));
	q->percent = (int)pg_value_ll(pg, row, 4);
	q->error_message = dup_or_null(r, pg_value(pg, row, 5));
	q->requested_at = dup_or_null(r, pg_value(pg, row, 6));
	q->requested_local = dup_or_null(r, pg_value(pg, row, 7));
	q->finished_local = dup_or_null(r, pg_value(pg, row, 8));
	q->product_name = dup_or_null(r, pg_value(pg, row, 9));
	q->coupang_product_id = pg_value_ll(pg, row, 10);
	q->users = (int)pg_value_ll(pg, row, 11);
	return q->status != NULL && q->requested_at != NULL && q->requested_local != NULL ? 0 : -1;
}

/* Per-user limits (runtime settings): 0 when r's user may ask, else 429 with *msg. */
static int check_limits(struct req *r, const char **msg)
{
	struct pg_conn *pg = &r->app->pg;
	long long daily, active, day_n, active_n;
	char uid[24];
	const char *q[1] = { uid };

	if (strnum_parse(settings_get(r, "analysis.daily_limit"), 10, 0, 1000000, &daily) == -1 ||
	    strnum_parse(settings_get(r, "analysis.max_active"), 10, 1, 1000, &active) == -1)
		return 503;
	snprintf(uid, sizeof(uid), "%lld", r->sess->uid);
	if (pg_exec(pg, "SELECT count(*) FILTER (WHERE aru.joined_at > now() - interval '1 day'), "
	    "count(*) FILTER (WHERE ar.status IN ('queued', 'running') AND aru.cancelled_at IS NULL) "
	    "FROM analysis_request_users aru JOIN analysis_requests ar ON ar.id = aru.request_id "
	    "WHERE aru.user_id = $1", 1, q) == -1) {
		log_error("request limits: %s", pg->err);
		return 503;
	}
	day_n = pg_value_ll(pg, 0, 0);
	active_n = pg_value_ll(pg, 0, 1);
	if (daily > 0 && day_n >= daily) {
		*msg = arena_printf(&r->arena, "하루에 요청할 수 있는 분석(%lld건)을 모두 썼습니다. "
		    "내일 다시 요청해 주세요.", daily);
		return 429;
	}
	if (active_n >= active) {
		*msg = arena_printf(&r->arena, "진행 중인 분석이 %lld건입니다. 하나가 끝나거나 "
		    "취소한 뒤에 다시 요청해 주세요.", active_n);
		return 429;
	}
	return 0;
}

/* Put request id's job on the stream. 0 or -1 (with the reason logged). */
static int enqueue(struct req *r, long long id, long long product_id)
{
	struct rds_conn *rc = &r->app->redis[RDS_QUEUE];
	char ids[24], pid[24];
	const char *argv[7] = { "XADD", JOBS_STREAM, "*", "request_id", ids, "product_id", pid };
	redisReply *rep;
	int ok;

	snprintf(ids, sizeof(ids), "%lld", id);
	snprintf(pid, sizeof(pid), "%lld", product_id);
	rep = rds_command_argv(rc, 7, argv, NULL);
	ok = rep != NULL && rep->type == REDIS_REPLY_STRING;
	if (!ok)
		log_error("request %lld: could not queue its job: %s", id, rep == NULL ? rc->err :
		    rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply");
	if (rep != NULL)
		freeReplyObject(rep);
	return ok ? 0 : -1;
}

int request_create(struct req *r, long long product_id, long long *id, int *created,
    const char **msg)
{
	struct pg_conn *pg = &r->app->pg;
	char uid[24], pid[24];
	const char *q[2] = { uid, pid };
	int st;

	*created = 0;
	*id = 0;
	*msg = NULL;
	snprintf(uid, sizeof(uid), "%lld", r->sess->uid);
	snprintf(pid, sizeof(pid), "%lld", product_id);
	/* one user at a time (so their limits hold under concurrent requests), in one
	 * transaction up to the enqueue */
	if (pg_exec(pg, "BEGIN", 0, NULL) == -1 ||
	    pg_exec(pg, "SELECT pg_advisory_xact_lock(1919250540, ($1::bigint % 2147483647)::int)",
	    1, q) == -1) {
		log_error("request create: %s", pg->err);
		return rollback(r, 503);
	}
	if (pg_exec(pg, "SELECT EXISTS (SELECT 1 FROM products WHERE id = $2), "
	    "(SELECT ar.id FROM analysis_requests ar JOIN analysis_request_users aru "
	    "ON aru.request_id = ar.id AND aru.user_id = $1 AND aru.cancelled_at IS NULL "
	    "WHERE ar.product_id = $2 AND ar.status IN ('queued', 'running'))", 2, q) == -1) {
		log_error("request create: %s", pg->err);
		return rollback(r, 503);
	}
	if (strcmp(pg_value(pg, 0, 0), "t") != 0)
		return rollback(r, 404);
	if (pg_value(pg, 0, 1) != NULL) {            /* asked already: the same request */
		*id = pg_value_ll(pg, 0, 1);
		return rollback(r, 0);
	}
	if ((st = check_limits(r, msg)) != 0)
		return rollback(r, st);
	/* create, or join the one another user created; a creator racing us may commit
	 * between our insert (which then waits and does nothing) and our look-up. The
	 * join locks the request (FOR SHARE) against a cancel by its last user: after
	 * such a cancel it finds nothing to join and the next round creates anew. */
	for (int attempt = 0; attempt < 3 && !*created; attempt++) {
		if (pg_exec(pg, "WITH ins AS (INSERT INTO analysis_requests (user_id, product_id) "
		    "VALUES ($1, $2) ON CONFLICT (product_id) WHERE status IN ('queued', 'running') "
		    "DO NOTHING RETURNING id), "
		    "u AS (INSERT INTO analysis_request_users (request_id, user_id) "
		    "SELECT id, $1 FROM ins) SELECT id FROM ins", 2, q) == -1) {
			log_error("request create: %s", pg->err);
			return rollback(r, 503);
		}
		if (pg_ntuples(pg) == 1) {
			*id = pg_value_ll(pg, 0, 0);
			*created = 1;
			break;
		}
		if (pg_exec(pg, "WITH a AS (SELECT id FROM analysis_requests WHERE product_id = $2 "
		    "AND status IN ('queued', 'running') FOR SHARE) "
		    "INSERT INTO analysis_request_users (request_id, user_id) SELECT id, $1 FROM a "
		    "ON CONFLICT (request_id, user_id) DO UPDATE SET cancelled_at = NULL, "
		    "joined_at = now() RETURNING request_id", 2, q) == -1) {
			log_error("request join: %s", pg->err);
			return rollback(r, 503);
		}
		if (pg_ntuples(pg) == 1) {
			*id = pg_value_ll(pg, 0, 0);
			break;
		}
	}
	if (*id == 0 && !*created) {
		log_error("request create: product %lld: no request created or joined", product_id);
		return rollback(r, 503);
	}
	if (pg_exec(pg, "COMMIT", 0, NULL) == -1) {
		log_error("request create: commit: %s", pg->err);
		return 503;
	}
	if (!*created)
		return 0;
	if (enqueue(r, *id, product_id) == -1) {
		char ids[24];
		const char *why = "작업 큐에 넣지 못했습니다(큐 서버에 연결할 수 없음). 다시 요청해 주세요.";
		const char *f[2] = { ids, why };
		snprintf(ids, sizeof(ids), "%lld", *id);
		if (pg_exec(pg, "UPDATE analysis_requests SET status = 'failed', error_message = $2 "
		    "WHERE id = $1 AND status = 'queued'", 2, f) == -1)
			log_error("request %lld: could not record the failure: %s", *id, pg->err);
		else
			notify(r, *id, "failed", why);
		*msg = "분석 작업을 큐에 넣지 못했습니다. 잠시 후 다시 요청해 주세요.";
		return 503;
	}
	log_info("request %lld: product %lld queued by user %lld", *id, product_id, r->sess->uid);
	return 0;
}

int request_load(struct req *r, long long id, struct request *q)
{
	if (req_user_query(r, "request load", "SELECT " COLUMNS "WHERE ar.id = $3", id) == -1)
		return 503;
	if (pg_ntuples(&r->app->pg) == 0)
		return 404;
	return fill(r, 0, q) == 0 ? 0 : 503;
}

int request_list(struct req *r, struct request **items, int *n)
{
	if (req_user_query(r, "request list", "SELECT " COLUMNS
	    "ORDER BY aru.joined_at DESC, ar.id DESC LIMIT 50", 0) == -1)
		return 503;
	*n = pg_ntuples(&r->app->pg);
	if ((*items = arena_calloc(&r->arena, (size_t)*n + 1, sizeof(**items))) == NULL)
		return 503;
	for (int i = 0; i < *n; i++)
		if (fill(r, i, &(*items)[i]) == -1)
			return 503;
	return 0;
}

int request_cancel(struct req *r, long long id, const char **msg)
{
	struct pg_conn *pg = &r->app->pg;
	char uid[24], ids[24];
	const char *p[2] = { uid, ids };
	int last;

	snprintf(uid, sizeof(uid), "%lld", r->sess->uid);
	snprintf(ids, sizeof(ids), "%lld", id);
	/* the request row is locked while we decide: a join waits for us (and then
	 * finds it cancelled), and the worker cannot finish it in between */
	if (pg_exec(pg, "BEGIN", 0, NULL) == -1 ||
	    pg_exec(pg, "SELECT ar.status, aru.cancelled_at IS NOT NULL FROM analysis_requests ar "
	    "JOIN analysis_request_users aru ON aru.request_id = ar.id AND aru.user_id = $1 "
	    "WHERE ar.id = $2 FOR UPDATE OF ar", 2, p) == -1) {
		log_error("request cancel: %s", pg->err);
		return rollback(r, 503);
	}
	if (pg_ntuples(pg) == 0)
		return rollback(r, 404);
	if (strcmp(pg_value(pg, 0, 1), "t") == 0) {
		*msg = "이미 취소한 분석입니다.";
		return rollback(r, 409);
	}
	if (strcmp(pg_value(pg, 0, 0), "queued") != 0 && strcmp(pg_value(pg, 0, 0), "running") != 0) {
		*msg = "이미 끝난 분석은 취소할 수 없습니다.";
		return rollback(r, 409);
	}
	/* leave; the request itself ends when nobody is left on it */
	if (pg_exec(pg, "UPDATE analysis_request_users SET cancelled_at = now() "
	    "WHERE request_id = $2 AND user_id = $1", 2, p) == -1 ||
	    pg_exec(pg, "UPDATE analysis_requests SET status = 'cancelled' WHERE id = $2 "
	    "AND NOT EXISTS (SELECT 1 FROM analysis_request_users x WHERE x.request_id = $2 "
	    "AND x.cancelled_at IS NULL) AND $1::bigint > 0", 2, p) == -1) {
		log_error("request cancel: %s", pg->err);
		return rollback(r, 503);
	}
	last = pg_affected(pg) == 1;
	if (pg_exec(pg, "COMMIT", 0, NULL) == -1) {
		log_error("request cancel: commit: %s", pg->err);
		return 503;
	}
	if (last) {
		log_info("request %lld cancelled by user %lld, the last one on it", id, r->sess->uid);
		notify(r, id, "cancelled", "모든 사용자가 취소해 분석을 멈췄습니다.");
	}
	return 0;
}

json_object *request_json(const struct request *q)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(q->id));
	json_object_object_add(o, "product_id", json_object_new_int64(q->product_id));
	json_object_object_add(o, "status", json_object_new_string(q->status));
	json_object_object_add(o, "stage", q->stage ? json_object_new_string(q->stage) : NULL);
	json_object_object_add(o, "percent", json_object_new_int(q->percent));
	json_object_object_add(o, "error_message",
	    q->error_message ? json_object_new_string(q->error_message) : NULL);
	json_object_object_add(o, "requested_at", json_object_new_string(q->requested_at));
	json_object_object_add(o, "users", json_object_new_int(q->users));
	return o;
}
