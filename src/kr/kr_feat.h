/* kr_feat.h — from review text to hashed features; shared by training and
 * inference so both see exactly the same features.
 *
 * kr_feat_parse() normalises, tokenises and stems a review and assigns each
 * token to a clause (clauses end at punctuation, connective/final endings,
 * jamo/emoji runs, and before openers such as 근데/하지만). kr_feat_extract()
 * then emits 32-bit feature hashes, each tagged with the clause it came from,
 * so one pass yields the review score and every clause's score:
 *   - character n-grams (nmin..nmax) over the normalised text, spaces kept, so
 *     they run across eojeol boundaries; BOS/EOS markers at the ends;
 *   - optionally the same n-grams over the text with spaces removed
 *     (robust to 띄어쓰기 errors);
 *   - stem unigrams, stem bigrams inside a clause;
 *   - negation (안 좋아요, 좋지 않아요, 맛이 없어요): the n-grams starting in a
 *     negated word and its stem are hashed in a separate "negated" space, so
 *     좋아요 after 안 does not count as the positive 좋아요;
 *   - optionally (KR_FEAT_LEX) the classes of polarity-lexicon terms found in
 *     the unspaced text: one feature per class x negated, one per class x
 *     negated x in-the-last-clause, and one for the class of the last match.
 * The hash of a feature is independent of the table size; a model uses the
 * top `bits` bits.
 */
#ifndef REVLENS_KR_FEAT_H
#define REVLENS_KR_FEAT_H

#include <stddef.h>
#include <stdint.h>

#include "kr/kr.h"
#include "kr/kr_text.h"

enum kr_feat_flag {
	KR_FEAT_STEMS   = 1 << 0,
	KR_FEAT_BIGRAMS = 1 << 1,
	KR_FEAT_NEG     = 1 << 2,
	KR_FEAT_NOSPACE = 1 << 3,
	KR_FEAT_NORM    = 1 << 4,   /* score = sum of weights / sqrt(feature count) */
	KR_FEAT_LEX     = 1 << 5,   /* polarity-lexicon class features (kr_polar.h) */
	KR_FEAT_ALL     = 0x3F
};

struct kr_polar;

/* Feature configuration; nmin, nmax and flags are stored in the model header. */
struct kr_feat_cfg {
	uint8_t nmin, nmax;   /* character n-gram orders, 1..6 */
	uint32_t flags;       /* enum kr_feat_flag */
	const struct kr_polar *polar;  /* KR_FEAT_LEX: the lexicon (not owned); NULL = none */
};

struct kr_word {
	const char *stem;     /* UTF-8 in the arena, NUL-terminated */
	uint16_t len;         /* bytes */
	uint16_t clause;
	uint16_t tok;         /* index into doc.toks */
	uint8_t cls;          /* enum kr_tclass */
	uint8_t neg;          /* negated by a neighbour */
	unsigned flags;       /* enum kr_stem_flag */
};

struct kr_parse {
	struct kr_doc doc;
	struct kr_word *words;  /* one per HANGUL/LATIN/JAMO/OTHER token */
	size_t nwords;
	uint16_t *cp_clause;    /* clause of each code point of doc.cps */
	uint8_t *cp_neg;        /* 1 where the code point is inside a negated word */
	size_t nclauses;
};

struct kr_feats {
	uint32_t *h;           /* feature hashes */
	uint16_t *clause;      /* clause of each feature */
	size_t n, cap;
	const int16_t *pf;     /* weight table to prefetch from, or NULL */
	unsigned pfshift;      /* index = hash >> pfshift */
};

/* Parse text into p from arena. Returns 0, or -1 on invalid UTF-8/full arena. */
int kr_feat_parse(const char *text, size_t len, struct kr_parse *p, struct kr_arena *arena);

/* Emit the features of p into f (allocated from arena). Returns 0 or -1. */
int kr_feat_extract(const struct kr_parse *p, const struct kr_feat_cfg *cfg, struct kr_feats *f,
    struct kr_arena *arena);

/* The same, and each feature's weight w[hash >> shift] is prefetched as the
 * feature is hashed (inference: the loads overlap with the extraction). The
 * features are exactly those of kr_feat_extract(). */
int kr_feat_extract_prefetch(const struct kr_parse *p, const struct kr_feat_cfg *cfg,
    struct kr_feats *f, struct kr_arena *arena, const int16_t *w, unsigned shift);

#endif
