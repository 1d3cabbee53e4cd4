/* kr_stem.c — longest-match particle/ending stripping for Korean words.
 *
 * Design: every table entry is a UTF-8 string of whole syllables with flags.
 * Entries live in one open-addressing hash set (built once, read-only after
 * pthread_once), so a round of stripping is at most KR_SUFFIX_MAX lookups of
 * the word's tail. Up to four rounds run (좋았어요: 어요, 았), then a verbal
 * ending that fused into the previous syllable's final consonant is undone
 * (빠른+데 -> 빠르, 합+니다 -> 하, 했+어요 -> 하). Particles never trigger
 * that step, so 물건이 stays 물건. Caveat: this is a light stemmer, not a
 * morphological analyser; irregular stems (빨라요, 예뻐요) stay as written,
 * and the aspect lexicon lists such variants.
 */
#include "kr/kr_stem.h"
#include "kr/kr_text.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define P   KR_STEM_PARTICLE
#define E   KR_STEM_ENDING
#define C   KR_STEM_CLAUSE
#define X   KR_STEM_CONTRAST
#define J   KR_STEM_NEG_JI
#define KEEP 0x1000u   /* whole word: protected noun, never cut */
#define WORD 0x2000u   /* whole word only: flags apply, no stripping */

#define KR_SUFFIX_MAX 5   /* syllables in the longest suffix */

struct entry {
	const char *s;
	unsigned flags;
};

