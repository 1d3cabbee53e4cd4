/* page_metrics.h — GET /metrics in the Prometheus text format (loopback only). */
#ifndef REVLENS_PAGE_METRICS_H
#define REVLENS_PAGE_METRICS_H

struct req;
int page_metrics(struct req *r);

#endif
