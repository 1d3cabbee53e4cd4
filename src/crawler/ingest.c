/* ingest.c — post collected items to revlens's ingest endpoints (see ingest.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crawler/crawl_clock.h"
#include "crawler/ingest.h"
#include "lib/file.h"
#include "lib/ingest_token.h"
#include "lib/log.h"

#define BACKOFF_CAP_MS  60000   /* longest wait between two tries of a batch */
#define REJECTS_LOGGED  20      /* rejected items logged per batch; the rest are counted */

static const char *const endpoint[] = {
	[INGEST_REVIEWS] = "reviews", [INGEST_PRICES] = "prices",
	[INGEST_TAGS] = "keyword-tags", [INGEST_STATUS] = "crawl-status",
};

struct buf {
	char *p;
	size_t len, cap;
	int over;               /* the answer was longer than INGEST_ANSWER_MAX */
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t add = size * n;

	if (b->len + add > INGEST_ANSWER_MAX) {
		b->over = 1;
		return 0;
	}
	if (b->len + add + 1 > b->cap) {
		size_t nc = b->cap ? b->cap : 4096;
		char *np;
		while (nc < b->len + add + 1)
			nc *= 2;
		if ((np = realloc(b->p, nc)) == NULL)
			return 0;
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, data, add);
	b->len += add;
	b->p[b->len] = '\0';
	return add;
}

/* The token: the file's one line, trimmed; it must have an ingest token's shape. A file
 * other users may read is used, with a warning. */
static char *read_token(const char *path, char *err, size_t errlen)
{
	char ferr[256];
	size_t len = 0, i;
	struct stat st;
	char *s;

	if (path == NULL || path[0] == '\0') {
		snprintf(err, errlen, "crawler.token_file is not set: make an ingest token with "
		    "`revlens token create --ingest --user EMAIL`, write it to a file only the crawler "
		    "can read and name that file in crawler.token_file");
		return NULL;
	}
	if ((s = file_read_all(path, INGEST_TOKEN_MAX, &len, ferr, sizeof(ferr))) == NULL) {
		snprintf(err, errlen, "crawler.token_file: %s", ferr);
		return NULL;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	for (i = 0; i < len && isspace((unsigned char)s[i]); i++)
		;
	if (!ingest_token_shape(s + i, len - i)) {
		snprintf(err, errlen, "crawler.token_file: %s does not hold an ingest token (rli_...): "
		    "make one with `revlens token create --ingest --user EMAIL`", path);
		memset(s, 0, len);
		free(s);
		return NULL;
	}
	memmove(s, s + i, len - i + 1);
	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0)
		log_warn("crawler.token_file %s can be read by other users: make it the crawler's alone "
		    "(chmod 600 %s)", path, path);
	return s;
}

static int add_header(struct ingest *in, const char *h)
{
	struct curl_slist *l = curl_slist_append(in->headers, h);

	if (l == NULL)
		return -1;
	in->headers = l;
	return 0;
}

int ingest_init(struct ingest *in, const struct config *cfg, const char *collector,
    char *err, size_t errlen)
{
	char *token = NULL, *auth = NULL;
	size_t n;
	int rc = -1;

	memset(in, 0, sizeof(*in));
	in->collector = collector;
	in->timeout_ms = cfg->crawler_timeout_ms;
	in->max_retries = cfg->crawler_max_retries;
	in->backoff_ms = cfg->crawler_backoff_ms;
	if (strncmp(cfg->crawler_revlens_url, "http://", 7) != 0 &&
	    strncmp(cfg->crawler_revlens_url, "https://", 8) != 0) {
		snprintf(err, errlen, "crawler.revlens_url must start with http:// or https:// (got \"%s\")",
		    cfg->crawler_revlens_url);
		goto out;
	}
	if ((token = read_token(cfg->crawler_token_file, err, errlen)) == NULL)
		goto out;
	if ((in->base = strdup(cfg->crawler_revlens_url)) == NULL)
		goto oom;
	n = strlen(in->base);
	while (n > 0 && in->base[n - 1] == '/')
		in->base[--n] = '\0';
	if ((auth = malloc(strlen(token) + 32)) == NULL)
		goto oom;
	sprintf(auth, "Authorization: Bearer %s", token);
	if ((in->curl = curl_easy_init()) == NULL)
		goto oom;
	if (add_header(in, auth) == -1 || add_header(in, "Content-Type: application/json") == -1 ||
	    add_header(in, "Accept: application/json") == -1 || add_header(in, "Expect:") == -1)
		goto oom;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	if (token != NULL)
		memset(token, 0, strlen(token));
	if (auth != NULL)
		memset(auth, 0, strlen(auth));
	free(token);
	free(auth);
	if (rc == -1)
		ingest_free(in);
	return rc;
}