static const struct entry table[] = {
	/* particles (조사) */
	{"이", P}, {"가", P}, {"은", P}, {"는", P}, {"을", P}, {"를", P}, {"도", P},
	{"만", P}, {"에", P}, {"에서", P}, {"에게", P}, {"한테", P}, {"께서", P},
	{"으로", P}, {"로", P}, {"와", P}, {"과", P}, {"의", P}, {"랑", P}, {"이랑", P},
	{"하고", P}, {"까지", P}, {"부터", P}, {"보다", P}, {"처럼", P}, {"마다", P},
	{"이나", P}, {"밖에", P}, {"으로도", P}, {"로도", P}, {"에도", P}, {"에서도", P},
	{"만큼", P}, {"까지도", P}, {"조차", P}, {"마저", P}, {"이라도", P}, {"라도", P},
	{"보단", P}, {"에는", P}, {"에선", P}, {"으론", P}, {"로는", P}, {"으로는", P},
	{"이랑은", P}, {"만은", P}, {"도요", P}, {"은요", P}, {"는요", P},
	/* copula forms attach to nouns: particle-like, no fused-consonant undo */
	{"이다", P | C}, {"이에요", P | C}, {"예요", P | C}, {"이예요", P | C},
	{"에요", P | C}, {"이요", P | C}, {"입니다", P | C}, {"이네요", P | C},
	{"인데", P | C | X}, {"인데요", P | C | X}, {"이라", P}, {"이라서", P | C},
	{"이고", P | C}, {"이지만", P | C | X}, {"이었어요", P | C}, {"였어요", P | C},
	{"였다", P | C}, {"이었다", P | C}, {"인가", P}, {"인지", P}, {"인듯", P | C},
	{"이니", P | C}, {"이면", P | C}, {"임", P | C}, {"입니당", P | C}, {"이네", P | C},
	{"였음", P | C}, {"이었음", P | C}, {"이군요", P | C}, {"일듯", P | C},
	/* final endings */
	{"요", E | C}, {"어요", E | C}, {"아요", E | C}, {"여요", E | C}, {"해요", E | C},
	{"네요", E | C}, {"네", E | C}, {"죠", E | C}, {"지요", E | C}, {"구요", E | C},
	{"고요", E | C}, {"거든요", E | C}, {"는데요", E | C | X}, {"은데요", E | C | X},
	{"던데요", E | C | X}, {"더라구요", E | C}, {"더라고요", E | C}, {"더라", E | C},
	{"습니다", E | C}, {"니다", E | C}, {"세요", E | C}, {"셔요", E | C}, {"다", E | C},
	{"는다", E | C}, {"음", E | C}, {"함", E | C}, {"듯", E | C}, {"듯요", E | C},
	{"듯해요", E | C}, {"군요", E | C}, {"는군요", E | C}, {"네여", E | C}, {"여", E | C},
	{"염", E | C}, {"용", E | C}, {"욤", E | C}, {"당", E | C}, {"습니당", E | C},
	{"니당", E | C}, {"어용", E | C}, {"아용", E | C}, {"해용", E | C}, {"네용", E | C},
	{"래요", E | C}, {"대요", E | C}, {"게요", E | C}, {"께요", E | C}, {"을게요", E | C},
	{"다고", E | C}, {"어여", E | C}, {"아여", E | C}, {"해여", E | C}, {"슴다", E | C},
	{"습니다만", E | C | X}, {"어서요", E | C}, {"아서요", E | C}, {"해서요", E | C},
	{"을까요", E | C}, {"까요", E | C}, {"나요", E | C}, {"는지", E}, {"을지", E},
	{"어라", E | C}, {"아라", E | C}, {"자", E | C}, {"냐", E | C}, {"니", E | C},
	/* connective endings */
	{"고", E | C}, {"구", E | C}, {"지만", E | C | X}, {"는데", E | C | X},
	{"은데", E | C | X}, {"데", E | C | X}, {"으나", E | C | X}, {"나", E | C | X},
	{"어서", E | C}, {"아서", E | C}, {"해서", E | C}, {"서", E | C}, {"면", E | C},
	{"으면", E | C}, {"니까", E | C}, {"으니까", E | C}, {"라서", E | C}, {"어도", E | C},
	{"아도", E | C}, {"해도", E | C}, {"며", E | C}, {"으며", E | C}, {"는데도", E | C | X},
	{"지만요", E | C | X}, {"던데", E | C | X}, {"더니", E | C}, {"었는데", E | C | X},
	{"았는데", E | C | X}, {"했는데", E | C | X}, {"긴한데", E | C | X}, {"긴하지만", E | C | X},
	{"려고", E}, {"으려고", E}, {"러", E}, {"도록", E},
	/* adnominal, adverbial, nominal, pre-final */
	{"던", E}, {"게", E}, {"지", E | J}, {"진", E | J}, {"질", E | J}, {"기", E},
	{"었", E}, {"았", E}, {"였", E}, {"겠", E}, {"어", E | C}, {"아", E | C},
	{"해", E | C}, {"하", E}, {"했", E}, {"하고", E | C}, {"하게", E}, {"하지", E | J},
	{"하니", E | C}, {"하면", E | C}, {"되", E}, {"돼", E | C}, {"됨", E | C}, {"됐", E},
	{"된", E}, {"될", E}, {"됩니다", E | C}, {"한", E}, {"할", E}, {"합니다", E | C},
	{"해요", E | C}, {"함", E | C}, {"했음", E | C}, {"했어요", E | C}, {"했다", E | C},
	{"하네요", E | C}, {"하다", E | C}, {"했네요", E | C}, {"했습니다", E | C},
	/* words that open a clause */
	{"근데", WORD | KR_STEM_OPENER}, {"그런데", WORD | KR_STEM_OPENER},
	{"하지만", WORD | KR_STEM_OPENER}, {"그러나", WORD | KR_STEM_OPENER},
	{"그치만", WORD | KR_STEM_OPENER}, {"그렇지만", WORD | KR_STEM_OPENER},
	{"반면", WORD | KR_STEM_OPENER}, {"반면에", WORD | KR_STEM_OPENER},
	{"다만", WORD | KR_STEM_OPENER}, {"그래도", WORD | KR_STEM_OPENER},
	{"그런데도", WORD | KR_STEM_OPENER}, {"그렇지만", WORD | KR_STEM_OPENER},
	{"그리고", WORD | KR_STEM_OPENER}, {"단", WORD | KR_STEM_OPENER},
	{"대신", WORD | KR_STEM_OPENER}, {"그래서", WORD | KR_STEM_OPENER},
	/* negators and intensifiers (whole words) */
	{"안", WORD | KR_STEM_NEGATOR}, {"못", WORD | KR_STEM_NEGATOR},
	{"별로", WORD | KR_STEM_NEGATOR}, {"전혀", WORD | KR_STEM_NEGATOR},
	{"절대", WORD | KR_STEM_NEGATOR}, {"결코", WORD | KR_STEM_NEGATOR},
	{"너무", WORD | KR_STEM_INTENS}, {"정말", WORD | KR_STEM_INTENS},
	{"진짜", WORD | KR_STEM_INTENS}, {"완전", WORD | KR_STEM_INTENS},
	{"엄청", WORD | KR_STEM_INTENS}, {"넘", WORD | KR_STEM_INTENS},
	{"매우", WORD | KR_STEM_INTENS}, {"아주", WORD | KR_STEM_INTENS},
	{"되게", WORD | KR_STEM_INTENS}, {"정말로", WORD | KR_STEM_INTENS},
	{"참", WORD | KR_STEM_INTENS}, {"꽤", WORD | KR_STEM_INTENS},
	{"젤", WORD | KR_STEM_INTENS}, {"제일", WORD | KR_STEM_INTENS},
	{"가장", WORD | KR_STEM_INTENS}, {"넘나", WORD | KR_STEM_INTENS},
	/* protected nouns that end like a particle or ending */
	{"최고", KEEP}, {"효과", KEEP}, {"결과", KEEP}, {"사과", KEEP}, {"과자", KEEP},
	{"크기", KEEP}, {"향기", KEEP}, {"공기", KEEP}, {"용기", KEEP}, {"전기", KEEP},
	{"바지", KEEP}, {"휴지", KEEP}, {"이미지", KEEP}, {"패키지", KEEP}, {"반지", KEEP},
	{"아이", KEEP}, {"오이", KEEP}, {"차이", KEEP}, {"나이", KEEP}, {"길이", KEEP},
	{"높이", KEEP}, {"종이", KEEP}, {"고양이", KEEP}, {"먹이", KEEP}, {"놀이", KEEP},
	{"온도", KEEP}, {"정도", KEEP}, {"속도", KEEP}, {"강도", KEEP}, {"포도", KEEP},
	{"용도", KEEP}, {"습도", KEEP}, {"별로", KEEP}, {"그대로", KEEP}, {"제대로", KEEP},
	{"따로", KEEP}, {"새로", KEEP}, {"서로", KEEP}, {"재고", KEEP}, {"창고", KEEP},
	{"광고", KEEP}, {"참고", KEEP}, {"설명서", KEEP}, {"순서", KEEP}, {"무게", KEEP},
	{"가게", KEEP}, {"필요", KEEP}, {"중요", KEEP}, {"처음", KEEP}, {"마음", KEEP},
	{"다음", KEEP}, {"얼음", KEEP}, {"소음", KEEP}, {"하나", KEEP}, {"바나나", KEEP},
	{"라면", KEEP}, {"화면", KEEP}, {"표면", KEEP}, {"가구", KEEP}, {"도구", KEEP},
	{"친구", KEEP}, {"입구", KEEP}, {"언니", KEEP}, {"치즈", KEEP}, {"기기", KEEP},
	{"이야기", KEEP}, {"얘기", KEEP}, {"평가", KEEP}, {"단가", KEEP}, {"물가", KEEP},
	{"휴가", KEEP}, {"요즘", KEEP}, {"마지막", KEEP}, {"사이", KEEP}, {"구매", KEEP},
	{"가성비", KEEP}, {"냄새", KEEP}, {"배송", KEEP}, {"택배", KEEP}, {"박스", KEEP},
	{"사이즈", KEEP}, {"디자인", KEEP}, {"다리", KEEP}, {"머리", KEEP}, {"소리", KEEP},
	{"마스크", KEEP}, {"고기", KEEP}, {"오리", KEEP}, {"어제", KEEP}, {"모기", KEEP},
	{"가루", KEEP}, {"상자", KEEP}, {"의자", KEEP}, {"모자", KEEP}, {"포장", KEEP},
	{"주문", KEEP}, {"배달", KEEP}, {"도착", KEEP}, {"재구매", KEEP}, {"생각", KEEP},
};

