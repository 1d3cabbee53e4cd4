/* deliver.c — one webhook delivery: claim, sign, post, record (see deliver.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <curl/curl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/alerts.h"
#include "lib/log.h"
#include "lib/webhook.h"
#include "notifier/deliver.h"

const int deliver_backoff_s[DELIVER_ATTEMPTS - 1] = { 60, 300, 1800, 7200, 43200 };

#define ERR_MAX 300             /* bytes of last_error (the column allows 500) */

struct attempt {
	int allow_private;
	int http;                           /* plain http: private addresses only */
	char refused[INET6_ADDRSTRLEN];     /* an address the socket check refused */
};

static curl_socket_t open_checked(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct attempt *at = arg;
	struct sockaddr_storage ss;
	size_t len = a->addrlen < sizeof(ss) ? a->addrlen : sizeof(ss);

	(void)purpose;
	/* libcurl's address is longer than the struct sockaddr it is declared as: copied
	 * through a plain byte pointer at the member's offset */
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, (const char *)a + offsetof(struct curl_sockaddr, addr), len);
	if (!webhook_addr_allowed((const struct sockaddr *)&ss, at->allow_private) ||
	    (at->http && webhook_addr_allowed((const struct sockaddr *)&ss, 0))) {
		const void *bin = ss.ss_family == AF_INET6
		    ? (const void *)&((const struct sockaddr_in6 *)&ss)->sin6_addr
		    : (const void *)&((const struct sockaddr_in *)&ss)->sin_addr;
		if (inet_ntop(ss.ss_family, bin, at->refused, sizeof(at->refused)) == NULL)
			strcpy(at->refused, "?");
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* Post body to url signed with secret. Returns the HTTP status (> 0), or 0 with why. */
static long post(const struct config *cfg, const char *url, const char *secret, const char *body,
    char *why, size_t whylen)
{
	struct webhook_url u;
	struct attempt at;
	struct curl_slist *h = NULL;
	char sig[WEBHOOK_SIG_HEX], line[160], cerr[CURL_ERROR_SIZE];
	const char *msg = NULL;
	long long t = (long long)time(NULL);
	long status = 0;
	CURL *c = NULL;
	CURLcode rc;

	if (webhook_url_parse(url, cfg->webhook_allow_private, &u, &msg) == -1) {
		snprintf(why, whylen, "%s", msg);
		return 0;
	}
	memset(&at, 0, sizeof(at));
	at.allow_private = cfg->webhook_allow_private;
	at.http = !u.https;
	cerr[0] = '\0';
	webhook_sign(secret, t, body, strlen(body), sig);
	snprintf(line, sizeof(line), "X-Revlens-Signature: t=%lld,v1=%s", t, sig);
	if ((c = curl_easy_init()) == NULL ||
	    (h = curl_slist_append(h, "Content-Type: application/json")) == NULL ||
	    curl_slist_append(h, line) == NULL || curl_slist_append(h, "Expect:") == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");             /* no proxy from the environment */
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)cfg->webhook_timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg->webhook_timeout_ms);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_checked);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &at);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "revlens-notifier");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (status < 200 || status > 299)
			snprintf(why, whylen, "HTTP %ld 응답", status);
	} else if (at.refused[0] != '\0') {
		snprintf(why, whylen, at.http && at.allow_private
		    ? "허용되지 않은 주소 %s (http로는 공인 주소에 보내지 않습니다: https 주소를 쓰세요)"
		    : "허용되지 않은 주소 %s (루프백·사설 주소로는 보내지 않습니다)", at.refused);
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(why, whylen, "%d ms 안에 응답이 없음", cfg->webhook_timeout_ms);
	} else {
		snprintf(why, whylen, "연결 실패: %s", cerr[0] ? cerr : curl_easy_strerror(rc));
	}
out:
	curl_slist_free_all(h);
	if (c != NULL)
		curl_easy_cleanup(c);
	return status;
}

static void rollback(struct pg_conn *pg)
{
	char keep[sizeof(pg->err)];

	memcpy(keep, pg->err, sizeof(keep));
	pg_exec(pg, "ROLLBACK", 0, NULL);
	memcpy(pg->err, keep, sizeof(keep));
}

