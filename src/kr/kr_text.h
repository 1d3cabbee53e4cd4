/* kr_text.h — UTF-8 validation, normalisation and tokenisation of reviews.
 *
 * kr_text_normalize() turns raw review bytes into a normalised document:
 * NFC (utf8proc, only when a combining mark or conjoining jamo is present),
 * ASCII/fullwidth Latin lower-cased, control and odd spaces folded to one
 * space, zero-width/variation selectors dropped, runs of one character longer
 * than two cut to two (ㅋㅋㅋㅋ -> ㅋㅋ, !!!! -> !!; digits are kept whole).
 * It then splits the text into tokens: maximal runs of one character class
 * inside an eojeol (space-separated word), so "3일만에" is DIGIT "3" + HANGUL
 * "일만에" and "좋아요ㅋㅋ" is HANGUL + JAMO. Everything lives in the arena.
 */
#ifndef REVLENS_KR_TEXT_H
#define REVLENS_KR_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "kr/kr.h"

enum kr_tclass {
	KR_TC_HANGUL,  /* precomposed syllables U+AC00..U+D7A3 */
	KR_TC_JAMO,    /* jamo-only noise: ㅋㅋ, ㅠㅠ, ㄱㅅ */
	KR_TC_LATIN,
	KR_TC_DIGIT,
	KR_TC_PUNCT,
	KR_TC_OTHER    /* emoji, hanja, symbols: one token per character run */
};

struct kr_tok {
	uint32_t off;        /* byte offset of the token in kr_doc.text */
	uint32_t len;        /* bytes */
	uint32_t cp;         /* index of the first code point in kr_doc.cps */
	uint32_t ncp;        /* code points */
	uint8_t cls;         /* enum kr_tclass */
	uint8_t eojeol_start;/* first token of an eojeol */
	uint8_t clause_end;  /* punctuation that closes a clause (. , ! ? ~ ; …) */
};

struct kr_doc {
	char *text;          /* normalised UTF-8, NUL-terminated, single spaces */
	size_t len;          /* bytes */
	uint32_t *cps;       /* normalised code points ('  ' kept), ncps of them */
	size_t ncps;
	struct kr_tok *toks;
	size_t ntoks;
	int truncated;       /* input was cut at KR_MAX_TEXT */
};

/* Strict UTF-8 check (no overlongs, surrogates or values > U+10FFFF).
 * Returns 0 if valid, else -1. */
int kr_text_validate(const char *s, size_t len);

/* Normalise and tokenise s (len bytes) into doc, allocating from arena.
 * Returns 0, or -1 on invalid UTF-8 or an exhausted arena. */
int kr_text_normalize(const char *s, size_t len, struct kr_doc *doc, struct kr_arena *arena);

/* Bump allocation from the arena, 8-byte aligned; NULL when full. */
void *kr_arena_alloc(struct kr_arena *a, size_t n);

/* Encode cp as UTF-8 into out (4 bytes room); returns bytes written. */
size_t kr_text_put_utf8(char *out, uint32_t cp);

/* 32-bit FNV-1a of s[0..n): the string hash of the lexicon, stemmer and
 * aggregation tables. */
static inline uint32_t kr_fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

#endif
