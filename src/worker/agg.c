/* agg.c — the per-request summary: counts, keywords, aspects, representative reviews.
 *
 * Keywords live in an open-addressed table (FNV-1a, linear probing, grown at 1/2
 * load) so a product with tens of thousands of reviews costs one probe per keyword.
 * Kept reviews are replaced only by a strictly higher-ranked one, so among equals
 * the first seen stays (stable for a given read order). Representative reviews rank
 * by the review's confidence; aspect examples by how strongly the review speaks of
 * the aspect (its clauses' summed log-odds), and each aspect keeps a few candidates
 * so that the summary can show a different review for each aspect.
 */
#include "worker/agg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

void agg_init(struct agg *g)
{
	memset(g, 0, sizeof(*g));
}

static void review_clear(struct agg_review *r)
{
	free(r->id);
	free(r->text);
	memset(r, 0, sizeof(*r));
}

void agg_free(struct agg *g)
{
	for (size_t i = 0; i < g->kwcap; i++)
		free(g->kw[i].stem);
	free(g->kw);
	for (int a = 0; a < KR_ASPECT_COUNT; a++)
		for (int i = 0; i < AGG_EXAMPLE_CANDIDATES; i++) {
			review_clear(&g->asp[a].ex_pos[i]);
			review_clear(&g->asp[a].ex_neg[i]);
		}
	for (int i = 0; i < AGG_TOP_REVIEWS; i++) {
		review_clear(&g->rep_pos[i]);
		review_clear(&g->rep_neg[i]);
	}
	memset(g, 0, sizeof(*g));
}

/* Length of s cut to at most max bytes without splitting a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

static int review_set(struct agg_review *r, const struct agg_input *in, float rank)
{
	size_t n = utf8_cut(in->text, in->textlen, AGG_TEXT_MAX);
	char *id = strdup(in->id), *text = malloc(n + 1);

	if (id == NULL || text == NULL) {
		free(id);
		free(text);
		return -1;
	}
	memcpy(text, in->text, n);
	text[n] = '\0';
	review_clear(r);
	r->id = id;
	r->text = text;
	r->rating = in->rating;
	r->written_ms = in->written_ms;
	r->rank = rank;
	return 0;
}

/* Keep in as one of the n in top (sorted by rank, highest first) when it ranks
 * above the lowest there. */
static int top_add(struct agg_review *top, int n, const struct agg_input *in, float rank)
{
	int i = n - 1;
	struct agg_review tmp;

	if (top[i].id != NULL && top[i].rank >= rank)
		return 0;
	if (review_set(&top[i], in, rank) == -1)
		return -1;
	for (; i > 0 && (top[i - 1].id == NULL || top[i - 1].rank < top[i].rank); i--) {
		tmp = top[i - 1];
		top[i - 1] = top[i];
		top[i] = tmp;
	}
	return 0;
}

/* The share of a text's characters (spaces aside) that are bare Hangul compatibility
 * jamo (U+3131..U+318E: ㅋㅋ, ㅠㅠ, keyboard mash): 0..1. */
