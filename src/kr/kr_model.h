/* kr_model.h — the sentiment model file: layout, mmap loading, writing.
 *
 * File layout (all integers and floats little-endian, IEEE-754 binary32):
 *   off size field
 *     0    8 magic "RVLKRMOD"
 *     8    4 format version (KR_MODEL_VERSION)
 *    12    4 header size (64)
 *    16    4 feature version (KR_MODEL_FEATURE_VERSION: the kr_feat hashing)
 *    20    4 hash bits B (16..24): the table has 2^B weights
 *    24    1 n-gram nmin, 25 1 nmax, 26 2 zero
 *    28    4 feature flags (enum kr_feat_flag)
 *    32    4 float scale: weight = int16 * scale
 *    36    4 float bias (log-odds of "pos" with no features)
 *    40    8 payload bytes (= 2 * 2^B)
 *    48    8 checksum: FNV-1a 64 over the payload read as little-endian u64 words
 *    56    8 kr_polar_hash() of the polarity lexicon when flags has
 *             KR_FEAT_LEX, else zero
 *    64      int16 weights[2^B]
 * The file size must be exactly 64 + payload bytes. Loading validates every
 * field and the checksum before the model is used; on a big-endian host the
 * loader refuses the file rather than converting a shared mapping.
 */
#ifndef REVLENS_KR_MODEL_H
#define REVLENS_KR_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "kr/kr.h"
#include "kr/kr_feat.h"
#include "kr/kr_lex.h"
#include "kr/kr_polar.h"

#define KR_MODEL_MAGIC "RVLKRMOD"
#define KR_MODEL_VERSION 1u
#define KR_MODEL_FEATURE_VERSION 2u
#define KR_MODEL_HEADER 64u
#define KR_MODEL_MIN_BITS 16u
#define KR_MODEL_MAX_BITS 24u

struct kr_model {
	void *map;              /* mmap'd file, read-only, shared */
	size_t maplen;          /* bytes */
	const int16_t *w;       /* 2^bits weights inside map */
	uint32_t bits;
	uint32_t shift;         /* 32 - bits: index = hash >> shift */
	float scale, bias;
	struct kr_feat_cfg cfg;
	struct kr_lex *lex;     /* owned */
	struct kr_polar *polar; /* owned; KR_FEAT_LEX models only (cfg.polar points here) */
	uint64_t polar_hash;    /* header field: the lexicon the model was trained with */
};

/* Validate a model image in memory (len bytes). Fills m's weight fields (not
 * map/lex/polar; cfg.polar is left NULL). Returns -1 with a message in err on any inconsistency. */
int kr_model_check(struct kr_model *m, const void *buf, size_t len, char *err, size_t errlen);

/* Write a model file atomically (temp file + rename). w has 2^bits entries;
 * with KR_FEAT_LEX the hash of cfg->polar goes into the header.
 * Output bytes depend only on the arguments. Returns 0 or -1 with err set. */
int kr_model_write(const char *path, const struct kr_feat_cfg *cfg, uint32_t bits,
    const int16_t *w, float scale, float bias, char *err, size_t errlen);

/* FNV-1a 64 over n bytes (n a multiple of 8) read as little-endian words. */
uint64_t kr_model_checksum(const void *buf, size_t n);

#endif
