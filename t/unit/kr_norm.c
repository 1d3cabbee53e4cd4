/* kr_norm.c — unit tests: UTF-8 validation, normalisation, tokens, stemmer. */
#include <string.h>

#include "tap.h"
#include "kr/kr.h"
#include "kr/kr_stem.h"
#include "kr/kr_text.h"

static unsigned char mem[KR_ARENA_SIZE];

static const char *norm(const char *s)
{
	static struct kr_arena a;
	struct kr_doc d;

	kr_arena_init(&a, mem, sizeof mem);
	if (kr_text_normalize(s, strlen(s), &d, &a) < 0)
		return "<invalid>";
	return d.text;
}

/* "CLS:text CLS:text ..." of the tokens, '_' before an eojeol start */
static const char *toks(const char *s)
{
	static char out[512];
	static const char cls[] = "HJLDPO";
	struct kr_arena a;
	struct kr_doc d;
	size_t i, o = 0;

	kr_arena_init(&a, mem, sizeof mem);
	if (kr_text_normalize(s, strlen(s), &d, &a) < 0)
		return "<invalid>";
	for (i = 0; i < d.ntoks && o + 64 < sizeof out; i++) {
		const struct kr_tok *t = &d.toks[i];
		if (i)
			out[o++] = ' ';
		if (t->eojeol_start && i)
			out[o++] = '_';
		out[o++] = cls[t->cls];
		out[o++] = ':';
		memcpy(out + o, d.text + t->off, t->len);
		o += t->len;
	}
	out[o] = '\0';
	return out;
}

static const char *stem(const char *w, unsigned *flags)
{
	static char out[256];
	unsigned f;
	size_t n = kr_stem_word(w, strlen(w), out, &f);

	out[n] = '\0';
	if (flags)
		*flags = f;
	return out;
}

int main(void)
{
	static const struct { const char *in, *want; } stems[] = {
		{"배송이", "배송"}, {"배송은", "배송"}, {"배송도", "배송"}, {"배송", "배송"},
		{"좋아요", "좋"}, {"좋네요", "좋"}, {"좋습니다", "좋"}, {"좋았어요", "좋"},
		{"좋은", "좋"}, {"빠른데", "빠르"}, {"빠르고", "빠르"}, {"만족했어요", "만족"},
		{"만족합니다", "만족"}, {"추천해요", "추천"}, {"최고예요", "최고"}, {"효과가", "효과"},
		{"물건이", "물건"}, {"포장이", "포장"}, {"사이즈가", "사이즈"}, {"크기가", "크기"},
		{"가격도", "가격"}, {"엉망이에요", "엉망"}, {"깔끔하게", "깔끔"}, {"편한데", "편"},
		{"맛있어요", "맛있"}, {"바지가", "바지"}, {"최고", "최고"}, {"좋", "좋"},
	};
	size_t i;
	unsigned f;

	/* UTF-8 validation */
	ok(kr_text_validate("배송 good", strlen("배송 good")) == 0, "valid UTF-8 accepted");
	ok(kr_text_validate("\xC0\x80", 2) < 0, "overlong NUL rejected");
	ok(kr_text_validate("\xED\xA0\x80", 3) < 0, "surrogate rejected");
	ok(kr_text_validate("\xE1\x80", 2) < 0, "truncated sequence rejected");
	ok(kr_text_validate("\xF4\x90\x80\x80", 4) < 0, "beyond U+10FFFF rejected");
	ok(kr_text_validate("\xFF", 1) < 0, "0xFF rejected");
	is_str(norm("좋아\xFF요"), "<invalid>", "normaliser refuses invalid UTF-8");

	/* normalisation of what reviews contain */
	is_str(norm("ㅋㅋㅋㅋㅋㅋ 최고!!!!!"), "ㅋㅋ 최고!!", "repeats cut to two");
	is_str(norm("좋아아아아요"), "좋아아요", "repeated syllables cut to two");
	is_str(norm("  배송   빠름\t\n좋음  "), "배송 빠름 좋음", "whitespace folded and trimmed");
	is_str(norm("ＧＯＯＤ Good"), "good good", "fullwidth and upper-case Latin folded");
	is_str(norm("\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB\xE1\x84\x80\xE1\x85\xB3\xE1\x86\xAF"), "한글",
	    "conjoining jamo (NFD) composed to NFC syllables");
	is_str(norm("가\xE1\x86\xA8"), "각", "syllable + trailing jamo composed");
	is_str(norm("e\xCC\x81t\xC3\xA9"), "\xC3\xA9t\xC3\xA9", "Latin combining accent composed");
	is_str(norm("최고\xE2\x9D\xA4\xEF\xB8\x8F\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBB"), "최고\xE2\x9D\xA4\xF0\x9F\x91\x8D",
	    "variation selector and skin tone dropped, emoji kept");
	is_str(norm("1000원 10000000"), "1000원 10000000", "digits never squeezed");
	is_str(norm("좋\xE2\x80\x8B아요"), "좋아요", "zero-width space dropped");
	is_str(norm(""), "", "empty text");

	/* tokens */
	is_str(toks("3일만에 왔어요ㅋㅋ"), "D:3 H:일만에 _H:왔어요 J:ㅋㅋ", "digits, Hangul, jamo split");
	is_str(toks("배송good!!좋아요"), "H:배송 L:good P:!! H:좋아요", "mixed script split");
	is_str(toks("ㅠㅠ 별로"), "J:ㅠㅠ _H:별로", "jamo-only noise is its own token");
	is_str(toks("10cm 커요"), "D:10 L:cm _H:커요", "numbers with units");

	/* stemmer */
	for (i = 0; i < sizeof stems / sizeof stems[0]; i++)
		is_str(stem(stems[i].in, NULL), stems[i].want, "stem %s -> %s", stems[i].in, stems[i].want);
	stem("좋지", &f);
	ok(f & KR_STEM_NEG_JI, "좋지 carries the -지 of a negated predicate");
	stem("좋지만", &f);
	ok((f & KR_STEM_CONTRAST) && (f & KR_STEM_CLAUSE), "좋지만 ends a contrasting clause");
	stem("빠른데", &f);
	ok(f & KR_STEM_CONTRAST, "빠른데 is a contrast");
	stem("배송은", &f);
	ok(!(f & KR_STEM_CLAUSE), "a particle does not end a clause");
	stem("안", &f);
	ok(f & KR_STEM_NEGATOR, "안 negates");
	stem("별로", &f);
	ok(f & KR_STEM_NEGATOR, "별로 negates");
	stem("근데", &f);
	ok(f & KR_STEM_OPENER, "근데 opens a clause");
	is_str(stem("ab", NULL), "ab", "non-Hangul bytes returned unchanged");
	return tap_done();
}
