/* agg.h — the summary of one analysis: counts, keywords, aspects and representative
 * reviews of a product, built one review at a time and written as the analysis_results
 * row's values and its summary JSON (docs/worker.md, "The summary").
 *
 * Everything is heap memory owned by the struct agg; agg_free() releases it. Texts
 * kept (examples, representative reviews) are cut at AGG_TEXT_MAX bytes on a UTF-8
 * boundary when added, so memory stays bounded by the number of distinct keywords.
 */
#ifndef REVLENS_WORKER_AGG_H
#define REVLENS_WORKER_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "kr/kr.h"

#define AGG_TEXT_MAX     500    /* bytes of a review text kept in the summary */
#define AGG_TOP_KEYWORDS 30     /* keywords in the summary */
#define AGG_TOP_REVIEWS  5      /* representative reviews per polarity */
#define AGG_EXAMPLE_CANDIDATES 4 /* kept per aspect and polarity, so examples can differ */

/* One kept review (an aspect example or a representative review). */
struct agg_review {
	char *id;               /* review_id, owned; NULL when the slot is empty */
	char *text;             /* owned, at most AGG_TEXT_MAX bytes */
	int rating;
	int64_t written_ms;
	float rank;             /* what the list is sorted by: confidence, or aspect strength */
};

struct agg_kw {
	char *stem;             /* owned; NULL marks a free slot of the table */
	uint8_t aspect;         /* enum kr_aspect of its first mention, or KR_ASPECT_NONE */
	long count, pos, neg, neu;
};

struct agg {
	long reviews, pos, neg, neu;
	long rated;             /* reviews with a rating 1..5 */
	long long rating_sum;
	int64_t first_ms, last_ms;      /* written dates; valid when reviews > 0 */
	struct agg_kw *kw;      /* open-addressed table of kwcap slots */
	size_t nkw, kwcap;
	struct {
		long reviews, pos, neg, neu;
		/* example candidates, strongest mention of the aspect first */
		struct agg_review ex_pos[AGG_EXAMPLE_CANDIDATES], ex_neg[AGG_EXAMPLE_CANDIDATES];
	} asp[KR_ASPECT_COUNT];
	struct agg_review rep_pos[AGG_TOP_REVIEWS], rep_neg[AGG_TOP_REVIEWS];
};

/* A review as the aggregate sees it. */
struct agg_input {
	const char *id;         /* review_id */
	const char *text;
	size_t textlen;
	int rating;             /* 1..5; 0 when unknown */
	int64_t written_ms;
};

void agg_init(struct agg *g);
/* Count one review with its analysis r. 0, or -1 when out of memory. */
int agg_add(struct agg *g, const struct agg_input *in, const struct kr_result *r);
/* The summary JSON (heap string the caller frees, NULL when out of memory); the
 * survey_tags member is tags_json (a JSON array, borrowed) or [] when NULL. */
char *agg_summary_json(const struct agg *g, const char *tags_json);
/* The keywords in the table, most frequent first (ties by stem bytes): an array of
 * g->nkw pointers into g (caller frees the array only), NULL when out of memory or none. */
const struct agg_kw **agg_sorted_keywords(const struct agg *g);
/* The keyword stem in the table, or NULL. */
const struct agg_kw *agg_keyword(const struct agg *g, const char *stem);
void agg_free(struct agg *g);

#endif
