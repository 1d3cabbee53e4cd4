/* kr_feat.c — parse a review into stemmed, clause-tagged words and hashed features.
 *
 * Invariant: the feature stream is a pure function of (text bytes, cfg); no
 * table, locale or allocation state influences it. The training tool and the
 * analyser both call these two functions, which is what keeps a trained model
 * meaningful at inference. Changing anything here that alters the hashes
 * requires retraining (bump KR_MODEL_FEATURE_VERSION in kr_model.h).
 */
#include "kr/kr_feat.h"

#include <string.h>

#include "kr/kr_polar.h"
#include "kr/kr_stem.h"

#define SEED_CHAR    0x243F6A88u
#define SEED_NOSPACE 0x85A308D3u
#define SEED_STEM    0x13198A2Eu
#define SEED_NEG     0x03707344u
#define SEED_BIGRAM  0xA4093822u
#define SEED_LEX     0x299F31D0u
#define SEED_LEXLAST 0x082EFA98u
#define CP_BOS 0x110000u
#define CP_EOS 0x110001u

/* Final scramble; a model indexes with the top bits, which a multiply by an
 * odd constant fills from every bit of h (Fibonacci hashing). */
static inline uint32_t mix(uint32_t h)
{
	return (h ^ (h >> 15)) * 0x9E3779B1u;
}

static inline uint32_t step(uint32_t h, uint32_t v)
{
	return (h ^ v) * 0x01000193u + 0x9E3779B9u;
}

static uint32_t hash_bytes(uint32_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		h = step(h, (unsigned char)s[i]);
	return h;
}

static int stem_is(const struct kr_word *w, const char *s)
{
	size_t n = strlen(s);
	return w->len == n && !memcmp(w->stem, s, n);
}

/* 않, 없, 못하 and friends negate the word before them. */
static int negates_previous(const struct kr_word *w)
{
	if (w->len != 3 && w->len != 6)
		return 0;
	return stem_is(w, "않") || stem_is(w, "없") || stem_is(w, "못하") || stem_is(w, "못") ||
	    stem_is(w, "아니") || stem_is(w, "아닌") || stem_is(w, "아님") || stem_is(w, "못해");
}

int kr_feat_parse(const char *text, size_t len, struct kr_parse *p, struct kr_arena *arena)
{
	struct kr_doc *d = &p->doc;
	size_t i, nw = 0, clause = 0;
	int open = 0;   /* current clause has a word in it */
	char *stems;
	size_t soff = 0;

	memset(p, 0, sizeof *p);
	if (kr_text_normalize(text, len, d, arena) < 0)
		return -1;
	p->words = kr_arena_alloc(arena, (d->ntoks + 1) * sizeof *p->words);
	p->cp_clause = kr_arena_alloc(arena, (d->ncps + 1) * sizeof *p->cp_clause);
	p->cp_neg = kr_arena_alloc(arena, d->ncps + 1);
	stems = kr_arena_alloc(arena, d->len + d->ntoks + 1);
	if (!p->words || !p->cp_clause || !p->cp_neg || !stems)
		return -1;
	memset(p->cp_neg, 0, d->ncps + 1);

	for (i = 0; i < d->ntoks; i++) {
		const struct kr_tok *t = &d->toks[i];
		struct kr_word *w;
		unsigned fl = 0;
		size_t sl;
		uint32_t c;

		if (t->cls == KR_TC_PUNCT || t->cls == KR_TC_DIGIT) {
			for (c = 0; c < t->ncp; c++)
				p->cp_clause[t->cp + c] = (uint16_t)clause;
			if (t->clause_end && open) {
				clause++;
				open = 0;
			}
			continue;
		}
		if (t->cls == KR_TC_HANGUL) {
			sl = kr_stem_word(d->text + t->off, t->len, stems + soff, &fl);
		} else {
			memcpy(stems + soff, d->text + t->off, t->len);
			sl = t->len;
		}
		if ((fl & KR_STEM_OPENER) && open) {
			clause++;
			open = 0;
		}
		w = &p->words[nw++];
		w->stem = stems + soff;
		w->len = (uint16_t)sl;
		w->clause = (uint16_t)clause;
		w->tok = (uint16_t)i;
		w->cls = t->cls;
		w->neg = 0;
		w->flags = fl;
		stems[soff + sl] = '\0';
		soff += sl + 1;
		for (c = 0; c < t->ncp; c++)
			p->cp_clause[t->cp + c] = (uint16_t)clause;
		open = 1;
		/* negation inside the clause */
		if (nw >= 2 && p->words[nw - 2].clause == w->clause) {
			struct kr_word *prev = &p->words[nw - 2];
			if (prev->flags & KR_STEM_NEGATOR)
				w->neg = 1;
			if (w->cls == KR_TC_HANGUL && negates_previous(w))
				prev->neg = 1;
		}
		if ((fl & KR_STEM_CLAUSE) || t->cls == KR_TC_JAMO || t->cls == KR_TC_OTHER) {
			/* a following 않/없 still belongs to this clause: 좋지 않아요 */
			if (!(fl & KR_STEM_NEG_JI) && i + 1 < d->ntoks) {
				clause++;
				open = 0;
			}
		}
		if (clause > 65000)
			clause = 65000;
	}
	/* spaces take the clause of the code point before them */
	for (i = 0; i < d->ncps; i++)
		if (d->cps[i] == ' ')
			p->cp_clause[i] = i > 0 ? p->cp_clause[i - 1] : 0;
	for (i = 0; i < nw; i++) {
		const struct kr_tok *t = &d->toks[p->words[i].tok];
		if (p->words[i].neg)
			memset(p->cp_neg + t->cp, 1, t->ncp);
	}
	p->nwords = nw;
	p->nclauses = open || clause == 0 ? clause + 1 : clause;
	/* a word right after a closed clause may sit in clause == nclauses */
	for (i = 0; i < nw; i++)
		if (p->words[i].clause >= p->nclauses)
			p->words[i].clause = (uint16_t)(p->nclauses - 1);
	for (i = 0; i < d->ncps; i++)
		if (p->cp_clause[i] >= p->nclauses)
			p->cp_clause[i] = (uint16_t)(p->nclauses - 1);
	return 0;
}

