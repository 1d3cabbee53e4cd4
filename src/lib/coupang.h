/* coupang.h — reading a Coupang product reference out of what a user pastes.
 *
 * Accepted: https://www.coupang.com/vp/products/<id> with or without the scheme
 * (http or https) and "www.", m.coupang.com/vm/products/<id> (and /vp/), an
 * optional trailing "/", a query string (itemId and vendorItemId taken, all else
 * ignored), a #fragment, or a bare id. Everything else is refused with a reason
 * a user can act on; nothing is fetched (link.coupang.com short links are
 * refused, not resolved). The caller stores coupang_canonical_url(), never the
 * pasted text, so tracking parameters and odd spellings do not survive.
 */
#ifndef REVLENS_COUPANG_H
#define REVLENS_COUPANG_H

#include <stddef.h>

#define COUPANG_INPUT_MAX 2048      /* bytes of input we look at; longer is COUPANG_E_TOO_LONG */
#define COUPANG_ID_MAX_DIGITS 15    /* a Coupang id has at most this many digits */
#define COUPANG_URL_SIZE 52         /* bytes coupang_canonical_url needs at most, NUL included */

struct coupang_ref {
	long long product_id;           /* > 0 */
	long long item_id;              /* 0 when absent */
	long long vendor_item_id;       /* 0 when absent */
};

enum coupang_err {
	COUPANG_OK = 0,
	COUPANG_E_EMPTY,        /* nothing but white space */
	COUPANG_E_TOO_LONG,
	COUPANG_E_SCHEME,       /* a scheme other than http/https (javascript:, ftp:, data:, ...) */
	COUPANG_E_HOST,         /* not www.coupang.com / coupang.com / m.coupang.com */
	COUPANG_E_SHORTLINK,    /* link.coupang.com/... (needs a network round trip to resolve) */
	COUPANG_E_PATH,         /* a Coupang host but not a product page path */
	COUPANG_E_ID,           /* product id (or itemId/vendorItemId) malformed: not digits, 0, leading zeros, too many digits */
};

/* Parse in (NUL-terminated, surrounding ASCII white space ignored) into *out.
 * The length limit applies to the raw input, white space included. Returns
 * COUPANG_OK and fills *out; on any error *out is all zeros. A NULL in is
 * COUPANG_E_EMPTY; out must not be NULL. */
enum coupang_err coupang_parse(const char *in, struct coupang_ref *out);

/* A Korean sentence naming the problem, for the form and the API error message,
 * e.g. COUPANG_E_HOST: "쿠팡 상품 주소가 아닙니다. www.coupang.com/vp/products/… 형식의 주소를 붙여 넣어 주세요."
 * Static storage, never NULL (an unknown value gets a generic sentence). */
const char *coupang_strerror(enum coupang_err e);

/* The canonical URL "https://www.coupang.com/vp/products/<product_id>" into out
 * (outlen bytes, NUL-terminated; COUPANG_URL_SIZE always suffices). Returns 0, or
 * -1 when out is too small or product_id is not a valid id (1 to 15 digits);
 * then out holds "" if outlen > 0. */
int coupang_canonical_url(long long product_id, char *out, size_t outlen);

#endif
