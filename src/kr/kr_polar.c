/* kr_polar.c — polarity lexicon: parse once, match code point sequences
 * without allocating. Storage: term code points in one block, entries in an
 * open-addressing table at most half full, plus a bitmap over the first two
 * code points of every term so most positions cost one bit test.
 */
#include "kr/kr_polar.h"
#include "lib/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr/kr_text.h"

struct polar_slot {
	uint32_t off;      /* into cps; 0 = empty (cps[0] is a sentinel) */
	uint8_t len;       /* code points */
	uint8_t cls;
};

struct kr_polar {
	uint32_t *cps;
	size_t ncps, nterms;
	struct polar_slot *slots;
	size_t nslots;     /* power of two */
	size_t maxlen;
	uint64_t hash;
	unsigned nclasses;
	char classes[KR_POLAR_MAX_CLASSES][16];
	uint32_t seeds[KR_POLAR_MAX_CLASSES];
	uint64_t pair[1024];   /* bitmap over hashes of the first two code points */
};

#define POLAR_MAX_LINE 256

static uint32_t chash(const uint32_t *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return h ^ (h >> 15);
}

static uint32_t pair_hash(uint32_t a, uint32_t b)
{
	return ((a * 0x9E3779B1u) ^ (b * 0x85EBCA77u)) >> 16;
}

static size_t lookup(const struct kr_polar *pl, const uint32_t *s, size_t n, unsigned *cls)
{
	size_t h = chash(s, n) & (pl->nslots - 1);

	while (pl->slots[h].off) {
		const struct polar_slot *e = &pl->slots[h];
		if (e->len == n && !memcmp(pl->cps + e->off, s, n * sizeof *s)) {
			*cls = e->cls;
			return n;
		}
		h = (h + 1) & (pl->nslots - 1);
	}
	return 0;
}

static inline size_t match(const struct kr_polar *pl, const uint32_t *seq, size_t n, unsigned *cls)
{
	size_t k, ph;

	ph = pair_hash(seq[0], seq[1]);
	if (!((pl->pair[ph >> 6] >> (ph & 63)) & 1))
		return 0;
	for (k = pl->maxlen < n ? pl->maxlen : n; k >= 2; k--)
		if (lookup(pl, seq, k, cls))
			return k;
	return 0;
}

size_t kr_polar_match(const struct kr_polar *pl, const uint32_t *seq, size_t n, unsigned *cls)
{
	if (!pl || n < 2)
		return 0;
	return match(pl, seq, n, cls);
}

size_t kr_polar_next(const struct kr_polar *pl, const uint32_t *seq, size_t n, size_t i,
    size_t *len, unsigned *cls)
{
	if (pl)
		for (; i + 1 < n; i++)
			if ((*len = match(pl, seq + i, n - i, cls)) != 0)
				return i;
	return n;
}

uint32_t kr_polar_class_seed(const struct kr_polar *pl, unsigned cls)
{
	return cls < pl->nclasses ? pl->seeds[cls] : 0;
}

uint64_t kr_polar_hash(const struct kr_polar *pl)
{
	return pl ? pl->hash : 0;
}

size_t kr_polar_count(const struct kr_polar *pl)
{
	return pl ? pl->nterms : 0;
}

void kr_polar_free(struct kr_polar *pl)
{
	if (!pl)
		return;
	free(pl->cps);
	free(pl->slots);
	free(pl);
}

/* Decode validated UTF-8; returns code points written (at most max + 1). */
static size_t decode(const char *s, size_t n, uint32_t *out, size_t max)
{
	size_t i = 0, k = 0;

	while (i < n && k <= max) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4, j;
		cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
		for (j = 1; j < len && i + j < n; j++)
			cp = cp << 6 | ((unsigned char)s[i + j] & 0x3F);
		out[k++] = cp;
		i += len;
	}
	return k;
}

static uint64_t fnv64(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	return h;
}

