/* kr_analyze.c — one review in, label + keywords + aspects out, inside an arena.
 *
 * Design: one parse, one feature pass. Each feature's weight is added to the
 * review's log-odds and to the log-odds of the clause it came from; keywords
 * and aspects take the polarity of their clause, blended with the review's
 * (KR_CLAUSE_BLEND) because a short clause such as "포장은" carries little
 * signal of its own. Nothing here allocates from the heap.
 */
#include "kr/kr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kr/kr_feat.h"
#include "kr/kr_lex.h"
#include "kr/kr_model.h"
#include "kr/kr_stem.h"

/* Aspect/keyword polarity = clause log-odds + KR_CLAUSE_BLEND * review
 * log-odds + KR_LEXICAL_WEIGHT * (lexicon pos words - neg words in the
 * clause, negation reversing a word); neutral when its magnitude is below
 * KR_CLAUSE_MARGIN. The model alone is a weak judge of a short clause
 * ("배송은 빠른데" leans negative in the data because -는데 precedes
 * complaints), hence the curated evaluative words. See docs/kr.md. */
#define KR_CLAUSE_BLEND 0.15f
#define KR_LEXICAL_WEIGHT 2.0f
#define KR_CLAUSE_MARGIN 0.35f

static const char *const aspect_names[KR_ASPECT_COUNT] = {
	"배송", "가격", "품질", "맛", "사이즈", "디자인", "포장", "냄새", "내구성", "사용감", "응대", "성능",
};

const char *kr_aspect_name(int aspect)
{
	if (aspect < 0 || aspect >= KR_ASPECT_COUNT)
		return "";
	return aspect_names[aspect];
}

const char *kr_polarity_name(int polarity)
{
	return polarity > 0 ? "pos" : polarity < 0 ? "neg" : "neutral";
}

static float sigmoid(float x)
{
	if (x > 30.0f)
		x = 30.0f;
	if (x < -30.0f)
		x = -30.0f;
	return 1.0f / (1.0f + expf(-x));
}

static void empty_result(struct kr_result *out)
{
	out->label = KR_NEUTRAL;
	out->argmax = KR_NEG;
	out->truncated = 0;
	out->score = 0.5f;
	out->confidence = 0.0f;
	out->nkeywords = 0;
	out->naspects = 0;
}

/* Parse and extract features. The weight table is megabytes, so most weight
 * lookups miss the cache: kr_feat_extract_prefetch() starts each load as its
 * feature is hashed, and kr_analyze() does its lexicon pass before summing,
 * so the misses overlap with that work instead of stalling the sum. */
static int parse_features(const struct kr_model *m, const char *text, size_t len,
    struct kr_parse *p, struct kr_feats *f, struct kr_arena *a)
{
	if (a->cap < KR_ARENA_SIZE)
		return -1;
	a->used = 0;
	if (kr_feat_parse(text, len, p, a) < 0 ||
	    kr_feat_extract_prefetch(p, &m->cfg, f, a, m->w, m->shift) < 0)
		return -1;
	return 0;
}

/* A clause's weight sum: summed as an integer, then scaled in place. */
union clause_sum {
	int32_t i;
	float f;
};

/* Review log-odds; with cs non-NULL also each clause's (cs has nclauses + 1
 * entries, read as .f). Sums run in int32, which is exact and keeps the
 * float adds out of the loop. The clause sums used to be float sums in
 * feature order; those are exact too, hence equal, while no partial sum
 * exceeds 2^24 in magnitude: 512 features of at most 2^15 cannot get there,
 * nor can longer reviews whose sum of |w| stays within it. Beyond that (some
 * 25,000 features of typical weight) the float loop runs, so the result is
 * the same in every case. */
static float score_features(const struct kr_model *m, const struct kr_feats *f, size_t nclauses,
    union clause_sum *cs)
{
	const int16_t *w = m->w;
	const unsigned shift = m->shift;
	int64_t isum = 0;
	uint64_t mag = 0;
	size_t i;

	if (!cs) {
		for (i = 0; i < f->n; i++)
			isum += w[f->h[i] >> shift];
		return m->bias + (float)isum * m->scale;
	}
	for (i = 0; i <= nclauses; i++)
		cs[i].i = 0;
	if (f->n <= 512) {
		for (i = 0; i < f->n; i++)
			cs[f->clause[i]].i += w[f->h[i] >> shift];
	} else if (f->n < 65536) {   /* 65535 * 2^15 < 2^31: no int32 overflow */
		for (i = 0; i < f->n; i++) {
			int32_t x = w[f->h[i] >> shift];
			cs[f->clause[i]].i += x;
			mag += (uint32_t)abs(x);
		}
	} else {
		mag = UINT64_MAX;    /* n-grams up to 6 can exceed that: float path */
	}
	if (mag <= (uint64_t)1 << 24) {
		for (i = 0; i <= nclauses; i++) {
			isum += cs[i].i;
			cs[i].f = (float)cs[i].i * m->scale;
		}
	} else {
		for (i = 0; i <= nclauses; i++)
			cs[i].f = 0.0f;
		for (i = 0; i < f->n; i++) {
			isum += w[f->h[i] >> shift];
			cs[f->clause[i]].f += (float)w[f->h[i] >> shift];
		}
		for (i = 0; i < nclauses; i++)
			cs[i].f *= m->scale;
	}
	return m->bias + (float)isum * m->scale;
}

