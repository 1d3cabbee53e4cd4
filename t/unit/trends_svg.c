/* t/unit/trends_svg.c — the trend charts (src/web/trends_svg.c) on hand-made points:
 * the price axis' nice steps (a spread, all-equal prices, zero), Korean labels, x
 * positions, a line that breaks over a gap and joins over a short one, a lone point
 * drawn as a dot, one point, the lowest-price and target marks, a survey answer with
 * <&"> escaped everywhere, the empty state. */
#include "web/trends_svg.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static struct arena A;

static struct trends_point pt(const char *period, long long reviews, double pos, long long min, long long max)
{
	struct trends_point p;

	memset(&p, 0, sizeof(p));
	strcpy(p.period, period);
	p.review_count = reviews;
	p.rating_avg = reviews > 0 ? 4.5 : -1;
	p.pos_share = reviews > 0 ? pos : -1;
	p.neg_share = reviews > 0 ? 1 - pos : -1;
	p.neu_share = reviews > 0 ? 0 : -1;
	if (min > 0) {
		p.has_price = 1;
		p.price_min = min;
		p.price_max = max;
		p.price_avg = (min + max) / 2;
		p.price_last = max;
	}
	return p;
}

static void setup(struct trends *t, const char *period, const char *from, const char *to,
    struct trends_point *v, int n)
{
	const char *msg;