int kr_polar_parse(struct kr_polar **out, const char *name, const char *text, size_t len,
    char *err, size_t errlen)
{
	struct kr_polar *pl = NULL;
	size_t pos = 0, lineno = 0, lines = 1, i;
	int rc = -1;

	*out = NULL;
	if (kr_text_validate(text, len) < 0) {
		snprintf(err, errlen, "%s: not valid UTF-8", name);
		goto out;
	}
	for (i = 0; i < len; i++)
		if (text[i] == '\n')
			lines++;
	pl = calloc(1, sizeof *pl);
	if (!pl)
		goto oom;
	pl->nslots = 64;
	while (pl->nslots < lines * 2)
		pl->nslots <<= 1;
	pl->slots = calloc(pl->nslots, sizeof *pl->slots);
	pl->cps = malloc((lines * KR_POLAR_MAX_TERM + 1) * sizeof *pl->cps);
	if (!pl->slots || !pl->cps)
		goto oom;
	pl->cps[0] = 0;
	pl->ncps = 1;
	pl->hash = 14695981039346656037ull;
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos, tl, cl, ncp, h, ph;
		const char *tab, *cs;
		uint32_t term[KR_POLAR_MAX_TERM + 1];
		unsigned cls, dummy;

		pos += ll + (nl ? 1 : 0);
		lineno++;
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll == 0 || line[0] == '#')
			continue;
		if (ll > POLAR_MAX_LINE) {
			snprintf(err, errlen, "%s:%zu: line longer than %d bytes", name, lineno, POLAR_MAX_LINE);
			goto out;
		}
		tab = memchr(line, '\t', ll);
		if (!tab || tab == line || tab + 1 == line + ll) {
			snprintf(err, errlen, "%s:%zu: expected term<TAB>class", name, lineno);
			goto out;
		}
		tl = (size_t)(tab - line);
		cs = tab + 1;
		cl = ll - tl - 1;
		for (i = 0; i < cl; i++)
			if (!(cs[i] >= 'a' && cs[i] <= 'z'))
				break;
		if (i < cl || cl >= sizeof pl->classes[0]) {
			snprintf(err, errlen, "%s:%zu: class must be 1..15 letters a-z", name, lineno);
			goto out;
		}
		ncp = decode(line, tl, term, KR_POLAR_MAX_TERM);
		if (ncp < 2 || ncp > KR_POLAR_MAX_TERM) {
			snprintf(err, errlen, "%s:%zu: term must be 2..%d characters", name, lineno,
			    KR_POLAR_MAX_TERM);
			goto out;
		}
		for (i = 0; i < ncp; i++)
			if (term[i] == ' ' || term[i] < 0x20) {
				snprintf(err, errlen, "%s:%zu: term contains a space", name, lineno);
				goto out;
			}
		for (cls = 0; cls < pl->nclasses; cls++)
			if (strlen(pl->classes[cls]) == cl && !memcmp(pl->classes[cls], cs, cl))
				break;
		if (cls == pl->nclasses) {
			if (cls == KR_POLAR_MAX_CLASSES) {
				snprintf(err, errlen, "%s:%zu: more than %d classes", name, lineno,
				    KR_POLAR_MAX_CLASSES);
				goto out;
			}
			memcpy(pl->classes[cls], cs, cl);
			pl->classes[cls][cl] = '\0';
			pl->seeds[cls] = (uint32_t)fnv64(14695981039346656037ull, cs, cl) | 1u;
			pl->nclasses++;
		}
		if (lookup(pl, term, ncp, &dummy))
			continue;   /* first listing wins */
		memcpy(pl->cps + pl->ncps, term, ncp * sizeof *term);
		h = chash(term, ncp) & (pl->nslots - 1);
		while (pl->slots[h].off)
			h = (h + 1) & (pl->nslots - 1);
		pl->slots[h].off = (uint32_t)pl->ncps;
		pl->slots[h].len = (uint8_t)ncp;
		pl->slots[h].cls = (uint8_t)cls;
		pl->ncps += ncp;
		pl->nterms++;
		if (ncp > pl->maxlen)
			pl->maxlen = ncp;
		ph = pair_hash(term[0], term[1]);
		pl->pair[ph >> 6] |= (uint64_t)1 << (ph & 63);
		pl->hash = fnv64(pl->hash, line, tl);
		pl->hash = fnv64(pl->hash, "\t", 1);
		pl->hash = fnv64(pl->hash, cs, cl);
		pl->hash = fnv64(pl->hash, "\n", 1);
	}
	if (!pl->hash)
		pl->hash = 1;
	*out = pl;
	pl = NULL;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory", name);
out:
	kr_polar_free(pl);
	return rc;
}

int kr_polar_load(struct kr_polar **out, const char *path, char *err, size_t errlen)
{
	size_t n;
	char *buf;
	int rc;

	*out = NULL;
	if ((buf = file_read_all(path, (size_t)1 << 20, &n, err, errlen)) == NULL)
		return -1;
	rc = kr_polar_parse(out, path, buf, n, err, errlen);
	free(buf);
	return rc;
}
