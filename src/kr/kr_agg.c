/* kr_agg.c — per-product aggregation of analysed reviews.
 *
 * Keeps keyword counts in an open-addressing table keyed by stem (heap,
 * grows by doubling at half load), per-aspect polarity counts, and the top_k
 * most confident review ids per polarity (ids, not copies of the text).
 * Order of results is fully determined by the data: keywords sort by count,
 * then by stem bytes; representative reviews by confidence, then by id.
 */
#include "kr/kr.h"
#include "kr/kr_text.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kw {
	char *stem;        /* heap, NUL-terminated; NULL = empty slot */
	uint32_t count, pos, neg;
	uint8_t aspect;
};

struct rep {
	int64_t id;
	float confidence;
};

struct kr_agg {
	struct kw *kws;
	size_t nkws, cap;             /* cap is a power of two */
	uint64_t reviews, labels[3];  /* labels: neg, neutral, pos */
	uint64_t asp[KR_ASPECT_COUNT][3];
	uint64_t asp_reviews[KR_ASPECT_COUNT];
	int top_k;
	struct rep *top[2];           /* [0] neg, [1] pos; top_k each, best first */
	int ntop[2];
};

struct kr_agg *kr_agg_new(int top_k)
{
	struct kr_agg *g;

	if (top_k < 1 || top_k > 100)
		return NULL;
	g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->cap = 256;
	g->kws = calloc(g->cap, sizeof *g->kws);
	g->top[0] = calloc((size_t)top_k, sizeof *g->top[0]);
	g->top[1] = calloc((size_t)top_k, sizeof *g->top[1]);
	g->top_k = top_k;
	if (!g->kws || !g->top[0] || !g->top[1]) {
		kr_agg_free(g);
		return NULL;
	}
	return g;
}

void kr_agg_free(struct kr_agg *g)
{
	size_t i;

	if (!g)
		return;
	if (g->kws)
		for (i = 0; i < g->cap; i++)
			free(g->kws[i].stem);
	free(g->kws);
	free(g->top[0]);
	free(g->top[1]);
	free(g);
}

static uint32_t shash(const char *s, size_t n)
{
	return kr_fnv1a(s, n);
}

static int grow(struct kr_agg *g)
{
	size_t ncap = g->cap * 2, i;
	struct kw *nk = calloc(ncap, sizeof *nk);

	if (!nk)
		return -1;
	for (i = 0; i < g->cap; i++) {
		size_t h;
		if (!g->kws[i].stem)
			continue;
		h = shash(g->kws[i].stem, strlen(g->kws[i].stem)) & (ncap - 1);
		while (nk[h].stem)
			h = (h + 1) & (ncap - 1);
		nk[h] = g->kws[i];
	}
	free(g->kws);
	g->kws = nk;
	g->cap = ncap;
	return 0;
}

static struct kw *find_kw(struct kr_agg *g, const char *s, size_t n)
{
	size_t h;

	if (g->nkws * 2 >= g->cap && grow(g) < 0)
		return NULL;
	h = shash(s, n) & (g->cap - 1);
	while (g->kws[h].stem) {
		if (strlen(g->kws[h].stem) == n && !memcmp(g->kws[h].stem, s, n))
			return &g->kws[h];
		h = (h + 1) & (g->cap - 1);
	}
	g->kws[h].stem = malloc(n + 1);
	if (!g->kws[h].stem)
		return NULL;
	memcpy(g->kws[h].stem, s, n);
	g->kws[h].stem[n] = '\0';
	g->nkws++;
	return &g->kws[h];
}

static void add_top(struct kr_agg *g, int which, int64_t id, float conf)
{
	struct rep *t = g->top[which];
	int n = g->ntop[which], i;

	/* insertion into a best-first list: higher confidence, then lower id */
	for (i = n; i > 0; i--) {
		if (t[i - 1].confidence > conf || (t[i - 1].confidence == conf && t[i - 1].id <= id))
			break;
	}
	if (i >= g->top_k)
		return;
	if (n == g->top_k)
		n--;
	memmove(&t[i + 1], &t[i], (size_t)(n - i) * sizeof *t);
	t[i].id = id;
	t[i].confidence = conf;
	g->ntop[which] = n + 1;
}

