/* page_webhook.c — GET/POST /me/webhook: a user's one webhook for price alerts
 * (docs/aggregator.md "Webhooks"). POST's action: save (set or change the URL; the
 * first save makes the secret), secret (a new secret), delete. A new secret is shown
 * once, on the answer to the POST that made it. The URL is checked here (form,
 * scheme, no userinfo, every address the name resolves to: public unless
 * webhook.allow_private) and again by revlens-notifier on each delivery.
 */
#include <sodium.h>
#include <string.h>

#include "lib/html.h"
#include "lib/log.h"
#include "lib/webhook.h"
#include "web/layout.h"
#include "web/page_webhook.h"
#include "web/req.h"
#include "web/session.h"

#define DELIVERIES_SHOWN 10     /* recent deliveries listed on the page */

static const char *status_ko(const char *st, long long attempts)
{
	if (strcmp(st, "delivered") == 0)
		return "전송됨";
	if (strcmp(st, "abandoned") == 0)
		return "포기함";
	return attempts > 0 ? "재시도 대기" : "보내는 중";
}

static void deliveries(struct req *r)
{
	struct pg_conn *pg = &r->app->pg;
	int n;

	if (req_user_query(r, "webhook deliveries", "SELECT d.status, d.attempts, coalesce(d.last_error, ''), "
	    "  to_char(d.created_at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI'), p.name, n.price "
	    "FROM webhook_deliveries d JOIN notifications n ON n.id = d.notification_id "
	    "JOIN products p ON p.id = n.product_id WHERE d.user_id = $1 "
	    "ORDER BY d.created_at DESC, d.id DESC LIMIT 10", 0) == -1) {
		layout_notice(r, "error", "전송 기록을 불러올 수 없습니다.");
		return;
	}
	if ((n = pg_ntuples(pg)) == 0)
		return;
	html_raw(&r->body, "<h2>최근 전송</h2>\n<table class=\"list deliveries\">\n<thead><tr><th>알림 시각</th>"
	    "<th>상품</th><th>가격</th><th>상태</th><th>시도</th><th>마지막 오류</th></tr></thead>\n<tbody>\n");
	for (int i = 0; i < n; i++) {
		long long attempts = pg_value_ll(pg, i, 1);
		html_printf(&r->body, "<tr><td>%s</td><td>%s</td><td>", pg_value(pg, i, 3), pg_value(pg, i, 4));
		layout_won(r, pg_value_ll(pg, i, 5));
		html_printf(&r->body, "</td><td><span class=\"webhook %s\">%s</span></td><td>%lld</td><td>%s</td></tr>\n",
		    pg_value(pg, i, 0), status_ko(pg_value(pg, i, 0), attempts), attempts, pg_value(pg, i, 2));
	}
	html_raw(&r->body, "</tbody>\n</table>\n");
}

