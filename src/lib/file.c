/* file.c — read a whole (small) file into memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/file.h"

char *file_read_all(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t n;
	int ok = 0;

	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	buf = malloc(max + 1);
	if (buf == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	n = fread(buf, 1, max + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		goto out;
	}
	if (n > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		goto out;
	}
	if (memchr(buf, '\0', n) != NULL) {
		snprintf(err, errlen, "%s: NUL byte in file", path);
		goto out;
	}
	buf[n] = '\0';
	*len = n;
	ok = 1;
out:
	if (f != NULL)
		fclose(f);
	if (!ok) {
		free(buf);
		buf = NULL;
	}
	return buf;
}