int kr_agg_add(struct kr_agg *g, int64_t review_id, const struct kr_result *r)
{
	size_t i;
	int rc = 0;
	uint8_t seen[KR_ASPECT_COUNT];

	g->reviews++;
	g->labels[r->label + 1]++;
	if (r->label != KR_NEUTRAL)
		add_top(g, r->label > 0, review_id, r->confidence);
	memset(seen, 0, sizeof seen);
	for (i = 0; i < r->naspects; i++) {
		const struct kr_aspect_hit *a = &r->aspects[i];
		if (a->aspect >= KR_ASPECT_COUNT || seen[a->aspect])
			continue;
		seen[a->aspect] = 1;
		g->asp[a->aspect][a->polarity + 1]++;
		g->asp_reviews[a->aspect]++;
	}
	for (i = 0; i < r->nkeywords; i++) {
		const struct kr_keyword *k = &r->keywords[i];
		struct kw *e = find_kw(g, k->stem, k->len);
		if (!e) {
			rc = -1;
			continue;
		}
		e->count++;
		e->aspect = k->aspect;
		if (k->polarity > 0)
			e->pos++;
		else if (k->polarity < 0)
			e->neg++;
	}
	return rc;
}

static int kw_cmp(const void *a, const void *b)
{
	const struct kw *x = *(const struct kw *const *)a, *y = *(const struct kw *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->stem, y->stem);
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? (double)(int64_t)(part * 10000 / whole) / 100.0 : 0.0;
}

/* A double with exactly two decimals in the JSON text. */
static json_object *num2(double v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%.2f", v);
	return json_object_new_double_s(v, buf);
}

char *kr_agg_to_json(const struct kr_agg *g, int max_keywords)
{
	json_object *root = NULL, *labels, *kws, *asps, *reps;
	const struct kw **sorted = NULL;
	char *out = NULL;
	uint64_t mentions = 0;
	size_t i, n = 0;
	int a, w;

	root = json_object_new_object();
	sorted = malloc((g->nkws + 1) * sizeof *sorted);
	if (!root || !sorted)
		goto out;
	json_object_object_add(root, "reviews", json_object_new_int64((int64_t)g->reviews));
	labels = json_object_new_object();
	json_object_object_add(labels, "pos", json_object_new_int64((int64_t)g->labels[2]));
	json_object_object_add(labels, "neg", json_object_new_int64((int64_t)g->labels[0]));
	json_object_object_add(labels, "neutral", json_object_new_int64((int64_t)g->labels[1]));
	json_object_object_add(root, "labels", labels);

	for (i = 0; i < g->cap; i++)
		if (g->kws[i].stem)
			sorted[n++] = &g->kws[i];
	qsort(sorted, n, sizeof *sorted, kw_cmp);
	kws = json_object_new_array();
	for (i = 0; i < n && (max_keywords < 0 || i < (size_t)max_keywords); i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "stem", json_object_new_string(sorted[i]->stem));
		json_object_object_add(o, "aspect", sorted[i]->aspect < KR_ASPECT_COUNT ?
		    json_object_new_string(kr_aspect_name(sorted[i]->aspect)) : NULL);
		json_object_object_add(o, "count", json_object_new_int64(sorted[i]->count));
		json_object_object_add(o, "pos", json_object_new_int64(sorted[i]->pos));
		json_object_object_add(o, "neg", json_object_new_int64(sorted[i]->neg));
		json_object_array_add(kws, o);
	}
	json_object_object_add(root, "keywords", kws);

	for (a = 0; a < KR_ASPECT_COUNT; a++)
		mentions += g->asp_reviews[a];
	asps = json_object_new_array();
	for (a = 0; a < KR_ASPECT_COUNT; a++) {
		json_object *o;
		if (!g->asp_reviews[a])
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "aspect", json_object_new_string(kr_aspect_name(a)));
		json_object_object_add(o, "reviews", json_object_new_int64((int64_t)g->asp_reviews[a]));
		json_object_object_add(o, "share_pct", num2(pct(g->asp_reviews[a], mentions)));
		json_object_object_add(o, "review_pct", num2(pct(g->asp_reviews[a], g->reviews)));
		json_object_object_add(o, "pos", json_object_new_int64((int64_t)g->asp[a][2]));
		json_object_object_add(o, "neg", json_object_new_int64((int64_t)g->asp[a][0]));
		json_object_object_add(o, "neutral", json_object_new_int64((int64_t)g->asp[a][1]));
		json_object_object_add(o, "pos_pct", num2(pct(g->asp[a][2], g->asp_reviews[a])));
		json_object_array_add(asps, o);
	}
	json_object_object_add(root, "aspects", asps);

	reps = json_object_new_object();
	for (w = 1; w >= 0; w--) {
		json_object *arr = json_object_new_array();
		int k;
		for (k = 0; k < g->ntop[w]; k++)
			json_object_array_add(arr, json_object_new_int64(g->top[w][k].id));
		json_object_object_add(reps, w ? "pos" : "neg", arr);
	}
	json_object_object_add(root, "representative", reps);
	{
		const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
		if (s)
			out = strdup(s);
	}
out:
	free(sorted);
	json_object_put(root);
	return out;
}
