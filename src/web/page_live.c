/* page_live.c — live progress: GET /_auth/live/{id} decides whether the browser
 * subscribing to /live/requests/{id} (nchan) may watch that request, and
 * GET /requests/{id}/status is the JSON the page polls when neither WebSocket nor
 * EventSource works.
 *
 * The auth route answers only nginx's internal auth server, which marks its
 * requests with the FastCGI parameter REVLENS_LIVE_AUTH (a client cannot set a
 * FastCGI parameter; its headers arrive as HTTP_*). It allows the logged-in user
 * on the request (204) and records the subscription in MongoDB realtime_sessions
 * (kind "subscription": user, request, channel, started, last seen, expiry);
 * anything else is refused, and nginx turns every refusal into a plain 403.
 *
 * GET /_auth/live/user does the same for /live/users/me, the signed-in user's own
 * channel (price alerts, docs/aggregator.md): nginx's auth_request asks it, and its
 * 204 names the user in X-Revlens-User, from which nginx makes the channel
 * "user-<id>"; no session is a 403.
 */
#include <bson/bson.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "web/notify.h"
#include "web/pages.h"
#include "web/req.h"
#include "web/request.h"
#include "web/session.h"

#define LIVE_SESSION_TTL 3600   /* seconds a subscription record lives */

int page_live_auth(struct req *r)
{
	struct request q;
	bson_t *doc;
	char channel[48];
	int64_t now_ms = (int64_t)time(NULL) * 1000;
	int st;

	if (req_param(r, "REVLENS_LIVE_AUTH") == NULL)
		return req_error(r, 404, NULL, NULL);
	if (r->sess == NULL)
		return req_error(r, 403, NULL, NULL);
	if ((st = request_load(r, r->ids[0], &q)) != 0)
		return req_error(r, st == 404 ? 403 : st, NULL, NULL);
	snprintf(channel, sizeof(channel), "request-%lld", q.id);
	doc = BCON_NEW("kind", BCON_UTF8("subscription"), "request_id", BCON_INT64(q.id),
	    "user_id", BCON_INT64(r->sess->uid), "channel", BCON_UTF8(channel),
	    "at", BCON_DATE_TIME(now_ms), "last_seen", BCON_DATE_TIME(now_ms),
	    "expires_at", BCON_DATE_TIME(now_ms + LIVE_SESSION_TTL * 1000LL));
	if (doc == NULL || mongo_insert(&r->app->mongo, "realtime_sessions", doc) != 0)
		log_warn("live subscription to request %lld not recorded: %s", q.id, r->app->mongo.err);
	bson_destroy(doc);
	return 204;
}

int page_live_user_auth(struct req *r)
{
	bson_t *doc;
	char channel[48];
	int64_t now_ms = (int64_t)time(NULL) * 1000;

	if (req_param(r, "REVLENS_LIVE_AUTH") == NULL)
		return req_error(r, 404, NULL, NULL);
	if (r->sess == NULL)
		return req_error(r, 403, NULL, NULL);
	snprintf(channel, sizeof(channel), "user-%lld", r->sess->uid);
	doc = BCON_NEW("kind", BCON_UTF8("subscription"), "user_id", BCON_INT64(r->sess->uid),
	    "channel", BCON_UTF8(channel), "at", BCON_DATE_TIME(now_ms), "last_seen", BCON_DATE_TIME(now_ms),
	    "expires_at", BCON_DATE_TIME(now_ms + LIVE_SESSION_TTL * 1000LL));
	if (doc == NULL || mongo_insert(&r->app->mongo, "realtime_sessions", doc) != 0)
		log_warn("live subscription of user %lld not recorded: %s", r->sess->uid, r->app->mongo.err);
	bson_destroy(doc);
	req_header(r, "X-Revlens-User: %lld", r->sess->uid);
	return 204;
}

int page_request_status(struct req *r)
{
	struct request q;
	int st = request_load(r, r->ids[0], &q);

	if (st == 404)
		return req_error(r, 404, "not_found", "없는 분석 요청입니다.");
	if (st != 0)
		return req_error(r, 503, "unavailable", "분석 요청을 불러올 수 없습니다.");
	req_json(r, request_json(&q));
	return 200;
}
