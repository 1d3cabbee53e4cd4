/* cmd_analyze.c — `revlens analyze`: analyse Korean reviews from stdin, or evaluate.
 *
 *   revlens analyze [--model PATH] [--lexicon PATH] [--aggregate] < reviews
 *   revlens analyze [--model PATH] --eval FILE.tsv
 *   revlens analyze [--model PATH] --aspect-eval t/kr/aspects.tsv
 *
 * Input lines are either plain text or the shared TSV (rating<TAB>label<TAB>
 * text); one JSON object per review goes to stdout (layout in docs/kr.md).
 * An invalid UTF-8 line is reported as "line N: invalid UTF-8, skipped" and
 * skipped. Empty lines are skipped silently. --aggregate appends one JSON
 * object for all reviews (line numbers serve as review ids).
 */
#include "cli/cmd_analyze.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr/kr.h"
#include "kr/kr_tsv.h"

/* Exit codes as in src/cli/main.c: 0 ok, 1 the command failed (model,
 * lexicon or input file unusable, I/O error), 2 usage error. */
#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_IO EXIT_FAIL
#define MAX_LINE_BYTES (1 << 20)  /* longer lines are analysed up to KR_MAX_TEXT anyway */

static unsigned char arena_mem[KR_ARENA_SIZE];

static void json_str(FILE *out, const char *s, size_t n)
{
	size_t i;

	putc('"', out);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			putc(c, out);
	}
	putc('"', out);
}

static void print_result(FILE *out, size_t line, const struct kr_result *r)
{
	size_t i;

	fprintf(out, "{\"line\":%zu,\"label\":\"%s\",\"score\":%.4f,\"confidence\":%.4f", line,
	    kr_polarity_name(r->label), r->score, r->confidence);
	if (r->truncated)
		fputs(",\"truncated\":true", out);
	fputs(",\"keywords\":[", out);
	for (i = 0; i < r->nkeywords; i++) {
		const struct kr_keyword *k = &r->keywords[i];
		fputs(i ? ",{\"stem\":" : "{\"stem\":", out);
		json_str(out, k->stem, k->len);
		if (k->aspect < KR_ASPECT_COUNT)
			fprintf(out, ",\"aspect\":\"%s\"", kr_aspect_name(k->aspect));
		else
			fputs(",\"aspect\":null", out);
		fprintf(out, ",\"polarity\":\"%s\"}", kr_polarity_name(k->polarity));
	}
	fputs("],\"aspects\":[", out);
	for (i = 0; i < r->naspects; i++)
		fprintf(out, "%s{\"aspect\":\"%s\",\"polarity\":\"%s\"}", i ? "," : "",
		    kr_aspect_name(r->aspects[i].aspect), kr_polarity_name(r->aspects[i].polarity));
	fputs("]}\n", out);
}

static size_t chomp(char *line, size_t len)
{
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	return len;
}

/* Plain analysis of stdin. */
static int run_stream(const struct kr_model *m, FILE *in, int aggregate)
{
	struct kr_arena a;
	struct kr_result *r = NULL;
	struct kr_agg *g = NULL;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t got;
	int rc = EXIT_IO;

	kr_arena_init(&a, arena_mem, sizeof arena_mem);
	r = malloc(sizeof *r);
	if (!r || (aggregate && !(g = kr_agg_new(5)))) {
		fprintf(stderr, "revlens analyze: out of memory\n");
		goto out;
	}
	while ((got = getline(&line, &cap, in)) >= 0) {
		size_t len = chomp(line, (size_t)got), tlen;
		const char *text;
		int label;

		lineno++;
		if (len == 0)
			continue;
		if (!kr_tsv_split(line, len, &label, &text, &tlen)) {
			text = line;
			tlen = len;
		}
		if (kr_analyze(m, text, tlen, r, &a) < 0) {
			fprintf(stderr, "line %zu: invalid UTF-8, skipped\n", lineno);
			continue;
		}
		print_result(stdout, lineno, r);
		if (g && kr_agg_add(g, (int64_t)lineno, r) < 0)
			fprintf(stderr, "line %zu: out of memory while aggregating\n", lineno);
	}
	if (ferror(in)) {
		fprintf(stderr, "revlens analyze: read error: %s\n", strerror(errno));
		goto out;
	}
	if (g) {
		char *js = kr_agg_to_json(g, 400);
		if (!js) {
			fprintf(stderr, "revlens analyze: out of memory\n");
			goto out;
		}
		printf("%s\n", js);
		free(js);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "revlens analyze: write error\n");
		goto out;
	}
	rc = 0;
out:
	free(line);
	free(r);
	kr_agg_free(g);
	return rc;
}

static double f1(double tp, double fp, double fn)
{
	return tp > 0 ? 2.0 * tp / (2.0 * tp + fp + fn) : 0.0;
}

