/* trends_svg.c — the trend charts of the product page (see trends_svg.h for the
 * geometry).
 *
 * Only documents make marks: a period without one has no bar and no point, and a
 * line breaks where more than TRENDS_SVG_DAY_GAP days (or any month) are missing, so
 * a long silence is not drawn as a straight slope; a point with no neighbour on its
 * segment is drawn as a dot. Survey snapshots are sparse by nature (a collector takes
 * one when it visits), so their lines join the snapshots there are, each one dotted.
 * Every chart's aria-label says in one sentence what the chart shows; the table under
 * it has every number (newest first).
 */
#include <stdio.h>
#include <string.h>

#include "lib/html.h"
#include "web/trends_svg.h"

#define XPAD    1.5     /* percent of the width kept free at each side */

/* chart 1: price and positive share */
#define P_H     250
#define P_TOP   28
#define P_BOT   218
#define P_XLAB  240
/* chart 2: review volume */
#define V_H     130
#define V_TOP   22
#define V_BOT   104
#define V_XLAB  124
/* chart 3: one survey question */
#define S_H     150
#define S_TOP   20
#define S_BOT   122
#define S_XLAB  144

#define XTICKS  6

/* ------------------------------------------------------------------ numbers and labels */

void trends_svg_won(char *out, size_t n, long long v)
{
	char digits[32], tmp[48];
	int len = snprintf(digits, sizeof(digits), "%lld", v), o = 0;

	for (int i = 0; i < len; i++) {
		if (i > 0 && digits[i - 1] != '-' && (len - i) % 3 == 0)
			tmp[o++] = ',';
		tmp[o++] = digits[i];
	}
	tmp[o] = '\0';
	snprintf(out, n, "%s원", tmp);
}

void trends_svg_tick(char *out, size_t n, const char *period)
{
	int m = 0, d = 0;

	if (strlen(period) == 10 && sscanf(period + 5, "%2d-%2d", &m, &d) == 2)
		snprintf(out, n, "%d/%d", m, d);
	else
		snprintf(out, n, "%s", period);
}

double trends_svg_x(int idx, int n)
{
	return XPAD + (100.0 - 2 * XPAD) * (idx + 0.5) / (n > 0 ? n : 1);
}

/* The smallest of 1, 2, 2.5, 5 × 10^k won that is at least raw (at least 10 won). */
static long long nice_step(long long raw)
{
	static const int mult[] = { 10, 20, 25, 50 };     /* tenths */
	long long p = 1;

	if (raw < 10)
		return 10;
	while (p <= raw / 10)
		p *= 10;
	for (;;) {
		for (size_t i = 0; i < sizeof(mult) / sizeof(mult[0]); i++)
			if (p * mult[i] / 10 >= raw)
				return p * mult[i] / 10;
		p *= 10;
	}
}

void trends_svg_scale(long long lo, long long hi, struct trends_scale *s)
{
	long long raw, step, base;

	if (hi < lo) {
		long long x = lo;
		lo = hi;
		hi = x;
	}
	if (lo < 0)
		lo = 0;
	if (hi == lo) {
		long long pad = lo / 10 > 100 ? lo / 10 : 100;
		lo = lo > pad ? lo - pad : 0;
		hi += pad;
	}
	raw = (hi - lo + TRENDS_SVG_GRID - 1) / TRENDS_SVG_GRID;
	for (;;) {
		step = nice_step(raw);
		base = lo / step * step;
		if (base + TRENDS_SVG_GRID * step >= hi)
			break;
		raw = step + 1;
	}
	s->lo = base;
	s->step = step;
	s->hi = base + TRENDS_SVG_GRID * step;
}

static const char *won(struct arena *a, long long v)
{
	char s[48];

	trends_svg_won(s, sizeof(s), v);
	return arena_strdup(a, s);
}

static const char *tick(struct arena *a, const char *period)
{
	char s[16];

	trends_svg_tick(s, sizeof(s), period);
	return arena_strdup(a, s);
}

static int pct(double share)
{
	return (int)(share * 100 + 0.5);
}

/* ------------------------------------------------------------------ series */

/* A series' value of a point (its y in pixels): 1, or 0 when the point has none. */
typedef int (*series_fn)(const struct trends *t, const struct trends_point *p, const void *ctx, double *y);

struct series {
	series_fn f;
	const void *ctx;
	int maxdiff;            /* a line joins two points at most this many periods apart */
};

