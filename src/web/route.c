/* route.c — every route revlens-web serves, in one table, and the matcher. */
#include <stdio.h>
#include <string.h>

#include "lib/strnum.h"
#include "web/notify.h"
#include "web/page_healthz.h"
#include "web/page_metrics.h"
#include "web/page_trends.h"
#include "web/page_version.h"
#include "web/page_webhook.h"
#include "web/pages.h"
#include "web/route.h"
#include "web/scoreboard.h"

#define AUTH  ROUTE_NEED_AUTH
#define CSRF  ROUTE_NEED_CSRF
#define ADMIN ROUTE_NEED_ADMIN
#define API   ROUTE_API_JSON
#define INGEST ROUTE_INGEST

const struct route route_table[] = {
	{ "GET",  "/healthz", page_healthz, API },
	{ "GET",  "/metrics", page_metrics, ROUTE_LOOPBACK_ONLY },
	{ "GET",  "/api/version", page_version, API },
	/* pages */
	{ "GET",  "/", page_home, 0 },
	{ "GET",  "/signup", page_signup_form, 0 },
	{ "POST", "/signup", page_signup, CSRF },
	{ "GET",  "/login", page_login_form, 0 },
	{ "POST", "/login", page_login, CSRF },
	{ "POST", "/logout", page_logout, CSRF },
	{ "GET",  "/me", page_me, AUTH },
	{ "POST", "/me", page_me_save, AUTH | CSRF },
	{ "GET",  "/me/password", page_password_form, AUTH },
	{ "POST", "/me/password", page_password, AUTH | CSRF },
	{ "GET",  "/me/sessions", page_sessions, AUTH },
	{ "POST", "/me/sessions/end-all", page_sessions_end_all, AUTH | CSRF },
	{ "POST", "/me/sessions/{id}/end", page_session_end, AUTH | CSRF },
	{ "GET",  "/me/tokens", page_tokens, AUTH },
	{ "POST", "/me/tokens", page_token_create, AUTH | CSRF },
	{ "POST", "/me/tokens/{id}/revoke", page_token_revoke, AUTH | CSRF },
	{ "GET",  "/me/webhook", page_webhook, AUTH },
	{ "POST", "/me/webhook", page_webhook_post, AUTH | CSRF },
	{ "GET",  "/products", page_products, 0 },
	{ "POST", "/products", page_product_register, AUTH | CSRF },
	{ "GET",  "/products/{id}", page_product, 0 },
	{ "POST", "/products/{id}/analyze", page_analyze, AUTH | CSRF },
	{ "GET",  "/products/{id}/trends.csv", page_trends_csv, AUTH },
	{ "GET",  "/requests", page_requests, AUTH },
	{ "GET",  "/requests/{id}", page_request, AUTH },
	{ "POST", "/requests/{id}/cancel", page_request_cancel, AUTH | CSRF },
	{ "GET",  "/requests/{id}/status", page_request_status, AUTH | ROUTE_JSON_ERRORS },
	{ "GET",  "/_auth/live/{id}", page_live_auth, 0 },
	{ "GET",  "/_auth/live/user", page_live_user_auth, 0 },
	{ "GET",  "/watchlist", page_watchlist, AUTH },
	{ "POST", "/watchlist", page_watch_add, AUTH | CSRF },
	{ "POST", "/watchlist/{id}", page_watch_target, AUTH | CSRF },
	{ "POST", "/watchlist/{id}/delete", page_watch_delete, AUTH | CSRF },
	{ "POST", "/watchlist/notifications/read", page_notifications_read, AUTH | CSRF },
	{ "GET",  "/history", page_history, AUTH },
	{ "POST", "/history/clear", page_history_clear, AUTH | CSRF },
	{ "POST", "/history/{id}/delete", page_history_delete, AUTH | CSRF },
	{ "GET",  "/admin/config", page_admin_config, AUTH | ADMIN },
	{ "POST", "/admin/config", page_admin_config_save, AUTH | ADMIN | CSRF },
	/* JSON API (bearer tokens) */
	{ "POST", "/api/auth/token", page_api_token, API },
	{ "POST", "/api/auth/logout", page_api_logout, API | AUTH },
	{ "GET",  "/api/me", page_api_me, API | AUTH },
	{ "GET",  "/api/products", page_api_products, API | AUTH },
	{ "POST", "/api/products", page_api_product_register, API | AUTH },
	{ "GET",  "/api/products/{id}", page_api_product, API | AUTH },
	{ "GET",  "/api/products/{id}/summary", page_api_product_summary, API | AUTH },
	{ "GET",  "/api/products/{id}/trends", page_api_trends, API | AUTH },
	{ "GET",  "/api/products/{id}/trends.csv", page_api_trends_csv, API | AUTH },
	{ "POST", "/api/products/{id}/analyses", page_api_analyze, API | AUTH },
	{ "GET",  "/api/requests", page_api_requests, API | AUTH },
	{ "GET",  "/api/requests/{id}", page_api_request, API | AUTH },
	{ "POST", "/api/requests/{id}/cancel", page_api_request_cancel, API | AUTH },
	{ "GET",  "/api/watchlist", page_api_watchlist, API | AUTH },
	{ "POST", "/api/watchlist", page_api_watch_add, API | AUTH },
	{ "GET",  "/api/watchlist/{id}", page_api_watch, API | AUTH },
	{ "DELETE", "/api/watchlist/{id}", page_api_watch_delete, API | AUTH },
	{ "GET",  "/api/history", page_api_history, API | AUTH },
	{ "DELETE", "/api/history", page_api_history_clear, API | AUTH },
	{ "DELETE", "/api/history/{id}", page_api_history_delete, API | AUTH },
	/* collectors (ingest tokens; docs/ingest.md) */
	{ "POST", "/api/ingest/reviews", page_ingest_reviews, API | INGEST },
	{ "POST", "/api/ingest/prices", page_ingest_prices, API | INGEST },
	{ "POST", "/api/ingest/keyword-tags", page_ingest_tags, API | INGEST },
	{ "POST", "/api/ingest/crawl-status", page_ingest_crawl_status, API | INGEST },
};

