/* kr_analyze.c — unit tests: model loader, sentiment with negation and
 * contrast, clause-level aspects, aggregation. Uses the committed model. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "kr/kr.h"
#include "kr/kr_lex.h"
#include "kr/kr_polar.h"

#ifndef KR_SRCDIR
#define KR_SRCDIR "."
#endif
#define MODEL KR_SRCDIR "/data/kr/sentiment.model"
#define LEXICON KR_SRCDIR "/data/kr/aspects.tsv"
#define POLARITY KR_SRCDIR "/data/kr/polarity.tsv"

static unsigned char mem[KR_ARENA_SIZE];
static struct kr_arena arena;
static struct kr_result res;

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) > 0 && fseek(fp, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)n;
	}
	fclose(fp);
	return buf;
}

static int spit(const char *path, const char *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");
	int rc;

	if (!fp)
		return -1;
	rc = fwrite(buf, 1, len, fp) == len ? 0 : -1;
	return fclose(fp) == 0 ? rc : -1;
}

/* Open a damaged copy of the model; returns 1 if open failed with msg containing want. */
static int open_fails(const char *path, const char *want)
{
	struct kr_model *m = NULL;
	char err[KR_ERR_MAX] = "";
	int rc = kr_model_open(&m, path, LEXICON, err, sizeof err);

	kr_model_close(m);
	if (rc == 0 || !strstr(err, want)) {
		printf("# got: %s\n", rc == 0 ? "(opened)" : err);
		return 0;
	}
	return 1;
}

static int aspect_pol(int aspect)
{
	size_t i;

	for (i = 0; i < res.naspects; i++)
		if (res.aspects[i].aspect == aspect)
			return res.aspects[i].polarity;
	return 99;   /* absent */
}

static int analyze(const struct kr_model *m, const char *s)
{
	return kr_analyze(m, s, strlen(s), &res, &arena);
}

