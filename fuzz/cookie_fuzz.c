/* cookie_fuzz.c — libFuzzer harness: cookie_get on an untrusted Cookie header.
 *
 * Input: the first byte is the length of the name, the next bytes are the name, the
 * rest is the header (each cut at its first NUL, as C strings). Each lookup runs with a
 * small and a large out buffer, each malloc'd to its exact size so ASan sees overruns.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SMALL 8
#define LARGE (COOKIE_MAX_HEADER + 1)

/* RFC 6265 cookie-octet, written independently of cookie.c: visible ASCII except
 * DQUOTE, comma, semicolon and backslash. */
static int octet(unsigned char c)
{
	return c > 0x20 && c < 0x7F && c != '"' && c != ',' && c != ';' && c != '\\';
}

/* Check one result against the contract; returns r. */
static int check(const char *header, const char *name, int r, const char *out, size_t outlen)
{
	size_t hlen = strlen(header), n, nlen = strlen(name);
	char *needle;

	if (r == -1)
		return r;
	if (r < 0 || (size_t)r >= outlen || hlen > COOKIE_MAX_HEADER)
		abort();
	n = (size_t)r;
	if (out[n] != '\0' || strlen(out) != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!octet((unsigned char)out[i]))
			abort();
	/* the value came from the header as name=value or name="value" */
	needle = malloc(nlen + n + 4);
	if (needle == NULL)
		abort();
	memcpy(needle, name, nlen);
	needle[nlen] = '=';
	memcpy(needle + nlen + 1, out, n);
	needle[nlen + 1 + n] = '\0';
	if (strstr(header, needle) == NULL) {
		needle[nlen + 1] = '"';
		memcpy(needle + nlen + 2, out, n);
		needle[nlen + 2 + n] = '"';
		needle[nlen + 3 + n] = '\0';
		if (strstr(header, needle) == NULL)
			abort();
	}
	free(needle);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nlen;
	char *name, *header, *small, *large;
	int rs, rl;

	if (size == 0)
		return 0;
	nlen = data[0];
	if (nlen > size - 1)
		nlen = size - 1;
	name = malloc(nlen + 1);
	header = malloc(size - 1 - nlen + 1);
	small = malloc(SMALL);
	large = malloc(LARGE);
	if (name == NULL || header == NULL || small == NULL || large == NULL)
		abort();
	memcpy(name, data + 1, nlen);
	name[nlen] = '\0';
	memcpy(header, data + 1 + nlen, size - 1 - nlen);
	header[size - 1 - nlen] = '\0';

	rs = check(header, name, cookie_get(header, name, small, SMALL), small, SMALL);
	rl = check(header, name, cookie_get(header, name, large, LARGE), large, LARGE);
	/* the buffer size only decides whether a value fits */
	if (rs >= 0 && (rl != rs || strcmp(small, large) != 0))
		abort();
	if (rs == -1 && rl >= 0 && rl < SMALL)
		abort();
	if (cookie_get(NULL, name, small, SMALL) != -1)
		abort();
	free(name);
	free(header);
	free(small);
	free(large);
	return 0;
}
