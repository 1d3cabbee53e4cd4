/* strnum.c — range-checked integer parsing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strnum.h"

int strnum_parse(const char *s, int base, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || *s == '+' || *s == ' ' || *s == '\t')
		return -1;
	if (*s == '-' && (s[1] < '0' || s[1] > '9'))
		return -1;
	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
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
