/* result.c — rendering one analysis result (pages) and answering it as JSON (API).
 *
 * The summary is the worker's (docs/worker.md, "The summary"); anything missing or
 * of the wrong type in it is left out of the page rather than failing it. Counts
 * and the sample (review_count, date_from, date_to) come from the row's columns,
 * which the database checks; shares are computed from those counts so that the
 * three always add up. Charts are inline SVG sized in percent (the CSP allows no
 * inline style), each with role="img", an aria-label and a <title>, and every
 * number they show is also written as text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/html.h"
#include "lib/log.h"
#include "web/layout.h"
#include "web/req.h"
#include "web/result.h"
#include "web/session.h"

#define KEYWORDS_SHOWN   30   /* the worker writes at most 30 */
#define KEYWORDS_FIRST   12   /* shown at once; the rest behind 더 보기 */
#define ASPECTS_FIRST    6    /* the same for aspects */
#define REVIEWS_SHOWN    5    /* per polarity, as the worker writes them */
#define LABEL_NAME_PCT   25   /* a bar segment this wide names itself ("긍정 71%") */
#define LABEL_PCT_PCT    8    /* one this wide shows its percent alone; narrower, nothing */

/* The representative reviews' written_at -> the date in the viewer's zone, as a
 * JSON object (only well-formed timestamps are converted). */
#define LOCAL_DATES \
	"(SELECT jsonb_object_agg(w, to_char(w::timestamptz AT TIME ZONE $2, 'YYYY-MM-DD')) FROM (" \
	"SELECT DISTINCT x->>'written_at' AS w FROM jsonb_array_elements(" \
	"CASE WHEN jsonb_typeof(res.summary #> '{representative,positive}') = 'array' " \
	"THEN res.summary #> '{representative,positive}' ELSE '[]' END || " \
	"CASE WHEN jsonb_typeof(res.summary #> '{representative,negative}') = 'array' " \
	"THEN res.summary #> '{representative,negative}' ELSE '[]' END) x " \
	"WHERE jsonb_typeof(x) = 'object' AND x->>'written_at' ~ " \
	"'^[0-9]{4}-[01][0-9]-[0-3][0-9][T ][0-2][0-9]:[0-5][0-9](:[0-5][0-9](\\.[0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$'" \
	") d)::text "

/* The row's columns, then dates (LOCAL_DATES, or NULL when a written_at the regular
 * expression lets through is still no date, such as 2024-02-30, and fails the cast). */
