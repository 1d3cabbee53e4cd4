/* kr_train.c — revlens-kr-train: rebuild the sentiment model from review TSVs.
 *
 *   revlens-kr-train [options] -o sentiment.model train.tsv shopping_train.tsv:8
 *
 * Logistic regression over the hashed features of kr_feat.c, trained with
 * AdaGrad for a fixed number of epochs over a shuffle drawn from a fixed
 * seed. FILE:W gives every review of FILE the sample weight W (the product
 * domain is small, so it is up-weighted). Determinism: a single thread, fixed
 * iteration order, double accumulators, no libm transcendental (our own
 * exp), weights written little-endian: the same inputs and options give a
 * byte-identical model. --valid K holds out every K-th review of each file
 * and reports accuracy on the held-out part (model selection without
 * touching dev); --test FILE reports accuracy on FILE.
 *
 * Exit status: 0 success, 1 bad usage or input, 2 I/O or memory failure.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr/kr.h"
#include "kr/kr_feat.h"
#include "kr/kr_model.h"
#include "kr/kr_polar.h"
#include "kr/kr_tsv.h"
#include "lib/strnum.h"

#define MAX_FILES 8
#define MAX_LINE (1 << 16)   /* bytes of one TSV line; longer lines are rejected */

struct doc {
	uint64_t off;     /* into feats */
	uint32_t n;       /* features */
	uint8_t y;        /* 1 pos, 0 neg */
	uint8_t file;     /* index of the input file */
	uint8_t valid;    /* held out */
	float weight;
};

struct corpus {
	struct doc *docs;
	size_t ndocs, cap;
	uint32_t *feats;  /* table indices (hash >> shift) */
	uint64_t nfeats, fcap;
};

struct opts {
	const char *out;
	const char *polarity;   /* --polarity: lexicon for KR_FEAT_LEX */
	uint32_t bits;
	struct kr_feat_cfg cfg;
	int epochs;
	int bag;          /* average the weights of this many models (shuffle seeds seed, seed+1, ...) */
	int average;      /* return the average of the weights over all steps */
	int nb;           /* scale features by their NB log-count ratio (NB-LR) */
	int adapt;        /* domain adaptation: the last input file is the target domain */
	double alr, al2;  /* learning rate and L2 of the target-domain copy */
	double lr, l2;
	int valid;
	int fold;         /* which residue of --valid is held out */
	uint64_t seed;
	const char *tests[MAX_FILES];
	int ntests;
	const char *files[MAX_FILES];
	double weights[MAX_FILES];
	int nfiles;
};

static unsigned char arena_mem[KR_ARENA_SIZE];

/* exp() from + - * / and ldexp only: identical on every IEEE-754 host. */
static double det_exp(double x)
{
	const double ln2_hi = 0.693145751953125, ln2_lo = 1.42860682030941723212e-6;
	double k, r, p;
	int i;

	if (x > 40.0)
		x = 40.0;
	if (x < -40.0)
		x = -40.0;
	k = floor(x / 0.69314718055994530942 + 0.5);
	r = (x - k * ln2_hi) - k * ln2_lo;
	p = 1.0;
	for (i = 13; i >= 1; i--)
		p = 1.0 + p * r / i;
	return ldexp(p, (int)k);
}

static double sig(double z)
{
	return 1.0 / (1.0 + det_exp(-z));
}

static int corpus_add(struct corpus *c, const uint32_t *idx, size_t n, int y, int file, int valid,
    float weight)
{
	struct doc *d;

	if (c->ndocs == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 65536;
		struct doc *nd = realloc(c->docs, nc * sizeof *nd);
		if (!nd)
			return -1;
		c->docs = nd;
		c->cap = nc;
	}
	while (c->nfeats + n > c->fcap) {
		uint64_t nc = c->fcap ? c->fcap * 2 : (uint64_t)1 << 24;
		uint32_t *nf = realloc(c->feats, nc * sizeof *nf);
		if (!nf)
			return -1;
		c->feats = nf;
		c->fcap = nc;
	}
	memcpy(c->feats + c->nfeats, idx, n * sizeof *idx);
	d = &c->docs[c->ndocs++];
	d->off = c->nfeats;
	d->n = (uint32_t)n;
	d->y = (uint8_t)y;
	d->file = (uint8_t)file;
	d->valid = (uint8_t)valid;
	d->weight = weight;
	c->nfeats += n;
	return 0;
}

