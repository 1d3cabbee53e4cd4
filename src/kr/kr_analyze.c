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
#define KR_CLAUSE_BLEND 0.3f
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

/* Parse + score; fills *logit and, when clauses is non-NULL, a per-clause array. */
static int score_text(const struct kr_model *m, const char *text, size_t len,
    struct kr_parse *p, struct kr_arena *a, float *logit, float **clauses)
{
	struct kr_feats f;
	float sum = 0.0f, *cs = NULL;
	size_t i;

	if (a->cap < KR_ARENA_SIZE)
		return -1;
	a->used = 0;
	if (kr_feat_parse(text, len, p, a) < 0 || kr_feat_extract(p, &m->cfg, &f, a) < 0)
		return -1;
	if (clauses) {
		cs = kr_arena_alloc(a, (p->nclauses + 1) * sizeof *cs);
		if (!cs)
			return -1;
		memset(cs, 0, (p->nclauses + 1) * sizeof *cs);
		for (i = 0; i < f.n; i++) {
			float w = (float)m->w[f.h[i] >> m->shift];
			sum += w;
			cs[f.clause[i]] += w;
		}
		for (i = 0; i < p->nclauses; i++)
			cs[i] *= m->scale;
		*clauses = cs;
	} else {
		int32_t isum = 0;
		for (i = 0; i < f.n; i++)
			isum += m->w[f.h[i] >> m->shift];
		sum = (float)isum;
	}
	*logit = m->bias + sum * m->scale;
	return 0;
}