int ingest_answer_read(const char *body, size_t len, size_t offset, struct ingest_tally *t)
{
	json_tokener *tok = json_tokener_new_ex(8);
	json_object *o = NULL, *stored, *rej;
	int rc = -1;

	if (tok == NULL)
		return -1;
	o = json_tokener_parse_ex(tok, body, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_object_get_ex(o, "stored", &stored) || !json_object_is_type(stored, json_type_int) ||
	    !json_object_object_get_ex(o, "rejected", &rej) || !json_object_is_type(rej, json_type_array))
		goto out;
	t->stored += json_object_get_int64(stored);
	t->rejected += (long)json_object_array_length(rej);
	for (size_t i = 0; i < json_object_array_length(rej); i++) {
		json_object *r = json_object_array_get_idx(rej, i), *idx, *code, *msg;
		char c[64], m[256];
		const char *cs, *ms;

		if (i == REJECTS_LOGGED) {
			log_warn("ingest: %zu more rejected items not logged",
			    json_object_array_length(rej) - REJECTS_LOGGED);
			break;
		}
		json_object_object_get_ex(r, "index", &idx);
		json_object_object_get_ex(r, "code", &code);
		json_object_object_get_ex(r, "message", &msg);
		cs = code ? json_object_get_string(code) : "?";
		ms = msg ? json_object_get_string(msg) : "";
		log_warn("ingest: item %lld rejected: %s: %s",
		    (long long)offset + (idx ? json_object_get_int64(idx) : -1),
		    log_safe(c, sizeof(c), cs, strlen(cs)), log_safe(m, sizeof(m), ms, strlen(ms)));
	}
	rc = 0;
out:
	json_object_put(o);
	json_tokener_free(tok);
	return rc;
}