#define COLUMNS(dates) "SELECT res.id, res.request_id, res.product_id, res.review_count, res.positive_count, " \
	"res.negative_count, res.neutral_count, res.avg_rating::text, to_char(res.date_from, 'YYYY-MM-DD'), " \
	"to_char(res.date_to, 'YYYY-MM-DD'), res.model_version, " \
	"to_char(res.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"to_char(res.created_at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI'), res.summary::text, " dates \
	"FROM analysis_results res JOIN analysis_requests ar ON ar.id = res.request_id AND ar.status = 'done' "
#define BY_REQUEST "WHERE res.request_id = $1"
#define BY_PRODUCT "WHERE res.product_id = $1 ORDER BY res.created_at DESC, res.id DESC LIMIT 1"

static const char *copy(struct req *r, const char *s)
{
	return s != NULL ? arena_strdup(&r->arena, s) : NULL;
}

static int load(struct req *r, const char *what, const char *sql, const char *sql_nodates, long long id,
    struct result *res)
{
	struct pg_conn *pg = &r->app->pg;
	char ids[24];
	const char *p[2] = { ids, r->sess != NULL ? r->sess->tz : "Asia/Seoul" };
	const char *dates;

	memset(res, 0, sizeof(*res));
	snprintf(ids, sizeof(ids), "%lld", id);
	if (pg_exec(pg, sql, 2, p) == -1) {
		/* class 22, data exception: a written_at that is no timestamp */
		if (strncmp(pg_sqlstate(pg), "22", 2) != 0) {
			log_error("result of %s %lld: %s", what, id, pg->err);
			return 503;
		}
		log_warn("result of %s %lld: review dates left out: %s", what, id, pg->err);
		if (pg_exec(pg, sql_nodates, 2, p) == -1) {
			log_error("result of %s %lld: %s", what, id, pg->err);
			return 503;
		}
	}
	if (pg_ntuples(pg) == 0)
		return 404;
	res->id = pg_value_ll(pg, 0, 0);
	res->request_id = pg_value_ll(pg, 0, 1);
	res->product_id = pg_value_ll(pg, 0, 2);
	res->review_count = pg_value_ll(pg, 0, 3);
	res->positive_count = pg_value_ll(pg, 0, 4);
	res->negative_count = pg_value_ll(pg, 0, 5);
	res->neutral_count = pg_value_ll(pg, 0, 6);
	res->avg_rating = copy(r, pg_value(pg, 0, 7));
	res->date_from = copy(r, pg_value(pg, 0, 8));
	res->date_to = copy(r, pg_value(pg, 0, 9));
	res->model_version = copy(r, pg_value(pg, 0, 10));
	res->created_at = copy(r, pg_value(pg, 0, 11));
	res->created_local = copy(r, pg_value(pg, 0, 12));
	res->summary = json_tokener_parse(pg_value(pg, 0, 13) != NULL ? pg_value(pg, 0, 13) : "{}");
	dates = pg_value(pg, 0, 14);
	res->local_dates = dates != NULL ? json_tokener_parse(dates) : NULL;
	if (res->summary == NULL || !json_object_is_type(res->summary, json_type_object)) {
		log_error("result %lld: its summary is not a JSON object", res->id);
		result_free(res);
		return 503;
	}
	if (res->created_at == NULL || res->created_local == NULL || res->model_version == NULL) {
		result_free(res);
		return 503;
	}
	return 0;
}

int result_load_request(struct req *r, long long request_id, struct result *res)
{
	return load(r, "request", COLUMNS(LOCAL_DATES) BY_REQUEST, COLUMNS("NULL ") BY_REQUEST, request_id, res);
}

int result_load_product(struct req *r, long long product_id, struct result *res)
{
	return load(r, "product", COLUMNS(LOCAL_DATES) BY_PRODUCT, COLUMNS("NULL ") BY_PRODUCT, product_id, res);
}

void result_free(struct result *res)
{
	if (res->summary != NULL)
		json_object_put(res->summary);
	if (res->local_dates != NULL)
		json_object_put(res->local_dates);
	res->summary = NULL;
	res->local_dates = NULL;
}

/* ------------------------------------------------------------------ summary access */

static json_object *member(json_object *o, const char *key, json_type type)
{
	json_object *v;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v = member(o, key, json_type_string);
	return v != NULL ? json_object_get_string(v) : NULL;
}

/* A non-negative count, 0 when absent. */
static long long count(json_object *o, const char *key)
{
	json_object *v;
	long long n;

	if (o == NULL || !json_object_object_get_ex(o, key, &v))
		return 0;
	if (json_object_is_type(v, json_type_int))
		n = json_object_get_int64(v);
	else if (json_object_is_type(v, json_type_double))
		n = (long long)json_object_get_double(v);
	else
		return 0;
	return n > 0 ? n : 0;
}

/* A number, def when absent. */
static double number(json_object *o, const char *key, double def)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		return def;
	return json_object_get_double(v);
}

/* n[0..2] as whole percents that add up to 100 (largest remainder); all 0 when
 * the total is 0. */
static void percents(const long long n[3], int pct[3])
{
	long long total = n[0] + n[1] + n[2], rem[3];
	int sum = 0;

	for (int i = 0; i < 3; i++) {
		pct[i] = total > 0 ? (int)(n[i] * 100 / total) : 0;
		rem[i] = total > 0 ? n[i] * 100 % total : 0;
		sum += pct[i];
	}
	while (total > 0 && sum < 100) {
		int best = 0;
		for (int i = 1; i < 3; i++)
			if (rem[i] > rem[best])
				best = i;
		pct[best]++;
		rem[best] = -1;
		sum++;
	}
}

/* ------------------------------------------------------------------ charts */

static const char *const seg_name[3] = { "긍정", "중립", "부정" };
static const char *const seg_class[3] = { "pos", "neu", "neg" };

/* One stacked bar positive | neutral | negative (n in that order), height px;
 * with labels, each wide enough segment names itself. */