float kr_score(const struct kr_model *m, const char *text, size_t len, struct kr_arena *arena)
{
	struct kr_parse p;
	float logit;

	if (score_text(m, text, len, &p, arena, &logit, NULL) < 0)
		return -1.0f;
	return sigmoid(logit);
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

static void add_aspect(struct kr_result *out, int aspect, float pol, uint32_t *seen_clause,
    size_t clause)
{
	size_t i;

	for (i = 0; i < out->naspects; i++) {
		if (out->aspects[i].aspect == aspect) {
			/* count each clause once per aspect */
			if (!(seen_clause[aspect] & (1u << (clause & 31))))
				out->aspects[i].score += pol;
			seen_clause[aspect] |= 1u << (clause & 31);
			return;
		}
	}
	out->aspects[out->naspects].aspect = (uint8_t)aspect;
	out->aspects[out->naspects].score = pol;
	out->naspects++;
	seen_clause[aspect] |= 1u << (clause & 31);
}

/* Lexical polarity of one word: +1/-1 for a pos/neg lexicon term (found
 * whole, or inside an unspaced word), reversed when the word is negated. */
static float word_polarity(const struct kr_model *m, const struct kr_parse *p,
    const struct kr_word *w)
{
	const struct kr_tok *t = &p->doc.toks[w->tok];
	const char *s = p->doc.text + t->off;
	size_t maxs, n, i, k;
	unsigned fl = 0;
	float v = 0.0f;

	if (kr_lex_lookup(m->lex, w->stem, w->len, &fl) == KR_LEX_MISSING)
		kr_lex_lookup(m->lex, s, t->len, &fl);
	if (!(fl & (KR_LEX_POSW | KR_LEX_NEGW)) && w->cls == KR_TC_HANGUL && t->len >= 9) {
		maxs = kr_lex_max_syllables(m->lex);
		n = t->len / 3;
		for (i = 0; i + 2 <= n; i++) {
			for (k = maxs < n - i ? maxs : n - i; k >= 2; k--) {
				unsigned f2;
				if (kr_lex_lookup(m->lex, s + i * 3, k * 3, &f2) != KR_LEX_MISSING &&
				    (f2 & KR_LEX_SUBSTR))
					fl |= f2;
			}
		}
	}
	if (fl & KR_LEX_POSW)
		v += 1.0f;
	if (fl & KR_LEX_NEGW)
		v -= 1.0f;
	return w->neg ? -v : v;
}

/* Find lexicon terms inside a long word (spacing errors). Returns hits. */
static int scan_terms(const struct kr_model *m, const char *s, size_t len, struct kr_result *out,
    float pol, uint32_t *seen, size_t clause, struct kr_arena *a)
{
	size_t maxs = kr_lex_max_syllables(m->lex), n = len / 3, i = 0, k;
	int hits = 0;

	while (i + 2 <= n) {
		int found = 0;
		for (k = maxs < n - i ? maxs : n - i; k >= 2; k--) {
			unsigned fl;
			int cls = kr_lex_lookup(m->lex, s + i * 3, k * 3, &fl);
			if (cls == KR_LEX_MISSING || !(fl & KR_LEX_SUBSTR))
				continue;
			if (cls >= 0) {
				add_keyword(out, s + i * 3, k * 3, cls, pol, a);
				add_aspect(out, cls, pol, seen, clause);
				hits++;
			}
			found = 1;
			break;
		}
		i += found ? k : 1;
	}
	return hits;
}

int kr_analyze(const struct kr_model *m, const char *text, size_t len, struct kr_result *out,
    struct kr_arena *arena)
{
	struct kr_parse p;
	float logit, *cs = NULL, *lp, prob;
	uint32_t seen[KR_ASPECT_COUNT];
	size_t i;

	empty_result(out);
	if (score_text(m, text, len, &p, arena, &logit, &cs) < 0)
		return -1;
	prob = sigmoid(logit);
	out->truncated = (uint8_t)p.doc.truncated;
	out->score = prob;
	out->confidence = fabsf(2.0f * prob - 1.0f);
	out->argmax = prob >= 0.5f ? KR_POS : KR_NEG;
	out->label = out->confidence < KR_NEUTRAL_CONFIDENCE ? KR_NEUTRAL : out->argmax;
	memset(seen, 0, sizeof seen);
	lp = kr_arena_alloc(arena, (p.nclauses + 1) * sizeof *lp);
	if (!lp)
		return -1;
	memset(lp, 0, (p.nclauses + 1) * sizeof *lp);
	for (i = 0; i < p.nwords; i++)
		if (p.words[i].cls == KR_TC_HANGUL || p.words[i].cls == KR_TC_LATIN)
			lp[p.words[i].clause] += word_polarity(m, &p, &p.words[i]);

	for (i = 0; i < p.nwords; i++) {
		const struct kr_word *w = &p.words[i];
		const struct kr_tok *t = &p.doc.toks[w->tok];
		float pol = cs[w->clause] + KR_CLAUSE_BLEND * logit + KR_LEXICAL_WEIGHT * lp[w->clause];
		int cls;
		size_t syl;

		if (w->cls != KR_TC_HANGUL && w->cls != KR_TC_LATIN)
			continue;
		if (w->flags & (KR_STEM_NEGATOR | KR_STEM_INTENS | KR_STEM_OPENER))
			continue;
		cls = kr_lex_lookup(m->lex, w->stem, w->len, NULL);
		if (cls == KR_LEX_MISSING && w->cls == KR_TC_HANGUL)
			cls = kr_lex_lookup(m->lex, p.doc.text + t->off, t->len, NULL);
		if (cls == KR_LEX_STOP)
			continue;
		if (cls >= 0) {
			add_keyword(out, w->stem, w->len, cls, pol, arena);
			add_aspect(out, cls, pol, seen, w->clause);
			continue;
		}
		if (cls == KR_LEX_MISSING && w->cls == KR_TC_HANGUL) {
			if (scan_terms(m, p.doc.text + t->off, t->len, out, pol, seen, w->clause, arena))
				continue;
			syl = w->len / 3;
		} else {
			syl = w->cls == KR_TC_HANGUL ? w->len / 3 : w->len;
		}
		if (syl >= 2 || cls == KR_LEX_KEEP)
			add_keyword(out, w->stem, w->len, KR_ASPECT_NONE, pol, arena);
	}
	for (i = 0; i < out->naspects; i++)
		out->aspects[i].polarity = polarity_of(out->aspects[i].score);
	return 0;
}
