/* notify.c — the price-alert notifications of /watchlist and POST
 * /watchlist/notifications/read (see notify.h).
 *
 * The section is always there (also with no notifications and no watch entries), so
 * static/notify.js can add what arrives on /live/users/me to it; without JavaScript
 * the next load shows the same list. Each notification carries its webhook delivery's
 * outcome when the user has a webhook: sending, waiting for a retry, delivered, or
 * abandoned after the last retry (with the last error).
 */
#include <string.h>

#include "lib/html.h"
#include "lib/log.h"
#include "web/layout.h"
#include "web/notify.h"
#include "web/req.h"
#include "web/session.h"

static void delivery(struct req *r, int row)
{
	struct pg_conn *pg = &r->app->pg;
	const char *st = pg_value(pg, row, 9), *err = pg_value(pg, row, 11);
	long long attempts = pg_value_ll(pg, row, 10);

	if (st == NULL)
		return;
	if (strcmp(st, "delivered") == 0) {
		html_raw(&r->body, " <span class=\"webhook delivered\">웹훅 전송됨</span>");
	} else if (strcmp(st, "abandoned") == 0) {
		html_printf(&r->body, " <span class=\"webhook abandoned\">웹훅 전송 포기 (%lld번 실패%s%s). "
		    "<a href=\"/me/webhook\">웹훅 주소</a>를 확인해 주세요.</span>", attempts,
		    err != NULL ? ": " : "", err);
	} else if (attempts == 0) {
		html_raw(&r->body, " <span class=\"webhook pending\">웹훅 보내는 중</span>");
	} else {
		html_printf(&r->body, " <span class=\"webhook retrying\">웹훅 재시도 대기 (%lld번 실패%s%s, "
		    "다음 시도 %s)</span>", attempts, err != NULL ? ": " : "", err, pg_value(pg, row, 12));
	}
}

int notify_render(struct req *r)
{
	struct pg_conn *pg = &r->app->pg;
	long long unread;
	int n;

	if (req_user_query(r, "notifications list", "SELECT n.id, n.product_id, p.name, n.price, n.target_price, "
	    "  to_char(n.created_at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI'), "
	    "  to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	    "  n.read_at IS NULL, "
	    "  (SELECT count(*) FROM notifications u WHERE u.user_id = $1 AND u.read_at IS NULL), "
	    "  d.status, d.attempts, d.last_error, to_char(d.next_attempt_at AT TIME ZONE $2, 'MM-DD HH24:MI') "
	    "FROM notifications n JOIN products p ON p.id = n.product_id "
	    "LEFT JOIN webhook_deliveries d ON d.notification_id = n.id "
	    "WHERE n.user_id = $1 ORDER BY n.created_at DESC, n.id DESC LIMIT 20", 0) == -1) {
		html_raw(&r->body, "<section class=\"card notifications\">\n<h2>가격 알림</h2>\n");
		layout_notice(r, "error", "가격 알림을 불러올 수 없습니다. 잠시 후 새로 고쳐 주세요.");
		html_raw(&r->body, "</section>\n");
		return -1;
	}
	n = pg_ntuples(pg);
	unread = n > 0 ? pg_value_ll(pg, 0, 8) : 0;
	html_printf(&r->body, "<section class=\"card notifications\" id=\"notifications\" data-live-user "
	    "data-tz=\"%s\">\n<h2>가격 알림", r->sess->tz);
	html_printf(&r->body, " <span class=\"badge unread-count\"%s>읽지 않음 <span class=\"n\">%lld</span></span>",
	    unread > 0 ? "" : " hidden", unread);
	html_raw(&r->body, "</h2>\n<p class=\"hint\">목표가를 정해 둔 상품의 가격이 목표가 이하로 내려가면 "
	    "여기에 알려 드립니다 (가격이 목표가보다 1% 이상 다시 오른 뒤 내려가야 또 알립니다). 이 페이지를 열어 두면 "
	    "바로 나타납니다. 다른 서비스로도 받으려면 <a href=\"/me/webhook\">웹훅</a>을 설정하세요.</p>\n");
	if (strcmp(req_query(r, "read"), "1") == 0)
		layout_notice(r, "ok", "알림을 모두 읽음으로 표시했습니다.");
	html_printf(&r->body, "<form method=\"post\" action=\"/watchlist/notifications/read\" "
	    "class=\"inline mark-read\"%s>", unread > 0 ? "" : " hidden");
	layout_csrf(r);
	html_raw(&r->body, "<button type=\"submit\" class=\"button small\">읽음 표시</button></form>\n"
	    "<ul class=\"notification-list\" aria-live=\"polite\">\n");
	for (int i = 0; i < n; i++) {
		int fresh = strcmp(pg_value(pg, i, 7), "t") == 0;
		html_printf(&r->body, "<li class=\"notification%s\" data-notification-id=\"%s\">",
		    fresh ? " unread" : "", pg_value(pg, i, 0));
		if (fresh)
			html_raw(&r->body, "<span class=\"status queued\">새 알림</span> ");
		html_printf(&r->body, "<a href=\"/products/%s\">%s</a>: ", pg_value(pg, i, 1), pg_value(pg, i, 2));
		layout_won(r, pg_value_ll(pg, i, 3));
		html_raw(&r->body, " — 목표가 ");
		layout_won(r, pg_value_ll(pg, i, 4));
		html_printf(&r->body, " 이하로 내려갔습니다. <time datetime=\"%s\">%s</time>", pg_value(pg, i, 6),
		    pg_value(pg, i, 5));
		delivery(r, i);
		html_raw(&r->body, "</li>\n");
	}
	html_raw(&r->body, "</ul>\n");
	html_printf(&r->body, "<p class=\"empty\"%s>아직 알림이 없습니다.</p>\n", n > 0 ? " hidden" : "");
	html_raw(&r->body, "</section>\n<script src=\"/static/notify.js\" defer></script>\n");
	return 0;
}

int page_notifications_read(struct req *r)
{
	if (req_user_query(r, "notifications read", "UPDATE notifications SET read_at = now() "
	    "WHERE user_id = $1 AND read_at IS NULL AND $2::text IS NOT NULL", 0) == -1)
		return req_error(r, 503, NULL, "알림을 읽음으로 표시할 수 없습니다. 잠시 후 다시 시도해 주세요.");
	return req_redirect(r, "/watchlist?read=1");
}
