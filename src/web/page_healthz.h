/* page_healthz.h — GET /healthz: every dependency's status and latency. */
#ifndef REVLENS_PAGE_HEALTHZ_H
#define REVLENS_PAGE_HEALTHZ_H

struct req;
int page_healthz(struct req *r);

#endif