/* Points with a value of s: indexes into t->pt in *out (arena), count returned. */
static int valued(struct arena *a, const struct trends *t, const struct series *s, int **out, double **ys)
{
	int n = 0;

	*out = arena_calloc(a, (size_t)t->n + 1, sizeof(**out));
	*ys = arena_calloc(a, (size_t)t->n + 1, sizeof(**ys));
	if (*out == NULL || *ys == NULL)
		return 0;
	for (int i = 0; i < t->n; i++)
		if (s->f(t, &t->pt[i], s->ctx, &(*ys)[n]))
			(*out)[n++] = i;
	return n;
}

/* 1 when the k-th valued point starts a segment. */
static int starts(const struct trends *t, const struct series *s, const int *v, int k)
{
	return k == 0 || t->pt[v[k]].idx - t->pt[v[k - 1]].idx > s->maxdiff;
}

/* The series as one <path> in the inner (1000-wide) coordinates: M at each segment's start. */
static void path(struct buf *b, const struct trends *t, const struct series *s, const char *cls)
{
	struct buf d;
	int *v, n, drawn = 0;
	double *ys;

	buf_init(&d, b->arena);
	n = valued(b->arena, t, s, &v, &ys);
	for (int k = 0; k < n; k++) {
		int st = starts(t, s, v, k);
		if (st && (k + 1 == n || starts(t, s, v, k + 1)))
			continue;       /* a lone point: a dot in the outer svg */
		buf_printf(&d, "%s%.1f %.1f ", st ? "M" : "L", trends_svg_x(t->pt[v[k]].idx, t->range.n) * 10, ys[k]);
		drawn++;
	}
	if (drawn > 0 && d.data != NULL)
		html_printf(b, "<path class=\"%s\" d=\"%s\" vector-effect=\"non-scaling-stroke\"/>", cls, d.data);
}

/* Dots (outer svg) for the lone points of s, or for all of them with all. */
static void dots(struct buf *b, const struct trends *t, const struct series *s, const char *cls, int all)
{
	int *v, n;
	double *ys;

	n = valued(b->arena, t, s, &v, &ys);
	for (int k = 0; k < n; k++) {
		if (!all && !(starts(t, s, v, k) && (k + 1 == n || starts(t, s, v, k + 1))))
			continue;
		html_printf(b, "<circle class=\"%s\" cx=\"%.2f%%\" cy=\"%.1f\" r=\"%d\"/>", cls,
		    trends_svg_x(t->pt[v[k]].idx, t->range.n), ys[k], 3);
	}
}

/* The x-axis labels: up to XTICKS periods of the range, evenly spread, at y. */
static void xticks(struct buf *b, const struct trends *t, int y)
{
	int n = t->range.n, count = n < XTICKS ? n : XTICKS, last = -1;
	char key[11];

	for (int k = 0; k < count; k++) {
		int i = count == 1 ? 0 : (int)((long)k * (n - 1) * 2 / (count - 1) + 1) / 2;
		const char *anchor = count > 1 && k == 0 ? "start" : count > 1 && k == count - 1 ? "end" : "middle";
		double x = trends_svg_x(i, n);
		if (i == last)
			continue;
		last = i;
		if (count > 1 && k == 0)
			x = 0;
		else if (count > 1 && k == count - 1)
			x = 100;
		trends_range_key(&t->range, i, key);
		html_printf(b, "<text class=\"axis x\" x=\"%.2f%%\" y=\"%d\" text-anchor=\"%s\">%s</text>", x, y,
		    anchor, tick(b->arena, key));
	}
}

/* The outer svg's opening: role, aria-label, title and desc. */
static void open_svg(struct buf *b, const char *cls, int h, const char *label, const char *desc)
{
	html_printf(b, "<svg class=\"trend-chart %s\" width=\"100%%\" height=\"%d\" role=\"img\" "
	    "aria-label=\"%s\"><title>%s</title><desc>%s</desc>", cls, h, label, label, desc);
}

static void open_inner(struct buf *b, int h)
{
	html_printf(b, "<svg class=\"plot\" x=\"0\" y=\"0\" width=\"100%%\" height=\"%d\" viewBox=\"0 0 1000 %d\" "
	    "preserveAspectRatio=\"none\" aria-hidden=\"true\">", h, h);
}

static void grid(struct buf *b, int top, int bot, int lines)
{
	for (int k = 0; k < lines; k++) {
		double y = top + (double)(bot - top) * k / (lines - 1);
		html_printf(b, "<line class=\"grid%s\" x1=\"0\" x2=\"100%%\" y1=\"%.1f\" y2=\"%.1f\"/>",
		    k == lines - 1 ? " base" : "", y, y);
	}
}

/* A transparent column per point, on top of the lines, whose <title> the browser shows on
 * hover (no script): what the point says in words. */