	memset(t, 0, sizeof(*t));
	trends_range_parse(&t->range, period, from, to, "2026-11-30", &msg);
	t->product_id = 17;
	t->zone = "Asia/Seoul";
	t->target_price = -1;
	t->pt = v;
	t->n = n;
	trends_index(t);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; p != NULL && (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* The d attribute of the first <path class="cls" in s (static buffer), or "". */
static const char *path_d(const char *s, const char *cls)
{
	static char d[8192];
	char open[64];
	const char *p, *q, *e;

	snprintf(open, sizeof(open), "<path class=\"%s\" d=\"", cls);
	d[0] = '\0';
	if ((p = strstr(s, open)) == NULL)
		return d;
	q = p + strlen(open);
	if ((e = strchr(q, '"')) == NULL || (size_t)(e - q) >= sizeof(d))
		return d;
	memcpy(d, q, (size_t)(e - q));
	d[e - q] = '\0';
	return d;
}

static const char *render(void (*f)(struct buf *, const struct trends *), const struct trends *t)
{
	struct buf b;

	buf_init(&b, &A);
	f(&b, t);
	return b.data != NULL ? b.data : "";
}

int main(void)
{
	struct trends_scale sc;
	struct trends t;
	char s[64];
	const char *out, *d;

	arena_init(&A, 65536, 0);

	/* scales */
	trends_svg_scale(17900, 21300, &sc);
	ok(sc.lo == 16000 && sc.hi == 24000 && sc.step == 2000, "17,900..21,300: 16,000..24,000 by 2,000 (%lld..%lld by %lld)",
	    sc.lo, sc.hi, sc.step);
	trends_svg_scale(19800, 19800, &sc);
	ok(sc.lo < 19800 && sc.hi > 19800 && sc.hi - sc.lo == 4 * sc.step, "all-equal prices get room above and below "
	    "(%lld..%lld)", sc.lo, sc.hi);
	trends_svg_scale(21300, 17900, &sc);
	is_int(sc.lo, 16000, "the bounds in either order");
	trends_svg_scale(0, 0, &sc);
	ok(sc.lo == 0 && sc.hi >= 100, "zero: 0..%lld", sc.hi);
	trends_svg_scale(990, 1010, &sc);
	ok(sc.lo <= 990 && sc.hi >= 1010 && sc.step == 10, "a narrow spread: steps of 10 won (%lld..%lld)", sc.lo, sc.hi);
	trends_svg_scale(1, 2500000, &sc);
	ok(sc.lo == 0 && sc.hi >= 2500000 && sc.step % 250000 == 0, "0..2,500,000: a round step (%lld)", sc.step);

	/* labels */
	trends_svg_won(s, sizeof(s), 19800);
	is_str(s, "19,800원", "19800 -> 19,800원");
	trends_svg_won(s, sizeof(s), -1234567);
	is_str(s, "-1,234,567원", "-1234567 -> -1,234,567원");
	trends_svg_won(s, sizeof(s), 0);
	is_str(s, "0원", "0 -> 0원");
	trends_svg_tick(s, sizeof(s), "2026-11-05");
	is_str(s, "11/5", "a day's tick: M/D");
	trends_svg_tick(s, sizeof(s), "2026-11");
	is_str(s, "2026-11", "a month's tick: YYYY-MM");
	ok(trends_svg_x(0, 1) == 50.0, "one period sits in the middle");
	ok(trends_svg_x(0, 90) < trends_svg_x(1, 90) && trends_svg_x(89, 90) < 100, "x grows inside the chart");

	/* a gap of 9 missing days breaks the line; one of 7 does not */
	{
		struct trends_point v[] = {
			pt("2026-11-01", 2, 0.5, 20000, 20500), pt("2026-11-02", 1, 1, 19000, 19500),
			pt("2026-11-12", 0, 0, 21000, 21000), pt("2026-11-13", 3, 0, 20000, 20000),
			pt("2026-11-21", 1, 1, 18000, 18500),
		};
		setup(&t, "day", "2026-11-01", "2026-11-30", v, 5);
		out = render(trends_svg_price, &t);
		d = path_d(out, "line price");
		is_int(count(d, "M"), 2, "9 missing days break the price line in two");
		is_int(count(d, "L"), 3, "... and 7 missing days do not (5 points: M L M L L)");
		is_int(count(out, "<polygon class=\"band\""), 2, "a min-max band per piece");
		is_int(count(out, "class=\"dot price\""), 0, "no lone price");
		is_int(count(out, "<circle class=\"mark low\""), 1, "one lowest-price mark");
		ok(strstr(out, "최저 18,000원") != NULL, "... labelled 최저 18,000원");
		ok(strstr(out, "최근 30일 최저가 18,000원 (2026-11-21)") != NULL, "the aria-label names the lowest price");
		ok(strstr(out, "role=\"img\" aria-label=\"가격과 긍정 비율 추이 (2026-11-01 ~ 2026-11-30, 일별)") != NULL,
		    "the chart is an image with its label");
		ok(strstr(out, "<title>가격과 긍정 비율 추이") != NULL && strstr(out, "<desc>") != NULL, "... a <title> and a <desc>");
		ok(strstr(out, "<text class=\"axis x\" x=\"0.00%\" y=\"240\" text-anchor=\"start\">11/1</text>") != NULL,
		    "the first tick: 11/1 at the left");
		ok(strstr(out, ">11/30</text>") != NULL, "the last: 11/30");
		ok(strstr(out, ">24,000원</text>") != NULL || strstr(out, ">22,000원</text>") != NULL,
		    "price axis labels in won");
		ok(strstr(out, ">100%</text>") != NULL && strstr(out, ">0%</text>") != NULL, "the share axis 0–100%%");
		is_int(count(out, "<rect class=\"hit\""), 5, "a hover column per point");
		ok(strstr(out, "<title>2026-11-21 · 마지막 18,500원 (최저 18,000원, 최고 18,500원) · 긍정 100% · 리뷰 1개</title>")
		    != NULL, "... whose title says the point in words");
		is_int(count(out, "<tr data-period="), 5, "the table has a row per point");
		ok(strstr(out, "<tr data-period=\"2026-11-21\"><th scope=\"row\">2026-11-21 <span class=\"chip low\">최저가</span>")
		    != NULL, "... the lowest marked");
		is_int(count(out, "목표가"), 0, "no target: no target marks");
		/* a target of 19,000: two days at or below */
		t.target_price = 19000;
		out = render(trends_svg_price, &t);
		is_int(count(out, "<circle class=\"mark target\""), 2, "target 19,000: two 목표가 이하 marks");
		ok(strstr(out, "class=\"target-line\"") && strstr(out, "stroke-dasharray"), "... and a dashed target line");
		ok(strstr(out, "목표가 19,000원 이하였던 기간 2일") != NULL, "... counted in the aria-label");
		is_int(count(out, "<span class=\"chip target\">목표가 이하</span>"), 2, "... and in the table");
		/* bars */
		out = render(trends_svg_volume, &t);
		is_int(count(out, "<rect class=\"bar\""), 4, "a bar per day with reviews (4 of 5)");
		ok(strstr(out, "모두 7개, 가장 많은 날 2026-11-13 3개") != NULL, "the volume label: total and busiest day");
	}

	/* months: a missing month breaks; a lone month is a dot */
	{
		struct trends_point v[] = {
			pt("2026-01", 10, 0.5, 20000, 21000), pt("2026-02", 10, 0.5, 19000, 20000),
			pt("2026-05", 10, 0.5, 18000, 19000),
		};
		setup(&t, "month", "2025-12", "2026-11", v, 3);
		out = render(trends_svg_price, &t);
		is_int(count(path_d(out, "line price"), "M"), 1, "months: one piece for January–February");
		is_int(count(out, "class=\"dot price\""), 1, "... and May alone is a dot");
		ok(strstr(out, ">2025-12</text>") != NULL, "month ticks are YYYY-MM");
		ok(strstr(out, "최근 12개월 최저가") != NULL, "the lowest of the last 12 months");
	}

	/* one point; all-equal prices */
	{
		struct trends_point v[] = { pt("2026-11-30", 1, 1, 19800, 19800) };
		setup(&t, "day", "", "", v, 1);
		out = render(trends_svg_price, &t);
		is_str(path_d(out, "line price"), "", "one point: no line");
		is_int(count(out, "class=\"dot price\""), 1, "... a dot");
		is_int(count(out, "class=\"dot share\""), 1, "... and a share dot");
		ok(strstr(out, "가격 19,800원 ~ 19,800원") != NULL, "... its price in the label");
	}
	{
		struct trends_point v[] = { pt("2026-11-28", 1, 1, 19800, 19800), pt("2026-11-29", 1, 1, 19800, 19800),
			pt("2026-11-30", 1, 1, 19800, 19800) };
		double y[3];
		setup(&t, "day", "", "", v, 3);
		out = render(trends_svg_price, &t);
		d = path_d(out, "line price");
		ok(sscanf(d, "M%*f %lf L%*f %lf L%*f %lf", &y[0], &y[1], &y[2]) == 3, "all-equal prices: a line of three points (%s)", d);
		ok(y[0] == y[1] && y[1] == y[2] && y[0] > 28 && y[0] < 218, "... flat, inside the plot (y %.1f)", y[0]);
	}

	/* survey answers: <&"> escaped in the chart, its label, the legend and the table */
	{
		struct trends_answer a1[] = { { "아주 맛있어요", 60 }, { "<&\">", 10 } };
		struct trends_answer a2[] = { { "아주 맛있어요", 72 }, { "<&\">", 8 } };
		struct trends_question q1 = { "맛<b>", a1, 2 }, q2 = { "맛<b>", a2, 2 };
		struct trends_point v[] = { pt("2026-11-10", 1, 1, 0, 0), pt("2026-11-20", 1, 1, 0, 0) };
		v[0].survey_date = "2026-11-10";
		v[0].q = &q1;
		v[0].nq = 1;
		v[1].survey_date = "2026-11-20";
		v[1].q = &q2;
		v[1].nq = 1;
		setup(&t, "day", "", "", v, 2);
		out = render(trends_svg_survey, &t);
		ok(strstr(out, "<\">") == NULL && strstr(out, "<&") == NULL && strstr(out, "맛<b>") == NULL,
		    "no raw <&\"> and no raw <b> anywhere");
		ok(count(out, "&lt;&amp;&quot;&gt;") >= 3, "the answer escaped in the label, legend and table (%d)",
		    count(out, "&lt;&amp;&quot;&gt;"));
		ok(strstr(out, "<figcaption>맛&lt;b&gt;</figcaption>") != NULL, "the question escaped as the caption");
		ok(strstr(out, "&lt;&amp;&quot;&gt; 10%에서 8%") != NULL, "the label says the answer went from 10%% to 8%%");
		is_int(count(out, "<path class=\"line answer"), 2, "a line per answer");
		is_int(count(out, "class=\"dot answer"), 4, "a dot per snapshot and answer");
		t.pt[0].nq = t.pt[1].nq = 0;
		t.pt[0].survey_date = t.pt[1].survey_date = NULL;
		out = render(trends_svg_survey, &t);
		ok(strstr(out, "설문 스냅숏이 없습니다") != NULL, "no snapshots: said so");
	}

	/* the section: the toggle and the empty state */
	{
		struct buf b;
		setup(&t, "month", "", "", NULL, 0);
		buf_init(&b, &A);
		trends_svg_section(&b, &t, 1);
		ok(strstr(b.data, "아직 추이 데이터가 없습니다 — 매일 밤 집계됩니다") != NULL, "no documents: the empty state");
		ok(strstr(b.data, "<a href=\"/products/17?period=month#trends\" class=\"on\" aria-current=\"page\">월별</a>") != NULL,
		    "the month link is current");
		ok(strstr(b.data, "<a href=\"/products/17?period=day#trends\">일별</a>") != NULL, "the day link");
		ok(strstr(b.data, "trend-chart") == NULL, "no chart");
	}
	arena_free(&A);
	return tap_done();
}