int deliver_one(struct pg_conn *pg, const struct config *cfg)
{
	char id[24], code[24], wait[24], why[ERR_MAX] = "", *body = NULL, *url = NULL, *secret = NULL;
	const char *p[5];
	long long attempts;
	long status;
	int rc = -1;

	if (pg_exec(pg, "BEGIN", 0, NULL) == -1)
		goto fail;
	if (pg_exec(pg, "SELECT d.id, d.attempts, n.id, "
	    "  to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
	    "  n.product_id, p.name, p.url, n.price, n.target_price, h.url, h.secret "
	    "FROM webhook_deliveries d JOIN notifications n ON n.id = d.notification_id "
	    "JOIN products p ON p.id = n.product_id LEFT JOIN user_webhooks h ON h.user_id = d.user_id "
	    "WHERE d.status = 'pending' AND d.next_attempt_at <= now() "
	    "ORDER BY d.next_attempt_at, d.id LIMIT 1 FOR UPDATE OF d SKIP LOCKED", 0, NULL) == -1) {
		rollback(pg);
		goto fail;
	}
	if (pg_ntuples(pg) == 0) {
		if (pg_exec(pg, "COMMIT", 0, NULL) == -1)
			goto fail;
		return 0;
	}
	snprintf(id, sizeof(id), "%s", pg_value(pg, 0, 0));
	attempts = pg_value_ll(pg, 0, 1) + 1;
	if (pg_value(pg, 0, 9) == NULL) {
		p[0] = id;
		if (pg_exec(pg, "UPDATE webhook_deliveries SET status = 'abandoned', "
		    "last_error = '웹훅이 없습니다 (삭제됨)' WHERE id = $1", 1, p) == -1 ||
		    pg_exec(pg, "COMMIT", 0, NULL) == -1) {
			rollback(pg);
			goto fail;
		}
		log_info("webhook delivery %s abandoned: the user has no webhook any more", id);
		return 1;
	}
	body = alerts_json(pg_value_ll(pg, 0, 2), pg_value(pg, 0, 3), pg_value_ll(pg, 0, 4),
	    pg_value(pg, 0, 5), pg_value(pg, 0, 6), pg_value_ll(pg, 0, 7), pg_value_ll(pg, 0, 8));
	url = strdup(pg_value(pg, 0, 9));
	secret = strdup(pg_value(pg, 0, 10));
	if (body == NULL || url == NULL || secret == NULL) {
		snprintf(pg->err, sizeof(pg->err), "out of memory");
		rollback(pg);
		goto fail;
	}
	status = post(cfg, url, secret, body, why, sizeof(why));
	snprintf(code, sizeof(code), "%ld", status);
	p[0] = id;
	p[1] = status > 0 ? code : NULL;
	if (status >= 200 && status <= 299) {
		if (pg_exec(pg, "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, "
		    "last_attempt_at = now(), last_status = $2, last_error = NULL, delivered_at = now() "
		    "WHERE id = $1", 2, p) == -1)
			goto undo;
		log_info("webhook delivery %s: delivered (HTTP %ld, attempt %lld)", id, status, attempts);
	} else {
		int last = attempts >= DELIVER_ATTEMPTS;
		snprintf(wait, sizeof(wait), "%d", last ? 0 : deliver_backoff_s[attempts - 1]);
		p[2] = why;
		p[3] = last ? "abandoned" : "pending";
		p[4] = wait;
		if (pg_exec(pg, "UPDATE webhook_deliveries SET status = $4, attempts = attempts + 1, "
		    "last_attempt_at = now(), last_status = $2, last_error = $3, "
		    "next_attempt_at = now() + make_interval(secs => $5::int) WHERE id = $1", 5, p) == -1)
			goto undo;
		if (last)
			log_warn("webhook delivery %s abandoned after %lld attempts: %s", id, attempts, why);
		else
			log_info("webhook delivery %s: attempt %lld failed (%s); next in %s s", id, attempts, why, wait);
	}
	if (pg_exec(pg, "COMMIT", 0, NULL) == -1)
		goto fail;
	rc = 1;
	goto out;
undo:
	rollback(pg);
fail:
	log_error("webhook deliveries: PostgreSQL: %s", pg->err);
	rc = -1;
out:
	free(body);
	free(url);
	if (secret != NULL) {
		memset(secret, 0, strlen(secret));
		free(secret);
	}
	return rc;
}

long deliver_next_ms(struct pg_conn *pg)
{
	const char *v;

	if (pg_exec(pg, "SELECT greatest(0, ceil(extract(epoch FROM min(next_attempt_at) - now()) * 1000))::bigint "
	    "FROM webhook_deliveries WHERE status = 'pending'", 0, NULL) == -1) {
		log_error("webhook deliveries: PostgreSQL: %s", pg->err);
		return -1;
	}
	v = pg_value(pg, 0, 0);
	return v == NULL ? -1 : (long)pg_value_ll(pg, 0, 0);
}