static int render(struct req *r, int status, const char *url, const char *error, const char *fresh)
{
	struct pg_conn *pg = &r->app->pg;
	struct field f_url = { .name = "url", .label = "웹훅 주소", .type = "url", .value = url,
		.error = error, .maxlength = WEBHOOK_URL_MAX,
		.hint = r->app->cfg->webhook_allow_private
		    ? "알림을 받을 https 주소. 내부망·루프백 주소라면 http도 됩니다."
		    : "알림을 받을 https 주소. 인터넷에서 접속할 수 있는 공인 주소여야 합니다." };
	int have;

	if (req_user_query(r, "webhook", "SELECT url, to_char(created_at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI'), "
	    "  to_char(updated_at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI') FROM user_webhooks WHERE user_id = $1", 0) == -1)
		return req_error(r, 503, NULL, "웹훅 설정을 불러올 수 없습니다. 잠시 후 다시 시도해 주세요.");
	have = pg_ntuples(pg) == 1;
	if (url == NULL)
		f_url.value = have ? arena_strdup(&r->arena, pg_value(pg, 0, 0)) : "";
	layout_begin(r, "웹훅");
	html_raw(&r->body, "<section class=\"card\">\n<h1>웹훅</h1>\n"
	    "<p class=\"lead\">관심 상품의 가격이 목표가 이하로 내려가면 revlens가 이 주소로 알림을 POST합니다 "
	    "(메신저 봇, 자동화 서비스, 직접 만든 서버).</p>\n");
	if (fresh != NULL) {
		html_raw(&r->body, "<div class=\"notice ok secret-fresh\" role=\"status\">"
		    "<p><strong>새 비밀 키를 만들었습니다.</strong> 지금 한 번만 보여 드립니다. 받는 쪽에 저장해 두고 "
		    "서명을 확인하는 데 쓰세요.</p>\n");
		html_printf(&r->body, "<input class=\"token\" type=\"text\" readonly value=\"%s\" aria-label=\"웹훅 비밀 키\" "
		    "id=\"fresh-secret\">\n</div>\n", fresh);
	}
	if (strcmp(req_query(r, "saved"), "1") == 0)
		layout_notice(r, "ok", "웹훅 주소를 저장했습니다. 비밀 키는 그대로입니다.");
	if (strcmp(req_query(r, "removed"), "1") == 0)
		layout_notice(r, "ok", "웹훅을 삭제했습니다. 보내지 못한 알림은 더 보내지 않습니다.");
	if (have)
		html_printf(&r->body, "<p>지금 주소: <code class=\"webhook-url\">%s</code> <span class=\"muted\">(%s에 "
		    "만듦, %s에 바꿈)</span></p>\n", pg_value(pg, 0, 0), pg_value(pg, 0, 1), pg_value(pg, 0, 2));
	else
		html_raw(&r->body, "<p class=\"muted\">아직 웹훅이 없습니다. 알림은 관심 상품 페이지에서만 보입니다.</p>\n");
	html_raw(&r->body, "<form method=\"post\" action=\"/me/webhook\" novalidate>\n");
	layout_csrf(r);
	layout_field(r, &f_url);
	html_raw(&r->body, "<button type=\"submit\" name=\"action\" value=\"save\" class=\"button primary\">저장</button>\n"
	    "</form>\n");
	if (have) {
		html_raw(&r->body, "<form method=\"post\" action=\"/me/webhook\" class=\"inline\">");
		layout_csrf(r);
		html_raw(&r->body, "<button type=\"submit\" name=\"action\" value=\"secret\" class=\"button small\">"
		    "새 비밀 키 만들기</button></form>\n<form method=\"post\" action=\"/me/webhook\" class=\"inline\">");
		layout_csrf(r);
		html_raw(&r->body, "<button type=\"submit\" name=\"action\" value=\"delete\" class=\"button small danger\">"
		    "웹훅 삭제</button></form>\n");
	}
	html_raw(&r->body, "<h2>받는 쪽에서 할 일</h2>\n<p>본문은 JSON입니다: <code>{\"id\", \"type\": \"price_alert\", "
	    "\"created_at\", \"product\": {\"id\", \"name\", \"url\"}, \"price\", \"target_price\"}</code>. "
	    "헤더 <code>X-Revlens-Signature: t=&lt;유닉스 초&gt;,v1=&lt;서명&gt;</code>의 서명은 "
	    "비밀 키로 만든 HMAC-SHA256(<code>t + \".\" + 본문</code>)의 16진수입니다. 서명이 맞지 않거나 "
	    "<code>t</code>가 5분보다 오래된 요청은 거절하세요. 2xx로 답하지 않으면 1분, 5분, 30분, 2시간, "
	    "12시간 뒤에 다시 보내고, 그래도 안 되면 포기합니다. 같은 알림이 두 번 올 수 있으니 "
	    "<code>id</code>로 중복을 걸러 주세요.</p>\n");
	deliveries(r);
	html_raw(&r->body, "</section>\n");
	layout_end(r);
	return status;
}

int page_webhook(struct req *r)
{
	return render(r, 200, NULL, NULL, NULL);
}