static void test_loader(void)
{
	char tmp[] = "/tmp/kr_model_XXXXXX", path[64], ppath[64];
	size_t len = 0, plen = 0;
	char *buf = slurp(MODEL, &len), *pbuf = slurp(POLARITY, &plen);
	char *dir = mkdtemp(tmp);

	ok(buf && len > 1000 && pbuf, "committed model and polarity lexicon readable");
	if (!buf || !pbuf || !dir) {
		free(buf);
		free(pbuf);
		return;
	}
	/* the polarity lexicon is part of the model and must sit beside it */
	snprintf(path, sizeof path, "%s/sentiment.model", dir);
	snprintf(ppath, sizeof ppath, "%s/polarity.tsv", dir);
	spit(ppath, pbuf, plen);
	ok(open_fails("/nonexistent/sentiment.model", "No such file"), "missing file: clear error");
	spit(path, "", 0);
	ok(open_fails(path, "truncated"), "empty file: truncated");
	spit(path, buf, 40);
	ok(open_fails(path, "truncated"), "header cut short: truncated");
	spit(path, buf, len / 2);
	ok(open_fails(path, "truncated"), "payload cut in half: truncated");
	buf[len / 2] ^= 0x5A;
	spit(path, buf, len);
	ok(open_fails(path, "checksum"), "flipped payload byte: checksum mismatch");
	buf[len / 2] ^= 0x5A;
	buf[0] = 'X';
	spit(path, buf, len);
	ok(open_fails(path, "bad magic"), "wrong magic");
	buf[0] = 'R';
	{
		char bits = buf[20];
		buf[20] = 40;   /* hash bits */
		spit(path, buf, len);
		ok(open_fails(path, "hash bits"), "absurd table size rejected");
		buf[20] = bits;
	}
	buf[8] = 9;     /* format version */
	spit(path, buf, len);
	ok(open_fails(path, "version"), "unknown format version rejected");
	buf[8] = 1;
	spit(path, buf, len);
	{
		struct kr_model *m = NULL;
		char err[KR_ERR_MAX] = "";
		ok(kr_model_open(&m, path, LEXICON, err, sizeof err) == 0, "restored copy opens again (%s)",
		    err);
		kr_model_close(m);
		spit(ppath, pbuf, plen - 2);
		ok(open_fails(path, "does not match the model"), "edited polarity lexicon refused");
		unlink(ppath);
		ok(open_fails(path, "polarity.tsv: No such file"), "missing polarity lexicon named");
	}
	/* the polarity lexicon parser and leftmost-longest matching */
	{
		struct kr_polar *pl = NULL;
		char err[KR_ERR_MAX] = "";
		const char *bad = "만족\tpos\n반품\tRet\n";
		const uint32_t txt[] = {0xBD88, 0xB9CC, 0xC871, 0xD574, 0xC694};   /* 불만족해요 */
		unsigned cls = 99;
		ok(kr_polar_parse(&pl, "pol", bad, strlen(bad), err, sizeof err) < 0 && strstr(err, "pol:2"),
		    "bad polarity class reported with its line (%s)", err);
		bad = "만\tpos\n";
		ok(kr_polar_parse(&pl, "pol", bad, strlen(bad), err, sizeof err) < 0, "one-character term rejected");
		bad = "# c\n\n만족\tpos\n불만족\tneg\n만족\tneg\n";
		ok(kr_polar_parse(&pl, "pol", bad, strlen(bad), err, sizeof err) == 0 && kr_polar_count(pl) == 2,
		    "comments, blank lines, duplicates (first wins)");
		ok(kr_polar_match(pl, txt, 5, &cls) == 3 && cls == 1, "불만족 matched before 만족");
		ok(kr_polar_match(pl, txt + 1, 4, &cls) == 2 && cls == 0, "만족 matched");
		ok(kr_polar_match(pl, txt + 3, 2, &cls) == 0, "no term at 해요");
		{
			/* 불만족해요만족만: the scan the features use */
			const uint32_t seq[] = {0xBD88, 0xB9CC, 0xC871, 0xD574, 0xC694, 0xB9CC, 0xC871, 0xB9CC};
			size_t mlen = 0, at;
			at = kr_polar_next(pl, seq, 8, 0, &mlen, &cls);
			ok(at == 0 && mlen == 3 && cls == 1, "next from 0: 불만족 at 0");
			at = kr_polar_next(pl, seq, 8, 1, &mlen, &cls);
			ok(at == 1 && mlen == 2 && cls == 0, "next from 1: 만족 at 1");
			at = kr_polar_next(pl, seq, 8, 3, &mlen, &cls);
			ok(at == 5 && mlen == 2 && cls == 0, "next from 3: skips 해요, 만족 at 5");
			ok(kr_polar_next(pl, seq, 8, 7, &mlen, &cls) == 8, "a term's first syllable at the end: none");
			ok(kr_polar_next(pl, seq, 8, 8, &mlen, &cls) == 8, "from the end: none");
		}
		kr_polar_free(pl);
	}
	/* the lexicon parser */
	{
		struct kr_lex *lx = NULL;
		char err[KR_ERR_MAX] = "";
		const char *bad = "배송\t배송\n포장\t박스\n";
		ok(kr_lex_parse(&lx, "lex", bad, strlen(bad), err, sizeof err) < 0 && strstr(err, "lex:2"),
		    "unknown lexicon class reported with its line (%s)", err);
		bad = "배송 배송\n";
		ok(kr_lex_parse(&lx, "lex", bad, strlen(bad), err, sizeof err) < 0, "missing tab rejected");
		bad = "# c\n\n배송\t배송\n향\t냄새\texact\n빠르\t-\tpos\n";
		ok(kr_lex_parse(&lx, "lex", bad, strlen(bad), err, sizeof err) == 0 && kr_lex_count(lx) == 3,
		    "comments, blank lines, flags parsed");
		is_int(kr_lex_lookup(lx, "배송", strlen("배송"), NULL), KR_ASPECT_DELIVERY, "lookup finds aspect");
		kr_lex_free(lx);
	}
	unlink(path);
	rmdir(dir);
	free(buf);
	free(pbuf);
}

