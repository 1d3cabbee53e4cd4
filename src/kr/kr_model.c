/* kr_model.c — load (mmap, validate) and write the sentiment model file.
 *
 * The mapping is PROT_READ/MAP_SHARED, so every pre-forked worker that opens
 * the same file shares its pages; nothing in the weights is ever written.
 * All validation happens before the model is handed out: a truncated,
 * oversized or corrupted file yields an error message, never a crash.
 */
#include "kr/kr_model.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef REVLENS_DATADIR
#define REVLENS_DATADIR "/usr/local/share/revlens"
#endif

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static float rdf(const unsigned char *p)
{
	uint32_t u = rd32(p);
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

static void wr32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void wr64(unsigned char *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

static void wrf(unsigned char *p, float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	wr32(p, u);
}

static int little_endian(void)
{
	const uint16_t one = 1;
	return *(const unsigned char *)&one == 1;
}

uint64_t kr_model_checksum(const void *buf, size_t n)
{
	const unsigned char *p = buf;
	uint64_t h = 14695981039346656037ull;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8)
		h = (h ^ rd64(p + i)) * 1099511628211ull;
	return h;
}

int kr_model_check(struct kr_model *m, const void *buf, size_t len, char *err, size_t errlen)
{
	const unsigned char *p = buf;
	uint32_t ver, hsz, fver, bits;
	uint64_t payload, sum;
	float scale, bias;

	if (len < KR_MODEL_HEADER) {
		snprintf(err, errlen, "truncated: %zu bytes, header needs %u", len, KR_MODEL_HEADER);
		return -1;
	}
	if (memcmp(p, KR_MODEL_MAGIC, 8) != 0) {
		snprintf(err, errlen, "bad magic: not a revlens Korean sentiment model");
		return -1;
	}
	ver = rd32(p + 8);
	hsz = rd32(p + 12);
	fver = rd32(p + 16);
	bits = rd32(p + 20);
	if (ver != KR_MODEL_VERSION) {
		snprintf(err, errlen, "format version %u, this build reads %u", ver, KR_MODEL_VERSION);
		return -1;
	}
	if (hsz != KR_MODEL_HEADER) {
		snprintf(err, errlen, "header size %u, expected %u", hsz, KR_MODEL_HEADER);
		return -1;
	}
	if (fver != KR_MODEL_FEATURE_VERSION) {
		snprintf(err, errlen, "feature version %u, this build extracts %u: retrain the model", fver,
		    KR_MODEL_FEATURE_VERSION);
		return -1;
	}
	if (bits < KR_MODEL_MIN_BITS || bits > KR_MODEL_MAX_BITS) {
		snprintf(err, errlen, "hash bits %u outside %u..%u", bits, KR_MODEL_MIN_BITS,
		    KR_MODEL_MAX_BITS);
		return -1;
	}
	if (p[24] < 1 || p[25] > 6 || p[24] > p[25] || p[26] || p[27] || rd32(p + 28) & ~(uint32_t)KR_FEAT_ALL) {
		snprintf(err, errlen, "bad feature configuration in header");
		return -1;
	}
	payload = rd64(p + 40);
	if (payload != (uint64_t)2 << bits) {
		snprintf(err, errlen, "payload size %llu does not match 2^%u weights",
		    (unsigned long long)payload, bits);
		return -1;
	}
	if ((uint64_t)len != KR_MODEL_HEADER + payload) {
		snprintf(err, errlen, "%s: file is %zu bytes, header says %llu",
		    (uint64_t)len < KR_MODEL_HEADER + payload ? "truncated" : "trailing bytes", len,
		    (unsigned long long)(KR_MODEL_HEADER + payload));
		return -1;
	}
	scale = rdf(p + 32);
	bias = rdf(p + 36);
	if (!(scale > 0.0f && scale < 1.0f) || !(bias > -100.0f && bias < 100.0f)) {
		snprintf(err, errlen, "scale or bias out of range");
		return -1;
	}
	sum = kr_model_checksum(p + KR_MODEL_HEADER, (size_t)payload);
	if (sum != rd64(p + 48)) {
		snprintf(err, errlen, "checksum mismatch: file is corrupt");
		return -1;
	}
	if (!little_endian()) {
		snprintf(err, errlen, "model weights are little-endian; this host is not");
		return -1;
	}
	m->w = (const int16_t *)(p + KR_MODEL_HEADER);
	m->bits = bits;
	m->shift = 32 - bits;
	m->scale = scale;
	m->bias = bias;
	m->cfg.nmin = p[24];
	m->cfg.nmax = p[25];
	m->cfg.flags = rd32(p + 28);
	m->cfg.polar = NULL;
	m->polar_hash = rd64(p + 56);
	if (!(m->cfg.flags & KR_FEAT_LEX) != !m->polar_hash) {
		snprintf(err, errlen, "bad feature configuration in header (polarity lexicon hash)");
		return -1;
	}
	return 0;
}

const char *kr_model_default_path(void)
{
	const char *env = getenv("REVLENS_KR_MODEL");
	return env && *env ? env : REVLENS_DATADIR "/sentiment.model";
}

/* "DIR/name" for the directory of path (heap; NULL when out of memory). */
static char *beside(const char *path, const char *name)
{
	const char *slash = strrchr(path, '/');
	size_t dl = slash ? (size_t)(slash - path) + 1 : 0, nl = strlen(name) + 1;
	char *p = malloc(dl + nl);

	if (p != NULL) {
		memcpy(p, path, dl);
		memcpy(p + dl, name, nl);
	}
	return p;
}

int kr_model_open(struct kr_model **out, const char *model_path, const char *lexicon_path,
    char *err, size_t errlen)
{
	struct kr_model *m = NULL;
	char *lexpath = NULL, msg[KR_ERR_MAX];
	struct stat st;
	int fd = -1, rc = -1;

	*out = NULL;
	m = calloc(1, sizeof *m);
	if (!m) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	fd = open(model_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", model_path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 1) {
		snprintf(err, errlen, "%s: truncated: empty or not a regular file", model_path);
		goto out;
	}
	m->maplen = (size_t)st.st_size;
	m->map = mmap(NULL, m->maplen, PROT_READ, MAP_SHARED, fd, 0);
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		snprintf(err, errlen, "%s: mmap: %s", model_path, strerror(errno));
		goto out;
	}
	if (kr_model_check(m, m->map, m->maplen, msg, sizeof msg) < 0) {
		snprintf(err, errlen, "%s: %s", model_path, msg);
		goto out;
	}
	if (!lexicon_path) {
		if ((lexpath = beside(model_path, "aspects.tsv")) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		lexicon_path = lexpath;
	}
	if (kr_lex_load(&m->lex, lexicon_path, err, errlen) < 0)
		goto out;
	if (m->cfg.flags & KR_FEAT_LEX) {
		/* the polarity lexicon always lives beside the model: it is part of it */
		free(lexpath);
		if ((lexpath = beside(model_path, "polarity.tsv")) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (kr_polar_load(&m->polar, lexpath, err, errlen) < 0)
			goto out;
		if (kr_polar_hash(m->polar) != m->polar_hash) {
			snprintf(err, errlen, "%s: does not match the model %s (retrain the model)", lexpath,
			    model_path);
			goto out;
		}
		m->cfg.polar = m->polar;
	}
	*out = m;
	m = NULL;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(lexpath);
	kr_model_close(m);
	return rc;
}

void kr_model_close(struct kr_model *m)
{
	if (!m)
		return;
	if (m->map)
		munmap(m->map, m->maplen);
	kr_lex_free(m->lex);
	kr_polar_free(m->polar);
	free(m);
}

int kr_model_write(const char *path, const struct kr_feat_cfg *cfg, uint32_t bits,
    const int16_t *w, float scale, float bias, char *err, size_t errlen)
{
	unsigned char hdr[KR_MODEL_HEADER];
	unsigned char *payload = NULL;
	size_t n = (size_t)1 << bits, i, plen = 2 * n;
	char *tmp = NULL;
	FILE *fp = NULL;
	int rc = -1;

	memset(hdr, 0, sizeof hdr);
	payload = malloc(plen);
	tmp = malloc(strlen(path) + 5);
	if (!payload || !tmp) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		uint16_t v = (uint16_t)w[i];
		payload[2 * i] = (unsigned char)v;
		payload[2 * i + 1] = (unsigned char)(v >> 8);
	}
	memcpy(hdr, KR_MODEL_MAGIC, 8);
	wr32(hdr + 8, KR_MODEL_VERSION);
	wr32(hdr + 12, KR_MODEL_HEADER);
	wr32(hdr + 16, KR_MODEL_FEATURE_VERSION);
	wr32(hdr + 20, bits);
	hdr[24] = cfg->nmin;
	hdr[25] = cfg->nmax;
	wr32(hdr + 28, cfg->flags);
	wrf(hdr + 32, scale);
	wrf(hdr + 36, bias);
	wr64(hdr + 40, plen);
	wr64(hdr + 48, kr_model_checksum(payload, plen));
	if (cfg->flags & KR_FEAT_LEX) {
		if (!cfg->polar) {
			snprintf(err, errlen, "%s: KR_FEAT_LEX without a polarity lexicon", path);
			goto out;
		}
		wr64(hdr + 56, kr_polar_hash(cfg->polar));
	}
	sprintf(tmp, "%s.tmp", path);
	fp = fopen(tmp, "wb");
	if (!fp) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	{
		int ok = fwrite(hdr, 1, sizeof hdr, fp) == sizeof hdr &&
		    fwrite(payload, 1, plen, fp) == plen;
		if (fclose(fp) != 0)
			ok = 0;
		fp = NULL;
		if (!ok) {
			snprintf(err, errlen, "%s: write failed", tmp);
			unlink(tmp);
			goto out;
		}
	}
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	if (fp)
		fclose(fp);
	free(payload);
	free(tmp);
	return rc;
}
