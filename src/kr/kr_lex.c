/* kr_lex.c — aspect lexicon and stop-words: parse once, look up without allocating.
 *
 * Storage: all term bytes in one heap block, entries in an open-addressing
 * table at most half full. Read-only after parsing, so one lexicon can be
 * shared by threads. A term listed twice keeps its first class (the loader
 * reports no error: curated files group terms by aspect and overlaps are
 * resolved by order, documented in docs/kr.md).
 */
#include "kr/kr_lex.h"
#include "lib/file.h"
#include "lib/utf8.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr/kr.h"
#include "kr/kr_text.h"

struct lex_slot {
	uint32_t off;      /* into terms; 0 = empty (terms[0] is a sentinel) */
	uint32_t hash;     /* lhash() of the term: most mismatches cost no memcmp */
	uint16_t len;      /* bytes */
	int8_t cls;        /* aspect id or KR_LEX_* */
	uint8_t flags;     /* enum kr_lex_flag */
};

struct kr_lex {
	char *terms;
	size_t nterms;
	struct lex_slot *slots;
	size_t nslots;     /* power of two */
	size_t max_syll;
	uint64_t prefix[1024];   /* bitmap over prefix_hash() of substring terms */
};

#define LEX_MAX_LINE 256  /* bytes of one term line; terms are short words */

static uint32_t lhash(const char *s, size_t n)
{
	uint32_t h = kr_fnv1a(s, n);

	return h ^ (h >> 15);
}

/* 16 bits from the first 6 bytes (two syllables) of s; cheaper than lhash()
 * for the substring scan, which asks at every syllable of unknown words. */
static uint32_t prefix_hash(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t a = (uint32_t)u[0] << 16 | (uint32_t)u[1] << 8 | u[2];
	uint32_t b = (uint32_t)u[3] << 16 | (uint32_t)u[4] << 8 | u[5];

	return ((a * 0x9E3779B1u) ^ (b * 0x85EBCA77u)) >> 16;
}

static int class_of(const char *s, size_t n)
{
	int a;

	if (n == 4 && !memcmp(s, "stop", 4))
		return KR_LEX_STOP;
	if (n == 4 && !memcmp(s, "keep", 4))
		return KR_LEX_KEEP;
	if (n == 1 && s[0] == '-')
		return KR_LEX_PLAIN;
	for (a = 0; a < KR_ASPECT_COUNT; a++) {
		const char *name = kr_aspect_name(a);
		if (strlen(name) == n && !memcmp(name, s, n))
			return a;
	}
	return KR_LEX_MISSING;
}

int kr_lex_lookup(const struct kr_lex *lx, const char *s, size_t n, unsigned *flags)
{
	uint32_t full;
	size_t h;

	if (flags)
		*flags = 0;
	if (!lx || n == 0 || n > 0xFFFF)
		return KR_LEX_MISSING;
	full = lhash(s, n);
	h = full & (lx->nslots - 1);
	while (lx->slots[h].off) {
		const struct lex_slot *e = &lx->slots[h];
		if (e->hash == full && e->len == n && !memcmp(lx->terms + e->off, s, n)) {
			if (flags)
				*flags = e->flags;
			return e->cls;
		}
		h = (h + 1) & (lx->nslots - 1);
	}
	return KR_LEX_MISSING;
}

int kr_lex_maybe_substr(const struct kr_lex *lx, const char *s)
{
	uint32_t h = prefix_hash(s);
	return (int)((lx->prefix[h >> 6] >> (h & 63)) & 1);
}

size_t kr_lex_max_syllables(const struct kr_lex *lx)
{
	return lx ? lx->max_syll : 0;
}

size_t kr_lex_count(const struct kr_lex *lx)
{
	return lx ? lx->nterms : 0;
}

void kr_lex_free(struct kr_lex *lx)
{
	if (!lx)
		return;
	free(lx->terms);
	free(lx->slots);
	free(lx);
}

static size_t count_lines(const char *t, size_t len)
{
	size_t i, n = 1;

	for (i = 0; i < len; i++)
		if (t[i] == '\n')
			n++;
	return n;
}

