/* kr_fuzz.c — libFuzzer harness over the Korean text pipeline and its parsers.
 *
 * Each input is fed to: kr_analyze() (normaliser, stemmer, features, keyword
 * and aspect extraction, polarity-lexicon features) with a synthetic model,
 * the aspect and polarity lexicon parsers, and the model-file validator. Build and run with fuzz/run (all harnesses) or:
 *   fuzz/run 60        # every fuzz harness for 60 s each
 * The model is synthetic (2^16 pseudo-random weights) so the harness needs no
 * data file; the lexicons are data/kr/aspects.tsv and polarity.tsv when
 * found, else small built-in ones.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr/kr.h"
#include "kr/kr_lex.h"
#include "kr/kr_model.h"
#include "kr/kr_polar.h"

#ifndef REVLENS_DATADIR
#define REVLENS_DATADIR "data"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kr_model model;
static int16_t weights[1 << 16];
static unsigned char mem[KR_ARENA_SIZE];
static struct kr_result res;

static const char polar_fallback[] = "만족\tpos\n불만족\tneg\n반품\treturn\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char fallback[] = "배송\t배송\n포장\t포장\n맛\t맛\n빠르\t-\tpos\n엉망\t-\tneg\n제품\tstop\n옷\tkeep\n";
	char err[KR_ERR_MAX];
	uint32_t x = 2463534242u;
	size_t i;

	for (i = 0; i < sizeof weights / sizeof weights[0]; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		weights[i] = (int16_t)(x & 0xFFFF);
	}
	model.w = weights;
	model.bits = 16;
	model.shift = 16;
	model.scale = 1e-4f;
	model.bias = 0.1f;
	model.cfg.nmin = 1;
	model.cfg.nmax = 4;
	model.cfg.flags = KR_FEAT_STEMS | KR_FEAT_BIGRAMS | KR_FEAT_NEG | KR_FEAT_NOSPACE;
	if (kr_lex_load(&model.lex, REVLENS_DATADIR "/kr/aspects.tsv", err, sizeof err) < 0 &&
	    kr_lex_parse(&model.lex, "fallback", fallback, sizeof fallback - 1, err, sizeof err) < 0) {
		fprintf(stderr, "kr_fuzz: %s\n", err);
		abort();
	}
	if (kr_polar_load(&model.polar, REVLENS_DATADIR "/kr/polarity.tsv", err, sizeof err) < 0 &&
	    kr_polar_parse(&model.polar, "fallback", polar_fallback, sizeof polar_fallback - 1, err,
	        sizeof err) < 0) {
		fprintf(stderr, "kr_fuzz: %s\n", err);
		abort();
	}
	model.cfg.flags |= KR_FEAT_LEX;
	model.cfg.polar = model.polar;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kr_arena a;
	struct kr_lex *lx = NULL;
	struct kr_polar *pl = NULL;
	struct kr_model m2;
	char err[KR_ERR_MAX];
	size_t i;

	kr_arena_init(&a, mem, sizeof mem);
	if (kr_analyze(&model, (const char *)data, size, &res, &a) == 0) {
		if (res.nkeywords > KR_MAX_KEYWORDS || res.naspects > KR_ASPECT_COUNT)
			abort();
		for (i = 0; i < res.nkeywords; i++)
			if (strlen(res.keywords[i].stem) != res.keywords[i].len)
				abort();
		if (!(res.score >= 0.0f && res.score <= 1.0f))
			abort();
	}
	if (kr_lex_parse(&lx, "fuzz", (const char *)data, size, err, sizeof err) == 0)
		kr_lex_free(lx);
	if (kr_polar_parse(&pl, "fuzz", (const char *)data, size, err, sizeof err) == 0)
		kr_polar_free(pl);
	memset(&m2, 0, sizeof m2);
	(void)kr_model_check(&m2, data, size, err, sizeof err);
	return 0;
}