/* Send one batch body, with retries. offset: position of its first item. */
static enum ingest_rc post_batch(struct ingest *in, enum ingest_kind kind, const char *body,
    size_t offset, size_t count, struct ingest_tally *t)
{
	char url[1024], safe[300];
	struct buf b = { 0 };
	enum ingest_rc rc = INGEST_FAILED;

	snprintf(url, sizeof(url), "%s/api/ingest/%s", in->base, endpoint[kind]);
	for (int attempt = 0; ; attempt++) {
		long status = 0;
		CURLcode cc;

		b.len = 0;
		b.over = 0;
		curl_easy_reset(in->curl);
		curl_easy_setopt(in->curl, CURLOPT_URL, url);
		curl_easy_setopt(in->curl, CURLOPT_HTTPHEADER, in->headers);
		curl_easy_setopt(in->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(in->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
		curl_easy_setopt(in->curl, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(in->curl, CURLOPT_WRITEDATA, &b);
		curl_easy_setopt(in->curl, CURLOPT_TIMEOUT_MS, (long)in->timeout_ms);
		curl_easy_setopt(in->curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(in->curl, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(in->curl, CURLOPT_USERAGENT, "revlens-" PACKAGE_VERSION);
		cc = curl_easy_perform(in->curl);
		if (cc == CURLE_OK)
			curl_easy_getinfo(in->curl, CURLINFO_RESPONSE_CODE, &status);
		if (cc == CURLE_OK && status == 200) {
			if (ingest_answer_read(b.p ? b.p : "", b.len, offset, t) == 0) {
				rc = INGEST_OK;
			} else {
				log_error("ingest %s: items %zu..%zu: 200 without the documented answer",
				    endpoint[kind], offset, offset + count - 1);
			}
			break;
		}
		if (cc == CURLE_OK && (status == 401 || status == 403)) {
			log_error("ingest %s: revlens refused the ingest token (%ld): %s; make a new one with "
			    "`revlens token create --ingest` and write it to crawler.token_file", endpoint[kind],
			    status, log_safe(safe, sizeof(safe), b.p ? b.p : "", b.len));
			rc = INGEST_REFUSED;
			break;
		}
		if (cc == CURLE_OK && status < 500) {
			log_error("ingest %s: items %zu..%zu refused (%ld): %s", endpoint[kind], offset,
			    offset + count - 1, status, log_safe(safe, sizeof(safe), b.p ? b.p : "", b.len));
			break;
		}
		if (attempt >= in->max_retries) {
			log_error("ingest %s: items %zu..%zu not delivered after %d tries: %s", endpoint[kind],
			    offset, offset + count - 1, attempt + 1,
			    cc != CURLE_OK ? curl_easy_strerror(cc) : "server error");
			break;
		}
		{
			long long wait = clock_backoff_ms(in->backoff_ms, attempt, BACKOFF_CAP_MS);
			if (cc != CURLE_OK)
				log_warn("ingest %s: %s; again in %lld ms", endpoint[kind], curl_easy_strerror(cc), wait);
			else
				log_warn("ingest %s: answered %ld; again in %lld ms", endpoint[kind], status, wait);
			clock_sleep_ms(wait, NULL);
		}
	}
	free(b.p);
	return rc;
}

enum ingest_rc ingest_post(struct ingest *in, enum ingest_kind kind, json_object *items,
    struct ingest_tally *t)
{
	const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	size_t n = json_object_array_length(items), count;
	enum ingest_rc rc = INGEST_OK;

	for (size_t off = 0; off < n && rc == INGEST_OK; off += count) {
		json_object *batch = json_object_new_object(), *arr = json_object_new_array();
		size_t bytes = 0;

		json_object_object_add(batch, "collector", json_object_new_string(in->collector));
		/* up to INGEST_BATCH_MAX items, and as many as fit in INGEST_BATCH_BYTES: a
		 * thousand long reviews would pass ingest.max_body and be refused whole */
		for (count = 0; off + count < n && count < INGEST_BATCH_MAX; count++) {
			json_object *it = json_object_array_get_idx(items, off + count);
			size_t b = strlen(json_object_to_json_string_ext(it, flags)) + 1;

			if (count > 0 && bytes + b > INGEST_BATCH_BYTES)
				break;
			bytes += b;
			json_object_array_add(arr, json_object_get(it));
		}
		json_object_object_add(batch, "items", arr);
		rc = post_batch(in, kind, json_object_to_json_string_ext(batch, flags), off, count, t);
		json_object_put(batch);
	}
	return rc;
}

enum ingest_rc ingest_status(struct ingest *in, long long coupang_product_id, const char *state,
    const char *message, long long request_id, int pages, long reviews)
{
	json_object *items = json_object_new_array(), *o = json_object_new_object();
	struct ingest_tally t = { 0, 0 };
	enum ingest_rc rc;

	json_object_object_add(o, "product_id", json_object_new_int64(coupang_product_id));
	json_object_object_add(o, "state", json_object_new_string(state));
	if (message != NULL)
		json_object_object_add(o, "message", json_object_new_string(message));
	if (request_id > 0)
		json_object_object_add(o, "request_id", json_object_new_int64(request_id));
	if (pages >= 0)
		json_object_object_add(o, "pages", json_object_new_int(pages));
	if (reviews >= 0)
		json_object_object_add(o, "reviews", json_object_new_int64(reviews));
	json_object_array_add(items, o);
	/* a rejected item (logged with its code) is an answer too: sending it again
	 * would be rejected again, so it counts as reported */
	rc = ingest_post(in, INGEST_STATUS, items, &t);
	json_object_put(items);
	return rc;
}

void ingest_free(struct ingest *in)
{
	if (in->curl != NULL)
		curl_easy_cleanup(in->curl);
	if (in->headers != NULL) {
		/* the first header holds the token */
		memset(in->headers->data, 0, strlen(in->headers->data));
		curl_slist_free_all(in->headers);
	}
	free(in->base);
	memset(in, 0, sizeof(*in));
}
