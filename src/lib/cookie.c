/* cookie.c — one cookie out of a Cookie header, strictly. */
#include <string.h>

#include "lib/cookie.h"

/* RFC 6265 cookie-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E */
static int octet(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
	    (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

int cookie_get(const char *header, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	const char *p = header;

	if (header == NULL || strnlen(header, COOKIE_MAX_HEADER + 1) > COOKIE_MAX_HEADER)
		return -1;
	while (*p) {
		const char *v, *end;
		size_t vlen;

		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
			v = p + nlen + 1;
			vlen = (size_t)(end - v);
			while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
				v++;
				vlen -= 2;
			}
			if (vlen >= outlen)
				return -1;
			for (size_t i = 0; i < vlen; i++)
				if (!octet((unsigned char)v[i]))
					return -1;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return (int)vlen;
		}
		p = end;
	}
	return -1;
}