int kr_lex_parse(struct kr_lex **out, const char *name, const char *text, size_t len, char *err,
    size_t errlen)
{
	struct kr_lex *lx = NULL;
	size_t pos = 0, lineno = 0, toff = 1;
	int rc = -1;

	*out = NULL;
	if (kr_text_validate(text, len) < 0) {
		snprintf(err, errlen, "%s: not valid UTF-8", name);
		goto out;
	}
	lx = calloc(1, sizeof *lx);
	if (!lx)
		goto oom;
	lx->nslots = 64;
	while (lx->nslots < count_lines(text, len) * 2)
		lx->nslots <<= 1;
	lx->slots = calloc(lx->nslots, sizeof *lx->slots);
	lx->terms = malloc(len + 2);
	if (!lx->slots || !lx->terms)
		goto oom;
	lx->terms[0] = '\0';
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos;
		const char *tab, *tab2, *cls_s;
		size_t tl, cl, syl, k;
		int cls;
		unsigned fl = KR_LEX_SUBSTR;
		size_t h;
		uint32_t full;

		pos += ll + (nl ? 1 : 0);
		lineno++;
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll == 0 || line[0] == '#')
			continue;
		if (ll > LEX_MAX_LINE) {
			snprintf(err, errlen, "%s:%zu: line longer than %d bytes", name, lineno, LEX_MAX_LINE);
			goto out;
		}
		tab = memchr(line, '\t', ll);
		if (!tab || tab == line) {
			snprintf(err, errlen, "%s:%zu: expected term<TAB>class", name, lineno);
			goto out;
		}
		tl = (size_t)(tab - line);
		if (!utf8_valid(line, tl) || memchr(line, '\0', tl) != NULL) {
			snprintf(err, errlen, "%s:%zu: term is not valid UTF-8 text", name, lineno);
			goto out;
		}
		cls_s = tab + 1;
		tab2 = memchr(cls_s, '\t', ll - tl - 1);
		cl = tab2 ? (size_t)(tab2 - cls_s) : ll - tl - 1;
		if (tab2) {
			const char *f = tab2 + 1, *end = line + ll;
			while (f < end) {
				const char *c = memchr(f, ',', (size_t)(end - f));
				size_t fl_len = c ? (size_t)(c - f) : (size_t)(end - f);
				if (fl_len == 5 && !memcmp(f, "exact", 5))
					fl &= ~(unsigned)KR_LEX_SUBSTR;
				else if (fl_len == 3 && !memcmp(f, "pos", 3))
					fl |= KR_LEX_POSW;
				else if (fl_len == 3 && !memcmp(f, "neg", 3))
					fl |= KR_LEX_NEGW;
				else {
					snprintf(err, errlen, "%s:%zu: flags are exact, pos, neg", name, lineno);
					goto out;
				}
				f += fl_len + 1;
			}
		}
		cls = class_of(cls_s, cl);
		if (cls == KR_LEX_MISSING) {
			snprintf(err, errlen, "%s:%zu: unknown class \"%.*s\"", name, lineno, (int)cl, cls_s);
			goto out;
		}
		for (k = 0, syl = 0; k < tl; k++)
			if (((unsigned char)line[k] & 0xC0) != 0x80)
				syl++;
		/* substring search keys on a 6-byte prefix: 2+ Hangul syllables */
		if (syl < 2 || tl < 6)
			fl &= ~(unsigned)KR_LEX_SUBSTR;
		if (kr_lex_lookup(lx, line, tl, NULL) != KR_LEX_MISSING)
			continue;   /* first listing wins */
		memcpy(lx->terms + toff, line, tl);
		full = lhash(line, tl);
		h = full & (lx->nslots - 1);
		while (lx->slots[h].off)
			h = (h + 1) & (lx->nslots - 1);
		lx->slots[h].off = (uint32_t)toff;
		lx->slots[h].hash = full;
		lx->slots[h].len = (uint16_t)tl;
		lx->slots[h].cls = (int8_t)cls;
		lx->slots[h].flags = (uint8_t)fl;
		toff += tl;
		lx->nterms++;
		if (fl & KR_LEX_SUBSTR) {
			uint32_t ph = prefix_hash(line);   /* >= 2 syllables, >= 6 bytes */
			if (syl > lx->max_syll)
				lx->max_syll = syl;
			lx->prefix[ph >> 6] |= (uint64_t)1 << (ph & 63);
		}
	}
	*out = lx;
	lx = NULL;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory", name);
out:
	kr_lex_free(lx);
	return rc;
}

int kr_lex_load(struct kr_lex **out, const char *path, char *err, size_t errlen)
{
	size_t n;
	char *buf;
	int rc;

	*out = NULL;
	if ((buf = file_read_all(path, (size_t)4 << 20, &n, err, errlen)) == NULL)
		return -1;
	rc = kr_lex_parse(out, path, buf, n, err, errlen);
	free(buf);
	return rc;
}