static void hits(struct buf *b, const struct trends *t, int top, int bot, int price)
{
	struct arena *a = b->arena;
	double w = (100.0 - 2 * XPAD) / (t->range.n > 0 ? t->range.n : 1);

	for (int i = 0; i < t->n; i++) {
		const struct trends_point *p = &t->pt[i];
		html_printf(b, "<rect class=\"hit\" x=\"%.2f%%\" y=\"%d\" width=\"%.2f%%\" height=\"%d\"><title>%s",
		    trends_svg_x(p->idx, t->range.n) - w / 2, top, w, bot - top, p->period);
		if (price && p->has_price)
			html_printf(b, " · %s %s (최저 %s, 최고 %s)", t->range.period == TRENDS_MONTH ? "평균" : "마지막",
			    won(a, t->range.period == TRENDS_MONTH ? p->price_avg : p->price_last), won(a, p->price_min),
			    won(a, p->price_max));
		if (p->pos_share >= 0)
			html_printf(b, " · 긍정 %d%%", pct(p->pos_share));
		html_printf(b, " · 리뷰 %lld개</title></rect>", p->review_count);
	}
}

/* ------------------------------------------------------------------ chart 1: price and share */

struct price_ctx {
	struct trends_scale sc;
	int has;                /* any price in the range */
};

static double price_y(const struct price_ctx *c, long long v)
{
	return P_BOT - (double)(v - c->sc.lo) / (double)(c->sc.hi - c->sc.lo) * (P_BOT - P_TOP);
}

/* The line's price: the day's last price, or the month's average. */
static long long shown_price(const struct trends *t, const struct trends_point *p)
{
	return t->range.period == TRENDS_MONTH ? p->price_avg : p->price_last;
}

static int price_v(const struct trends *t, const struct trends_point *p, const void *ctx, double *y)
{
	if (!p->has_price)
		return 0;
	*y = price_y(ctx, shown_price(t, p));
	return 1;
}

static int share_v(const struct trends *t, const struct trends_point *p, const void *ctx, double *y)
{
	(void)t;
	(void)ctx;
	if (p->pos_share < 0)
		return 0;
	*y = P_BOT - p->pos_share * (P_BOT - P_TOP);
	return 1;
}

static int below_target(const struct trends *t, const struct trends_point *p)
{
	return t->target_price >= 0 && p->has_price && p->price_min <= t->target_price;
}

/* "12일" / "3개월": a number of periods. */
static const char *periods(struct arena *a, const struct trends *t, int n)
{
	return arena_printf(a, t->range.period == TRENDS_MONTH ? "%d개월" : "%d일", n);
}

/* "최근 90일 최저가" / "최근 24개월 최저가" / "기간 중 최저가". */
static const char *lowest_label(struct arena *a, const struct trends *t)
{
	if (!t->range.current)
		return "기간 중 최저가";
	if (t->range.period == TRENDS_MONTH)
		return arena_printf(a, "최근 %d개월 최저가", t->range.n);
	return arena_printf(a, "최근 %d일 최저가", t->range.days);
}

static int maxdiff(const struct trends *t)
{
	return t->range.period == TRENDS_MONTH ? 1 : TRENDS_SVG_DAY_GAP + 1;
}

static void price_table(struct buf *b, const struct trends *t)
{
	struct arena *a = b->arena;

	html_printf(b, "<details class=\"trend-data\"><summary>가격과 긍정 비율 표로 보기 (%s)</summary>\n"
	    "<div class=\"table-scroll\"><table class=\"list trend-table price-table\">\n"
	    "<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">최저</th>"
	    "<th scope=\"col\">최고</th><th scope=\"col\">변동</th><th scope=\"col\">긍정 비율</th></tr></thead>\n<tbody>\n",
	    periods(a, t, t->n), t->range.period == TRENDS_MONTH ? "달" : "날짜",
	    t->range.period == TRENDS_MONTH ? "평균 가격" : "마지막 가격");
	for (int i = t->n - 1; i >= 0; i--) {
		const struct trends_point *p = &t->pt[i];
		html_printf(b, "<tr data-period=\"%s\"><th scope=\"row\">%s", p->period, p->period);
		if (i == t->lowest)
			html_raw(b, " <span class=\"chip low\">최저가</span>");
		if (below_target(t, p))
			html_raw(b, " <span class=\"chip target\">목표가 이하</span>");
		html_raw(b, "</th>");
		if (p->has_price) {
			html_printf(b, "<td class=\"num\">%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td>",
			    won(a, shown_price(t, p)), won(a, p->price_min), won(a, p->price_max));
			if (p->has_change)
				html_printf(b, "<td class=\"num %s\">%s%s</td>", p->price_change < 0 ? "down" :
				    p->price_change > 0 ? "up" : "", p->price_change > 0 ? "+" : "",
				    won(a, p->price_change));
			else
				html_raw(b, "<td class=\"num muted\">–</td>");
		} else {
			html_raw(b, "<td class=\"num muted\">–</td><td class=\"num muted\">–</td>"
			    "<td class=\"num muted\">–</td><td class=\"num muted\">–</td>");
		}
		if (p->pos_share >= 0)
			html_printf(b, "<td class=\"num\">%d%%</td></tr>\n", pct(p->pos_share));
		else
			html_raw(b, "<td class=\"num muted\">–</td></tr>\n");
	}
	html_raw(b, "</tbody>\n</table></div></details>\n");
}

