/* review_page.c — Coupang's review-page JSON to ingest review items (see review_page.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "crawler/review_page.h"

/* Earliest and latest reviewAt taken as a date at all: 2000-01-01 and 2100-01-01 (ms).
 * The ingest endpoint applies the real window; this only keeps nonsense out. */
#define REVIEW_AT_MIN 946684800000LL
#define REVIEW_AT_MAX 4102444800000LL

/* How far into a non-JSON body challenge markers are looked for. */
#define CHALLENGE_SCAN 65536

static const char *const challenge_markers[] = {
	"<html", "<!doctype", "akamai", "_abck", "bm-verify", "sec-if-cpt", "sec-cpt",
	"access denied", "captcha", "challenge", "bot manager",
};

static size_t skip_space(const char *buf, size_t len, size_t i)
{
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	return i;
}

/* Case-insensitive search for an ASCII needle in the first n bytes of hay. */
static int contains_ci(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);

	for (size_t i = 0; i + m <= n; i++)
		if (strncasecmp(hay + i, needle, m) == 0)
			return 1;
	return 0;
}

int review_page_is_challenge(const char *buf, size_t len)
{
	size_t i = skip_space(buf, len, 0), n = len < CHALLENGE_SCAN ? len : CHALLENGE_SCAN;

	if (i < len && (buf[i] == '{' || buf[i] == '['))
		return 0;
	if (i < len && buf[i] == '<')
		return 1;
	for (size_t k = 0; k < sizeof(challenge_markers) / sizeof(challenge_markers[0]); k++)
		if (contains_ci(buf, n, challenge_markers[k]))
			return 1;
	return 0;
}

/* The member key of o when it has type t, else NULL. */
static json_object *member(json_object *o, const char *key, json_type t)
{
	json_object *v;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, t))
		return NULL;
	return v;
}

/* An integer member within [min, max]; -1 when absent, not an integer or out of range. */
static int int_member(json_object *o, const char *key, long long min, long long max, long long *out)
{
	json_object *v = member(o, key, json_type_int);
	long long x;

	if (v == NULL)
		return -1;
	x = json_object_get_int64(v);
	if (x < min || x > max)
		return -1;
	*out = x;
	return 0;
}

/* Copy a string member of src into dst under name (absent or null: nothing). */
static void copy_string(json_object *dst, const char *name, json_object *src, const char *key)
{
	json_object *v = member(src, key, json_type_string);

	if (v != NULL)
		json_object_object_add(dst, name, json_object_new_string_len(json_object_get_string(v),
		    json_object_get_string_len(v)));
}

/* One Coupang review to one ingest item; NULL when a required field is missing or bad. */
static json_object *review_item(json_object *r, long long product_id, long long *at)
{
	json_object *item, *id, *content;
	long long pid = product_id, rating, written, n;

	if (!json_object_is_type(r, json_type_object))
		return NULL;
	if (pid <= 0 && int_member(r, "productId", 1, 999999999999999LL, &pid) == -1)
		return NULL;
	if (int_member(r, "rating", 1, 5, &rating) == -1)
		return NULL;
	if (int_member(r, "reviewAt", REVIEW_AT_MIN, REVIEW_AT_MAX, &written) == -1)
		return NULL;
	if (int_member(r, "reviewId", 1, INT64_MAX, &n) == 0) {
		id = json_object_new_int64(n);
	} else {
		json_object *s = member(r, "reviewId", json_type_string);
		int slen = s ? json_object_get_string_len(s) : 0;
		if (slen < 1 || slen > REVIEW_PAGE_MAX_ID)
			return NULL;
		id = json_object_new_string_len(json_object_get_string(s), slen);
	}
	item = json_object_new_object();
	json_object_object_add(item, "product_id", json_object_new_int64(pid));
	json_object_object_add(item, "review_id", id);
	json_object_object_add(item, "rating", json_object_new_int((int)rating));
	content = member(r, "content", json_type_string);
	json_object_object_add(item, "content", content ?
	    json_object_new_string_len(json_object_get_string(content), json_object_get_string_len(content)) :
	    json_object_new_string(""));
	json_object_object_add(item, "written_at", json_object_new_int64(written));
	copy_string(item, "title", r, "title");
	copy_string(item, "author", member(r, "member", json_type_object), "name");
	copy_string(item, "option", r, "itemName");
	*at = written;
	return item;
}

enum review_page_status review_page_parse(const char *buf, size_t len, long long product_id,
    struct review_page *out, char *err, size_t errlen)
{
	json_tokener *tok = NULL;
	json_object *root = NULL, *paging, *contents, *items = NULL;
	enum review_page_status st = REVIEW_PAGE_MALFORMED;
	long long total;
	size_t end, n;

	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	if (len > REVIEW_PAGE_MAX_BYTES) {
		snprintf(err, errlen, "answer of %zu bytes is over the limit of %d", len, REVIEW_PAGE_MAX_BYTES);
		goto out;
	}
	if (review_page_is_challenge(buf, len)) {
		snprintf(err, errlen, "an HTML or challenge page instead of JSON");
		st = REVIEW_PAGE_CHALLENGE;
		goto out;
	}
	if ((tok = json_tokener_new_ex(REVIEW_PAGE_MAX_DEPTH)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS |
	    JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	if (root == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		snprintf(err, errlen, "not JSON: %s", root == NULL && json_tokener_get_error(tok) ==
		    json_tokener_success ? "empty" : json_tokener_error_desc(json_tokener_get_error(tok)));
		goto out;
	}
	end = json_tokener_get_parse_end(tok);
	if (skip_space(buf, len, end) != len) {
		snprintf(err, errlen, "bytes after the JSON value at offset %zu", end);
		goto out;
	}
	paging = member(member(root, "rData", json_type_object), "paging", json_type_object);
	if (paging == NULL) {
		snprintf(err, errlen, "no rData.paging object");
		goto out;
	}
	if ((contents = member(paging, "contents", json_type_array)) == NULL) {
		snprintf(err, errlen, "no rData.paging.contents array");
		goto out;
	}
	if (int_member(paging, "totalPage", 0, 1000000, &total) == -1) {
		snprintf(err, errlen, "no valid rData.paging.totalPage");
		goto out;
	}
	n = json_object_array_length(contents);
	if (n > REVIEW_PAGE_MAX_REVIEWS) {
		snprintf(err, errlen, "%zu reviews on one page (at most %d)", n, REVIEW_PAGE_MAX_REVIEWS);
		goto out;
	}
	items = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		long long at = 0;
		json_object *item = review_item(json_object_array_get_idx(contents, i), product_id, &at);
		if (item == NULL) {
			out->skipped++;
			continue;
		}
		json_object_array_add(items, item);
		if (at > out->newest_ms)
			out->newest_ms = at;
	}
	out->items = items;
	items = NULL;
	out->total_pages = (int)total;
	st = REVIEW_PAGE_OK;
out:
	if (st != REVIEW_PAGE_OK) {
		out->skipped = 0;
		out->newest_ms = 0;
	}
	json_object_put(items);
	json_object_put(root);
	if (tok != NULL)
		json_tokener_free(tok);
	return st;
}

void review_page_free(struct review_page *out)
{
	json_object_put(out->items);
	memset(out, 0, sizeof(*out));
}
