/* req.h — one FastCGI request: its parameters, its memory, its response.
 *
 * The request owns everything it allocates: the arena (strings, buffers,
 * decoded forms) and any store handle a handler parks in it. req_dispatch()
 * runs the route checks and the handler, writes the response once, and
 * req_finish() releases everything in one place before the next accept.
 */
#ifndef REVLENS_REQ_H
#define REVLENS_REQ_H

#include <fcgiapp.h>
#include <stdint.h>

#include "lib/arena.h"
#include "web/app.h"
#include "web/route.h"

#define REQ_MAX_URI      4096   /* bytes of REQUEST_URI; longer gets 414 */
#define REQ_MAX_HEADERS  100    /* HTTP_* parameters; more gets 431 */

struct ingest_auth;

struct req {
	FCGX_Request *fcgi;
	struct app *app;
	struct arena arena;

	/* parsed request (arena-owned or pointing into libfcgi's params) */
	const char *method;
	const char *uri;            /* REQUEST_URI as sent */
	const char *path;           /* uri up to '?' */
	const char *query;          /* after '?', "" when none */
	const char *remote_addr;
	long content_length;        /* -1 when absent */
	int route;                  /* index in route_table, -1 when none */
	long long ids[ROUTE_MAX_IDS];
	int nids;
	struct form *form;          /* a POSTed form body, parsed before the handler; else NULL */
	struct form *qform;         /* the query string, parsed on first req_query() */
	struct session *sess;       /* who is asking (browser session or API token), NULL if anonymous */
	struct ingest_auth *ingest; /* the collector's ingest token on ROUTE_INGEST routes */
	const char *anon_csrf;      /* an anonymous visitor's CSRF token, once looked up or minted */
	int refresh;                /* > 0: without JavaScript the page reloads every this many s */

	/* response */
	int status;
	const char *content_type;   /* defaults to text/html; charset=utf-8 */
	struct buf headers;         /* extra "Name: value\r\n" lines */
	struct buf body;
	const char *err_code;       /* machine-readable error code for JSON errors */
	const char *err_msg;        /* user-facing message (Korean for pages) */

	uint64_t start_us;
};

/* Set up r for a freshly accepted FastCGI request. */
void req_init(struct req *r, FCGX_Request *fcgi, struct app *app);
/* Route, check, run the handler, write the response, account it. */
void req_dispatch(struct req *r);
/* Release everything the request owns (arena reset keeps one block). */
void req_finish(struct req *r);

/* A FastCGI parameter ("HTTP_COOKIE", "CONTENT_TYPE", …) or NULL. */
const char *req_param(const struct req *r, const char *name);
/* Read the whole body (at most web.max_body; checked before reading).
 * Returns 0 with *data NUL-terminated in the arena, or an HTTP status to return. */
int req_read_body(struct req *r, const char **data, size_t *len);

/* Response helpers. */
__attribute__((format(printf, 2, 3)))
void req_header(struct req *r, const char *fmt, ...);
/* Set an error to be rendered by the framework; returns status for `return req_error(...)`. */
int req_error(struct req *r, int status, const char *code, const char *msg);

/* A value of the POSTed form ("" when absent or no form). */
const char *req_form(const struct req *r, const char *key);
struct json_object;
#define REQ_JSON_BODY_MAX 4096  /* bytes of a JSON request body */
/* Send o (which this takes over) as the JSON body of the response. */
void req_json(struct req *r, struct json_object *o);
/* Read the body as one JSON object (Content-Type application/json, at most
 * REQ_JSON_BODY_MAX bytes, nesting depth 4): 0 with *o (caller puts it), or a
 * status with the JSON error set (415, 413, 400). */
int req_json_body(struct req *r, struct json_object **o);
/* The string member key of o, or NULL when absent or not a string. */
const char *req_json_str(struct json_object *o, const char *key);
/* A value of the query string ("" when absent). A query string that does not
 * decode (bad escapes, %00, invalid UTF-8, too many pairs) reads as empty. */
const char *req_query(struct req *r, const char *key);
/* Run sql for r's logged-in user: $1 its id, $2 its time zone, and $3 id when
 * id > 0. 0, or -1 with the error logged under what (the result stays in r's
 * PostgreSQL connection until the next query). */
int req_user_query(struct req *r, const char *what, const char *sql, long long id);
/* 303 See Other to a local path; returns 303 for `return req_redirect(...)`. */
int req_redirect(struct req *r, const char *location);
/* 1 when the site is served over https (nginx's HTTPS / REQUEST_SCHEME). */
int req_https(const struct req *r);

/* 1 when the client address is loopback (127.0.0.0/8, ::1). */
int req_is_loopback(const struct req *r);

/* Microseconds on the monotonic clock. */
uint64_t req_now_us(void);
const char *req_reason(int status);

#endif
