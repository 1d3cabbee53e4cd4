/* route.h — the one static route table of revlens-web. */
#ifndef REVLENS_ROUTE_H
#define REVLENS_ROUTE_H

struct req;

/* Route flags, checked in one place (req_dispatch) before the handler runs. */
#define ROUTE_API_JSON      0x01    /* errors as {"error":{"code","message"}} */
#define ROUTE_LOOPBACK_ONLY 0x02    /* 403 unless REMOTE_ADDR is loopback */
#define ROUTE_NEED_AUTH     0x04    /* a logged-in user (browser session or bearer) */
#define ROUTE_NEED_CSRF     0x08    /* state change from a form: CSRF token and same Origin */
#define ROUTE_NEED_ADMIN    0x10    /* role admin; everyone else gets 404 */
#define ROUTE_JSON_ERRORS   0x20    /* a page's JSON (browser session): errors as JSON, 401 not a redirect */
#define ROUTE_INGEST        0x40    /* a collector's batch: an ingest token (r->ingest), JSON errors,
                                     * bodies up to ingest.max_body */

#define ROUTE_MAX_IDS 4

/* A handler fills req's response and returns the HTTP status. For a status
 * >= 400 with no body, the framework writes the error page or JSON error. */
typedef int (*route_handler)(struct req *req);

struct route {
	const char *method;     /* "GET", "POST", "DELETE" */
	const char *pattern;    /* literal segments and {id} (a positive 64-bit integer) */
	route_handler handler;
	int flags;
};

extern const struct route route_table[];
extern const int route_count;

/* Match path against the table. Returns the route index and fills ids, or -1
 * with *path_matched set when only the method differs (405 case). */
int route_lookup(const char *method, const char *path, long long ids[ROUTE_MAX_IDS], int *nids,
    int *path_matched);

/* "GET, HEAD" style list of methods allowed for path (405's Allow header). */
void route_allowed(const char *path, char *out, unsigned long outlen);

#endif