static float jamo_share(const char *s, size_t n)
{
	size_t chars = 0, jamo = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c & 0xC0) == 0x80 || c == ' ' || c == '\n' || c == '\t')
			continue;
		chars++;
		if (c == 0xE3 && i + 2 < n) {
			unsigned cp = ((unsigned)(c & 0x0F) << 12) | ((unsigned)((unsigned char)s[i + 1] & 0x3F) << 6) |
			    ((unsigned char)s[i + 2] & 0x3F);
			jamo += cp >= 0x3131 && cp <= 0x318E;
		}
	}
	return chars > 0 ? (float)jamo / (float)chars : 0.0f;
}

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static struct agg_kw *kw_slot(struct agg_kw *tab, size_t cap, const char *s, size_t n)
{
	size_t i = (size_t)fnv(s, n) & (cap - 1);

	while (tab[i].stem != NULL && (strlen(tab[i].stem) != n || memcmp(tab[i].stem, s, n) != 0))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static int kw_grow(struct agg *g)
{
	size_t cap = g->kwcap ? g->kwcap * 2 : 256;
	struct agg_kw *tab = calloc(cap, sizeof(*tab));

	if (tab == NULL)
		return -1;
	for (size_t i = 0; i < g->kwcap; i++)
		if (g->kw[i].stem != NULL)
			*kw_slot(tab, cap, g->kw[i].stem, strlen(g->kw[i].stem)) = g->kw[i];
	free(g->kw);
	g->kw = tab;
	g->kwcap = cap;
	return 0;
}

static int kw_add(struct agg *g, const struct kr_keyword *k)
{
	struct agg_kw *e;

	if ((g->nkw + 1) * 2 > g->kwcap && kw_grow(g) == -1)
		return -1;
	e = kw_slot(g->kw, g->kwcap, k->stem, k->len);
	if (e->stem == NULL) {
		if ((e->stem = malloc((size_t)k->len + 1)) == NULL)
			return -1;
		memcpy(e->stem, k->stem, k->len);
		e->stem[k->len] = '\0';
		e->aspect = k->aspect;
		g->nkw++;
	}
	if (e->aspect >= KR_ASPECT_COUNT && k->aspect < KR_ASPECT_COUNT)
		e->aspect = k->aspect;
	e->count++;
	if (k->polarity > 0)
		e->pos++;
	else if (k->polarity < 0)
		e->neg++;
	else
		e->neu++;
	return 0;
}

int agg_add(struct agg *g, const struct agg_input *in, const struct kr_result *r)
{
	int rc = 0;

	if (g->reviews == 0 || in->written_ms < g->first_ms)
		g->first_ms = in->written_ms;
	if (g->reviews == 0 || in->written_ms > g->last_ms)
		g->last_ms = in->written_ms;
	g->reviews++;
	if (r->label > 0)
		g->pos++;
	else if (r->label < 0)
		g->neg++;
	else
		g->neu++;
	if (in->rating >= 1 && in->rating <= 5) {
		g->rated++;
		g->rating_sum += in->rating;
	}
	for (size_t i = 0; i < r->nkeywords; i++)
		if (kw_add(g, &r->keywords[i]) == -1)
			rc = -1;
	for (size_t i = 0; i < r->naspects; i++) {
		const struct kr_aspect_hit *h = &r->aspects[i];
		struct agg_review *ex = NULL;
		if (h->aspect >= KR_ASPECT_COUNT)
			continue;
		g->asp[h->aspect].reviews++;
		if (h->polarity > 0) {
			g->asp[h->aspect].pos++;
			ex = g->asp[h->aspect].ex_pos;
		} else if (h->polarity < 0) {
			g->asp[h->aspect].neg++;
			ex = g->asp[h->aspect].ex_neg;
		} else {
			g->asp[h->aspect].neu++;
		}
		if (ex != NULL && top_add(ex, AGG_EXAMPLE_CANDIDATES, in, fabsf(h->score)) == -1)
			rc = -1;
	}
	/* representative reviews: the most confident, less so the more of the text is bare
	 * jamo (ㅋㅋㅋ, ㅠㅠ, mashed keys), which reads as noise to people */
	if (r->label != 0) {
		float rank = r->confidence - jamo_share(in->text, in->textlen);
		if (top_add(r->label > 0 ? g->rep_pos : g->rep_neg, AGG_TOP_REVIEWS, in, rank) == -1)
			rc = -1;
	}
	return rc;
}

const struct agg_kw *agg_keyword(const struct agg *g, const char *stem)
{
	const struct agg_kw *e;

	if (g->kwcap == 0)
		return NULL;
	e = kw_slot(g->kw, g->kwcap, stem, strlen(stem));
	return e->stem != NULL ? e : NULL;
}

static int by_count(const void *a, const void *b)
{
	const struct agg_kw *x = *(const struct agg_kw *const *)a, *y = *(const struct agg_kw *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->stem, y->stem);
}

const struct agg_kw **agg_sorted_keywords(const struct agg *g)
{
	const struct agg_kw **v;
	size_t n = 0;

	if (g->nkw == 0 || (v = malloc(g->nkw * sizeof(*v))) == NULL)
		return NULL;
	for (size_t i = 0; i < g->kwcap; i++)
		if (g->kw[i].stem != NULL)
			v[n++] = &g->kw[i];
	qsort(v, n, sizeof(*v), by_count);
	return v;
}

static json_object *iso_time(int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_object_new_string(s);
}

static double share(long part, long whole)
{
	return whole > 0 ? (double)part / (double)whole : 0.0;
}

/* v printed with places decimals: the JSON reads 0.7143, not 0.71430000000000005
 * (json-c prints doubles with 17 significant digits). */
static json_object *fixed(double v, int places)
{
	char s[32];

	snprintf(s, sizeof(s), "%.*f", places, v);
	return json_object_new_double_s(strtod(s, NULL), s);
}

static json_object *ratio(long part, long whole)
{
	return fixed(share(part, whole), 4);
}

static json_object *review_json(const struct agg_review *r, int full)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "review_id", json_object_new_string(r->id));
	if (full)
		json_object_object_add(o, "rating", json_object_new_int(r->rating));
	json_object_object_add(o, "text", json_object_new_string(r->text));
	if (full)
		json_object_object_add(o, "written_at", iso_time(r->written_ms));
	return o;
}

static int listed(const char *const *ids, int n, const char *id)
{
	for (int i = 0; i < n; i++)
		if (strcmp(ids[i], id) == 0)
			return 1;
	return 0;
}

/* An aspect's example among its candidates: the strongest that neither an earlier
 * aspect nor the representative reviews show, else the strongest no earlier aspect
 * shows, else the strongest; NULL when there is none. Its id joins used. */
static const struct agg_review *example(const struct agg_review *cand, const char **used, int *nused,
    const char *const *reps, int nreps)
{
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < AGG_EXAMPLE_CANDIDATES && cand[i].id != NULL; i++)
			if (!listed(used, *nused, cand[i].id) && (pass == 1 || !listed(reps, nreps, cand[i].id))) {
				used[(*nused)++] = cand[i].id;
				return &cand[i];
			}
	return cand[0].id != NULL ? &cand[0] : NULL;
}