/* Where the n-gram loops write, and the weight table they prefetch from,
 * held in locals so the compiler need not reload them after each store. */
struct sink {
	uint32_t *h;
	uint16_t *clause;
	const int16_t *pf;
	unsigned shift;
};

static inline void put(const struct sink *o, size_t j, uint32_t h, uint16_t clause)
{
	uint32_t x = mix(h);

	if (o->pf)
		__builtin_prefetch(o->pf + (x >> o->shift));
	o->h[j] = x;
	o->clause[j] = clause;
}

static inline void emit(struct kr_feats *f, uint32_t h, size_t clause)
{
	if (f->n < f->cap) {
		const struct sink o = { f->h, f->clause, f->pf, f->pfshift };
		put(&o, f->n++, h, (uint16_t)clause);
	}
}

static void ngrams(const uint32_t *seq, const uint16_t *cl, const uint8_t *neg, size_t n,
    const struct kr_feat_cfg *cfg, uint32_t seed, struct kr_feats *f)
{
	size_t i = 0, k;

	if (cfg->nmin == 1 && cfg->nmax == 4) {
		/* the shipped 1..4-grams, unrolled while the window is whole and
		 * there is room (always: kr_feat_extract() sizes the buffer);
		 * the loop below does the rest, the same as for other orders */
		const struct sink o = { f->h, f->clause, f->pf, f->pfshift };
		size_t j = f->n;
		for (; i + 4 <= n && f->cap - j >= 4; i++, j += 4) {
			const uint16_t c = cl[i];
			uint32_t h = neg[i] ? seed ^ SEED_NEG : seed;
			uint32_t h1 = step(h, seq[i]), h2 = step(h1, seq[i + 1]);
			uint32_t h3 = step(h2, seq[i + 2]), h4 = step(h3, seq[i + 3]);
			put(&o, j, h1, c);
			put(&o, j + 1, h2 + 1, c);
			put(&o, j + 2, h3 + 2, c);
			put(&o, j + 3, h4 + 3, c);
		}
		f->n = j;
	}
	for (; i < n; i++) {
		uint32_t h = neg[i] ? seed ^ SEED_NEG : seed;
		for (k = 0; k < cfg->nmax && i + k < n; k++) {
			h = step(h, seq[i + k]);
			if (k + 1 >= cfg->nmin)
				emit(f, h + (uint32_t)k, cl[i]);
		}
	}
}

/* Polarity-lexicon classes in the unspaced sequence, leftmost-longest. A
 * match is negated when its first code point lies in a negated word. */