#define NSLOT 1024u

struct slot {
	const char *s;
	uint32_t hash;      /* full hash: most mismatches cost no memcmp */
	unsigned short len;
	unsigned flags;
};

static struct slot slots[NSLOT];
/* Per Hangul syllable, bit k - 1: some particle/ending of k syllables ends
 * with it. Lets most nouns (배송, 포장) skip the suffix lookups entirely and
 * the rest try only the suffix lengths that exist. whole[] is the same for
 * the whole-word entries (WORD, KEEP), which most words cannot be. */
static uint8_t ends[11172], whole[11172];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static uint32_t syll(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return ((uint32_t)(u[0] & 0x0F) << 12) | ((uint32_t)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
}

static uint32_t hash(const char *s, size_t n)
{
	return kr_fnv1a(s, n);
}

static void build(void)
{
	size_t i;

	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		size_t n = strlen(table[i].s);
		uint32_t full = hash(table[i].s, n), h = full & (NSLOT - 1);
		while (slots[h].s && !(slots[h].len == n && !memcmp(slots[h].s, table[i].s, n)))
			h = (h + 1) & (NSLOT - 1);
		if (slots[h].s) {
			slots[h].flags |= table[i].flags;   /* duplicate spellings merge */
			continue;
		}
		slots[h].s = table[i].s;
		slots[h].hash = full;
		slots[h].len = (unsigned short)n;
		slots[h].flags = table[i].flags;
	}
	for (i = 0; i < sizeof table / sizeof table[0]; i++) {
		size_t n = strlen(table[i].s);
		uint32_t cp = syll(table[i].s + n - 3);
		if (cp < 0xAC00 || cp > 0xD7A3 || n > 3 * 8)
			continue;   /* cannot happen: the table is whole syllables, at most 8 */
		if ((table[i].flags & (P | E)) && n <= 3 * KR_SUFFIX_MAX)
			ends[cp - 0xAC00] |= (uint8_t)(1u << (n / 3 - 1));
		if (table[i].flags & (WORD | KEEP))
			whole[cp - 0xAC00] |= (uint8_t)(1u << (n / 3 - 1));
	}
}

