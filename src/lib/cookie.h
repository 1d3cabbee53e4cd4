/* cookie.h — reading one cookie out of a Cookie request header (RFC 6265 §5.4). */
#ifndef REVLENS_COOKIE_H
#define REVLENS_COOKIE_H

#include <stddef.h>

#define COOKIE_MAX_HEADER 8192   /* bytes of a Cookie header we look into */

/* Find the first cookie called name in header ("a=1; b=2"). Copies its value
 * (without surrounding double quotes) into out (outlen bytes, NUL-terminated)
 * and returns its length; -1 when absent, too long for out, or when the value
 * holds a byte outside RFC 6265's cookie-octet set. */
int cookie_get(const char *header, const char *name, char *out, size_t outlen);

#endif