void trends_svg_price(struct buf *b, const struct trends *t)
{
	struct arena *a = b->arena;
	struct price_ctx c = { .has = 0 };
	struct series ps = { price_v, &c, maxdiff(t) }, ss = { share_v, NULL, maxdiff(t) };
	struct buf label;
	long long lo = 0, hi = 0, pmin, pmax;
	int first = -1, last = -1, sfirst = -1, slast = -1, below = 0;

	for (int i = 0; i < t->n; i++) {
		const struct trends_point *p = &t->pt[i];
		if (p->has_price) {
			if (!c.has || p->price_min < lo)
				lo = p->price_min;
			if (!c.has || p->price_max > hi)
				hi = p->price_max;
			c.has = 1;
			if (first < 0)
				first = i;
			last = i;
			below += below_target(t, p);
		}
		if (p->pos_share >= 0) {
			if (sfirst < 0)
				sfirst = i;
			slast = i;
		}
	}
	pmin = lo;
	pmax = hi;
	if (c.has && t->target_price >= 0) {
		if (t->target_price < lo)
			lo = t->target_price;
		if (t->target_price > hi)
			hi = t->target_price;
	}
	trends_svg_scale(lo, hi, &c.sc);

	/* the sentence a screen reader hears */
	buf_init(&label, a);
	buf_printf(&label, "가격과 긍정 비율 추이 (%s ~ %s, %s). ", t->range.from, t->range.to,
	    t->range.period == TRENDS_MONTH ? "월별" : "일별");
	if (c.has) {
		buf_printf(&label, "가격 %s ~ %s, ", won(a, pmin), won(a, pmax));
		buf_printf(&label, "%s %s (%s). ", t->pt[last].period, won(a, shown_price(t, &t->pt[last])),
		    t->range.period == TRENDS_MONTH ? "월 평균" : "그날 마지막 가격");
		buf_printf(&label, "%s %s (%s). ", lowest_label(a, t), won(a, t->pt[t->lowest].price_min),
		    t->pt[t->lowest].period);
		if (t->target_price >= 0)
			buf_printf(&label, "목표가 %s 이하였던 기간 %s. ", won(a, t->target_price), periods(a, t, below));
	} else {
		buf_puts(&label, "이 기간에는 가격 기록이 없습니다. ");
	}
	if (sfirst >= 0)
		buf_printf(&label, "긍정 비율 %d%% (%s)에서 %d%% (%s).", pct(t->pt[sfirst].pos_share),
		    t->pt[sfirst].period, pct(t->pt[slast].pos_share), t->pt[slast].period);
	else
		buf_puts(&label, "이 기간에는 리뷰가 없습니다.");

	html_raw(b, "<figure class=\"trend price\">\n<figcaption>가격과 긍정 비율</figcaption>\n");
	open_svg(b, "price-chart", P_H, label.data != NULL ? label.data : "가격과 긍정 비율 추이",
	    "왼쪽 축은 가격(원), 오른쪽 축은 긍정 리뷰의 비율(0~100%)입니다. 색 띠는 그 기간의 최저가부터 최고가까지, "
	    "선이 끊긴 곳은 자료가 없는 기간입니다. 같은 자료가 아래 표에 있습니다.");
	grid(b, P_TOP, P_BOT, TRENDS_SVG_GRID + 1);
	open_inner(b, P_H);
	/* the min–max band of each segment of prices */
	if (c.has) {
		int *v, n;
		double *ys;
		n = valued(a, t, &ps, &v, &ys);
		for (int k = 0; k < n; k++) {
			int e = k;
			struct buf d;
			if (!starts(t, &ps, v, k))
				continue;
			while (e + 1 < n && !starts(t, &ps, v, e + 1))
				e++;
			if (e == k)
				continue;
			buf_init(&d, a);
			for (int j = k; j <= e; j++)
				buf_printf(&d, "%s%.1f,%.1f", j == k ? "" : " ", trends_svg_x(t->pt[v[j]].idx, t->range.n) * 10,
				    price_y(&c, t->pt[v[j]].price_max));
			for (int j = e; j >= k; j--)
				buf_printf(&d, " %.1f,%.1f", trends_svg_x(t->pt[v[j]].idx, t->range.n) * 10,
				    price_y(&c, t->pt[v[j]].price_min));
			if (d.data != NULL)
				html_printf(b, "<polygon class=\"band\" points=\"%s\"/>", d.data);
		}
	}
	path(b, t, &ss, "line share");
	if (c.has)
		path(b, t, &ps, "line price");
	html_raw(b, "</svg>");
	/* axes: prices at the left, shares at the right, on the same grid lines */
	for (int k = 0; k <= TRENDS_SVG_GRID; k++) {
		double y = P_TOP + (double)(P_BOT - P_TOP) * k / TRENDS_SVG_GRID - 6;
		if (c.has)
			html_printf(b, "<text class=\"axis y price\" x=\"0\" y=\"%.1f\">%s</text>", y,
			    won(a, c.sc.hi - c.sc.step * k));
		html_printf(b, "<text class=\"axis y share\" x=\"100%%\" y=\"%.1f\" text-anchor=\"end\">%d%%</text>", y,
		    100 - 100 * k / TRENDS_SVG_GRID);
	}
	xticks(b, t, P_XLAB);
	hits(b, t, P_TOP, P_BOT, 1);
	dots(b, t, &ss, "dot share", 0);
	if (c.has) {
		dots(b, t, &ps, "dot price", 0);
		if (t->target_price >= 0) {
			double y = price_y(&c, t->target_price);
			html_printf(b, "<line class=\"target-line\" x1=\"0\" x2=\"100%%\" y1=\"%.1f\" y2=\"%.1f\" "
			    "stroke-dasharray=\"6 4\"><title>목표가 %s</title></line>", y, y, won(a, t->target_price));
			for (int i = 0; i < t->n; i++)
				if (below_target(t, &t->pt[i]))
					html_printf(b, "<circle class=\"mark target\" cx=\"%.2f%%\" cy=\"%.1f\" r=\"4\">"
					    "<title>목표가 이하 %s %s</title></circle>", trends_svg_x(t->pt[i].idx, t->range.n),
					    price_y(&c, t->pt[i].price_min), t->pt[i].period, won(a, t->pt[i].price_min));
		}
		{
			const struct trends_point *p = &t->pt[t->lowest];
			double x = trends_svg_x(p->idx, t->range.n), y = price_y(&c, p->price_min);
			double ly = y + 20 > P_BOT - 4 ? y - 12 : y + 20;
			html_printf(b, "<circle class=\"mark low\" cx=\"%.2f%%\" cy=\"%.1f\" r=\"6\"><title>%s %s (%s)</title>"
			    "</circle><text class=\"mark-label low\" x=\"%.2f%%\" y=\"%.1f\" text-anchor=\"%s\">%s %s</text>",
			    x, y, lowest_label(a, t), won(a, p->price_min), p->period, x, ly,
			    x < 30 ? "start" : x > 70 ? "end" : "middle", "최저", won(a, p->price_min));
		}
	}
	html_raw(b, "</svg>\n<ul class=\"trend-legend\">");
	if (c.has)
		html_printf(b, "<li><span class=\"key price\" aria-hidden=\"true\"></span>%s</li>"
		    "<li><span class=\"key band\" aria-hidden=\"true\"></span>최저~최고</li>",
		    t->range.period == TRENDS_MONTH ? "월 평균 가격" : "그날 마지막 가격");
	html_raw(b, "<li><span class=\"key share\" aria-hidden=\"true\"></span>긍정 비율 (오른쪽 축)</li>");
	if (c.has)
		html_raw(b, "<li><span class=\"key low\" aria-hidden=\"true\"></span>최저가</li>");
	if (c.has && t->target_price >= 0)
		html_printf(b, "<li><span class=\"key target-line\" aria-hidden=\"true\"></span>목표가 %s</li>"
		    "<li><span class=\"key target\" aria-hidden=\"true\"></span>목표가 이하</li>", won(a, t->target_price));
	html_raw(b, "</ul>\n</figure>\n");
	price_table(b, t);
}