/* Read one TSV file into the corpus. Returns 0, or -1 (message printed). */
static int load_file(struct corpus *c, const char *path, int file, double weight,
    const struct opts *o, int valid_every)
{
	FILE *fp = fopen(path, "rb");
	char *line = NULL;
	size_t cap = 0, lineno = 0, kept = 0;
	ssize_t got;
	uint32_t *idx = NULL;
	struct kr_arena a;
	int rc = -1;

	if (!fp) {
		fprintf(stderr, "revlens-kr-train: %s: %s\n", path, strerror(errno));
		return -1;
	}
	idx = malloc(sizeof *idx * (KR_MAX_TEXT * 16 + 64));
	if (!idx)
		goto out;
	kr_arena_init(&a, arena_mem, sizeof arena_mem);
	while ((got = getline(&line, &cap, fp)) >= 0) {
		const char *text;
		size_t tlen, i, len = (size_t)got;
		struct kr_parse p;
		struct kr_feats f;
		int y;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len > MAX_LINE || !kr_tsv_split(line, len, &y, &text, &tlen)) {
			fprintf(stderr, "revlens-kr-train: %s:%zu: not rating<TAB>pos|neg<TAB>text\n",
			    path, lineno);
			goto out;
		}
		a.used = 0;
		if (kr_feat_parse(text, tlen, &p, &a) < 0 || kr_feat_extract(&p, &o->cfg, &f, &a) < 0) {
			fprintf(stderr, "revlens-kr-train: %s:%zu: invalid UTF-8, skipped\n", path, lineno);
			continue;
		}
		for (i = 0; i < f.n; i++)
			idx[i] = f.h[i] >> (32 - o->bits);
		if (corpus_add(c, idx, f.n, y, file,
		        valid_every > 0 && lineno % (size_t)valid_every == (size_t)o->fold, (float)weight) < 0) {
			fprintf(stderr, "revlens-kr-train: out of memory\n");
			goto out;
		}
		kept++;
	}
	if (ferror(fp)) {
		fprintf(stderr, "revlens-kr-train: %s: read error\n", path);
		goto out;
	}
	fprintf(stderr, "revlens-kr-train: %s: %zu reviews\n", path, kept);
	rc = 0;
out:
	free(line);
	free(idx);
	fclose(fp);
	return rc;
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* NB log-count ratios of every table slot over the training docs, with
 * add-one smoothing, clipped to [0.1, 4] in magnitude-free form: r = |log
 * ratio| + 0.1 so that a feature's scale reflects how discriminative it is. */
static void nb_ratios(const struct corpus *c, size_t n, float *r)
{
	double *pc = calloc(n, sizeof *pc), *nc = calloc(n, sizeof *nc), tp = 0.0, tn = 0.0;
	size_t i;

	if (!pc || !nc) {
		fprintf(stderr, "revlens-kr-train: out of memory\n");
		exit(2);
	}
	for (i = 0; i < c->ndocs; i++) {
		const struct doc *d = &c->docs[i];
		uint32_t k;
		if (d->valid)
			continue;
		for (k = 0; k < d->n; k++) {
			if (d->y)
				pc[c->feats[d->off + k]] += d->weight;
			else
				nc[c->feats[d->off + k]] += d->weight;
		}
	}
	for (i = 0; i < n; i++) {
		tp += pc[i] + 1.0;
		tn += nc[i] + 1.0;
	}
	for (i = 0; i < n; i++) {
		double v = log((pc[i] + 1.0) / tp) - log((nc[i] + 1.0) / tn);
		r[i] = (float)(fabs(v) + 0.1);
	}
	free(pc);
	free(nc);
}

