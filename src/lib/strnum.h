/* strnum.h — range-checked integer parsing (never atoi). */
#ifndef REVLENS_STRNUM_H
#define REVLENS_STRNUM_H

/* Parse all of s as an integer in base (8, 10 or 16) within [min, max].
 * Leading/trailing spaces, signs other than a leading '-', empty strings and
 * trailing garbage are rejected. Returns 0 and stores *out, or -1. */
int strnum_parse(const char *s, int base, long long min, long long max, long long *out);

/* The same over a length-delimited buffer (need not be NUL-terminated). */
int strnum_parse_n(const char *s, unsigned long len, int base, long long min, long long max,
    long long *out);

#endif