/* ------------------------------------------------------------------ chart 2: review volume */

void trends_svg_volume(struct buf *b, const struct trends *t)
{
	struct arena *a = b->arena;
	long long max = 0, total = 0;
	int top = -1;
	struct buf label;
	double w = (100.0 - 2 * XPAD) * 10 / (t->range.n > 0 ? t->range.n : 1) * 0.72;

	for (int i = 0; i < t->n; i++) {
		total += t->pt[i].review_count;
		if (t->pt[i].review_count > max) {
			max = t->pt[i].review_count;
			top = i;
		}
	}
	buf_init(&label, a);
	buf_printf(&label, "리뷰 수 (%s ~ %s, %s): 모두 %lld개", t->range.from, t->range.to,
	    t->range.period == TRENDS_MONTH ? "월별" : "일별", total);
	if (top >= 0)
		buf_printf(&label, ", 가장 많은 %s %s %lld개.", t->range.period == TRENDS_MONTH ? "달" : "날",
		    t->pt[top].period, max);
	else
		buf_puts(&label, ".");
	html_raw(b, "<figure class=\"trend volume\">\n<figcaption>리뷰 수</figcaption>\n");
	open_svg(b, "volume-chart", V_H, label.data != NULL ? label.data : "리뷰 수",
	    "막대 하나가 그 기간에 쓰인 리뷰의 수입니다. 같은 자료가 아래 표에 있습니다.");
	grid(b, V_TOP, V_BOT, 2);
	open_inner(b, V_H);
	if (w < 1)
		w = 1;
	for (int i = 0; i < t->n && max > 0; i++) {
		const struct trends_point *p = &t->pt[i];
		double h = (double)p->review_count / (double)max * (V_BOT - V_TOP);
		if (p->review_count == 0)
			continue;
		html_printf(b, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
		    trends_svg_x(p->idx, t->range.n) * 10 - w / 2, V_BOT - h, w, h);
	}
	html_raw(b, "</svg>");
	if (max > 0)
		html_printf(b, "<text class=\"axis y\" x=\"0\" y=\"%d\">%lld개</text>", V_TOP - 6, max);
	xticks(b, t, V_XLAB);
	hits(b, t, V_TOP, V_BOT, 0);
	html_raw(b, "</svg>\n</figure>\n");

	html_printf(b, "<details class=\"trend-data\"><summary>리뷰 수 표로 보기 (%s)</summary>\n"
	    "<div class=\"table-scroll\"><table class=\"list trend-table volume-table\">\n"
	    "<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">리뷰</th><th scope=\"col\">긍정</th>"
	    "<th scope=\"col\">부정</th><th scope=\"col\">중립</th><th scope=\"col\">평균 별점</th></tr></thead>\n<tbody>\n",
	    periods(a, t, t->n), t->range.period == TRENDS_MONTH ? "달" : "날짜");
	for (int i = t->n - 1; i >= 0; i--) {
		const struct trends_point *p = &t->pt[i];
		html_printf(b, "<tr data-period=\"%s\"><th scope=\"row\">%s</th><td class=\"num\">%lld개</td>",
		    p->period, p->period, p->review_count);
		if (p->pos_share >= 0)
			html_printf(b, "<td class=\"num\">%d%%</td><td class=\"num\">%d%%</td><td class=\"num\">%d%%</td>",
			    pct(p->pos_share), pct(p->neg_share), pct(p->neu_share));
		else
			html_raw(b, "<td class=\"num muted\">–</td><td class=\"num muted\">–</td><td class=\"num muted\">–</td>");
		if (p->rating_avg >= 0)
			html_printf(b, "<td class=\"num\">%.2f</td></tr>\n", p->rating_avg);
		else
			html_raw(b, "<td class=\"num muted\">–</td></tr>\n");
	}
	html_raw(b, "</tbody>\n</table></div></details>\n");
}