static void stack_bar(struct req *r, const char *what, const long long n[3], int height, int labels)
{
	struct buf *b = &r->body;
	char aria[256];
	int pct[3], x = 0;

	percents(n, pct);
	snprintf(aria, sizeof(aria), "%s%s긍정 %d%%, 중립 %d%%, 부정 %d%%", what, what[0] ? ": " : "",
	    pct[0], pct[1], pct[2]);
	html_printf(b, "<div class=\"stackwrap\"><svg class=\"sharebar\" width=\"100%%\" height=\"%d\" "
	    "role=\"img\" aria-label=\"%s\"><title>%s</title>", height, aria, aria);
	if (n[0] + n[1] + n[2] == 0)
		html_printf(b, "<rect class=\"seg none\" x=\"0\" y=\"0\" width=\"100%%\" height=\"%d\"/>", height);
	for (int i = 0; i < 3; i++) {
		if (pct[i] == 0)
			continue;
		html_printf(b, "<rect class=\"seg %s\" x=\"%d%%\" y=\"0\" width=\"%d%%\" height=\"%d\"/>",
		    seg_class[i], x, pct[i], height);
		if (labels && pct[i] >= LABEL_PCT_PCT)
			html_printf(b, "<text class=\"seg-label\" x=\"%.1f%%\" y=\"50%%\" dy=\"0.35em\" "
			    "text-anchor=\"middle\">%s%s%d%%</text>", x + pct[i] / 2.0,
			    pct[i] >= LABEL_NAME_PCT ? seg_name[i] : "", pct[i] >= LABEL_NAME_PCT ? " " : "", pct[i]);
		x += pct[i];
	}
	html_raw(b, "</svg></div>");
}

/* A single bar of pct percent on a track. */
static void meter(struct req *r, const char *what, double pct)
{
	if (pct < 0)
		pct = 0;
	if (pct > 100)
		pct = 100;
	html_printf(&r->body, "<svg class=\"meter\" width=\"100%%\" height=\"10\" role=\"img\" "
	    "aria-label=\"%s %.0f%%\"><title>%s %.0f%%</title>"
	    "<rect class=\"track\" x=\"0\" y=\"0\" width=\"100%%\" height=\"10\" rx=\"5\"/>"
	    "<rect class=\"fill\" x=\"0\" y=\"0\" width=\"%.1f%%\" height=\"10\" rx=\"5\"/></svg>",
	    what, pct, what, pct, pct);
}

/* "★★★★☆" for a rating 1–5 (clamped). */
static void stars(struct req *r, long long rating)
{
	char s[32] = "";

	if (rating < 0)
		rating = 0;
	if (rating > 5)
		rating = 5;
	for (int i = 0; i < 5; i++)
		strcat(s, i < rating ? "★" : "☆");
	html_printf(&r->body, "<span class=\"stars\" role=\"img\" aria-label=\"별점 %lld점\">%s</span>",
	    rating, s);
}

/* ------------------------------------------------------------------ sections */

static void overview(struct req *r, const struct result *res)
{
	struct buf *b = &r->body;
	const long long n[3] = { res->positive_count, res->neutral_count, res->negative_count };
	int pct[3];

	percents(n, pct);
	html_raw(b, "<section class=\"card result\" id=\"result\">\n<p class=\"eyebrow\">분석 결과</p>\n"
	    "<h2 class=\"verdict\">");
	html_printf(b, "리뷰의 <strong class=\"pos\">%d%%</strong>가 긍정적입니다</h2>\n", pct[0]);
	/* the honest sample statement: how many reviews, from which dates */
	html_raw(b, "<p class=\"sample\"><strong>리뷰 ");
	layout_count(r, res->review_count, "개");
	html_raw(b, " 기준");
	if (res->date_from != NULL && res->date_to != NULL)
		html_printf(b, ", <span class=\"nowrap\">%s ~ %s</span>", res->date_from, res->date_to);
	html_printf(b, "</strong> <span class=\"muted\">· %s 분석</span></p>\n", res->created_local);
	html_raw(b, "<div class=\"overview\">\n<div class=\"shares\">\n");
	stack_bar(r, "리뷰 감성 비율", n, 44, 1);
	html_raw(b, "<ul class=\"legend\">");
	for (int i = 0; i < 3; i++) {
		html_printf(b, "<li class=\"%s\"><span class=\"dot\" aria-hidden=\"true\"></span>%s "
		    "<strong>%d%%</strong> <span class=\"muted\">", seg_class[i], seg_name[i], pct[i]);
		layout_count(r, n[i], "개");
		html_raw(b, "</span></li>");
	}
	html_raw(b, "</ul>\n</div>\n<div class=\"rating\">");
	if (res->avg_rating != NULL) {
		html_printf(b, "<p class=\"big\">%s<span class=\"muted\"> / 5</span></p>", res->avg_rating);
		stars(r, (long long)(strtod(res->avg_rating, NULL) + 0.5));
		html_raw(b, "<p class=\"muted\">평균 별점</p>");
	} else {
		html_raw(b, "<p class=\"muted\">별점 정보 없음</p>");
	}
	html_raw(b, "</div>\n</div>\n</section>\n");
}