static void lexicon(const uint32_t *seq, const uint16_t *cl, const uint8_t *neg, size_t n,
    const struct kr_polar *pl, size_t nclauses, struct kr_feats *f)
{
	size_t i = 0, k, last_clause = nclauses ? nclauses - 1 : 0;
	uint32_t last = 0;
	uint16_t lastcl = 0;
	unsigned cls;

	while ((i = kr_polar_next(pl, seq, n, i, &k, &cls)) < n) {
		uint32_t h = step(SEED_LEX ^ kr_polar_class_seed(pl, cls), neg[i]);
		emit(f, h, cl[i]);
		emit(f, step(h, 2u + (cl[i] == last_clause)), cl[i]);
		last = step(SEED_LEXLAST ^ kr_polar_class_seed(pl, cls), neg[i]);
		lastcl = cl[i];
		i += k;
	}
	if (last)
		emit(f, last, lastcl);
}

int kr_feat_extract(const struct kr_parse *p, const struct kr_feat_cfg *cfg, struct kr_feats *f,
    struct kr_arena *arena)
{
	return kr_feat_extract_prefetch(p, cfg, f, arena, NULL, 0);
}

int kr_feat_extract_prefetch(const struct kr_parse *p, const struct kr_feat_cfg *cfg,
    struct kr_feats *f, struct kr_arena *arena, const int16_t *weights, unsigned shift)
{
	const struct kr_doc *d = &p->doc;
	size_t n = d->ncps + 2, i, m;
	uint32_t *seq = kr_arena_alloc(arena, n * sizeof *seq);
	uint16_t *cl = kr_arena_alloc(arena, n * sizeof *cl);
	uint8_t *ng = kr_arena_alloc(arena, n);
	int lex = (cfg->flags & KR_FEAT_LEX) && cfg->polar;
	size_t cap = n * cfg->nmax * ((cfg->flags & KR_FEAT_NOSPACE) ? 2 : 1) + p->nwords * 3 + 8 +
	    (lex ? n + 1 : 0);

	f->h = kr_arena_alloc(arena, cap * sizeof *f->h);
	f->clause = kr_arena_alloc(arena, cap * sizeof *f->clause);
	f->n = 0;
	f->cap = cap;
	f->pf = weights;
	f->pfshift = shift;
	if (!seq || !cl || !ng || !f->h || !f->clause)
		return -1;
	seq[0] = CP_BOS;
	cl[0] = 0;
	ng[0] = 0;
	memcpy(seq + 1, d->cps, d->ncps * sizeof *seq);
	memcpy(cl + 1, p->cp_clause, d->ncps * sizeof *cl);
	if (cfg->flags & KR_FEAT_NEG)
		memcpy(ng + 1, p->cp_neg, d->ncps);
	else
		memset(ng + 1, 0, d->ncps);
	seq[n - 1] = CP_EOS;
	cl[n - 1] = (uint16_t)(p->nclauses ? p->nclauses - 1 : 0);
	ng[n - 1] = 0;
	ngrams(seq, cl, ng, n, cfg, SEED_CHAR, f);
	if ((cfg->flags & KR_FEAT_NOSPACE) || lex) {
		for (i = 0, m = 0; i < n; i++) {
			if (seq[i] == ' ')
				continue;
			seq[m] = seq[i];
			cl[m] = cl[i];
			ng[m] = ng[i];
			m++;
		}
		if (cfg->flags & KR_FEAT_NOSPACE)
			ngrams(seq, cl, ng, m, cfg, SEED_NOSPACE, f);
		if (lex)
			lexicon(seq, cl, ng, m, cfg->polar, p->nclauses, f);
	}
	for (i = 0; i < p->nwords; i++) {
		const struct kr_word *w = &p->words[i];
		if (w->cls != KR_TC_HANGUL && w->cls != KR_TC_LATIN)
			continue;
		if ((cfg->flags & KR_FEAT_NEG) && w->neg)
			emit(f, hash_bytes(SEED_NEG, w->stem, w->len), w->clause);
		else if (cfg->flags & KR_FEAT_STEMS)
			emit(f, hash_bytes(SEED_STEM, w->stem, w->len), w->clause);
		if ((cfg->flags & KR_FEAT_BIGRAMS) && i + 1 < p->nwords &&
		    p->words[i + 1].clause == w->clause) {
			const struct kr_word *x = &p->words[i + 1];
			uint32_t h = hash_bytes(SEED_BIGRAM, w->stem, w->len);
			h = step(h, '|');
			emit(f, hash_bytes(h, x->stem, x->len), w->clause);
		}
	}
	return 0;
}