/* ------------------------------------------------------------------ chart 3: survey */

struct answer_ctx {
	const char *question, *answer;
};

/* The percent of an answer of a question in p. 1 when p's snapshot has it. */
static int answer_pct(const struct trends_point *p, const char *question, const char *answer, double *v)
{
	for (int i = 0; i < p->nq; i++) {
		if (strcmp(p->q[i].question, question) != 0)
			continue;
		for (int j = 0; j < p->q[i].na; j++)
			if (strcmp(p->q[i].a[j].answer, answer) == 0) {
				*v = p->q[i].a[j].percent;
				return 1;
			}
		return 0;
	}
	return 0;
}

static int answer_v(const struct trends *t, const struct trends_point *p, const void *ctx, double *y)
{
	const struct answer_ctx *c = ctx;
	double v;

	(void)t;
	if (p->survey_date == NULL || !answer_pct(p, c->question, c->answer, &v))
		return 0;
	if (v < 0)
		v = 0;
	if (v > 100)
		v = 100;
	*y = S_BOT - v / 100 * (S_BOT - S_TOP);
	return 1;
}

/* The latest snapshot's question q (the answers to draw, most chosen first), or NULL. */
static const struct trends_question *latest(const struct trends *t, const char *q, int *at)
{
	for (int i = t->n - 1; i >= 0; i--)
		for (int k = 0; k < t->pt[i].nq; k++)
			if (strcmp(t->pt[i].q[k].question, q) == 0) {
				*at = i;
				return &t->pt[i].q[k];
			}
	return NULL;
}