static void example(struct req *r, json_object *ex, const char *key, const char *label)
{
	const char *text = str(member(ex, key, json_type_object), "text");

	if (text == NULL || text[0] == '\0')
		return;
	html_printf(&r->body, "<blockquote class=\"example %s\"><p><span class=\"tag\">%s</span> %s</p></blockquote>",
	    key, label, text);
}

/* Items of arr whose string member key is there (the ones a list shows). */
static size_t valid_items(json_object *arr, const char *key)
{
	size_t len = arr != NULL ? json_object_array_length(arr) : 0, n = 0;

	for (size_t i = 0; i < len; i++)
		n += str(json_object_array_get_idx(arr, i), key) != NULL;
	return n;
}

static void aspect_item(struct req *r, json_object *a, const char *name)
{
	struct buf *b = &r->body;
	long long n[3] = { count(a, "positive"), count(a, "neutral"), count(a, "negative") };
	long long total = n[0] + n[1] + n[2], mentions = count(a, "reviews");
	int pct[3];

	percents(n, pct);
	if (total == 0)
		pct[0] = (int)(number(a, "positive_share", 0) * 100 + 0.5);
	html_printf(b, "<li class=\"aspect\"><div class=\"aspect-head\"><h3>%s</h3>"
	    "<span class=\"aspect-pct\">긍정 <strong>%d%%</strong></span></div>\n", name, pct[0]);
	stack_bar(r, name, n, 14, 0);
	html_printf(b, "<p class=\"aspect-meta muted\">부정 %d%% · 리뷰 ", pct[2]);
	layout_count(r, mentions > 0 ? mentions : total, "개");
	if (number(a, "share", -1) >= 0)
		html_printf(b, " · 언급 비중 %.0f%%", number(a, "share", 0) * 100);
	html_raw(b, "</p>\n");
	example(r, member(a, "examples", json_type_object), "positive", "좋아요");
	example(r, member(a, "examples", json_type_object), "negative", "아쉬워요");
	html_raw(b, "</li>\n");
}

/* The most mentioned aspects, the rest behind 더 보기 (a <details>: no script needed). */
static void aspects(struct req *r, json_object *arr)
{
	struct buf *b = &r->body;
	size_t len = arr != NULL ? json_object_array_length(arr) : 0, valid = valid_items(arr, "aspect"), shown = 0;

	html_raw(b, "<section class=\"card aspects\">\n<h2>항목별 평가</h2>\n");
	if (valid == 0) {
		html_raw(b, "<p class=\"empty\">리뷰에서 배송, 맛, 품질 같은 항목을 찾지 못했습니다.</p>\n</section>\n");
		return;
	}
	html_raw(b, "<p class=\"muted\">리뷰가 각 항목을 어떻게 말했는지, 언급한 리뷰 가운데 긍정의 비율입니다.</p>\n"
	    "<ul class=\"aspect-list\">\n");
	for (size_t i = 0; i < len; i++) {
		json_object *a = json_object_array_get_idx(arr, i);
		const char *name = str(a, "aspect");

		if (name == NULL)
			continue;
		if (shown++ == ASPECTS_FIRST)
			html_printf(b, "</ul>\n<details class=\"more\"><summary>다른 항목 %zu개 더 보기</summary>\n"
			    "<ul class=\"aspect-list\">\n", valid - ASPECTS_FIRST);
		aspect_item(r, a, name);
	}
	html_raw(b, "</ul>\n");
	if (shown > ASPECTS_FIRST)
		html_raw(b, "</details>\n");
	html_raw(b, "</section>\n");
}

static void keyword_head(struct req *r)
{
	html_raw(&r->body, "<table class=\"list kw\">\n<thead><tr><th>키워드</th><th>언급</th><th>감성</th>"
	    "<th>긍정</th><th>부정</th></tr></thead>\n<tbody>\n");
}