static void train(const struct corpus *c, const struct opts *o, float *w, double *bias)
{
	size_t n = (size_t)1 << o->bits, i, *order = NULL, norder = 0;
	float *g2 = calloc(n, sizeof *g2);
	float *u = o->average ? calloc(n, sizeof *u) : NULL;
	float *r = o->nb ? calloc(n, sizeof *r) : NULL;
	float *v = o->adapt ? calloc(n, sizeof *v) : NULL;    /* target-domain copy */
	float *v2 = o->adapt ? calloc(n, sizeof *v2) : NULL;
	int target = o->nfiles - 1;
	double bg2 = 0.0, ub = 0.0, nstep = 1.0, vb = 0.0, vbg2 = 0.0;
	uint64_t rng = o->seed ? o->seed : 1;
	int ep;

	order = malloc(c->ndocs * sizeof *order);
	if (!g2 || !order || (o->average && !u) || (o->nb && !r) || (o->adapt && (!v || !v2))) {
		fprintf(stderr, "revlens-kr-train: out of memory\n");
		exit(2);
	}
	for (i = 0; i < c->ndocs; i++)
		if (!c->docs[i].valid)
			order[norder++] = i;
	if (o->nb)
		nb_ratios(c, n, r);
	*bias = 0.0;
	for (ep = 0; ep < o->epochs; ep++) {
		double loss = 0.0;
		for (i = norder; i > 1; i--) {
			size_t j = (size_t)(rng_next(&rng) % i), t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		for (i = 0; i < norder; i++) {
			const struct doc *d = &c->docs[order[i]];
			const uint32_t *x = c->feats + d->off;
			double z = 0.0, p, g, xv = 1.0;
			uint32_t k;
			int tgt = v && d->file == target;
			if ((o->cfg.flags & KR_FEAT_NORM) && d->n > 0)
				xv = 1.0 / sqrt((double)d->n);
			for (k = 0; k < d->n; k++)
				z += (w[x[k]] + (tgt ? v[x[k]] : 0.0f)) * (r ? r[x[k]] : 1.0f);
			z = *bias + (tgt ? vb : 0.0) + z * xv;
			p = sig(z);
			loss += d->weight * (d->y ? -log(p + 1e-12) : -log(1.0 - p + 1e-12));
			g = (p - d->y) * d->weight;
			for (k = 0; k < d->n; k++) {
				uint32_t j = x[k];
				double gj = g * xv * (r ? r[j] : 1.0f) + o->l2 * w[j], dw;
				g2[j] += (float)(gj * gj);
				dw = o->lr * gj / sqrt((double)g2[j] + 1e-8);
				w[j] -= (float)dw;
				if (u)
					u[j] += (float)(nstep * dw);
				if (tgt) {
					gj = g * xv * (r ? r[j] : 1.0f) + o->al2 * v[j];
					v2[j] += (float)(gj * gj);
					v[j] -= (float)(o->alr * gj / sqrt((double)v2[j] + 1e-8));
				}
			}
			if (tgt) {
				vbg2 += g * g;
				vb -= o->alr * g / sqrt(vbg2 + 1e-8);
			}
			bg2 += g * g;
			*bias -= o->lr * g / sqrt(bg2 + 1e-8);
			ub += nstep * (o->lr * g / sqrt(bg2 + 1e-8));
			nstep += 1.0;
		}
		fprintf(stderr, "revlens-kr-train: epoch %d loss %.5f\n", ep + 1, loss / (double)norder);
	}
	if (u) {
		/* averaged weights: w_avg = w + u / nstep (u sums nstep * step, steps are subtracted) */
		for (i = 0; i < n; i++)
			w[i] = (float)((double)w[i] + (double)u[i] / nstep);
		*bias += ub / nstep;
	}
	if (v) {  /* the shipped model analyses the target domain: add its copy */
		for (i = 0; i < n; i++)
			w[i] += v[i];
		*bias += vb;
	}
	if (r)   /* fold the ratios into the weights: the model stays linear */
		for (i = 0; i < n; i++)
			w[i] *= r[i];
	free(r);
	free(v);
	free(v2);
	free(u);
	free(g2);
	free(order);
}

static void quantise(const float *w, size_t n, int16_t *q, float *scale)
{
	float mx = 0.0f;
	size_t i;

	for (i = 0; i < n; i++)
		if (fabsf(w[i]) > mx)
			mx = fabsf(w[i]);
	*scale = mx > 0.0f ? mx / 32767.0f : 1e-6f;
	for (i = 0; i < n; i++) {
		float v = w[i] / *scale;
		q[i] = (int16_t)(v >= 0.0f ? v + 0.5f : v - 0.5f);
	}
}

/* Accuracy of the quantised model on the held-out docs, per input file. */
static void report_valid(const struct corpus *c, const struct opts *o, const int16_t *q,
    float scale, float bias)
{
	size_t right[MAX_FILES] = {0}, total[MAX_FILES] = {0}, i;
	int f;

	for (i = 0; i < c->ndocs; i++) {
		const struct doc *d = &c->docs[i];
		int64_t s = 0;
		uint32_t k;
		float xv = 1.0f;
		if (!d->valid)
			continue;
		for (k = 0; k < d->n; k++)
			s += q[c->feats[d->off + k]];
		if ((o->cfg.flags & KR_FEAT_NORM) && d->n > 0)
			xv = 1.0f / sqrtf((float)d->n);
		total[d->file]++;
		right[d->file] += ((bias + (float)s * scale * xv >= 0.0f) == d->y);
	}
	for (f = 0; f < o->nfiles + o->ntests; f++)
		if (total[f])
			printf("%s: accuracy %.4f (%zu/%zu)%s\n",
			    f < o->nfiles ? o->files[f] : o->tests[f - o->nfiles],
			    (double)right[f] / (double)total[f], right[f], total[f],
			    f < o->nfiles ? " held out" : "");
}

static int parse_num(const char *s, long long min, long long max, long long *v, const char *what)
{
	if (strnum_parse(s, 10, min, max, v) < 0) {
		fprintf(stderr, "revlens-kr-train: %s must be an integer in %lld..%lld\n", what, min, max);
		return -1;
	}
	return 0;
}

static int parse_dbl(const char *s, double min, double max, double *v, const char *what)
{
	char *end;
	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *end || !(*v >= min && *v <= max)) {
		fprintf(stderr, "revlens-kr-train: %s must be a number in %g..%g\n", what, min, max);
		return -1;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
	    "usage: revlens-kr-train [-o MODEL] [--bits B] [--nmin N] [--nmax N] [--flags F]\n"
	    "       [--epochs E] [--bag N] [--lr R] [--l2 L] [--seed S] [--valid K [--fold F]] [--nb 0|1]\n"
	    "       [--average 0|1] [--polarity FILE] [--adapt 0|1 [--alr R] [--al2 L]]\n"
	    "       [--test FILE]...\n"
	    "       FILE.tsv[:WEIGHT]...\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	int i;
	long long v;

	memset(o, 0, sizeof *o);
	o->bits = 23;
	o->cfg.nmin = 1;
	o->cfg.nmax = 4;
	o->cfg.flags = KR_FEAT_STEMS | KR_FEAT_BIGRAMS | KR_FEAT_NEG | KR_FEAT_NOSPACE;
	o->epochs = 3;
	o->lr = 0.01;
	o->alr = 0.01;
	o->seed = 20240601;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] == '-' && !val) {
			usage();
			return -1;
		}
		if (!strcmp(a, "-o") || !strcmp(a, "--out")) {
			o->out = val;
		} else if (!strcmp(a, "--bits")) {
			if (parse_num(val, KR_MODEL_MIN_BITS, KR_MODEL_MAX_BITS, &v, a) < 0)
				return -1;
			o->bits = (uint32_t)v;
		} else if (!strcmp(a, "--nmin") || !strcmp(a, "--nmax")) {
			if (parse_num(val, 1, 6, &v, a) < 0)
				return -1;
			if (a[4] == 'i')
				o->cfg.nmin = (uint8_t)v;
			else
				o->cfg.nmax = (uint8_t)v;
		} else if (!strcmp(a, "--flags")) {
			if (parse_num(val, 0, KR_FEAT_ALL, &v, a) < 0)
				return -1;
			o->cfg.flags = (uint32_t)v;
		} else if (!strcmp(a, "--epochs")) {
			if (parse_num(val, 1, 100, &v, a) < 0)
				return -1;
			o->epochs = (int)v;
		} else if (!strcmp(a, "--bag")) {
			if (parse_num(val, 1, 32, &v, a) < 0)
				return -1;
			o->bag = (int)v;
		} else if (!strcmp(a, "--seed")) {
			if (parse_num(val, 1, INT64_MAX, &v, a) < 0)
				return -1;
			o->seed = (uint64_t)v;
		} else if (!strcmp(a, "--valid")) {
			if (parse_num(val, 0, 1000, &v, a) < 0)
				return -1;
			o->valid = (int)v;
		} else if (!strcmp(a, "--fold")) {
			if (parse_num(val, 0, 999, &v, a) < 0)
				return -1;
			o->fold = (int)v;
		} else if (!strcmp(a, "--lr")) {
			if (parse_dbl(val, 1e-6, 10.0, &o->lr, a) < 0)
				return -1;
		} else if (!strcmp(a, "--l2")) {
			if (parse_dbl(val, 0.0, 1.0, &o->l2, a) < 0)
				return -1;
		} else if (!strcmp(a, "--nb")) {
			if (parse_num(val, 0, 1, &v, a) < 0)
				return -1;
			o->nb = (int)v;
		} else if (!strcmp(a, "--polarity")) {
			o->polarity = val;
		} else if (!strcmp(a, "--adapt")) {
			if (parse_num(val, 0, 1, &v, a) < 0)
				return -1;
			o->adapt = (int)v;
		} else if (!strcmp(a, "--alr")) {
			if (parse_dbl(val, 1e-6, 10.0, &o->alr, a) < 0)
				return -1;
		} else if (!strcmp(a, "--al2")) {
			if (parse_dbl(val, 0.0, 1.0, &o->al2, a) < 0)
				return -1;
		} else if (!strcmp(a, "--average")) {
			if (parse_num(val, 0, 1, &v, a) < 0)
				return -1;
			o->average = (int)v;
		} else if (!strcmp(a, "--test")) {
			if (o->ntests == MAX_FILES)
				return -1;
			o->tests[o->ntests++] = val;
		} else if (a[0] == '-') {
			usage();
			return -1;
		} else {
			char *colon = strrchr(a, ':');
			if (o->nfiles == MAX_FILES) {
				fprintf(stderr, "revlens-kr-train: at most %d input files\n", MAX_FILES);
				return -1;
			}
			o->weights[o->nfiles] = 1.0;
			if (colon) {
				*colon = '\0';
				if (parse_dbl(colon + 1, 0.01, 1000.0, &o->weights[o->nfiles], "weight") < 0)
					return -1;
			}
			o->files[o->nfiles++] = a;
			continue;
		}
		i++;
	}
	if (o->nfiles == 0 || o->cfg.nmin > o->cfg.nmax) {
		usage();
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct corpus c;
	float *w = NULL, scale = 0.0f;
	int16_t *q = NULL;
	struct kr_polar *polar = NULL;
	double bias = 0.0;
	char err[KR_ERR_MAX];
	size_t n;
	int f, rc = 1;

	memset(&c, 0, sizeof c);
	if (parse_args(argc, argv, &o) < 0)
		goto out;
	if (o.polarity) {
		if (kr_polar_load(&polar, o.polarity, err, sizeof err) < 0) {
			fprintf(stderr, "revlens-kr-train: %s\n", err);
			goto out;
		}
		o.cfg.flags |= KR_FEAT_LEX;
		o.cfg.polar = polar;
	} else if (o.cfg.flags & KR_FEAT_LEX) {
		fprintf(stderr, "revlens-kr-train: flag %d needs --polarity FILE\n", KR_FEAT_LEX);
		goto out;
	}
	for (f = 0; f < o.nfiles; f++)
		if (load_file(&c, o.files[f], f, o.weights[f], &o, o.valid) < 0)
			goto out;
	for (f = 0; f < o.ntests; f++) {
		size_t before = c.ndocs, i;
		if (load_file(&c, o.tests[f], o.nfiles + f, 1.0, &o, 0) < 0)
			goto out;
		for (i = before; i < c.ndocs; i++)
			c.docs[i].valid = 1;
	}
	rc = 2;
	n = (size_t)1 << o.bits;
	w = calloc(n, sizeof *w);
	q = malloc(n * sizeof *q);
	if (!w || !q)
		goto out;
	if (o.bag > 1) {
		float *wk = calloc(n, sizeof *wk);
		uint64_t seed0 = o.seed;
		size_t i;
		int k;
		if (!wk)
			goto out;
		for (k = 0; k < o.bag; k++) {
			double bk;
			memset(wk, 0, n * sizeof *wk);
			o.seed = seed0 + (uint64_t)k;
			train(&c, &o, wk, &bk);
			for (i = 0; i < n; i++)
				w[i] += wk[i] / (float)o.bag;
			bias += bk / o.bag;
		}
		o.seed = seed0;
		free(wk);
	} else {
		train(&c, &o, w, &bias);
	}
	quantise(w, n, q, &scale);
	report_valid(&c, &o, q, scale, (float)bias);
	if (o.out && kr_model_write(o.out, &o.cfg, o.bits, q, scale, (float)bias, err, sizeof err) < 0) {
		fprintf(stderr, "revlens-kr-train: %s\n", err);
		goto out;
	}
	rc = 0;
out:
	free(w);
	free(q);
	free(c.docs);
	free(c.feats);
	kr_polar_free(polar);
	return rc;
}