static void test_sentiment(const struct kr_model *m)
{
	ok(analyze(m, "정말 맛있어요 재구매 할게요") == 0 && res.label == KR_POS, "plain positive");
	ok(analyze(m, "최악이에요 돈 아까워요") == 0 && res.label == KR_NEG, "plain negative");
	analyze(m, "좋아요");
	ok(res.argmax == KR_POS, "좋아요 is positive");
	analyze(m, "안 좋아요");
	ok(res.argmax == KR_NEG, "안 좋아요 is negative (negator)");
	analyze(m, "별로 좋지 않아요");
	ok(res.argmax == KR_NEG, "좋지 않아요 is negative (-지 않)");
	analyze(m, "맛이 없어요");
	ok(res.argmax == KR_NEG && aspect_pol(KR_ASPECT_TASTE) == KR_NEG, "맛이 없어요: negative, 맛 -");
	ok(res.score >= 0.0f && res.score <= 1.0f && res.confidence >= 0.0f && res.confidence <= 1.0f,
	    "score and confidence in [0,1]");
	analyze(m, "");
	ok(res.label == KR_NEUTRAL || res.confidence < 0.9f, "empty text is not confidently labelled");
	is_int(kr_analyze(m, "좋아\xC0\x80", 5, &res, &arena), -1, "invalid UTF-8 refused");
	is_int((int)res.nkeywords, 0, "refused text leaves an empty result");
	{
		struct kr_arena small;
		kr_arena_init(&small, mem, 1024);
		is_int(kr_analyze(m, "좋아요", strlen("좋아요"), &res, &small), -1, "arena below KR_ARENA_SIZE refused");
	}
}

