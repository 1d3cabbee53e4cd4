/* kr.h — Korean review analysis: sentiment, keywords and aspect tags.
 *
 * This is the interface the analysis worker and the CLI use:
 *
 *   struct kr_model *m;  char err[KR_ERR_MAX];
 *   if (kr_model_open(&m, model_path, lexicon_path, err, sizeof err) < 0) ...
 *   static unsigned char mem[KR_ARENA_SIZE];  struct kr_arena a;
 *   kr_arena_init(&a, mem, sizeof mem);
 *   struct kr_result r;
 *   kr_analyze(m, text, len, &r, &a);       // no heap allocation
 *   kr_agg_add(agg, review_id, &r);          // per product
 *   kr_model_close(m);
 *
 * Design: the model file (weights of a linear classifier over hashed Korean
 * features, see docs/kr.md) is mapped read-only with mmap(), so pre-forked
 * workers share one copy through the page cache. The aspect lexicon is a
 * small text file parsed at open time. kr_analyze() works only inside the
 * caller's arena: it resets the arena, and the stems in the result point into
 * it, so a result is valid until the arena's next reset.
 *
 * Return convention (as everywhere in revlens): 0 on success, -1 on error.
 */
#ifndef REVLENS_KR_H
#define REVLENS_KR_H

#include <stddef.h>
#include <stdint.h>

#define KR_ERR_MAX 256

/* Longest review analysed, bytes of UTF-8; longer input is cut at a character
 * boundary and kr_result.truncated is set. Reviews are short (median ~70 bytes),
 * 4 KiB keeps the arena small while covering everything in the data. */
#define KR_MAX_TEXT 4096
/* Arena bytes kr_analyze() needs for a KR_MAX_TEXT review: code points,
 * tokens, words and up to 2 * 5 features per character (see kr_feat.c). Only
 * the part a review needs is touched. */
#define KR_ARENA_SIZE (KR_MAX_TEXT * 192)
#define KR_MAX_KEYWORDS 48   /* further keywords are dropped, in text order */

/* Aspect ids; names via kr_aspect_name(). KR_ASPECT_NONE marks a keyword
 * that belongs to no aspect. The order is part of the JSON output contract. */
enum kr_aspect {
	KR_ASPECT_DELIVERY,   /* 배송 */
	KR_ASPECT_PRICE,      /* 가격/가성비 */
	KR_ASPECT_QUALITY,    /* 품질 */
	KR_ASPECT_TASTE,      /* 맛 */
	KR_ASPECT_SIZE,       /* 사이즈/핏 */
	KR_ASPECT_DESIGN,     /* 디자인/색상 */
	KR_ASPECT_PACKAGING,  /* 포장 */
	KR_ASPECT_SMELL,      /* 냄새/향 */
	KR_ASPECT_DURABILITY, /* 내구성 */
	KR_ASPECT_USABILITY,  /* 사용감 */
	KR_ASPECT_SERVICE,    /* 응대 (seller, exchange, refund) */
	KR_ASPECT_PERFORMANCE,/* 성능 (function, noise, battery) */
	KR_ASPECT_COUNT,
	KR_ASPECT_NONE = 255
};

/* Polarity of a review, keyword or aspect. */
enum kr_polarity { KR_NEG = -1, KR_NEUTRAL = 0, KR_POS = 1 };

/* A review is neutral when its confidence |2p - 1| is below this (p is the
 * probability of "pos"): p in (0.35, 0.65). --eval accuracy uses the argmax. */
#define KR_NEUTRAL_CONFIDENCE 0.30f

struct kr_model;

/* A fixed buffer the caller owns; kr_analyze() resets and fills it. */
struct kr_arena {
	unsigned char *base;
	size_t cap;      /* bytes */
	size_t used;     /* bytes */
};

struct kr_keyword {
	const char *stem;   /* UTF-8, NUL-terminated, inside the arena */
	uint16_t len;       /* bytes of stem */
	uint8_t aspect;     /* enum kr_aspect or KR_ASPECT_NONE */
	int8_t polarity;    /* enum kr_polarity of the keyword's clause */
};

struct kr_aspect_hit {
	uint8_t aspect;     /* enum kr_aspect */
	int8_t polarity;    /* enum kr_polarity */
	float score;        /* summed clause log-odds; > 0 leans positive */
};

struct kr_result {
	int8_t label;       /* enum kr_polarity: KR_NEUTRAL below KR_NEUTRAL_CONFIDENCE */
	int8_t argmax;      /* KR_POS or KR_NEG, ignoring the neutral band */
	uint8_t truncated;  /* input was longer than KR_MAX_TEXT */
	float score;        /* P(pos), 0..1 */
	float confidence;   /* |2 * score - 1|, 0..1 */
	size_t nkeywords;
	struct kr_keyword keywords[KR_MAX_KEYWORDS];
	size_t naspects;    /* distinct aspects, in order of first mention */
	struct kr_aspect_hit aspects[KR_ASPECT_COUNT];
};

/* Open a model. model_path is the binary weight file (mmap'd read-only);
 * lexicon_path the aspect/stop-word lexicon, or NULL for "aspects.tsv" in the
 * model's directory. On error returns -1 with a message in err (errlen bytes,
 * KR_ERR_MAX is enough) naming the file and the problem (missing, truncated,
 * bad magic/version/size, checksum mismatch, lexicon line N). */
int kr_model_open(struct kr_model **out, const char *model_path, const char *lexicon_path,
    char *err, size_t errlen);
/* Unmap and free; NULL is fine. */
void kr_model_close(struct kr_model *m);

/* Default model path: $REVLENS_KR_MODEL if set, else the installed data dir. */
const char *kr_model_default_path(void);

void kr_arena_init(struct kr_arena *a, void *mem, size_t cap);

/* Analyse one review (UTF-8, len bytes, need not be NUL-terminated) into out.
 * Resets arena first; out's stems point into arena. Returns -1 only when the
 * text is not valid UTF-8 (out is then an empty neutral result) or the arena
 * is smaller than KR_ARENA_SIZE. Never allocates. Thread-safe for distinct
 * out/arena pairs sharing one model. */
int kr_analyze(const struct kr_model *m, const char *text, size_t len, struct kr_result *out,
    struct kr_arena *arena);

/* Sentiment only (the fast path the training evaluation uses); returns P(pos)
 * or -1 on invalid UTF-8 / small arena. */
float kr_score(const struct kr_model *m, const char *text, size_t len, struct kr_arena *arena);

/* "배송", "가격", ... for an aspect id; "" for KR_ASPECT_NONE. */
const char *kr_aspect_name(int aspect);
/* "pos", "neg", "neutral". */
const char *kr_polarity_name(int polarity);

/* ---- per-product aggregation (kr_agg.c) ---- */
struct kr_agg;

/* Create an aggregator keeping the top_k most confident review ids per
 * polarity (1..100). Returns NULL on allocation failure. */
struct kr_agg *kr_agg_new(int top_k);
void kr_agg_free(struct kr_agg *g);
/* Count one analysed review. Keyword stems are copied (the arena may be reset
 * afterwards). Returns -1 on allocation failure (the aggregate is then
 * missing this review's keywords, nothing else is damaged). */
int kr_agg_add(struct kr_agg *g, int64_t review_id, const struct kr_result *r);
/* Write the aggregate as one JSON object (json-c) to a NUL-terminated heap
 * string the caller frees; at most max_keywords keywords, most frequent
 * first (ties by stem bytes). Layout in docs/kr.md. Returns NULL on failure. */
char *kr_agg_to_json(const struct kr_agg *g, int max_keywords);

#endif
