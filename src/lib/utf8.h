/* utf8.h — strict UTF-8 validation shared by the decoders and the logger. */
#ifndef REVLENS_UTF8_H
#define REVLENS_UTF8_H

#include <stddef.h>

/* Length (1..4) of the well-formed UTF-8 sequence at s[0..len), or 0 when it
 * is malformed: overlong forms, surrogates, code points above U+10FFFF and
 * truncated sequences are all malformed. */
size_t utf8_seq_len(const unsigned char *s, size_t len);

/* 1 when all of s[0..len) is well-formed UTF-8. */
int utf8_valid(const char *s, size_t len);

#endif
