/* kr_polar.h — the polarity lexicon (data/kr/polarity.tsv) behind the
 * KR_FEAT_LEX features.
 *
 * File format, one entry a line, '#' comments and blank lines ignored:
 *   term<TAB>class
 * term: 2..8 code points of NFC text without spaces (a word or word
 * fragment as it appears in reviews: 재구매, 반품, 맘에들); class: a short
 * lower-case name (pos, neg, rebuy, defect ...; at most 16 classes). Terms are
 * matched in the review text with spaces removed, leftmost-longest, so
 * 불만족 is matched before 만족 can be. Every match emits features for its
 * class (see kr_feat.c); the model learns one weight per class, so a word
 * seen rarely in training still counts as its class does.
 *
 * The feature stream depends on this file, so a model trained with it stores
 * kr_polar_hash() in its header and the loader refuses a different file.
 * Read-only after parsing; lookups do not allocate.
 */
#ifndef REVLENS_KR_POLAR_H
#define REVLENS_KR_POLAR_H

#include <stddef.h>
#include <stdint.h>

#define KR_POLAR_MAX_CLASSES 16
#define KR_POLAR_MAX_TERM 8      /* code points */

struct kr_polar;

/* Parse the lexicon at path / in memory (name used in messages). Returns -1
 * with "name:line: problem" in err on a malformed line. */
int kr_polar_load(struct kr_polar **out, const char *path, char *err, size_t errlen);
int kr_polar_parse(struct kr_polar **out, const char *name, const char *text, size_t len,
    char *err, size_t errlen);
void kr_polar_free(struct kr_polar *pl);

/* FNV-1a 64 over the entries (term, class) in file order; never 0. */
uint64_t kr_polar_hash(const struct kr_polar *pl);

/* The longest term starting at seq[0] (n code points available): returns its
 * length in code points (0 when none) and its class index in *cls. */
size_t kr_polar_match(const struct kr_polar *pl, const uint32_t *seq, size_t n, unsigned *cls);

/* The first match at or after seq[i], leftmost-longest, as kr_polar_match()
 * would find it going forward one code point at a time (in one call, for
 * speed): returns its start, its length in *len and class in *cls, or n
 * when there is none. */
size_t kr_polar_next(const struct kr_polar *pl, const uint32_t *seq, size_t n, size_t i,
    size_t *len, unsigned *cls);

/* Feature seed of class index cls (a hash of the class name). */
uint32_t kr_polar_class_seed(const struct kr_polar *pl, unsigned cls);

size_t kr_polar_count(const struct kr_polar *pl);

#endif
