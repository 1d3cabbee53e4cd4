/* kr_text.c — UTF-8 validation, normalisation and tokenisation of reviews.
 *
 * Invariants: the output never contains two spaces in a row, a leading or
 * trailing space, a control character, or a run of more than two identical
 * non-digit characters. Hot path: one pass decodes, folds and tokenises;
 * utf8proc is consulted only when a code point outside the "already
 * NFC-stable" ranges shows up (conjoining jamo, combining marks, rare
 * scripts), and then into arena memory, so nothing here calls malloc.
 */
#include "kr/kr_text.h"

#include <string.h>
#include <utf8proc.h>

void kr_arena_init(struct kr_arena *a, void *mem, size_t cap)
{
	a->base = mem;
	a->cap = cap;
	a->used = 0;
}

void *kr_arena_alloc(struct kr_arena *a, size_t n)
{
	size_t at = (a->used + 7u) & ~(size_t)7u;

	if (at > a->cap || n > a->cap - at)
		return NULL;
	a->used = at + n;
	return a->base + at;
}

static inline size_t put_utf8(char *out, uint32_t cp)
{
	unsigned char *o = (unsigned char *)out;

	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t kr_text_put_utf8(char *out, uint32_t cp)
{
	return put_utf8(out, cp);
}

/* Decode one code point at s[*i]; advances *i. Returns -1 if malformed. */
static inline int32_t decode(const unsigned char *s, size_t len, size_t *i)
{
	size_t p = *i;
	unsigned c = s[p];
	uint32_t cp, min;
	size_t n, k;

	if (c < 0x80) {
		*i = p + 1;
		return (int32_t)c;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 1;
		cp = c & 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 2;
		cp = c & 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 3;
		cp = c & 0x07;
		min = 0x10000;
	} else {
		return -1;
	}
	if (len - p - 1 < n)
		return -1;
	for (k = 1; k <= n; k++) {
		unsigned d = s[p + k];
		if ((d & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (d & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*i = p + n + 1;
	return (int32_t)cp;
}

/* Is p[0..3) a three-byte sequence that can be neither overlong nor a
 * surrogate (lead E1..EC, or ED below the surrogates)? All of Hangul is. */
static inline int plain3(const unsigned char *p)
{
	return ((p[0] >= 0xE1 && p[0] <= 0xEC) || (p[0] == 0xED && p[1] < 0xA0)) &&
	    (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80;
}

int kr_text_validate(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if (decode(u, len, &i) < 0)
			return -1;
	}
	return 0;
}

/* Code points for which NFC is the identity whatever follows them and which
 * do not compose with a predecessor: no need to call utf8proc. */
static int nfc_stable(uint32_t cp)
{
	if (cp < 0x300)
		return 1;
	if (cp >= 0xAC00 && cp <= 0xD7A3)
		return 1;   /* a syllable can absorb a following trailing jamo, caught below */
	if (cp >= 0x3130 && cp <= 0x318F)
		return 1;   /* compatibility jamo never compose */
	if (cp >= 0x2000 && cp <= 0x2BFF && !(cp >= 0x20D0 && cp <= 0x20FF))
		return 1;
	if (cp >= 0x3000 && cp <= 0x303F)
		return 1;
	if (cp >= 0x4E00 && cp <= 0x9FFF)
		return 1;
	if (cp >= 0xFF00 && cp <= 0xFFEF)
		return 1;
	if (cp >= 0x1F000 && cp <= 0x1FAFF)
		return 1;
	return 0;
}

static int is_space(uint32_t cp)
{
	return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0xA0 || cp == 0x1680 ||
	    (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
	    cp == 0x205F || cp == 0x3000 || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
}

static int is_dropped(uint32_t cp)
{
	return cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0x2060 || cp == 0xFEFF ||
	    (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
	    (cp >= 0xE0100 && cp <= 0xE01EF);
}

static uint8_t tclass(uint32_t cp)
{
	if (cp >= 0xAC00 && cp <= 0xD7A3)
		return KR_TC_HANGUL;
	if ((cp >= 0x3131 && cp <= 0x318E) || (cp >= 0x1100 && cp <= 0x11FF))
		return KR_TC_JAMO;
	if (cp >= 'a' && cp <= 'z')
		return KR_TC_LATIN;
	if (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7)
		return KR_TC_LATIN;
	if (cp >= '0' && cp <= '9')
		return KR_TC_DIGIT;
	if (cp < 0x80 || (cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x3000 && cp <= 0x303F) ||
	    (cp >= 0xA1 && cp <= 0xBF) || cp == 0xB7 || (cp >= 0xFF01 && cp <= 0xFF65) ||
	    cp == 0x318D || cp == 0x119E)
		return KR_TC_PUNCT;
	return KR_TC_OTHER;
}

static int closes_clause(uint32_t cp)
{
	return cp == '.' || cp == ',' || cp == '!' || cp == '?' || cp == '~' || cp == ';' ||
	    cp == 0x2026 || cp == 0x3002 || cp == 0x3001 || cp == 0xB7 || cp == 0x318D ||
	    cp == '^' || cp == '/';
}

/* Fold one code point: width, case, spaces. Returns 0 to drop it. */
static uint32_t fold(uint32_t cp)
{
	/* fast paths for what reviews are made of; same results as below */
	if (cp >= 0xAC00 && cp <= 0xD7A3)
		return cp;
	if (cp < 0x80)
		return cp < 0x20 || cp == 0x7F ? ' ' : cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp;
	if (is_dropped(cp))
		return 0;
	if (is_space(cp))
		return ' ';
	if (cp >= 0xFF01 && cp <= 0xFF5E)
		cp -= 0xFEE0;
	if (cp >= 'A' && cp <= 'Z')
		cp += 'a' - 'A';
	else if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7))
		cp += 0x20;
	return cp;
}

/* NFC of s into arena as UTF-32; returns count or -1. Only on the slow path. */
static long nfc_utf32(const char *s, size_t len, int32_t **out, struct kr_arena *a)
{
	/* Canonical decomposition yields at most 1.5 code points per byte
	 * (U+01D5: 2 bytes, 3 code points; ᾂ: 3 bytes, 4), so one buffer of that
	 * size does; should a later Unicode need more, utf8proc returns the size
	 * it needs and we ask once more. */
	utf8proc_ssize_t n, cap = (utf8proc_ssize_t)(len + len / 2 + 8);
	int32_t *buf = kr_arena_alloc(a, (size_t)cap * sizeof *buf);

	if (!buf)
		return -1;
	/* utf8proc works on whole strings; decompose then recompose in place. */
	n = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, buf, cap,
	    UTF8PROC_STABLE | UTF8PROC_DECOMPOSE);
	if (n > cap) {
		cap = n;
		if (!(buf = kr_arena_alloc(a, (size_t)cap * sizeof *buf)))
			return -1;
		n = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, buf, cap,
		    UTF8PROC_STABLE | UTF8PROC_DECOMPOSE);
	}
	if (n < 0 || n > cap)
		return -1;
	n = utf8proc_normalize_utf32(buf, n, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (n < 0)
		return -1;
	*out = buf;
	return (long)n;
}

/* The output side of kr_text_normalize(): takes the decoded text one code
 * point at a time and folds, squeezes and tokenises it straight into cps,
 * text and toks. */
struct norm {
	uint32_t *cps;
	char *text;
	struct kr_tok *toks;
	size_t n, off, nt;
	uint32_t p1, p2;     /* the last two code points kept, spaces included */
	int space;           /* a space is pending: written before the next character */
	int new_eojeol;
};

static void norm_init(struct norm *o, uint32_t *cps, char *text, struct kr_tok *toks)
{
	o->cps = cps;
	o->text = text;
	o->toks = toks;
	o->n = o->off = o->nt = 0;
	o->p1 = o->p2 = ' ';
	o->space = 0;
	o->new_eojeol = 1;
}

static inline void norm_put(struct norm *o, uint32_t cp)
{
	struct kr_tok *t;
	uint8_t c;
	size_t w;

	cp = fold(cp);
	if (cp == 0)
		return;
	if (cp == ' ' && o->p1 == ' ')
		return;
	if (cp == o->p1 && cp == o->p2 && !(cp >= '0' && cp <= '9'))
		return;
	o->p2 = o->p1;
	o->p1 = cp;
	if (cp == ' ') {
		o->space = 1;   /* a trailing space is never written */
		return;
	}
	if (o->space) {
		o->cps[o->n++] = ' ';
		o->text[o->off++] = ' ';
		o->new_eojeol = 1;
		o->space = 0;
	}
	c = tclass(cp);
	t = o->nt ? &o->toks[o->nt - 1] : NULL;
	if (o->new_eojeol || !t || t->cls != c ||
	    (c == KR_TC_OTHER && o->cps[o->n - 1] != cp) ||
	    (c == KR_TC_PUNCT && t->clause_end != closes_clause(cp))) {
		t = &o->toks[o->nt++];
		t->off = (uint32_t)o->off;
		t->len = 0;
		t->cp = (uint32_t)o->n;
		t->ncp = 0;
		t->cls = c;
		t->eojeol_start = (uint8_t)o->new_eojeol;
		t->clause_end = (uint8_t)(c == KR_TC_PUNCT && closes_clause(cp));
	}
	o->new_eojeol = 0;
	w = put_utf8(o->text + o->off, cp);
	o->off += w;
	t->len += (uint32_t)w;
	t->ncp++;
	o->cps[o->n++] = cp;
}

/* One pass decodes, validates and normalises. A code point that NFC might
 * change (rare) sends the whole text through utf8proc, and the folding
 * starts over on its output. */
int kr_text_normalize(const char *s, size_t len, struct kr_doc *doc, struct kr_arena *arena)
{
	const unsigned char *u = (const unsigned char *)s;
	int32_t *pre = NULL;
	long k = 0, npre = 0;
	size_t i = 0, cut = len;
	uint32_t *cps;
	char *text;
	struct kr_tok *toks;
	struct norm o;

	memset(doc, 0, sizeof *doc);
	if (len > KR_MAX_TEXT) {
		/* cut at a character boundary */
		cut = KR_MAX_TEXT;
		while (cut > 0 && (u[cut] & 0xC0) == 0x80)
			cut--;
		doc->truncated = 1;
		if (kr_text_validate(s + cut, len - cut) < 0)
			return -1;
	}
	cps = kr_arena_alloc(arena, (cut + 1) * sizeof *cps);
	text = kr_arena_alloc(arena, cut * 4 + 1);
	toks = kr_arena_alloc(arena, (cut + 1) * sizeof *toks);
	if (!cps || !text || !toks)
		return -1;
	norm_init(&o, cps, text, toks);
	for (;;) {
		uint32_t cp;
		if (pre) {
			if (k >= npre)
				break;
			cp = (uint32_t)pre[k++];
		} else if (i >= cut) {
			break;
		} else if (u[i] < 0x80) {
			cp = u[i++];
		} else {
			if (cut - i >= 3 && plain3(u + i)) {
				cp = (uint32_t)(u[i] & 0x0F) << 12 | (uint32_t)(u[i + 1] & 0x3F) << 6 |
				    (u[i + 2] & 0x3F);
				i += 3;
			} else {
				int32_t d = decode(u, cut, &i);
				if (d < 0)
					return -1;
				cp = (uint32_t)d;
			}
			if (!nfc_stable(cp)) {
				if (kr_text_validate(s + i, cut - i) < 0)
					return -1;
				npre = nfc_utf32(s, cut, &pre, arena);
				/* cps and toks hold cut + 1 entries: NFC never yields more
				 * code points than the UTF-8 had bytes (true of every code
				 * point in utf8proc 2.8); refuse rather than trust it */
				if (npre < 0 || npre > (long)cut)
					return -1;
				norm_init(&o, cps, text, toks);
				continue;
			}
		}
		norm_put(&o, cp);
	}
	text[o.off] = '\0';
	doc->len = o.off;
	doc->text = text;
	doc->cps = cps;
	doc->ncps = o.n;
	doc->toks = toks;
	doc->ntoks = o.nt;
	return 0;
}
