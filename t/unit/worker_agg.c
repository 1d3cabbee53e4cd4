/* t/unit/worker_agg.c — the worker's summary aggregate (src/worker/agg.c) from
 * hand-made analyses: counts, keyword table (growth, order, polarity counts), aspect
 * examples, representative reviews, text cuts, and the summary JSON. */
#include "worker/agg.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

static void kw(struct kr_result *r, const char *stem, int aspect, int pol)
{
	struct kr_keyword *k = &r->keywords[r->nkeywords++];

	k->stem = stem;
	k->len = (uint16_t)strlen(stem);
	k->aspect = (uint8_t)aspect;
	k->polarity = (int8_t)pol;
}

static void asp(struct kr_result *r, int aspect, int pol, float score)
{
	r->aspects[r->naspects].aspect = (uint8_t)aspect;
	r->aspects[r->naspects].polarity = (int8_t)pol;
	r->aspects[r->naspects++].score = score;
}

static struct kr_result *result(int label, float conf)
{
	static struct kr_result r;

	memset(&r, 0, sizeof(r));
	r.label = (int8_t)label;
	r.confidence = conf;
	r.score = label > 0 ? 0.5f + conf / 2 : 0.5f - conf / 2;
	return &r;
}

static json_object *get(json_object *o, const char *path)
{
	char buf[128], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(tok));
		else if (!json_object_object_get_ex(o, tok, &o))
			o = NULL;
	}
	return o;
}

static const char *str(json_object *o, const char *path)
{
	json_object *v = get(o, path);
	return v ? json_object_get_string(v) : NULL;
}

