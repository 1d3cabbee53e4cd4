/* fetch.c — paced, retried GETs to Coupang with a per-crawl cookie jar (see fetch.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crawler/crawl_clock.h"
#include "crawler/fetch.h"
#include "lib/log.h"

#define BACKOFF_CAP_MS  120000
#define CONNECT_MAX_MS  10000

/* Honest about who we are; the rest is what a browser sends. */
#define USER_AGENT "Mozilla/5.0 (compatible; revlens-crawler/" PACKAGE_VERSION \
	"; self-hosted review analysis)"

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t add = size * n;

	if (f->len + add > FETCH_BODY_MAX) {
		f->over = 1;
		return 0;
	}
	if (f->len + add + 1 > f->cap) {
		size_t nc = f->cap ? f->cap : 16384;
		char *np;
		while (nc < f->len + add + 1)
			nc *= 2;
		if ((np = realloc(f->body, nc)) == NULL)
			return 0;
		f->body = np;
		f->cap = nc;
	}
	memcpy(f->body + f->len, data, add);
	f->len += add;
	f->body[f->len] = '\0';
	return add;
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * n, k = sizeof("Retry-After:") - 1, d;
	long long secs;

	if (len > k && strncasecmp(data, "Retry-After:", k) == 0) {
		const char *v = data + k;
		size_t vl = len - k;
		while (vl > 0 && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
			vl--;
		/* delay-seconds, however many digits (capped), or an HTTP-date (the seconds
		 * until then); anything else falls back to our own back-off */
		for (d = 0, secs = 0; d < vl && v[d] >= '0' && v[d] <= '9'; d++)
			if ((secs = secs * 10 + (v[d] - '0')) > FETCH_RETRY_AFTER_MAX)
				secs = FETCH_RETRY_AFTER_MAX;
		if (d > 0 && d == vl) {
			f->retry_after = (int)secs;
		} else if (d == 0 && vl > 0 && vl < 64) {
			char date[64];
			time_t when;

			memcpy(date, v, vl);
			date[vl] = '\0';
			if ((when = curl_getdate(date, NULL)) != -1) {
				secs = (long long)when - (long long)time(NULL);
				f->retry_after = secs < 0 ? 0 : secs > FETCH_RETRY_AFTER_MAX ?
				    FETCH_RETRY_AFTER_MAX : (int)secs;
			}
		}
	}
	return len;
}

static int append(struct curl_slist **l, const char *h)
{
	struct curl_slist *n = curl_slist_append(*l, h);

	if (n == NULL)
		return -1;
	*l = n;
	return 0;
}