/* --eval: accuracy (argmax), macro-F1 and confusion matrices over a TSV. */
static int run_eval(const struct kr_model *m, const char *path)
{
	FILE *fp = fopen(path, "rb");
	struct kr_arena a;
	char *line = NULL;
	size_t cap = 0, lineno = 0, bad = 0, skipped = 0;
	/* cm[gold][pred]: gold 0 neg 1 pos; pred 0 neg 1 pos; c3 adds neutral (2) */
	unsigned long cm[2][2] = {{0}}, c3[2][3] = {{0}};
	ssize_t got;
	double n, acc, fpos, fneg;
	int rc = EXIT_IO;

	if (!fp) {
		fprintf(stderr, "revlens analyze: %s: %s\n", path, strerror(errno));
		return EXIT_FAIL;
	}
	kr_arena_init(&a, arena_mem, sizeof arena_mem);
	while ((got = getline(&line, &cap, fp)) >= 0) {
		size_t len = chomp(line, (size_t)got), tlen;
		const char *text;
		int gold, pred;
		float p;

		lineno++;
		if (!kr_tsv_split(line, len, &gold, &text, &tlen)) {
			bad++;
			continue;
		}
		p = kr_score(m, text, tlen, &a);
		if (p < 0.0f) {
			fprintf(stderr, "line %zu: invalid UTF-8, skipped\n", lineno);
			skipped++;
			continue;
		}
		pred = p >= 0.5f;
		cm[gold][pred]++;
		c3[gold][(2.0f * p - 1.0f < KR_NEUTRAL_CONFIDENCE && 1.0f - 2.0f * p < KR_NEUTRAL_CONFIDENCE) ? 2 : pred]++;
	}
	if (ferror(fp)) {
		fprintf(stderr, "revlens analyze: %s: read error\n", path);
		goto out;
	}
	n = (double)(cm[0][0] + cm[0][1] + cm[1][0] + cm[1][1]);
	if (n == 0) {
		fprintf(stderr, "revlens analyze: %s: no rating<TAB>label<TAB>text lines\n", path);
		rc = EXIT_FAIL;
		goto out;
	}
	acc = (double)(cm[0][0] + cm[1][1]) / n;
	fpos = f1((double)cm[1][1], (double)cm[0][1], (double)cm[1][0]);
	fneg = f1((double)cm[0][0], (double)cm[1][0], (double)cm[0][1]);
	printf("file: %s\nreviews: %.0f (not TSV: %zu, invalid UTF-8: %zu)\n", path, n, bad, skipped);
	printf("accuracy: %.4f\nmacro_f1: %.4f\n", acc, (fpos + fneg) / 2.0);
	printf("confusion (rows gold, columns predicted by argmax):\n");
	printf("        pred_pos pred_neg\n");
	printf("gold_pos %8lu %8lu\n", cm[1][1], cm[1][0]);
	printf("gold_neg %8lu %8lu\n", cm[0][1], cm[0][0]);
	printf("with neutral (confidence < %.2f):\n", (double)KR_NEUTRAL_CONFIDENCE);
	printf("        pred_pos pred_neg pred_neutral\n");
	printf("gold_pos %8lu %8lu %12lu\n", c3[1][1], c3[1][0], c3[1][2]);
	printf("gold_neg %8lu %8lu %12lu\n", c3[0][1], c3[0][0], c3[0][2]);
	rc = 0;
out:
	free(line);
	fclose(fp);
	return rc;
}

/* Parse "배송:+,포장:-" (or "-") into want[aspect] = 1 + polarity (0 = absent). */
static int parse_expected(const char *s, size_t n, int *want)
{
	size_t i = 0;

	memset(want, 0, sizeof(int) * KR_ASPECT_COUNT);
	if (n == 1 && s[0] == '-')
		return 0;
	while (i < n) {
		const char *colon, *item = s + i;
		size_t il, nl;
		int a, found = -1, pol;
		const char *comma = memchr(item, ',', n - i);
		il = comma ? (size_t)(comma - item) : n - i;
		colon = memchr(item, ':', il);
		if (!colon || il != (size_t)(colon - item) + 2)
			return -1;
		nl = (size_t)(colon - item);
		for (a = 0; a < KR_ASPECT_COUNT; a++)
			if (strlen(kr_aspect_name(a)) == nl && !memcmp(kr_aspect_name(a), item, nl))
				found = a;
		pol = colon[1] == '+' ? 1 : colon[1] == '-' ? -1 : colon[1] == '0' ? 0 : 9;
		if (found < 0 || pol == 9)
			return -1;
		want[found] = 2 + pol;   /* 1 neg, 2 neutral, 3 pos */
		i += il + 1;
	}
	return 0;
}

