/* kr_lex.h — the curated aspect lexicon and stop-words (data/kr/aspects.tsv).
 *
 * File format, one entry a line, '#' comments and blank lines ignored:
 *   term<TAB>class[<TAB>flag[,flag]]
 * term is an NFC stem (as kr_stem_word() produces it, or a fragment such as
 * 맛있/예뻐), class is an aspect name (배송 가격 품질 맛 사이즈 디자인 포장 냄새
 * 내구성 사용감 응대 성능), "stop" (never a keyword), "keep" (a one-syllable
 * stem that is still a keyword) or "-" (no aspect: an evaluative word only).
 * Flags: "exact" (match whole stems only), "pos"/"neg" (the word itself says
 * good/bad: 빠르, 엉망; it pushes its clause's polarity that way, reversed
 * under negation). Terms of two or more syllables are also found inside
 * longer words (띄어쓰기 없는 리뷰: 배송빠르고좋아요 -> 배송) unless "exact". The table is parsed once at model open (heap,
 * read-only afterwards); lookups do not allocate.
 */
#ifndef REVLENS_KR_LEX_H
#define REVLENS_KR_LEX_H

#include <stddef.h>

#define KR_LEX_MISSING (-1)
#define KR_LEX_STOP    (-2)
#define KR_LEX_KEEP    (-3)
#define KR_LEX_PLAIN   (-4)   /* class "-": evaluative word with no aspect */

enum kr_lex_flag {
	KR_LEX_SUBSTR = 1,   /* may match inside longer words */
	KR_LEX_POSW   = 2,   /* evaluates positively */
	KR_LEX_NEGW   = 4    /* evaluates negatively */
};

struct kr_lex;

/* Parse the lexicon at path. Returns -1 with "path:line: problem" in err on
 * an unreadable file, a malformed line or an unknown class. */
int kr_lex_load(struct kr_lex **out, const char *path, char *err, size_t errlen);
/* Parse from memory; name is used in messages. */
int kr_lex_parse(struct kr_lex **out, const char *name, const char *text, size_t len, char *err,
    size_t errlen);
void kr_lex_free(struct kr_lex *lx);

/* Class of the term s (n bytes): an enum kr_aspect, KR_LEX_STOP, KR_LEX_KEEP,
 * KR_LEX_PLAIN or KR_LEX_MISSING. If flags is non-NULL it receives the
 * term's enum kr_lex_flag bits (0 when missing). */
int kr_lex_lookup(const struct kr_lex *lx, const char *s, size_t n, unsigned *flags);
/* Quick filter for substring scans: 0 when no substring-matchable term
 * starts with the first two syllables at s (6 bytes must be readable);
 * 1 when one may. */
int kr_lex_maybe_substr(const struct kr_lex *lx, const char *s);
/* Longest term in syllables (bounds substring scans). */
size_t kr_lex_max_syllables(const struct kr_lex *lx);
/* Number of entries. */
size_t kr_lex_count(const struct kr_lex *lx);

#endif
