/* kr_stem.h — a light Korean stemmer: strips particles (조사) and endings
 * (어미) by longest match from fixed tables.
 *
 * 배송이/배송은/배송도 -> 배송; 좋아요/좋네요/좋습니다 -> 좋; 빠른데 -> 빠르;
 * 만족했어요 -> 만족. Protected nouns (최고, 효과, 크기, 바지, ...) are never
 * cut. The flags tell the caller what the stripped material meant: a clause
 * boundary after this word, a contrast (-지만/-는데), a "-지" that a following
 * 않/못 negates. Tables and their rationale: docs/kr.md.
 */
#ifndef REVLENS_KR_STEM_H
#define REVLENS_KR_STEM_H

#include <stddef.h>

enum kr_stem_flag {
	KR_STEM_PARTICLE = 1 << 0,  /* a 조사 (or copula) was stripped */
	KR_STEM_ENDING   = 1 << 1,  /* a verbal ending was stripped */
	KR_STEM_CLAUSE   = 1 << 2,  /* connective/final ending: clause ends after this word */
	KR_STEM_CONTRAST = 1 << 3,  /* -지만, -는데, -나 ...: the next clause contrasts */
	KR_STEM_NEG_JI   = 1 << 4,  /* ends in -지, as in 좋지 않다 */
	KR_STEM_OPENER   = 1 << 5,  /* whole word opens a clause: 근데, 하지만, 그래도 */
	KR_STEM_NEGATOR  = 1 << 6,  /* 안, 못, 별로, 전혀: negates the next word */
	KR_STEM_NEG_AFTER= 1 << 7,  /* 않, 없, 못하: negates the previous word */
	KR_STEM_INTENS   = 1 << 8   /* 너무, 정말, 진짜, 완전 ... */
};

/* Stem the Hangul word s (len bytes, only U+AC00..U+D7A3 syllables). Writes
 * the stem (at most len bytes, not NUL-terminated) to out and returns its
 * length; *flags receives enum kr_stem_flag bits. The stem keeps at least
 * one syllable. Thread-safe; the tables are built on first use. */
size_t kr_stem_word(const char *s, size_t len, char *out, unsigned *flags);

#endif