/* The review's label and score from its log-odds. */
static void set_score(struct kr_result *out, float logit)
{
	float prob = sigmoid(logit);

	out->score = prob;
	out->confidence = fabsf(2.0f * prob - 1.0f);
	out->argmax = prob >= 0.5f ? KR_POS : KR_NEG;
	out->label = out->confidence < KR_NEUTRAL_CONFIDENCE ? KR_NEUTRAL : out->argmax;
}

float kr_score(const struct kr_model *m, const char *text, size_t len, struct kr_arena *arena)
{
	struct kr_parse p;
	struct kr_feats f;

	if (parse_features(m, text, len, &p, &f, arena) < 0)
		return -1.0f;
	return sigmoid(score_features(m, &f, 0, NULL));
}

static int8_t polarity_of(float s)
{
	return s >= KR_CLAUSE_MARGIN ? KR_POS : s <= -KR_CLAUSE_MARGIN ? KR_NEG : KR_NEUTRAL;
}

/* Add a keyword unless already present; returns its index or -1. */
static int add_keyword(struct kr_result *out, const char *stem, size_t len, int aspect,
    float pol, struct kr_arena *a)
{
	size_t i;
	char *copy;

	for (i = 0; i < out->nkeywords; i++)
		if (out->keywords[i].len == len && !memcmp(out->keywords[i].stem, stem, len))
			return (int)i;
	if (out->nkeywords >= KR_MAX_KEYWORDS)
		return -1;
	copy = kr_arena_alloc(a, len + 1);
	if (!copy)
		return -1;
	memcpy(copy, stem, len);
	copy[len] = '\0';
	out->keywords[out->nkeywords].stem = copy;
	out->keywords[out->nkeywords].len = (uint16_t)len;
	out->keywords[out->nkeywords].aspect = (uint8_t)(aspect >= 0 ? aspect : KR_ASPECT_NONE);
	out->keywords[out->nkeywords].polarity = polarity_of(pol);
	return (int)out->nkeywords++;
}

/* Words come in clause order, so "each clause once per aspect" only needs
 * the last clause that counted for the aspect (last[a] is that clause + 1). */
static void add_aspect(struct kr_result *out, int aspect, float pol, uint32_t *last,
    size_t clause)
{
	size_t i;

	for (i = 0; i < out->naspects; i++) {
		if (out->aspects[i].aspect == aspect) {
			if (last[aspect] != clause + 1)
				out->aspects[i].score += pol;
			last[aspect] = (uint32_t)clause + 1;
			return;
		}
	}
	out->aspects[out->naspects].aspect = (uint8_t)aspect;
	out->aspects[out->naspects].score = pol;
	out->naspects++;
	last[aspect] = (uint32_t)clause + 1;
}

/* What the lexicon says about one word; found in pass 1, used in pass 2. */
struct winfo {
	int8_t cls;        /* aspect id or KR_LEX_* of the stem/surface */
	uint8_t nhits;     /* aspect terms found inside an unspaced word */
	uint16_t hit0;     /* first of them in the hits array */
};

struct hit {
	uint16_t off, len; /* bytes inside the word's token */
	int8_t cls;
};

/* Look the word up (stem, then surface form); if unknown, find lexicon terms
 * inside it, greedy longest-first (띄어쓰기 없는 리뷰). Returns the word's
 * lexical polarity: +1/-1 per pos/neg term, reversed when negated. */