/* --aspect-eval: precision/recall of aspects (and aspect+polarity). */
static int run_aspect_eval(const struct kr_model *m, const char *path)
{
	FILE *fp = fopen(path, "rb");
	struct kr_arena a;
	struct kr_result *r = malloc(sizeof *r);
	char *line = NULL;
	size_t cap = 0, lineno = 0, reviews = 0;
	unsigned long tp = 0, fp_ = 0, fn = 0, ptp = 0, pfp = 0, pfn = 0, polok = 0;
	ssize_t got;
	int rc = EXIT_FAIL;

	if (!fp || !r) {
		fprintf(stderr, "revlens analyze: %s: %s\n", path, fp ? "out of memory" : strerror(errno));
		goto out;
	}
	kr_arena_init(&a, arena_mem, sizeof arena_mem);
	while ((got = getline(&line, &cap, fp)) >= 0) {
		size_t len = chomp(line, (size_t)got), i;
		const char *tab;
		int want[KR_ASPECT_COUNT], have[KR_ASPECT_COUNT], k;

		lineno++;
		if (len == 0 || line[0] == '#')
			continue;
		tab = memchr(line, '\t', len);
		if (!tab || parse_expected(line, (size_t)(tab - line), want) < 0) {
			fprintf(stderr, "%s:%zu: expected aspect:+|-|0[,...] or -, a tab, the text\n", path, lineno);
			goto out;
		}
		if (kr_analyze(m, tab + 1, len - (size_t)(tab + 1 - line), r, &a) < 0) {
			fprintf(stderr, "%s:%zu: invalid UTF-8, skipped\n", path, lineno);
			continue;
		}
		reviews++;
		memset(have, 0, sizeof have);
		for (i = 0; i < r->naspects; i++)
			have[r->aspects[i].aspect] = 2 + r->aspects[i].polarity;
		for (k = 0; k < KR_ASPECT_COUNT; k++) {
			if (want[k] && have[k]) {
				tp++;
				if (want[k] == have[k]) {
					ptp++;
					polok++;
				} else {
					pfp++;
					pfn++;
				}
			} else if (have[k]) {
				fp_++;
				pfp++;
			} else if (want[k]) {
				fn++;
				pfn++;
			}
		}
	}
	if (ferror(fp)) {
		rc = EXIT_IO;
		goto out;
	}
	printf("file: %s\nreviews: %zu\n", path, reviews);
	printf("aspect precision: %.4f recall: %.4f f1: %.4f (tp %lu fp %lu fn %lu)\n",
	    tp + fp_ ? (double)tp / (double)(tp + fp_) : 0.0, tp + fn ? (double)tp / (double)(tp + fn) : 0.0,
	    f1((double)tp, (double)fp_, (double)fn), tp, fp_, fn);
	printf("aspect+polarity precision: %.4f recall: %.4f f1: %.4f\n",
	    ptp + pfp ? (double)ptp / (double)(ptp + pfp) : 0.0,
	    ptp + pfn ? (double)ptp / (double)(ptp + pfn) : 0.0, f1((double)ptp, (double)pfp, (double)pfn));
	printf("polarity accuracy on found aspects: %.4f\n", tp ? (double)polok / (double)tp : 0.0);
	rc = 0;
out:
	free(line);
	free(r);
	if (fp)
		fclose(fp);
	return rc;
}

static void usage(void)
{
	fprintf(stderr,
	    "usage: revlens analyze [--model PATH] [--lexicon PATH] [--aggregate] < reviews\n"
	    "       revlens analyze [--model PATH] --eval FILE.tsv\n"
	    "       revlens analyze [--model PATH] --aspect-eval FILE.tsv\n");
}

int cmd_analyze(int argc, char **argv)
{
	const char *model = NULL, *lexicon = NULL, *eval = NULL, *aspect_eval = NULL;
	struct kr_model *m = NULL;
	char err[KR_ERR_MAX];
	int i, aggregate = 0, rc = EXIT_USAGE;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **target = !strcmp(a, "--model") ? &model : !strcmp(a, "--lexicon") ? &lexicon :
		    !strcmp(a, "--eval") ? &eval : !strcmp(a, "--aspect-eval") ? &aspect_eval : NULL;
		if (target) {
			if (i + 1 >= argc) {
				usage();
				goto out;
			}
			*target = argv[++i];
		} else if (!strcmp(a, "--aggregate")) {
			aggregate = 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage();
			rc = 0;
			goto out;
		} else {
			usage();
			goto out;
		}
	}
	if (kr_model_open(&m, model ? model : kr_model_default_path(), lexicon, err, sizeof err) < 0) {
		fprintf(stderr, "revlens analyze: %s\n", err);
		rc = EXIT_FAIL;
		goto out;
	}
	if (eval)
		rc = run_eval(m, eval);
	else if (aspect_eval)
		rc = run_aspect_eval(m, aspect_eval);
	else
		rc = run_stream(m, stdin, aggregate);
out:
	kr_model_close(m);
	return rc;
}