static json_object *reviews_json(const struct agg_review *top)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < AGG_TOP_REVIEWS && top[i].id != NULL; i++)
		json_object_array_add(a, review_json(&top[i], 1));
	return a;
}

char *agg_summary_json(const struct agg *g, const char *tags_json)
{
	json_object *root = json_object_new_object(), *o, *a, *tags = NULL;
	const struct agg_kw **kws = agg_sorted_keywords(g);
	int order[KR_ASPECT_COUNT], n = 0, nused = 0;
	const char *used[2 * KR_ASPECT_COUNT], *reps[2 * AGG_TOP_REVIEWS];
	int nreps = 0;
	const struct agg_review *e;
	long mentions = 0;
	char *out = NULL;

	o = json_object_new_object();
	json_object_object_add(o, "positive", ratio(g->pos, g->reviews));
	json_object_object_add(o, "negative", ratio(g->neg, g->reviews));
	json_object_object_add(o, "neutral", ratio(g->neu, g->reviews));
	json_object_object_add(root, "shares", o);
	json_object_object_add(root, "rating_avg", g->rated > 0 ?
	    fixed((double)g->rating_sum / (double)g->rated, 2) : NULL);
	json_object_object_add(root, "first_review_at", g->reviews > 0 ? iso_time(g->first_ms) : NULL);
	json_object_object_add(root, "last_review_at", g->reviews > 0 ? iso_time(g->last_ms) : NULL);

	a = json_object_new_array();
	for (size_t i = 0; kws != NULL && i < g->nkw && i < AGG_TOP_KEYWORDS; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "keyword", json_object_new_string(kws[i]->stem));
		json_object_object_add(o, "aspect", kws[i]->aspect < KR_ASPECT_COUNT ?
		    json_object_new_string(kr_aspect_name(kws[i]->aspect)) : NULL);
		json_object_object_add(o, "count", json_object_new_int64(kws[i]->count));
		json_object_object_add(o, "positive", json_object_new_int64(kws[i]->pos));
		json_object_object_add(o, "negative", json_object_new_int64(kws[i]->neg));
		json_object_object_add(o, "neutral", json_object_new_int64(kws[i]->neu));
		json_object_array_add(a, o);
	}
	json_object_object_add(root, "keywords", a);

	for (int k = 0; k < KR_ASPECT_COUNT; k++) {
		mentions += g->asp[k].reviews;
		if (g->asp[k].reviews == 0)
			continue;
		/* insertion sort by reviews, most first; ties keep the id order */
		int j = n++;
		for (; j > 0 && g->asp[order[j - 1]].reviews < g->asp[k].reviews; j--)
			order[j] = order[j - 1];
		order[j] = k;
	}
	/* aspect examples show other reviews than the representative ones where they can */
	for (int i = 0; i < AGG_TOP_REVIEWS; i++) {
		if (g->rep_pos[i].id != NULL)
			reps[nreps++] = g->rep_pos[i].id;
		if (g->rep_neg[i].id != NULL)
			reps[nreps++] = g->rep_neg[i].id;
	}
	a = json_object_new_array();
	for (int i = 0; i < n; i++) {
		int k = order[i];
		json_object *ex = json_object_new_object();
		o = json_object_new_object();
		json_object_object_add(o, "aspect", json_object_new_string(kr_aspect_name(k)));
		json_object_object_add(o, "reviews", json_object_new_int64(g->asp[k].reviews));
		json_object_object_add(o, "share", ratio(g->asp[k].reviews, mentions));
		json_object_object_add(o, "positive", json_object_new_int64(g->asp[k].pos));
		json_object_object_add(o, "negative", json_object_new_int64(g->asp[k].neg));
		json_object_object_add(o, "neutral", json_object_new_int64(g->asp[k].neu));
		json_object_object_add(o, "positive_share", ratio(g->asp[k].pos, g->asp[k].reviews));
		if ((e = example(g->asp[k].ex_pos, used, &nused, reps, nreps)) != NULL)
			json_object_object_add(ex, "positive", review_json(e, 0));
		if ((e = example(g->asp[k].ex_neg, used, &nused, reps, nreps)) != NULL)
			json_object_object_add(ex, "negative", review_json(e, 0));
		json_object_object_add(o, "examples", ex);
		json_object_array_add(a, o);
	}
	json_object_object_add(root, "aspects", a);

	if (tags_json != NULL)
		tags = json_tokener_parse(tags_json);
	json_object_object_add(root, "survey_tags", tags != NULL ? tags : json_object_new_array());

	o = json_object_new_object();
	json_object_object_add(o, "positive", reviews_json(g->rep_pos));
	json_object_object_add(o, "negative", reviews_json(g->rep_neg));
	json_object_object_add(root, "representative", o);

	{
		const char *s = json_object_to_json_string_ext(root,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		if (s != NULL)
			out = strdup(s);
	}
	json_object_put(root);
	free(kws);
	return out;
}