int fetch_open(struct fetch *f, const struct config *cfg, long long *last_ms,
    const volatile sig_atomic_t *stop)
{
	memset(f, 0, sizeof(*f));
	f->cfg = cfg;
	f->last_ms = last_ms;
	f->stop = stop;
	if ((f->curl = curl_easy_init()) == NULL ||
	    append(&f->html_headers, "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8") ||
	    append(&f->html_headers, "Accept-Language: ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7") ||
	    append(&f->json_headers, "Accept: application/json, text/plain, */*") ||
	    append(&f->json_headers, "Accept-Language: ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7")) {
		fetch_close(f);
		return -1;
	}
	curl_easy_setopt(f->curl, CURLOPT_COOKIEFILE, "");   /* the in-memory jar of this crawl */
	curl_easy_setopt(f->curl, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(f->curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(f->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(f->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(f->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(f->curl, CURLOPT_TIMEOUT_MS, (long)cfg->crawler_timeout_ms);
	curl_easy_setopt(f->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(cfg->crawler_timeout_ms < CONNECT_MAX_MS ? cfg->crawler_timeout_ms : CONNECT_MAX_MS));
	if (cfg->crawler_ca_file[0] != '\0')
		curl_easy_setopt(f->curl, CURLOPT_CAINFO, cfg->crawler_ca_file);
	curl_easy_setopt(f->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(f->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(f->curl, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(f->curl, CURLOPT_ERRORBUFFER, f->error);
	return 0;
}

/* One request after the pace allows it. Returns 0 when an answer came (f->status), -1
 * on a network error (f->error) or when stopped while waiting for the pace. */
static int once(struct fetch *f, const char *url, int json, const char *referer)
{
	long long wait = *f->last_ms + f->cfg->crawler_page_interval_ms - clock_now_ms();
	CURLcode cc;

	if (*f->last_ms > 0 && wait > 0 && clock_sleep_ms(wait, f->stop) == -1) {
		snprintf(f->error, sizeof(f->error), "stopped");
		return -1;
	}
	f->status = 0;
	f->len = 0;
	f->over = 0;
	f->retry_after = -1;
	f->error[0] = '\0';
	if (f->body != NULL)
		f->body[0] = '\0';
	curl_easy_setopt(f->curl, CURLOPT_URL, url);
	curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, json ? f->json_headers : f->html_headers);
	curl_easy_setopt(f->curl, CURLOPT_REFERER, referer);
	f->requests++;
	cc = curl_easy_perform(f->curl);
	*f->last_ms = clock_now_ms();
	if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && f->over)) {
		if (f->error[0] == '\0')
			snprintf(f->error, sizeof(f->error), "%s", curl_easy_strerror(cc));
		return -1;
	}
	curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &f->status);
	if (f->body == NULL) {
		on_body("", 1, 0, f);   /* an empty answer: "" rather than NULL */
		if (f->body == NULL) {
			snprintf(f->error, sizeof(f->error), "out of memory");
			return -1;
		}
	}
	return 0;
}

/* The back-off before a retry, calling f->touch before it and every FETCH_TOUCH_MS.
 * Returns 0, or -1 when stopped. */
static int backoff(struct fetch *f, long long wait)
{
	while (wait > 0) {
		long long step = wait < FETCH_TOUCH_MS ? wait : FETCH_TOUCH_MS;

		if (f->touch != NULL)
			f->touch(f->touch_arg);
		if (clock_sleep_ms(step, f->stop) == -1)
			return -1;
		wait -= step;
	}
	return 0;
}

enum fetch_result fetch_get(struct fetch *f, const char *url, int json, const char *referer, int retry)
{
	int max = retry ? f->cfg->crawler_max_retries : 0;

	for (f->retries = 0; ; f->retries++) {
		long long wait;

		if (once(f, url, json, referer) == 0) {
			if (f->over) {
				log_warn("fetch %s: answer over %d bytes", url, FETCH_BODY_MAX);
				return FETCH_REFUSED;
			}
			if (f->status == 200)
				return FETCH_OK;
			if (f->status == 403 || (f->status >= 300 && f->status < 400))
				return FETCH_BLOCKED;
			if (f->status != 429 && f->status < 500)
				return FETCH_REFUSED;
		} else if (f->stop != NULL && *f->stop) {
			return FETCH_STOPPED;
		}
		if (f->retries >= max)
			return FETCH_GAVE_UP;
		wait = clock_backoff_ms(f->cfg->crawler_backoff_ms, f->retries, BACKOFF_CAP_MS);
		if (f->retry_after >= 0 && f->retry_after * 1000LL > wait)
			wait = f->retry_after * 1000LL;
		if (f->status != 0)
			log_warn("fetch %s: answered %ld; again in %lld ms", url, f->status, wait);
		else
			log_warn("fetch %s: %s; again in %lld ms", url, f->error, wait);
		if (backoff(f, wait) == -1)
			return FETCH_STOPPED;
	}
}

void fetch_close(struct fetch *f)
{
	if (f->curl != NULL)
		curl_easy_cleanup(f->curl);
	curl_slist_free_all(f->html_headers);
	curl_slist_free_all(f->json_headers);
	free(f->body);
	memset(f, 0, sizeof(*f));
}