static void question(struct buf *b, const struct trends *t, const char *q)
{
	struct arena *a = b->arena;
	const struct trends_question *lq;
	struct answer_ctx ctx[TRENDS_SVG_ANSWERS];
	struct buf label;
	int at = -1, na, snaps = 0;

	if ((lq = latest(t, q, &at)) == NULL)
		return;
	na = lq->na < TRENDS_SVG_ANSWERS ? lq->na : TRENDS_SVG_ANSWERS;
	for (int i = 0; i < t->n; i++)
		for (int k = 0; k < t->pt[i].nq; k++)
			snaps += strcmp(t->pt[i].q[k].question, q) == 0;
	buf_init(&label, a);
	buf_printf(&label, "설문 ‘%s’ 답의 비율 추이 (스냅숏 %d개, 마지막 %s): ", q, snaps, t->pt[at].period);
	for (int j = 0; j < na; j++) {
		double first = 0;
		for (int i = 0; i < t->n; i++)
			if (answer_pct(&t->pt[i], q, lq->a[j].answer, &first))
				break;
		buf_printf(&label, "%s%s %.0f%%에서 %.0f%%", j ? ", " : "", lq->a[j].answer, first, lq->a[j].percent);
	}
	buf_puts(&label, ".");
	html_printf(b, "<figure class=\"trend survey-q\">\n<figcaption>%s</figcaption>\n", q);
	open_svg(b, "survey-chart", S_H, label.data != NULL ? label.data : q,
	    "선 하나가 설문의 답 하나이고, 점은 쿠팡 상품 페이지에서 설문을 본 날입니다. 세로축은 0~100%입니다.");
	grid(b, S_TOP, S_BOT, 3);
	open_inner(b, S_H);
	for (int j = 0; j < na; j++) {
		struct series s = { answer_v, &ctx[j], 1 << 30 };
		ctx[j].question = q;
		ctx[j].answer = lq->a[j].answer;
		path(b, t, &s, arena_printf(a, "line answer a%d", j));
	}
	html_raw(b, "</svg>");
	for (int k = 0; k < 3; k++)
		html_printf(b, "<text class=\"axis y\" x=\"0\" y=\"%d\">%d%%</text>",
		    S_TOP + (S_BOT - S_TOP) * k / 2 - 5, 100 - 50 * k);
	xticks(b, t, S_XLAB);
	for (int j = 0; j < na; j++) {
		struct series s = { answer_v, &ctx[j], 1 << 30 };
		dots(b, t, &s, arena_printf(a, "dot answer a%d", j), 1);
	}
	html_raw(b, "</svg>\n<ul class=\"trend-legend answers\">");
	for (int j = 0; j < na; j++)
		html_printf(b, "<li><span class=\"key answer a%d\" aria-hidden=\"true\"></span>%s <strong>%.0f%%</strong></li>",
		    j, lq->a[j].answer, lq->a[j].percent);
	html_raw(b, "</ul>\n");
	/* its table: a row per snapshot, a column per answer drawn */
	html_printf(b, "<details class=\"trend-data\"><summary>‘%s’ 표로 보기 (스냅숏 %d개)</summary>\n"
	    "<div class=\"table-scroll\"><table class=\"list trend-table survey-table\">\n<thead><tr>"
	    "<th scope=\"col\">%s</th>", q, snaps, t->range.period == TRENDS_MONTH ? "달" : "날짜");
	for (int j = 0; j < na; j++)
		html_printf(b, "<th scope=\"col\">%s</th>", lq->a[j].answer);
	html_raw(b, "</tr></thead>\n<tbody>\n");
	for (int i = t->n - 1; i >= 0; i--) {
		const struct trends_point *p = &t->pt[i];
		int has = 0;
		for (int k = 0; k < p->nq; k++)
			has |= strcmp(p->q[k].question, q) == 0;
		if (!has)
			continue;
		html_printf(b, "<tr data-period=\"%s\"><th scope=\"row\">%s</th>", p->period, p->period);
		for (int j = 0; j < na; j++) {
			double v;
			if (answer_pct(p, q, lq->a[j].answer, &v))
				html_printf(b, "<td class=\"num\">%.0f%%</td>", v);
			else
				html_raw(b, "<td class=\"num muted\">–</td>");
		}
		html_raw(b, "</tr>\n");
	}
	html_raw(b, "</tbody>\n</table></div></details>\n</figure>\n");
}