static float word_lookup(const struct kr_model *m, const struct kr_parse *p,
    const struct kr_word *w, struct winfo *wi, struct hit *hits, size_t *nhits)
{
	const struct kr_tok *t = &p->doc.toks[w->tok];
	const char *s = p->doc.text + t->off;
	unsigned fl = 0, acc;
	size_t n, i, k, maxs;
	float v = 0.0f;

	wi->nhits = 0;
	wi->hit0 = (uint16_t)*nhits;
	wi->cls = (int8_t)kr_lex_lookup(m->lex, w->stem, w->len, &fl);
	if (wi->cls == KR_LEX_MISSING && w->cls == KR_TC_HANGUL && t->len != w->len)
		wi->cls = (int8_t)kr_lex_lookup(m->lex, s, t->len, &fl);
	acc = fl;
	if (wi->cls == KR_LEX_MISSING && w->cls == KR_TC_HANGUL && t->len >= 6) {
		maxs = kr_lex_max_syllables(m->lex);
		n = t->len / 3;
		for (i = 0; i + 2 <= n;) {
			int found = 0;
			if (kr_lex_maybe_substr(m->lex, s + i * 3)) {
				for (k = maxs < n - i ? maxs : n - i; k >= 2; k--) {
					unsigned f2;
					int cls = kr_lex_lookup(m->lex, s + i * 3, k * 3, &f2);
					if (cls == KR_LEX_MISSING || !(f2 & KR_LEX_SUBSTR))
						continue;
					acc |= f2;
					if (cls >= 0 && wi->nhits < 255) {
						hits[*nhits].off = (uint16_t)(i * 3);
						hits[*nhits].len = (uint16_t)(k * 3);
						hits[*nhits].cls = (int8_t)cls;
						(*nhits)++;
						wi->nhits++;
					}
					found = 1;
					break;
				}
			}
			i += found ? k : 1;
		}
	}
	if (acc & KR_LEX_POSW)
		v += 1.0f;
	if (acc & KR_LEX_NEGW)
		v -= 1.0f;
	return w->neg ? -v : v;
}

int kr_analyze(const struct kr_model *m, const char *text, size_t len, struct kr_result *out,
    struct kr_arena *arena)
{
	struct kr_parse p;
	struct kr_feats f;
	union clause_sum *cs;
	float logit, *lp;
	uint32_t last[KR_ASPECT_COUNT];
	struct winfo *wi;
	struct hit *hits;
	size_t i, nhits = 0;

	empty_result(out);
	if (parse_features(m, text, len, &p, &f, arena) < 0)
		return -1;
	cs = kr_arena_alloc(arena, (p.nclauses + 1) * sizeof *cs);
	if (!cs)
		return -1;
	out->truncated = (uint8_t)p.doc.truncated;
	memset(last, 0, sizeof last);
	lp = kr_arena_alloc(arena, (p.nclauses + 1) * sizeof *lp);
	wi = kr_arena_alloc(arena, (p.nwords + 1) * sizeof *wi);
	hits = kr_arena_alloc(arena, (p.doc.len / 6 + 1) * sizeof *hits);
	if (!lp || !wi || !hits)
		return -1;
	memset(lp, 0, (p.nclauses + 1) * sizeof *lp);
	/* pass 1: lexicon facts per word, evaluative words per clause */
	for (i = 0; i < p.nwords; i++) {
		const struct kr_word *w = &p.words[i];
		wi[i].cls = KR_LEX_STOP;
		wi[i].nhits = 0;
		if (w->cls != KR_TC_HANGUL && w->cls != KR_TC_LATIN)
			continue;
		lp[w->clause] += word_lookup(m, &p, w, &wi[i], hits, &nhits);
	}
	/* the weights parse_features() prefetched have arrived by now */
	logit = score_features(m, &f, p.nclauses, cs);
	set_score(out, logit);
	/* pass 2: keywords and aspects with their clause's polarity */
	for (i = 0; i < p.nwords; i++) {
		const struct kr_word *w = &p.words[i];
		const struct kr_tok *t = &p.doc.toks[w->tok];
		float pol = cs[w->clause].f + KR_CLAUSE_BLEND * logit + KR_LEXICAL_WEIGHT * lp[w->clause];
		int cls = wi[i].cls;
		size_t syl, h;

		if (cls == KR_LEX_STOP || (w->flags & (KR_STEM_NEGATOR | KR_STEM_INTENS | KR_STEM_OPENER)))
			continue;
		if (cls >= 0) {
			add_keyword(out, w->stem, w->len, cls, pol, arena);
			add_aspect(out, cls, pol, last, w->clause);
			continue;
		}
		if (wi[i].nhits) {
			for (h = wi[i].hit0; h < (size_t)wi[i].hit0 + wi[i].nhits; h++) {
				add_keyword(out, p.doc.text + t->off + hits[h].off, hits[h].len, hits[h].cls, pol, arena);
				add_aspect(out, hits[h].cls, pol, last, w->clause);
			}
			continue;
		}
		syl = w->cls == KR_TC_HANGUL ? w->len / 3 : w->len;
		if (syl >= 2 || cls == KR_LEX_KEEP)
			add_keyword(out, w->stem, w->len, KR_ASPECT_NONE, pol, arena);
	}
	for (i = 0; i < out->naspects; i++)
		out->aspects[i].polarity = polarity_of(out->aspects[i].score);
	return 0;
}
