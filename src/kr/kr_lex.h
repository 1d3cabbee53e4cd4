/* kr_lex.h — the curated aspect lexicon and stop-words (data/kr/aspects.tsv).
 *
 * File format, one entry a line, '#' comments and blank lines ignored:
 *   term<TAB>class[<TAB>exact]
 * term is an NFC stem (as kr_stem_word() produces it, or a fragment such as
 * 맛있/예뻐), class is an aspect name (배송 가격 품질 맛 사이즈 디자인 포장 냄새
 * 내구성 사용감 응대 성능), "stop" (never a keyword) or "keep" (a one-syllable
 * stem that is still a keyword). Terms of two or more syllables are also found
 * inside longer words (띄어쓰기 없는 리뷰: 배송빠르고좋아요 -> 배송) unless the
 * third column says "exact". The table is parsed once at model open (heap,
 * read-only afterwards); lookups do not allocate.
 */
#ifndef REVLENS_KR_LEX_H
#define REVLENS_KR_LEX_H

#include <stddef.h>

#define KR_LEX_MISSING (-1)
#define KR_LEX_STOP    (-2)
#define KR_LEX_KEEP    (-3)

struct kr_lex;

/* Parse the lexicon at path. Returns -1 with "path:line: problem" in err on
 * an unreadable file, a malformed line or an unknown class. */
int kr_lex_load(struct kr_lex **out, const char *path, char *err, size_t errlen);
/* Parse from memory; name is used in messages. */
int kr_lex_parse(struct kr_lex **out, const char *name, const char *text, size_t len, char *err,
    size_t errlen);
void kr_lex_free(struct kr_lex *lx);

/* Class of the term s (n bytes): an enum kr_aspect, KR_LEX_STOP, KR_LEX_KEEP
 * or KR_LEX_MISSING. If substr is non-NULL it is set to 1 when the term may
 * be matched inside longer words. */
int kr_lex_lookup(const struct kr_lex *lx, const char *s, size_t n, int *substr);
/* Longest term in syllables (bounds substring scans). */
size_t kr_lex_max_syllables(const struct kr_lex *lx);
/* Number of entries. */
size_t kr_lex_count(const struct kr_lex *lx);

#endif
