/* page_version.h — GET /api/version: the service name and versions (no store access). */
#ifndef REVLENS_PAGE_VERSION_H
#define REVLENS_PAGE_VERSION_H

struct req;
int page_version(struct req *r);

#endif