int main(void)
{
	struct agg g;
	struct kr_result *r;
	char ids[8][8], *js, longtext[700];
	json_object *root;
	const struct agg_kw **sorted;
	struct agg_input in;

	agg_init(&g);
	/* 6 positive reviews of rising confidence, 2 negative, 1 neutral */
	for (int i = 0; i < 6; i++) {
		snprintf(ids[i], sizeof(ids[i]), "p%d", i);
		r = result(KR_POS, 0.1f * (float)(i + 1));
		kw(r, "배송", KR_ASPECT_DELIVERY, KR_POS);
		if (i < 3)
			kw(r, "맛", KR_ASPECT_TASTE, KR_POS);
		asp(r, KR_ASPECT_DELIVERY, KR_POS, i == 2 ? 3.0f : 0.5f * (float)(i + 1));
		in = (struct agg_input){ ids[i], "배송 빨라요", strlen("배송 빨라요"), 5, 1000LL * (i + 10) };
		ok(agg_add(&g, &in, r) == 0, "positive review %d added", i);
	}
	r = result(KR_NEG, 0.9f);
	kw(r, "배송", KR_ASPECT_DELIVERY, KR_NEG);
	asp(r, KR_ASPECT_DELIVERY, KR_NEG, -2.0f);
	asp(r, KR_ASPECT_PRICE, KR_NEG, -2.5f);
	for (int i = 0; i < 200; i++)
		memcpy(longtext + 3 * i, "가", 3);      /* 600 bytes of 3-byte characters */
	in = (struct agg_input){ "n1", longtext, 600, 1, 5000 };
	agg_add(&g, &in, r);
	r = result(KR_NEG, 0.4f);
	kw(r, "가격", KR_ASPECT_PRICE, KR_NEG);
	asp(r, KR_ASPECT_PRICE, KR_NEG, -1.0f);
	in = (struct agg_input){ "n2", "비싸요", strlen("비싸요"), 0, 90000 };
	agg_add(&g, &in, r);
	r = result(KR_NEUTRAL, 0.05f);
	kw(r, "맛", KR_ASPECT_NONE, KR_NEUTRAL);
	in = (struct agg_input){ "z1", "그냥", strlen("그냥"), 3, 20000 };
	agg_add(&g, &in, r);

	is_int(g.reviews, 9, "9 reviews");
	is_int(g.pos, 6, "6 positive");
	is_int(g.neg, 2, "2 negative");
	is_int(g.neu, 1, "1 neutral");
	is_int(g.rated, 8, "a rating of 0 is not counted");
	is_int(g.rating_sum, 34, "rating sum");
	is_int(g.first_ms, 5000, "earliest written date");
	is_int(g.last_ms, 90000, "latest written date");
	is_int(g.nkw, 3, "3 distinct keywords");
	sorted = agg_sorted_keywords(&g);
	ok(sorted != NULL, "sorted keywords");
	is_str(sorted[0]->stem, "배송", "most frequent first");
	is_int(sorted[0]->count, 7, "배송 counted 7 times");
	is_int(sorted[0]->neg, 1, "... 1 negative");
	is_str(sorted[1]->stem, "맛", "then 맛");
	is_int(sorted[1]->count, 4, "맛: 3 positive mentions and");
	is_int(sorted[1]->neu, 1, "... a neutral one");
	is_int(sorted[1]->aspect, KR_ASPECT_TASTE, "a keyword keeps the aspect it was seen with");
	free(sorted);
	is_str(g.rep_pos[0].id, "p5", "the most confident positive review first");
	is_str(g.rep_pos[4].id, "p1", "five kept; the least confident one dropped");
	is_str(g.rep_neg[0].id, "n1", "the most confident negative review");
	is_int(strlen(g.rep_neg[0].text), 498, "a 600-byte text cut at 500 bytes on a character boundary");
	is_str(g.asp[KR_ASPECT_DELIVERY].ex_pos[0].id, "p2",
	    "aspect example: the strongest positive mention of the aspect, not the most confident review");
	is_str(g.asp[KR_ASPECT_DELIVERY].ex_pos[1].id, "p5", "... then the next strongest");
	is_str(g.asp[KR_ASPECT_DELIVERY].ex_pos[AGG_EXAMPLE_CANDIDATES - 1].id, "p3",
	    "... %d candidates kept", AGG_EXAMPLE_CANDIDATES);
	is_str(g.asp[KR_ASPECT_PRICE].ex_neg[0].id, "n1", "aspect example: the strongest negative mention");
	is_str(g.asp[KR_ASPECT_PRICE].ex_neg[1].id, "n2", "... and the other one");
	is_int(g.asp[KR_ASPECT_DELIVERY].reviews, 7, "배송 mentioned by 7 reviews");

	js = agg_summary_json(&g, "[{\"question\":\"맛\",\"answers\":[]}]");
	ok(js != NULL, "summary JSON");
	root = js ? json_tokener_parse(js) : NULL;
	ok(root != NULL, "... parses");
	is_str(str(root, "shares.positive"), "0.6667", "shares.positive rounded to 4 places");
	is_str(str(root, "shares.neutral"), "0.1111", "shares.neutral");
	is_str(str(root, "rating_avg"), "4.25", "rating_avg of the rated reviews");
	ok(js && strstr(js, "\"positive\":0.6667,") != NULL, "ratios are printed with 4 decimals");
	is_str(str(root, "first_review_at"), "1970-01-01T00:00:05Z", "first_review_at");
	is_str(str(root, "keywords.0.keyword"), "배송", "keywords[0]");
	is_str(str(root, "keywords.0.aspect"), "배송", "... its aspect");
	is_str(str(root, "keywords.0.negative"), "1", "... its negative count");
	ok(get(root, "keywords.2.aspect") != NULL || get(root, "keywords.2") != NULL, "3 keywords listed");
	is_str(str(root, "aspects.0.aspect"), "배송", "aspects: most reviews first");
	is_str(str(root, "aspects.0.share"), "0.7778", "... its share of all 9 aspect mentions");
	is_str(str(root, "aspects.0.positive_share"), "0.8571", "... its positive share");
	is_str(str(root, "aspects.0.examples.negative.review_id"), "n1", "... its negative example");
	is_str(str(root, "aspects.0.examples.positive.review_id"), "p2", "... its positive example");
	is_str(str(root, "aspects.1.examples.negative.review_id"), "n2",
	    "the next aspect shows another review than the one the first shows, though n1 speaks of it more strongly");
	ok(get(root, "aspects.1.examples.positive") == NULL, "an aspect without a positive mention has no positive example");
	is_str(str(root, "survey_tags.0.question"), "맛", "survey tags passed through");
	is_str(str(root, "representative.positive.0.review_id"), "p5", "representative positive");
	is_str(str(root, "representative.positive.0.written_at"), "1970-01-01T00:00:15Z", "... with written_at");
	is_int(json_object_array_length(get(root, "representative.positive")), 5, "5 representative positive reviews");
	is_int(json_object_array_length(get(root, "representative.negative")), 2, "2 representative negative reviews");
	json_object_put(root);
	free(js);
	agg_free(&g);

	/* representative reviews: bare jamo (mashed keys, ㅋㅋㅋ) ranks below clean text;
	 * aspect examples avoid the representative reviews when another candidate exists */
	agg_init(&g);
	{
		static const char mash[] = "ㅑㅈ패쥬ㅐ뉴ㅐㅠ내ㅠ ㅋㅋㅋㅋ 좋아요", clean[] = "정말 좋아요 또 살게요";
		r = result(KR_POS, 0.9f);
		asp(r, KR_ASPECT_TASTE, KR_POS, 2.0f);
		in = (struct agg_input){ "mash", mash, strlen(mash), 5, 0 };
		agg_add(&g, &in, r);
		r = result(KR_POS, 0.6f);
		asp(r, KR_ASPECT_TASTE, KR_POS, 1.0f);
		in = (struct agg_input){ "clean", clean, strlen(clean), 5, 0 };
		agg_add(&g, &in, r);
		for (int i = 0; i < AGG_TOP_REVIEWS; i++) {
			r = result(KR_NEG, 0.5f);
			in = (struct agg_input){ "neg", "별로", strlen("별로"), 1, 0 };
			agg_add(&g, &in, r);
		}
		is_str(g.rep_pos[0].id, "clean", "a clean review ranks above a more confident mashed one");
		is_str(g.rep_pos[1].id, "mash", "... which is still kept");
		js = agg_summary_json(&g, NULL);
		root = js ? json_tokener_parse(js) : NULL;
		is_str(str(root, "aspects.0.examples.positive.review_id"), "mash",
		    "both are representative: the example is the strongest mention");
		json_object_put(root);
		free(js);
	}
	agg_free(&g);
	agg_init(&g);
	for (int i = 0; i < 7; i++) {
		static char id[7][8];
		snprintf(id[i], sizeof(id[i]), "t%d", i);
		r = result(KR_POS, 0.9f - 0.1f * (float)i);     /* t0..t4 are the representatives */
		if (i == 0 || i == 6)
			asp(r, KR_ASPECT_TASTE, KR_POS, i == 0 ? 3.0f : 1.0f);
		in = (struct agg_input){ id[i], "맛있어요", strlen("맛있어요"), 5, 0 };
		agg_add(&g, &in, r);
	}
	js = agg_summary_json(&g, NULL);
	root = js ? json_tokener_parse(js) : NULL;
	is_str(str(root, "aspects.0.examples.positive.review_id"), "t6",
	    "an aspect example other than a representative review, when the aspect has one");
	json_object_put(root);
	free(js);
	agg_free(&g);

	/* many keywords: the table grows and keeps every count */
	agg_init(&g);
	{
		static char stems[3000][8];
		int bad = 0;
		for (int rep = 0; rep < 2; rep++)
			for (int i = 0; i < 3000; i++) {
				r = result(KR_POS, 0.5f);
				snprintf(stems[i], sizeof(stems[i]), "k%d", i);
				kw(r, stems[i], KR_ASPECT_NONE, KR_POS);
				in = (struct agg_input){ "x", "x", 1, 5, 0 };
				if (agg_add(&g, &in, r) != 0)
					bad++;
			}
		is_int(bad, 0, "6,000 reviews added");
		is_int(g.nkw, 3000, "3,000 distinct keywords after growing the table");
		sorted = agg_sorted_keywords(&g);
		is_int(sorted ? sorted[2999]->count : 0, 2, "each counted twice");
		free(sorted);
	}
	agg_free(&g);
	/* an empty aggregate */
	agg_init(&g);
	js = agg_summary_json(&g, NULL);
	root = js ? json_tokener_parse(js) : NULL;
	ok(root && get(root, "rating_avg") == NULL && json_object_array_length(get(root, "survey_tags")) == 0,
	    "no reviews: rating_avg null, survey_tags []");
	json_object_put(root);
	free(js);
	agg_free(&g);
	return tap_done();
}
