/* form.h — URL decoding and application/x-www-form-urlencoded parsing.
 *
 * Decoding rejects what should never reach a handler: "%00", a decoded or raw
 * CR or LF, malformed escapes, and invalid UTF-8. Limits are named here and
 * enforced before any copy.
 */
#ifndef REVLENS_FORM_H
#define REVLENS_FORM_H

#include <stddef.h>

#include "lib/arena.h"

#define FORM_MAX_PARAMS   64     /* pairs in one query string or body */
#define FORM_MAX_KEY      64     /* bytes in one decoded key */
#define FORM_MAX_VALUE    65536  /* bytes in one decoded value */

enum form_error {
	FORM_OK = 0,
	FORM_E_ESCAPE,      /* malformed %xx */
	FORM_E_NUL,         /* %00 */
	FORM_E_NEWLINE,     /* CR or LF, raw or decoded */
	FORM_E_UTF8,        /* not valid UTF-8 after decoding */
	FORM_E_TOO_MANY,    /* more than FORM_MAX_PARAMS pairs */
	FORM_E_TOO_LONG,    /* a key or value over its limit */
	FORM_E_NOMEM,
};

struct form_param {
	const char *key;    /* decoded, NUL-terminated, arena-owned */
	const char *value;
	size_t value_len;
};

struct form {
	struct form_param params[FORM_MAX_PARAMS];
	int n;
};

#define FORM_PLUS_SPACE    1   /* '+' means ' ' (forms and query strings) */
#define FORM_ALLOW_NEWLINE 2   /* values may hold line breaks (textareas); CR LF -> LF */

/* Decode src[0..len) into out (at least len+1 bytes) under flags.
 * Returns FORM_OK and *outlen, or an error. */
enum form_error form_url_decode(const char *src, size_t len, int flags, char *out,
    size_t *outlen);

/* Parse "a=1&b=2" into f, copies in arena. Empty pairs are skipped; a key
 * without '=' gets the empty value. Keys never allow line breaks; values do
 * only with FORM_ALLOW_NEWLINE in flags. */
enum form_error form_parse(struct form *f, struct arena *a, const char *src, size_t len,
    int flags);

/* First value of key, or NULL. */
const char *form_get(const struct form *f, const char *key);

/* A user-facing message for an error (Korean UI text lives in the pages). */
const char *form_strerror(enum form_error e);

/* 1 when s[0..len) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int form_utf8_valid(const char *s, size_t len);

#endif