void trends_svg_survey(struct buf *b, const struct trends *t)
{
	const char *seen[TRENDS_MAX_QUESTIONS * 4];
	int nseen = 0;

	for (int i = t->n - 1; i >= 0; i--)
		for (int k = 0; k < t->pt[i].nq && nseen < (int)(sizeof(seen) / sizeof(seen[0])); k++) {
			int dup = 0;
			for (int s = 0; s < nseen; s++)
				dup |= strcmp(seen[s], t->pt[i].q[k].question) == 0;
			if (!dup)
				seen[nseen++] = t->pt[i].q[k].question;
		}
	html_raw(b, "<h3 class=\"trend-sub\">구매자 설문의 변화</h3>\n");
	if (nseen == 0) {
		html_raw(b, "<p class=\"empty small\">이 기간에는 쿠팡 설문 스냅숏이 없습니다.</p>\n");
		return;
	}
	html_raw(b, "<div class=\"survey-grid\">\n");
	for (int s = 0; s < nseen; s++)
		question(b, t, seen[s]);
	html_raw(b, "</div>\n");
}

/* ------------------------------------------------------------------ the section */

void trends_svg_section(struct buf *b, const struct trends *t, int csv)
{
	struct arena *a = b->arena;
	int month = t->range.period == TRENDS_MONTH, below = 0;
	long long reviews = 0;

	html_raw(b, "<section class=\"card trends\" id=\"trends\">\n<div class=\"trends-head\">"
	    "<h2>가격과 평가 추이</h2>\n<nav class=\"toggle\" aria-label=\"기간 단위\">");
	html_printf(b, "<a href=\"/products/%lld?period=day#trends\"", t->product_id);
	if (!month)
		html_raw(b, " class=\"on\" aria-current=\"page\"");
	html_printf(b, ">일별</a><a href=\"/products/%lld?period=month#trends\"", t->product_id);
	if (month)
		html_raw(b, " class=\"on\" aria-current=\"page\"");
	html_raw(b, ">월별</a></nav>\n</div>\n");
	if (t->range.current)
		html_printf(b, "<p class=\"muted range\">최근 %d%s <span class=\"nowrap\">(%s ~ %s)</span> · %s 기준 · "
		    "매일 밤 집계</p>\n", month ? t->range.n : t->range.days, month ? "개월" : "일",
		    t->range.from, t->range.to, t->zone != NULL ? t->zone : "");
	else
		html_printf(b, "<p class=\"muted range\"><span class=\"nowrap\">%s ~ %s</span> · %s 기준 · 매일 밤 집계</p>\n",
		    t->range.from, t->range.to, t->zone != NULL ? t->zone : "");
	if (t->n == 0) {
		html_raw(b, "<p class=\"empty\">아직 추이 데이터가 없습니다 — 매일 밤 집계됩니다. 리뷰나 가격이 "
		    "모이면 다음 집계부터 이곳에 가격과 평가의 변화가 그려집니다.</p>\n</section>\n");
		return;
	}
	for (int i = 0; i < t->n; i++) {
		reviews += t->pt[i].review_count;
		below += below_target(t, &t->pt[i]);
	}
	html_raw(b, "<ul class=\"trend-facts\">");
	if (t->lowest >= 0)
		html_printf(b, "<li class=\"low\"><span>%s</span><strong>%s</strong><small>%s</small></li>",
		    lowest_label(a, t), won(a, t->pt[t->lowest].price_min), t->pt[t->lowest].period);
	if (t->target_price >= 0)
		html_printf(b, "<li class=\"target\"><span>목표가</span><strong>%s</strong><small>이하였던 기간 %s</small></li>",
		    won(a, t->target_price), periods(a, t, below));
	html_printf(b, "<li><span>리뷰</span><strong>%lld개</strong><small>자료가 있는 기간 %s</small></li></ul>\n",
	    reviews, periods(a, t, t->n));
	trends_svg_price(b, t);
	trends_svg_volume(b, t);
	trends_svg_survey(b, t);
	if (csv)
		html_printf(b, "<p class=\"csv\"><a class=\"button small-plain\" href=\"/products/%lld/trends.csv?period=%s"
		    "&amp;from=%s&amp;to=%s\" download>CSV로 내려받기</a></p>\n", t->product_id, month ? "month" : "day",
		    t->range.from, t->range.to);
	html_raw(b, "</section>\n");
}