static int save(struct req *r)
{
	const char *url = req_form(r, "url"), *msg = NULL;
	char secret[WEBHOOK_SECRET_LEN + 1], uid[24];
	const char *p[3] = { uid, url, secret };
	int st;

	if (webhook_url_check(url, r->app->cfg->webhook_allow_private, &msg) == -1)
		return render(r, 422, url, msg, NULL);
	/* the scheme is stored in lower case (HTTPS:// is the same address) */
	{
		char *u = arena_strdup(&r->arena, url);
		if (u == NULL)
			return req_error(r, 500, NULL, NULL);
		for (char *c = u; *c != '\0' && *c != ':'; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		p[1] = url = u;
	}
	webhook_secret_new(secret);
	snprintf(uid, sizeof(uid), "%lld", r->sess->uid);
	/* the first save makes the secret; a later one keeps it */
	if (pg_exec(&r->app->pg, "INSERT INTO user_webhooks AS h (user_id, url, secret) VALUES ($1, $2, $3) "
	    "ON CONFLICT (user_id) DO UPDATE SET url = EXCLUDED.url RETURNING (xmax = 0)", 3, p) == -1) {
		log_error("webhook save: %s", r->app->pg.err);
		sodium_memzero(secret, sizeof(secret));
		return req_error(r, 503, NULL, "웹훅을 저장할 수 없습니다. 잠시 후 다시 시도해 주세요.");
	}
	log_info("user %lld: webhook saved", r->sess->uid);
	if (strcmp(pg_value(&r->app->pg, 0, 0), "t") == 0)
		st = render(r, 201, NULL, NULL, arena_strdup(&r->arena, secret));
	else
		st = req_redirect(r, "/me/webhook?saved=1");
	sodium_memzero(secret, sizeof(secret));
	return st;
}

static int new_secret(struct req *r)
{
	char secret[WEBHOOK_SECRET_LEN + 1], uid[24];
	const char *p[2] = { uid, secret };
	int st;

	webhook_secret_new(secret);
	snprintf(uid, sizeof(uid), "%lld", r->sess->uid);
	if (pg_exec(&r->app->pg, "UPDATE user_webhooks SET secret = $2 WHERE user_id = $1", 2, p) == -1) {
		log_error("webhook secret: %s", r->app->pg.err);
		st = req_error(r, 503, NULL, "비밀 키를 만들 수 없습니다. 잠시 후 다시 시도해 주세요.");
	} else if (pg_affected(&r->app->pg) == 0) {
		st = req_error(r, 404, NULL, "웹훅이 없습니다. 먼저 웹훅 주소를 저장하세요.");
	} else {
		log_info("user %lld: webhook secret replaced", r->sess->uid);
		st = render(r, 200, NULL, NULL, arena_strdup(&r->arena, secret));
	}
	sodium_memzero(secret, sizeof(secret));
	return st;
}

static int delete(struct req *r)
{
	/* what was not delivered yet is given up: it has nowhere to go */
	if (req_user_query(r, "webhook delete", "WITH d AS (DELETE FROM user_webhooks WHERE user_id = $1 "
	    "  AND $2::text IS NOT NULL RETURNING user_id) "
	    "UPDATE webhook_deliveries w SET status = 'abandoned', last_error = '웹훅을 삭제했습니다' "
	    "FROM d WHERE w.user_id = d.user_id AND w.status = 'pending'", 0) == -1)
		return req_error(r, 503, NULL, "웹훅을 삭제할 수 없습니다. 잠시 후 다시 시도해 주세요.");
	log_info("user %lld: webhook deleted", r->sess->uid);
	return req_redirect(r, "/me/webhook?removed=1");
}

int page_webhook_post(struct req *r)
{
	const char *action = req_form(r, "action");

	if (strcmp(action, "secret") == 0)
		return new_secret(r);
	if (strcmp(action, "delete") == 0)
		return delete(r);
	return save(r);
}
