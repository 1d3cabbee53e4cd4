/* form.c — strict URL decoding and form parsing. */
#include <string.h>

#include "lib/form.h"
#include "lib/utf8.h"

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int form_utf8_valid(const char *s, size_t len)
{
	return utf8_valid(s, len);
}

enum form_error form_url_decode(const char *src, size_t len, int flags, char *out,
    size_t *outlen)
{
	size_t o = 0;
	int last_cr = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		if (c == '%') {
			int hi, lo;
			if (i + 2 >= len)
				return FORM_E_ESCAPE;
			hi = hexval((unsigned char)src[i + 1]);
			lo = hexval((unsigned char)src[i + 2]);
			if (hi < 0 || lo < 0)
				return FORM_E_ESCAPE;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			if (c == 0)
				return FORM_E_NUL;
		} else if (c == '+' && (flags & FORM_PLUS_SPACE)) {
			c = ' ';
		} else if (c == 0) {
			return FORM_E_NUL;
		}
		if (c == '\r' || c == '\n') {
			if (!(flags & FORM_ALLOW_NEWLINE))
				return FORM_E_NEWLINE;
			/* CR LF and a lone CR both become one LF */
			if (c == '\n' && last_cr) {
				last_cr = 0;
				continue;
			}
			last_cr = c == '\r';
			out[o++] = '\n';
			continue;
		}
		last_cr = 0;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	if (!form_utf8_valid(out, o))
		return FORM_E_UTF8;
	*outlen = o;
	return FORM_OK;
}

enum form_error form_parse(struct form *f, struct arena *a, const char *src, size_t len,
    int flags)
{
	const char *p = src, *end = src + len;

	f->n = 0;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pend = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(pend - p));
		const char *kend = eq ? eq : pend;
		const char *v = eq ? eq + 1 : pend;
		size_t klen = (size_t)(kend - p), vlen = (size_t)(pend - v), n;
		char *k, *val;
		enum form_error e;

		if (pend == p) {
			p = pend + 1;
			continue;
		}
		if (f->n == FORM_MAX_PARAMS)
			return FORM_E_TOO_MANY;
		/* Decoding never lengthens: the encoded length bounds the decoded one. */
		if (klen > 3 * FORM_MAX_KEY || vlen > 3 * (size_t)FORM_MAX_VALUE)
			return FORM_E_TOO_LONG;
		k = arena_alloc(a, klen + 1);
		val = arena_alloc(a, vlen + 1);
		if (k == NULL || val == NULL)
			return FORM_E_NOMEM;
		if ((e = form_url_decode(p, klen, FORM_PLUS_SPACE, k, &n)) != FORM_OK)
			return e;
		if (n > FORM_MAX_KEY)
			return FORM_E_TOO_LONG;
		if ((e = form_url_decode(v, vlen, FORM_PLUS_SPACE | (flags & FORM_ALLOW_NEWLINE), val, &n)) != FORM_OK)
			return e;
		if (n > FORM_MAX_VALUE)
			return FORM_E_TOO_LONG;
		f->params[f->n].key = k;
		f->params[f->n].value = val;
		f->params[f->n].value_len = n;
		f->n++;
		p = pend + 1;
	}
	return FORM_OK;
}

const char *form_get(const struct form *f, const char *key)
{
	for (int i = 0; i < f->n; i++)
		if (strcmp(f->params[i].key, key) == 0)
			return f->params[i].value;
	return NULL;
}

const char *form_strerror(enum form_error e)
{
	switch (e) {
	case FORM_OK: return "ok";
	case FORM_E_ESCAPE: return "malformed percent-escape";
	case FORM_E_NUL: return "NUL byte (%00) is not allowed";
	case FORM_E_NEWLINE: return "line breaks are not allowed in this field";
	case FORM_E_UTF8: return "text is not valid UTF-8";
	case FORM_E_TOO_MANY: return "too many parameters";
	case FORM_E_TOO_LONG: return "a parameter is too long";
	case FORM_E_NOMEM: return "out of memory";
	}
	return "unknown error";
}
