/* trends_svg.h — the product page's trend charts as inline SVG, readable without
 * JavaScript: price and positive share on one timeline (two axes), review volume
 * bars, survey answers over time per question; each chart with role="img", an
 * aria-label that summarises it, <title>/<desc>, and its data in a table below.
 *
 * Geometry: an outer <svg width="100%"> holds text, grid lines and markers placed in
 * percent across and pixels down; an inner <svg viewBox="0 0 1000 H"
 * preserveAspectRatio="none"> holds lines, bands and bars, stretched across only
 * (strokes do not scale), so the text stays readable from 390 px to 1280 px without
 * inline styles (the CSP forbids them). Everything is written through lib/html.h.
 */
#ifndef REVLENS_TRENDS_SVG_H
#define REVLENS_TRENDS_SVG_H

#include <stddef.h>

#include "lib/arena.h"
#include "web/trends.h"

#define TRENDS_SVG_GRID     4       /* intervals of the price axis (5 grid lines: 0/25/50/75/100 %) */
#define TRENDS_SVG_DAY_GAP  7       /* a day line breaks over more than this many missing days */
#define TRENDS_SVG_ANSWERS  5       /* survey answers drawn per question (the most chosen last) */

/* A price axis: lo..hi in TRENDS_SVG_GRID steps of step (all whole won, lo >= 0). */
struct trends_scale {
	long long lo, hi, step;
};

/* The axis for prices lo..hi (either order; equal prices get room around them). */
void trends_svg_scale(long long lo, long long hi, struct trends_scale *s);

/* "19,800원" into out. */
void trends_svg_won(char *out, size_t n, long long v);
/* The axis label of a period: "11/5" for "2026-11-05", "2026-11" for a month. */
void trends_svg_tick(char *out, size_t n, const char *period);
/* x of a period's centre, in percent of the chart's width (idx of n periods). */
double trends_svg_x(int idx, int n);

/* The charts and their tables, one by one. */
void trends_svg_price(struct buf *b, const struct trends *t);
void trends_svg_volume(struct buf *b, const struct trends *t);
void trends_svg_survey(struct buf *b, const struct trends *t);

/* The whole "가격과 평가 추이" section: heading, the 일별/월별 toggle (links to
 * ?period=), the lowest price and target facts, the three charts, or the empty
 * state when the range has no document. csv: link the CSV download (a logged-in
 * viewer). */
void trends_svg_section(struct buf *b, const struct trends *t, int csv);

#endif
