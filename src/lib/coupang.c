/* coupang.c — a strict parser for pasted Coupang product addresses and ids.
 *
 * Design: the input is trimmed and then split by hand into scheme, authority,
 * path, query and fragment, each checked against a short allow-list; no URL
 * library, no percent-decoding (an encoded byte simply fails an exact match).
 * Invariants:
 *  - at most COUPANG_INPUT_MAX + 1 bytes of in are ever read;
 *  - the authority must equal one of three host names exactly (ASCII case
 *    folded), so userinfo ("a@"), ports, trailing dots, look-alike suffixes and
 *    any stray byte are refused by construction, not by a deny-list;
 *  - an accepted input holds no byte <= 0x20 or 0x7f after trimming;
 *  - every id returned is 1..COUPANG_ID_MAX_DIGITS decimal digits without a
 *    leading zero, so it is > 0 and far below LLONG_MAX.
 * Caveat: the first ':' before any '/', '?' or '#' is read as the end of a
 * scheme unless the name before it holds a '.', in which case it is a host
 * with a port ("coupang.com:443/...", COUPANG_E_HOST).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lib/coupang.h"
#include "lib/strnum.h"

#define PRODUCT_PREFIX "https://www.coupang.com/vp/products/"
#define PATH_LEN 13                 /* strlen("/vp/products/"), the same for "/vm/products/" */
#define ID_MAX 999999999999999LL    /* the largest COUPANG_ID_MAX_DIGITS-digit id */

_Static_assert(sizeof(PRODUCT_PREFIX) + COUPANG_ID_MAX_DIGITS <= COUPANG_URL_SIZE,
    "COUPANG_URL_SIZE holds the longest canonical URL");
_Static_assert(COUPANG_ID_MAX_DIGITS == 15, "ID_MAX has COUPANG_ID_MAX_DIGITS nines");

/* For the Korean messages: the limits are spelt from their macros. */
#define STR_(x) #x
#define STR(x) STR_(x)

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* A byte that never belongs in a pasted URL: controls, space and DEL. */
static int is_bad(unsigned char c)
{
	return c <= 0x20 || c == 0x7f;
}

static int is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* 1 when s[0..n) equals the lower-case lit under ASCII case folding. */
static int eq_nocase(const char *s, size_t n, const char *lit)
{
	if (strlen(lit) != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)lit[i])
			return 0;
	}
	return 1;
}

static int eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* An id: 1..COUPANG_ID_MAX_DIGITS digits, no sign, no leading zero. 0 or -1. */
static int parse_id(const char *s, size_t n, long long *out)
{
	if (n == 0 || n > COUPANG_ID_MAX_DIGITS || s[0] == '0')
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!is_digit((unsigned char)s[i]))
			return -1;
	return strnum_parse_n(s, n, 10, 1, LLONG_MAX, out);
}

/* The query string q[0..n) (without '?'): itemId and vendorItemId, first
 * occurrence of each wins and later ones are not looked at. */
static enum coupang_err parse_query(const char *q, size_t n, struct coupang_ref *r)
{
	size_t i = 0;

	while (i < n) {
		const char *p = q + i, *amp = memchr(p, '&', n - i);
		size_t len = amp != NULL ? (size_t)(amp - p) : n - i;
		const char *e = memchr(p, '=', len);
		size_t klen = e != NULL ? (size_t)(e - p) : len;
		const char *v = e != NULL ? e + 1 : p + len;
		size_t vlen = len - klen - (e != NULL);
		long long *slot = NULL;

		if (eq(p, klen, "itemId") && r->item_id == 0)
			slot = &r->item_id;
		else if (eq(p, klen, "vendorItemId") && r->vendor_item_id == 0)
			slot = &r->vendor_item_id;
		if (slot != NULL && parse_id(v, vlen, slot) < 0)
			return COUPANG_E_ID;
		i += len + 1;
	}
	return COUPANG_OK;
}

/* The URL u[0..n) (trimmed, not a bare id) into *r. */
static enum coupang_err parse_url(const char *u, size_t n, struct coupang_ref *r)
{
	size_t i = 0, a = 0, alen, plen, k;
	const char *path, *id, *end;
	int mobile;
	enum coupang_err err;

	/* the scheme, if the first of ":/?#" is a ':' after a scheme-shaped name */
	while (i < n && u[i] != ':' && u[i] != '/' && u[i] != '?' && u[i] != '#')
		i++;
	if (i < n && u[i] == ':' && i > 0 && is_alpha((unsigned char)u[0])) {
		int shaped = 1, dotted = 0;
		for (k = 1; k < i; k++) {
			unsigned char c = (unsigned char)u[k];
			if (c == '.')
				dotted = 1;
			else if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-')
				shaped = 0;
		}
		/* not shaped ("java\nscript:", "a b:"): no scheme, and the host check refuses it */
		if (shaped && dotted)
			return COUPANG_E_HOST;      /* "coupang.com:443/..." — a port */
		if (shaped && !eq_nocase(u, i, "http") && !eq_nocase(u, i, "https"))
			return COUPANG_E_SCHEME;
		if (shaped && (n - i < 3 || u[i + 1] != '/' || u[i + 2] != '/'))
			return COUPANG_E_HOST;      /* "https:www..." or "http:/www..." */
		if (shaped)
			a = i + 3;
	}

