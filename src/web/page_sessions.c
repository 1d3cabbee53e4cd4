/* page_sessions.c — GET /me/sessions and the POSTs that end sessions.
 *
 * Lists the user's open sessions (browsers and API tokens) from
 * user_sessions, each checked against Redis: one that expired there (idle
 * too long) is recorded as expired and left out. Ending one deletes it from
 * Redis, so it fails on its very next request.
 */
#include <string.h>

#include "lib/html.h"
#include "lib/log.h"
#include "lib/strnum.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/req.h"
#include "web/session.h"

#define LIST_MAX 50

/* "Chrome · Windows" from a user agent (a hint, not a parser). */
static const char *device(const char *ua)
{
	static char out[64];
	const char *b = "브라우저", *os = "";

	if (ua == NULL || ua[0] == '\0')
		return "알 수 없는 기기";
	if (strstr(ua, "Edg/")) b = "Edge";
	else if (strstr(ua, "SamsungBrowser")) b = "삼성 인터넷";
	else if (strstr(ua, "Whale/")) b = "웨일";
	else if (strstr(ua, "Chrome/") || strstr(ua, "Chromium/")) b = "Chrome";
	else if (strstr(ua, "Firefox/")) b = "Firefox";
	else if (strstr(ua, "Safari/")) b = "Safari";
	else if (strstr(ua, "curl/")) b = "curl";
	else return ua;
	if (strstr(ua, "Android")) os = "Android";
	else if (strstr(ua, "iPhone") || strstr(ua, "iPad")) os = "iOS";
	else if (strstr(ua, "Windows")) os = "Windows";
	else if (strstr(ua, "Mac OS X")) os = "macOS";
	else if (strstr(ua, "Linux")) os = "Linux";
	snprintf(out, sizeof(out), "%s%s%s", b, os[0] ? " · " : "", os);
	return out;
}

