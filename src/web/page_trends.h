/* page_trends.h — a product's trends: GET /api/products/{id}/trends (JSON),
 * GET /api/products/{id}/trends.csv and /products/{id}/trends.csv (CSV), and the
 * "가격과 평가 추이" section of the product page (docs/aggregator.md). */
#ifndef REVLENS_PAGE_TRENDS_H
#define REVLENS_PAGE_TRENDS_H

struct req;
struct product;

int page_api_trends(struct req *r);             /* GET /api/products/{id}/trends (bearer) */
int page_api_trends_csv(struct req *r);         /* GET /api/products/{id}/trends.csv (bearer) */
int page_trends_csv(struct req *r);             /* GET /products/{id}/trends.csv (cookie) */

/* The product page's trends section for p (?period=, ?from=, ?to= of r's query). */
void page_trends_section(struct req *r, const struct product *p);

#endif