static void keyword_row(struct req *r, json_object *k, const char *word)
{
	struct buf *b = &r->body;
	const char *aspect = str(k, "aspect");
	long long n[3] = { count(k, "positive"), count(k, "neutral"), count(k, "negative") };

	html_printf(b, "<tr><th scope=\"row\">%s", word);
	if (aspect != NULL && strcmp(aspect, word) != 0)
		html_printf(b, " <span class=\"chip\">%s</span>", aspect);
	html_raw(b, "</th><td class=\"num\">");
	layout_count(r, count(k, "count"), "");
	html_raw(b, "</td><td class=\"kwbar\">");
	stack_bar(r, word, n, 10, 0);
	html_raw(b, "</td><td class=\"num pos\">");
	layout_count(r, n[0], "");
	html_raw(b, "</td><td class=\"num neg\">");
	layout_count(r, n[2], "");
	html_raw(b, "</td></tr>\n");
}

/* The most frequent keywords, the rest behind 더 보기. */
static void keywords(struct req *r, json_object *arr)
{
	struct buf *b = &r->body;
	size_t len = arr != NULL ? json_object_array_length(arr) : 0, valid = valid_items(arr, "keyword"), shown = 0;

	html_raw(b, "<section class=\"card keywords\">\n<h2>자주 나온 말</h2>\n");
	if (valid == 0) {
		html_raw(b, "<p class=\"empty\">자주 나온 말이 없습니다.</p>\n</section>\n");
		return;
	}
	if (valid > KEYWORDS_SHOWN)
		valid = KEYWORDS_SHOWN;
	html_raw(b, "<p class=\"muted\">리뷰에 많이 나온 말과, 그 말이 나온 문장이 긍정인지 부정인지입니다.</p>\n");
	keyword_head(r);
	for (size_t i = 0; i < len && shown < KEYWORDS_SHOWN; i++) {
		json_object *k = json_object_array_get_idx(arr, i);
		const char *word = str(k, "keyword");

		if (word == NULL)
			continue;
		if (shown++ == KEYWORDS_FIRST) {
			html_printf(b, "</tbody>\n</table>\n<details class=\"more\"><summary>키워드 %zu개 더 보기</summary>\n",
			    valid - KEYWORDS_FIRST);
			keyword_head(r);
		}
		keyword_row(r, k, word);
	}
	html_raw(b, "</tbody>\n</table>\n");
	if (shown > KEYWORDS_FIRST)
		html_raw(b, "</details>\n");
	html_raw(b, "</section>\n");
}

static void survey(struct req *r, json_object *arr)
{
	struct buf *b = &r->body;
	size_t len = arr != NULL ? json_object_array_length(arr) : 0;

	if (len == 0)
		return;
	html_raw(b, "<section class=\"card survey\">\n<h2>구매자 설문</h2>\n");
	if (str(json_object_array_get_idx(arr, 0), "observed_on") != NULL)
		html_printf(b, "<p class=\"muted\">쿠팡 상품 페이지의 설문 결과 (%s 기준)</p>\n",
		    str(json_object_array_get_idx(arr, 0), "observed_on"));
	html_raw(b, "<div class=\"questions\">\n");
	for (size_t i = 0; i < len; i++) {
		json_object *q = json_object_array_get_idx(arr, i);
		json_object *answers = member(q, "answers", json_type_array);
		const char *question = str(q, "question");
		size_t na = answers != NULL ? json_object_array_length(answers) : 0;

		if (question == NULL)
			continue;
		html_printf(b, "<div class=\"question\"><h3>%s</h3>\n<ul class=\"answers\">\n", question);
		for (size_t j = 0; j < na; j++) {
			json_object *a = json_object_array_get_idx(answers, j);
			const char *answer = str(a, "answer");
			double pct = number(a, "percent", 0);

			if (answer == NULL)
				continue;
			html_printf(b, "<li><span class=\"answer\">%s</span><span class=\"answer-pct\">%.0f%%</span>",
			    answer, pct);
			meter(r, answer, pct);
			html_raw(b, "</li>\n");
		}
		html_raw(b, "</ul></div>\n");
	}
	html_raw(b, "</div>\n</section>\n");
}

