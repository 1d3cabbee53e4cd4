/* file.h — read a whole (small) file into memory. */
#ifndef REVLENS_FILE_H
#define REVLENS_FILE_H

#include <stddef.h>

/* Read all of path, at most max bytes, into a NUL-terminated heap buffer the
 * caller frees; *len gets its length. NUL bytes inside are refused (these are
 * text files). On error returns NULL with "path: reason" in err. */
char *file_read_all(const char *path, size_t max, size_t *len, char *err, size_t errlen);

#endif