static void test_aspects(const struct kr_model *m)
{
	analyze(m, "배송은 빠른데 포장이 엉망이에요");
	is_int(aspect_pol(KR_ASPECT_DELIVERY), KR_POS, "배송은 빠른데 ... : 배송 +");
	is_int(aspect_pol(KR_ASPECT_PACKAGING), KR_NEG, "... 포장이 엉망: 포장 -");
	analyze(m, "디자인은 예쁜데 냄새가 너무 심해요");
	is_int(aspect_pol(KR_ASPECT_DESIGN), KR_POS, "contrast clause: 디자인 +");
	is_int(aspect_pol(KR_ASPECT_SMELL), KR_NEG, "contrast clause: 냄새 -");
	analyze(m, "배송빠르고가성비좋아요");
	is_int(aspect_pol(KR_ASPECT_DELIVERY), KR_POS, "no spaces: 배송 found, +");
	is_int(aspect_pol(KR_ASPECT_PRICE), KR_POS, "no spaces: 가성비 -> 가격, +");
	analyze(m, "사이즈가 너무 작아요. 교환했어요");
	is_int(aspect_pol(KR_ASPECT_SIZE), KR_NEG, "사이즈 -");
	analyze(m, "배송이 안 빨라요");
	is_int(aspect_pol(KR_ASPECT_DELIVERY), KR_NEG, "negated evaluative word: 배송 -");
	analyze(m, "ㅋㅋㅋㅋㅋ 튼튼하고 좋네요 👍👍👍");
	is_int(aspect_pol(KR_ASPECT_DURABILITY), KR_POS, "jamo/emoji noise around: 내구성 +");
	{
		size_t i;
		int stop = 0, junk = 0;
		analyze(m, "제품은 그냥 그래요 진짜 별로 ㅠㅠ");
		for (i = 0; i < res.nkeywords; i++) {
			if (!strcmp(res.keywords[i].stem, "제품") || !strcmp(res.keywords[i].stem, "진짜"))
				stop = 1;
			if (strstr(res.keywords[i].stem, "ㅠ"))
				junk = 1;
		}
		ok(!stop, "stop-words are not keywords");
		ok(!junk, "jamo noise is not a keyword");
	}
	{
		static char big[KR_MAX_TEXT * 3];
		size_t i;
		for (i = 0; i + 3 <= sizeof big; i += 3)
			memcpy(big + i, "좋", 3);
		ok(kr_analyze(m, big, sizeof big, &res, &arena) == 0 && res.truncated, "long text truncated, not refused");
		/* ᾂ is 3 bytes but decomposes into 4 code points before NFC recomposes it */
		for (i = 0; i + 3 <= sizeof big; i += 3)
			memcpy(big + i, "\xE1\xBE\x82", 3);
		is_int(kr_analyze(m, big, 60, &res, &arena), 0, "text whose decomposition outgrows its bytes is accepted");
		is_int(kr_analyze(m, big, sizeof big, &res, &arena), 0, "... also at the length limit");
	}
	{
		/* an aspect counts once per clause, also past the 32nd clause */
		char buf[512];
		float s30 = 0.0f, s31 = 0.0f;
		int k, n;
		size_t i;
		for (n = 30; n <= 31; n++) {
			size_t off = (size_t)snprintf(buf, sizeof buf, "배송 최악.");
			for (k = 0; k < n; k++)
				off += (size_t)snprintf(buf + off, sizeof buf - off, " 음.");
			snprintf(buf + off, sizeof buf - off, " 배송 최악.");
			analyze(m, buf);
			for (i = 0; i < res.naspects; i++)
				if (res.aspects[i].aspect == KR_ASPECT_DELIVERY)
					*(n == 30 ? &s30 : &s31) = res.aspects[i].score;
		}
		ok(s30 < 0.0f && fabsf(s31 - s30) < 0.25f * fabsf(s30),
		    "aspect in clauses 0 and 32 counted twice, like clauses 0 and 31");
		if (!(fabsf(s31 - s30) < 0.25f * fabsf(s30)))
			printf("# clause 31: %.3f, clause 32: %.3f\n", (double)s30, (double)s31);
	}
}

static void test_agg(const struct kr_model *m)
{
	struct kr_agg *g = kr_agg_new(2);
	char *js;

	analyze(m, "배송이 빠르고 좋아요");
	kr_agg_add(g, 11, &res);
	analyze(m, "배송이 너무 느려요 최악");
	kr_agg_add(g, 12, &res);
	analyze(m, "맛있어요 배송도 빨라요");
	kr_agg_add(g, 13, &res);
	js = kr_agg_to_json(g, 10);
	ok(js != NULL, "aggregate serialises");
	if (js) {
		printf("# %s\n", js);
		ok(strstr(js, "\"reviews\":3") != NULL, "review count");
		ok(strstr(js, "{\"stem\":\"배송\",\"aspect\":\"배송\",\"count\":3,\"pos\":2,\"neg\":1}") != NULL,
		    "keyword 배송 counted 3 times, 2 pos / 1 neg");
		ok(strstr(js, "\"aspect\":\"배송\",\"reviews\":3") != NULL, "aspect 배송 in 3 reviews");
		ok(strstr(js, "\"neg\":[12]") != NULL, "representative negative review id");
	}
	free(js);
	kr_agg_free(g);
	ok(kr_agg_new(0) == NULL, "top_k 0 refused");
}

int main(void)
{
	struct kr_model *m = NULL;
	char err[KR_ERR_MAX];

	kr_arena_init(&arena, mem, sizeof mem);
	test_loader();
	if (kr_model_open(&m, MODEL, NULL, err, sizeof err) < 0) {
		ok(0, "open committed model: %s", err);
		return tap_done();
	}
	ok(1, "committed model opens, lexicon found next to it");
	test_sentiment(m);
	test_aspects(m);
	test_agg(m);
	kr_model_close(m);
	return tap_done();
}