	/* the authority: exactly one of the known host names */
	for (k = a; k < n && u[k] != '/' && u[k] != '?' && u[k] != '#'; k++)
		;
	alen = k - a;
	if (eq_nocase(u + a, alen, "link.coupang.com"))
		return COUPANG_E_SHORTLINK;
	mobile = eq_nocase(u + a, alen, "m.coupang.com");
	if (!mobile && !eq_nocase(u + a, alen, "www.coupang.com") &&
	    !eq_nocase(u + a, alen, "coupang.com"))
		return COUPANG_E_HOST;

	/* from here on no control byte or space anywhere */
	for (i = k; i < n; i++)
		if (is_bad((unsigned char)u[i]))
			return COUPANG_E_PATH;

	/* the path: <prefix><id> with an optional trailing '/' */
	path = u + k;
	for (plen = 0; k + plen < n && path[plen] != '?' && path[plen] != '#'; plen++)
		;
	if (plen < PATH_LEN || (memcmp(path, "/vp/products/", PATH_LEN) != 0 &&
	    !(mobile && memcmp(path, "/vm/products/", PATH_LEN) == 0)))
		return COUPANG_E_PATH;
	id = path + PATH_LEN;
	end = memchr(id, '/', plen - PATH_LEN);
	if (end == NULL)
		end = path + plen;
	else if (end != path + plen - 1)
		return COUPANG_E_PATH;      /* something after "<id>/" */
	if (end == id)
		return COUPANG_E_PATH;      /* "/vp/products/" and no id */
	if (parse_id(id, (size_t)(end - id), &r->product_id) < 0)
		return COUPANG_E_ID;

	/* the query, if any, up to the fragment */
	k += plen;
	if (k < n && u[k] == '?') {
		const char *q = u + k + 1, *hash = memchr(q, '#', n - k - 1);
		size_t qlen = hash != NULL ? (size_t)(hash - q) : n - k - 1;
		if ((err = parse_query(q, qlen, r)) != COUPANG_OK)
			return err;
	}
	return COUPANG_OK;
}

enum coupang_err coupang_parse(const char *in, struct coupang_ref *out)
{
	struct coupang_ref r = {0, 0, 0};
	enum coupang_err err;
	size_t n = 0, b, e;

	*out = r;
	if (in == NULL)
		return COUPANG_E_EMPTY;
	while (n <= COUPANG_INPUT_MAX && in[n] != '\0')
		n++;
	if (n > COUPANG_INPUT_MAX)
		return COUPANG_E_TOO_LONG;
	for (b = 0; b < n && is_space((unsigned char)in[b]); b++)
		;
	for (e = n; e > b && is_space((unsigned char)in[e - 1]); e--)
		;
	if (b == e)
		return COUPANG_E_EMPTY;

	/* A digit or sign first and no '/' at all: meant as a bare id. */
	if ((is_digit((unsigned char)in[b]) || in[b] == '+' || in[b] == '-') &&
	    memchr(in + b, '/', e - b) == NULL)
		err = parse_id(in + b, e - b, &r.product_id) == 0 ? COUPANG_OK : COUPANG_E_ID;
	else
		err = parse_url(in + b, e - b, &r);
	if (err == COUPANG_OK)
		*out = r;
	return err;
}

const char *coupang_strerror(enum coupang_err e)
{
	switch (e) {
	case COUPANG_OK:
		return "올바른 쿠팡 상품 주소입니다.";
	case COUPANG_E_EMPTY:
		return "쿠팡 상품 주소를 입력해 주세요. 예: www.coupang.com/vp/products/…";
	case COUPANG_E_TOO_LONG:
		return "입력이 너무 깁니다(최대 " STR(COUPANG_INPUT_MAX) "바이트). "
		    "주소창의 www.coupang.com/vp/products/… 주소만 붙여 넣어 주세요.";
	case COUPANG_E_SCHEME:
		return "http:// 또는 https:// 로 시작하는 주소만 받습니다. "
		    "www.coupang.com/vp/products/… 형식의 주소를 붙여 넣어 주세요.";
	case COUPANG_E_HOST:
		return "쿠팡 상품 주소가 아닙니다. "
		    "www.coupang.com/vp/products/… 형식의 주소를 붙여 넣어 주세요.";
	case COUPANG_E_SHORTLINK:
		return "link.coupang.com 단축 주소는 받지 않습니다. 상품 페이지를 연 뒤 주소창의 "
		    "www.coupang.com/vp/products/… 주소를 붙여 넣어 주세요.";
	case COUPANG_E_PATH:
		return "쿠팡 상품 페이지 주소가 아닙니다. 상품 페이지를 연 뒤 주소창의 "
		    "www.coupang.com/vp/products/… 주소를 공백 없이 붙여 넣어 주세요.";
	case COUPANG_E_ID:
		return "상품 번호(또는 itemId, vendorItemId)가 올바르지 않습니다. "
		    "0으로 시작하지 않는 " STR(COUPANG_ID_MAX_DIGITS) "자리 이하의 숫자여야 합니다.";
	}
	return "쿠팡 상품 주소를 읽지 못했습니다.";
}

int coupang_canonical_url(long long product_id, char *out, size_t outlen)
{
	int len;

	if (outlen > 0)
		out[0] = '\0';
	if (product_id < 1 || product_id > ID_MAX)
		return -1;
	len = snprintf(out, outlen, "%s%lld", PRODUCT_PREFIX, product_id);
	if (len < 0 || (size_t)len >= outlen) {
		if (outlen > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}