static void review_list(struct req *r, const struct result *res, json_object *arr, const char *cls,
    const char *title, const char *none)
{
	struct buf *b = &r->body;
	size_t len = arr != NULL ? json_object_array_length(arr) : 0;
	int shown = 0;

	html_printf(b, "<div class=\"reviews %s\"><h3>%s</h3>\n", cls, title);
	for (size_t i = 0; i < len && shown < REVIEWS_SHOWN; i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		const char *text = str(v, "text"), *written = str(v, "written_at"), *local = NULL;

		if (text == NULL)
			continue;
		if (written != NULL)
			local = str(res->local_dates, written);
		html_raw(b, "<article class=\"review\"><p class=\"review-head\">");
		stars(r, count(v, "rating"));
		if (local != NULL)
			html_printf(b, " <time datetime=\"%s\">%s</time>", written, local);
		html_printf(b, "</p><p class=\"review-text\">%s</p></article>\n", text);
		shown++;
	}
	if (shown == 0)
		html_printf(b, "<p class=\"empty\">%s</p>\n", none);
	html_raw(b, "</div>\n");
}

void result_render(struct req *r, const struct result *res)
{
	json_object *s = res->summary, *rep = member(s, "representative", json_type_object);

	overview(r, res);
	aspects(r, member(s, "aspects", json_type_array));
	keywords(r, member(s, "keywords", json_type_array));
	survey(r, member(s, "survey_tags", json_type_array));
	html_raw(&r->body, "<section class=\"card representative\">\n<h2>대표 리뷰</h2>\n<div class=\"two\">\n");
	review_list(r, res, member(rep, "positive", json_type_array), "pos", "만족한 구매자",
	    "긍정 리뷰가 없습니다.");
	review_list(r, res, member(rep, "negative", json_type_array), "neg", "아쉬워한 구매자",
	    "부정 리뷰가 없습니다.");
	html_raw(&r->body, "</div>\n</section>\n");
	html_printf(&r->body, "<p class=\"model muted\">분석 모델 %s · 리뷰의 문장마다 긍정·부정·중립을 판단해 "
	    "센 결과입니다.</p>\n", res->model_version);
}

/* ------------------------------------------------------------------ JSON */

/* A share 0–1 with four decimals, as written (0.7100, not 0.70999…). */
static json_object *share(long long n, long long total)
{
	char s[16];
	double v = total > 0 ? (double)n / (double)total : 0.0;

	snprintf(s, sizeof(s), "%.4f", v);
	return json_object_new_double_s(strtod(s, NULL), s);
}

/* The summary's member key (shared, not copied), or def when absent. */
static json_object *pass(json_object *s, const char *key, json_type type, json_object *def)
{
	json_object *v = member(s, key, type);

	if (v == NULL)
		return def;
	json_object_put(def);
	return json_object_get(v);
}

json_object *result_json(const struct result *res)
{
	json_object *o = json_object_new_object(), *s = res->summary;
	long long total = res->review_count;

	json_object_object_add(o, "request_id", json_object_new_int64(res->request_id));
	json_object_object_add(o, "product_id", json_object_new_int64(res->product_id));
	json_object_object_add(o, "review_count", json_object_new_int64(res->review_count));
	json_object_object_add(o, "positive_count", json_object_new_int64(res->positive_count));
	json_object_object_add(o, "negative_count", json_object_new_int64(res->negative_count));
	json_object_object_add(o, "neutral_count", json_object_new_int64(res->neutral_count));
	json_object_object_add(o, "positive_share", share(res->positive_count, total));
	json_object_object_add(o, "negative_share", share(res->negative_count, total));
	json_object_object_add(o, "neutral_share", share(res->neutral_count, total));
	json_object_object_add(o, "rating_avg", res->avg_rating != NULL ?
	    json_object_new_double_s(strtod(res->avg_rating, NULL), res->avg_rating) : NULL);
	json_object_object_add(o, "first_review_at", pass(s, "first_review_at", json_type_string, NULL));
	json_object_object_add(o, "last_review_at", pass(s, "last_review_at", json_type_string, NULL));
	json_object_object_add(o, "date_from", res->date_from ? json_object_new_string(res->date_from) : NULL);
	json_object_object_add(o, "date_to", res->date_to ? json_object_new_string(res->date_to) : NULL);
	json_object_object_add(o, "keywords", pass(s, "keywords", json_type_array, json_object_new_array()));
	json_object_object_add(o, "aspects", pass(s, "aspects", json_type_array, json_object_new_array()));
	json_object_object_add(o, "survey_tags", pass(s, "survey_tags", json_type_array, json_object_new_array()));
	json_object_object_add(o, "representative", pass(s, "representative", json_type_object,
	    json_object_new_object()));
	json_object_object_add(o, "model_version", json_object_new_string(res->model_version));
	json_object_object_add(o, "created_at", json_object_new_string(res->created_at));
	return o;
}
