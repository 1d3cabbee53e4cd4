/* strnum.c — range-checked integer parsing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strnum.h"

int strnum_parse(const char *s, int base, long long min, long long max, long long *out)
{
	const char *d;
	char *end;
	long long v;

	/* A digit first, or '-' then a digit: no spaces, '+', or "0x" that strtoll allows. */
	if (s == NULL)
		return -1;
	d = *s == '-' ? s + 1 : s;
	if (*d < '0' || *d > '9')
		return -1;
	if (base == 16 && d[0] == '0' && (d[1] == 'x' || d[1] == 'X'))
		return -1;
	errno = 0;
	v = strtoll(s, &end, base);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int strnum_parse_n(const char *s, unsigned long len, int base, long long min, long long max,
    long long *out)
{
	char buf[32];

	if (len == 0 || len >= sizeof(buf) || memchr(s, '\0', len) != NULL)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return strnum_parse(buf, base, min, max, out);
}