static unsigned lookup(const char *s, size_t n)
{
	uint32_t full = hash(s, n), h = full & (NSLOT - 1);

	while (slots[h].s) {
		if (slots[h].hash == full && slots[h].len == n && !memcmp(slots[h].s, s, n))
			return slots[h].flags;
		h = (h + 1) & (NSLOT - 1);
	}
	return 0;
}

/* WORD/KEEP flags of the word s of n syllables (other flags may come along). */
static unsigned whole_word(const char *s, size_t n)
{
	uint32_t last = syll(s + (n - 1) * 3);

	if (n > 8 || last < 0xAC00 || last > 0xD7A3 || !(whole[last - 0xAC00] & (1u << (n - 1))))
		return 0;
	return lookup(s, n * 3);
}

static void put_syll(char *p, uint32_t cp)
{
	p[0] = (char)(0xE0 | (cp >> 12));
	p[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
	p[2] = (char)(0x80 | (cp & 0x3F));
}

/* Does the stripped ending start with a syllable that follows a fused final
 * consonant (빠른+데, 합+니다, 했+어요, 할+게요)? 하/해-endings attach to
 * nouns (추천+해요), so they never undo a consonant. */
static int fuses(const char *ending)
{
	static const char *const heads[] = {"데", "니", "다", "게", "어", "까", "걸", "듯", "지"};
	size_t i;

	for (i = 0; i < sizeof heads / sizeof heads[0]; i++)
		if (!memcmp(ending, heads[i], 3))
			return 1;
	return 0;
}

size_t kr_stem_word(const char *s, size_t len, char *out, unsigned *flags)
{
	size_t n = len / 3, round;
	unsigned f = 0, w;

	pthread_once(&once, build);
	memcpy(out, s, len);
	*flags = 0;
	if (len % 3 != 0 || n == 0)
		return len;
	w = whole_word(out, n);
	if (w & (WORD | KEEP)) {
		*flags = w & ~(WORD | KEEP | P | E);
		return len;
	}
	for (round = 0; round < 4 && n > 1; round++) {
		size_t k, maxk = n - 1 < KR_SUFFIX_MAX ? n - 1 : KR_SUFFIX_MAX;
		unsigned got = 0, lens;
		{
			uint32_t last = syll(out + (n - 1) * 3);
			if (last < 0xAC00 || last > 0xD7A3 || !(lens = ends[last - 0xAC00]))
				break;
		}
		if (round > 0 && (whole_word(out, n) & KEEP))
			break;
		for (k = maxk; k >= 1; k--) {
			if (!(lens & (1u << (k - 1))))
				continue;
			got = lookup(out + (n - k) * 3, k * 3);
			if (got & (P | E))
				break;
			got = 0;
		}
		if (!got)
			break;
		/* the outermost ending decides clause/contrast; -지 counts only outermost */
		if (round == 0)
			f |= got & (C | X | J);
		f |= got & (P | E);
		n -= k;
		if ((got & E) && fuses(out + n * 3)) {
			uint32_t cp = syll(out + (n - 1) * 3);
			uint32_t jong = (cp - 0xAC00) % 28;
			/* ㄴ ㄹ ㅂ ㅆ fused with a following ending: 빠른데, 합니다, 했어요 */
			if ((jong == 4 || jong == 8 || jong == 17 || jong == 20) && cp != 0xC788 /* 있 */ &&
			    !(whole_word(out, n) & KEEP))
				put_syll(out + (n - 1) * 3, cp - jong);
		}
	}
	*flags = f;
	return n * 3;
}