int page_sessions(struct req *r)
{
	struct pg_conn *pg = &r->app->pg;
	char uid[24];
	const char *q[2] = { uid, r->sess->tz };
	const char **keys, **ids, **ua, **addr, **created, **seen, **kind;
	int *alive, n, shown = 0;
	struct buf dead;

	snprintf(uid, sizeof(uid), "%lld", r->sess->uid);
	if (pg_exec(pg, "SELECT id, 's:' || encode(token_hash, 'hex'), kind, coalesce(host(ip), ''), "
	    "coalesce(user_agent, ''), to_char(created_at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI'), "
	    "to_char(last_seen_at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI') FROM user_sessions "
	    "WHERE user_id = $1 AND ended_at IS NULL AND expires_at > now() "
	    "ORDER BY last_seen_at DESC LIMIT 50", 2, q) == -1) {
		log_error("sessions list: %s", pg->err);
		return req_error(r, 503, NULL, "로그인 기기를 불러올 수 없습니다.");
	}
	n = pg_ntuples(pg);
	keys = arena_calloc(&r->arena, (size_t)n + 1, sizeof(*keys));
	ids = arena_calloc(&r->arena, (size_t)n + 1, sizeof(*ids));
	kind = arena_calloc(&r->arena, (size_t)n + 1, sizeof(*kind));
	addr = arena_calloc(&r->arena, (size_t)n + 1, sizeof(*addr));
	ua = arena_calloc(&r->arena, (size_t)n + 1, sizeof(*ua));
	created = arena_calloc(&r->arena, (size_t)n + 1, sizeof(*created));
	seen = arena_calloc(&r->arena, (size_t)n + 1, sizeof(*seen));
	alive = arena_calloc(&r->arena, (size_t)n + 1, sizeof(*alive));
	if (!keys || !ids || !kind || !addr || !ua || !created || !seen || !alive)
		return req_error(r, 500, NULL, NULL);
	for (int i = 0; i < n; i++) {
		ids[i] = arena_strdup(&r->arena, pg_value(pg, i, 0));
		keys[i] = arena_strdup(&r->arena, pg_value(pg, i, 1));
		kind[i] = arena_strdup(&r->arena, pg_value(pg, i, 2));
		addr[i] = arena_strdup(&r->arena, pg_value(pg, i, 3));
		ua[i] = arena_strdup(&r->arena, pg_value(pg, i, 4));
		created[i] = arena_strdup(&r->arena, pg_value(pg, i, 5));
		seen[i] = arena_strdup(&r->arena, pg_value(pg, i, 6));
		if (!ids[i] || !keys[i] || !kind[i] || !addr[i] || !ua[i] || !created[i] || !seen[i])
			return req_error(r, 500, NULL, NULL);
	}
	if (session_alive(r, keys, n, alive) == -1)
		return req_error(r, 503, NULL, "로그인 기기를 불러올 수 없습니다.");

	/* sessions Redis let expire are ended in the audit trail too */
	buf_init(&dead, &r->arena);
	for (int i = 0; i < n; i++)
		if (!alive[i])
			buf_printf(&dead, "%s%s", dead.len ? "," : "{", ids[i]);
	if (dead.len) {
		const char *d[2] = { uid, NULL };
		buf_puts(&dead, "}");
		d[1] = dead.data;
		/* not one created in the last minute: its Redis key may be on its way */
		if (pg_exec(pg, "UPDATE user_sessions SET ended_at = now(), ended_reason = 'expired' "
		    "WHERE user_id = $1 AND id = ANY($2::bigint[]) AND ended_at IS NULL "
		    "AND created_at < now() - interval '1 minute'", 2, d) == -1)
			log_warn("sessions list: marking expired sessions: %s", pg->err);
	}

	layout_begin(r, "로그인 기기");
	html_raw(&r->body, "<section class=\"card\">\n<h1>로그인 기기</h1>\n"
	    "<p class=\"lead\">지금 로그인되어 있는 브라우저와 API 토큰입니다. 모르는 기기가 있으면 종료하고 "
	    "비밀번호를 바꾸세요.</p>\n");
	if (strstr(r->query, "ended=1") != NULL)
		layout_notice(r, "ok", "선택한 기기의 로그인을 종료했습니다.");
	html_raw(&r->body, "<table class=\"list\">\n<thead><tr><th>기기</th><th>IP 주소</th>"
	    "<th>로그인</th><th>최근 활동</th><th></th></tr></thead>\n<tbody>\n");
	for (int i = 0; i < n; i++) {
		long long id;
		int current;
		if (!alive[i])
			continue;
		shown++;
		if (strnum_parse(ids[i], 10, 1, 9223372036854775807LL, &id) == -1)
			continue;
		current = id == r->sess->sid;
		if (current)
			html_raw(&r->body, "<tr class=\"current\">");
		else
			html_raw(&r->body, "<tr>");
		html_printf(&r->body, "<td><strong>%s</strong>",
		    strcmp(kind[i], "api") == 0 ? "API 토큰" : device(ua[i]));
		if (current)
			html_raw(&r->body, " <span class=\"badge\">현재 기기</span>");
		html_printf(&r->body, "<br><small class=\"muted\">%s</small></td><td>%s</td><td>%s</td>"
		    "<td>%s</td><td>", ua[i], addr[i][0] ? addr[i] : "-", created[i], seen[i]);
		html_printf(&r->body, "<form method=\"post\" action=\"/me/sessions/%lld/end\" class=\"inline\">", id);
		layout_csrf(r);
		html_printf(&r->body, "<button type=\"submit\" class=\"button small danger\">%s</button>"
		    "</form></td></tr>\n", current ? "로그아웃" : "종료");
	}
	if (shown == 0)
		html_raw(&r->body, "<tr><td colspan=\"5\" class=\"muted\">열려 있는 로그인이 없습니다.</td></tr>\n");
	html_raw(&r->body, "</tbody>\n</table>\n"
	    "<form method=\"post\" action=\"/me/sessions/end-all\" class=\"endall\">");
	layout_csrf(r);
	html_raw(&r->body, "<button type=\"submit\" class=\"button danger\">모든 기기에서 로그아웃</button>"
	    " <span class=\"muted\">이 기기를 포함해 모든 로그인과 API 토큰이 종료됩니다.</span></form>\n"
	    "</section>\n");
	layout_end(r);
	return 200;
}

int page_session_end(struct req *r)
{
	long long id = r->ids[0];
	int current = id == r->sess->sid, n;

	n = session_end_one(r, r->sess->uid, id, current ? "logout" : "revoked");
	if (n < 0)
		return req_error(r, 503, NULL, "로그인을 종료하지 못했습니다. 잠시 후 다시 시도해 주세요.");
	if (n == 0)
		return req_error(r, 404, NULL, "이미 종료되었거나 없는 로그인입니다.");
	if (current) {
		session_end_current(r, "logout");     /* the cookie goes too */
		return req_redirect(r, "/login");
	}
	return req_redirect(r, "/me/sessions?ended=1");
}

int page_sessions_end_all(struct req *r)
{
	if (session_end_others(r, r->sess->uid, 0, "revoked") < 0 ||
	    session_end_current(r, "logout") < 0)
		return req_error(r, 503, NULL, "로그인을 종료하지 못했습니다. 잠시 후 다시 시도해 주세요.");
	return req_redirect(r, "/login?ended=all");
}
