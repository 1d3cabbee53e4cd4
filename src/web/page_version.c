/* page_version.c — GET /api/version, so API clients can check what they talk to. */
#include "web/page_version.h"
#include "web/req.h"

#define API_VERSION 1   /* bumped on any incompatible change under /api/ */

int page_version(struct req *r)
{
	buf_printf(&r->body, "{\"name\":\"revlens\",\"version\":\"%s\",\"api\":%d}\n",
	    PACKAGE_VERSION, API_VERSION);
	r->content_type = "application/json";
	return 200;
}