const int route_count = (int)(sizeof(route_table) / sizeof(route_table[0]));

/* The scoreboard counts per route, with its last row for "no route". */
_Static_assert(sizeof(route_table) / sizeof(route_table[0]) < SB_ROUTES,
    "route table larger than the scoreboard's SB_ROUTES");

/* Match one pattern; fills ids. 1 on match. */
static int match(const char *pattern, const char *path, long long *ids, int *nids)
{
	const char *p = pattern, *s = path;
	int n = 0;

	while (*p && *s) {
		if (strncmp(p, "{id}", 4) == 0) {
			const char *end = s;
			long long v;
			while (*end >= '0' && *end <= '9')
				end++;
			if (end == s || n == ROUTE_MAX_IDS || *s == '0' ||
			    strnum_parse_n(s, (unsigned long)(end - s), 10, 1, 9223372036854775807LL, &v) == -1)
				return 0;
			ids[n++] = v;
			p += 4;
			s = end;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	if (*p != '\0' || *s != '\0')
		return 0;
	*nids = n;
	return 1;
}

int route_lookup(const char *method, const char *path, long long ids[ROUTE_MAX_IDS], int *nids,
    int *path_matched)
{
	const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;

	*path_matched = 0;
	for (int i = 0; i < route_count; i++) {
		if (!match(route_table[i].pattern, path, ids, nids))
			continue;
		if (strcmp(route_table[i].method, m) == 0)
			return i;
		*path_matched = 1;
	}
	return -1;
}

void route_allowed(const char *path, char *out, unsigned long outlen)
{
	long long ids[ROUTE_MAX_IDS];
	size_t used = 0;
	int nids;

	out[0] = '\0';
	for (int i = 0; i < route_count; i++) {
		const char *m = route_table[i].method;
		int n;
		if (!match(route_table[i].pattern, path, ids, &nids))
			continue;
		n = snprintf(out + used, outlen - used, "%s%s%s", used ? ", " : "", m,
		    strcmp(m, "GET") == 0 ? ", HEAD" : "");
		if (n < 0 || (size_t)n >= outlen - used)
			return;
		used += (size_t)n;
	}
}
