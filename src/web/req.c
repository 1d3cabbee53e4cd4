/* req.c — request parsing, the checks every route gets, response output.
 *
 * This is the only place that writes to the FastCGI output stream: handlers
 * fill r->status / r->body / r->headers (or return an error status), and
 * respond() writes the status line, headers and body exactly once. Error
 * pages and JSON errors are rendered here too, so every error looks alike.
 */
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/form.h"
#include "lib/html.h"
#include "lib/ingest_token.h"
#include "lib/log.h"
#include "lib/strnum.h"
#include "web/layout.h"
#include "web/req.h"
#include "web/session.h"

uint64_t req_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

const char *req_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* Korean title for the HTML error page. */
static const char *ko_title(int status)
{
	switch (status) {
	case 400: return "잘못된 요청입니다";
	case 401: return "로그인이 필요합니다";
	case 403: return "접근 권한이 없습니다";
	case 404: return "페이지를 찾을 수 없습니다";
	case 405: return "허용되지 않는 요청 방식입니다";
	case 409: return "요청이 현재 상태와 충돌합니다";
	case 413: return "요청 본문이 너무 큽니다";
	case 414: return "주소가 너무 깁니다";
	case 415: return "지원하지 않는 형식입니다";
	case 422: return "입력값을 확인해 주세요";
	case 429: return "요청이 너무 많습니다";
	case 431: return "요청 헤더가 너무 큽니다";
	case 503: return "서비스를 잠시 사용할 수 없습니다";
	default: return status >= 500 ? "서버 오류가 발생했습니다" : "요청을 처리할 수 없습니다";
	}
}

static const char *default_code(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 409: return "conflict";
	case 413: return "body_too_large";
	case 414: return "uri_too_long";
	case 415: return "unsupported_media_type";
	case 422: return "invalid_input";
	case 429: return "rate_limited";
	case 431: return "headers_too_large";
	case 503: return "unavailable";
	default: return status >= 500 ? "internal_error" : "error";
	}
}

void req_init(struct req *r, FCGX_Request *fcgi, struct app *app)
{
	struct arena keep = r->arena;

	memset(r, 0, sizeof(*r));
	r->arena = keep;
	r->fcgi = fcgi;
	r->app = app;
	r->route = -1;
	r->content_length = -1;
	r->query = "";
	buf_init(&r->headers, &r->arena);
	buf_init(&r->body, &r->arena);
	r->start_us = req_now_us();
}

const char *req_param(const struct req *r, const char *name)
{
	return FCGX_GetParam(name, r->fcgi->envp);
}

void req_header(struct req *r, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 2 || strpbrk(line, "\r\n") != NULL) {
		/* never send the response without it: respond() answers 500 instead */
		log_error("malformed or over-long response header: answering 500");
		r->headers.failed = 1;
		return;
	}
	buf_append(&r->headers, line, (size_t)n);
	buf_append(&r->headers, "\r\n", 2);
}

int req_error(struct req *r, int status, const char *code, const char *msg)
{
	r->err_code = code;
	r->err_msg = msg;
	return status;
}

/* The largest body r's route takes: a collector's batch may be larger than a form. */
static long body_limit(const struct req *r)
{
	if (r->route >= 0 && (route_table[r->route].flags & ROUTE_INGEST))
		return r->app->cfg->ingest_max_body;
	return r->app->cfg->web_max_body;
}

int req_read_body(struct req *r, const char **data, size_t *len)
{
	long want = r->content_length;
	char *p;
	int got;

	if (want < 0)
		want = 0;
	if (want > body_limit(r))
		return req_error(r, 413, "body_too_large", NULL);
	p = arena_alloc(&r->arena, (size_t)want + 1);
	if (p == NULL)
		return req_error(r, 500, NULL, NULL);
	got = want ? FCGX_GetStr(p, (int)want, r->fcgi->in) : 0;
	if (got != want)
		return req_error(r, 400, "short_body", "요청 본문이 Content-Length보다 짧습니다.");
	p[want] = '\0';
	*data = p;
	*len = (size_t)want;
	return 0;
}

const char *req_form(const struct req *r, const char *key)
{
	const char *v = r->form != NULL ? form_get(r->form, key) : NULL;

	return v != NULL ? v : "";
}

void req_json(struct req *r, json_object *o)
{
	buf_puts(&r->body, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	buf_puts(&r->body, "\n");
	json_object_put(o);
	r->content_type = "application/json";
}

int req_json_body(struct req *r, json_object **o)
{
	const char *type = req_param(r, "CONTENT_TYPE"), *body;
	json_tokener *tok;
	json_object *in;
	size_t len;
	int st;

	*o = NULL;
	if (type == NULL || strncasecmp(type, "application/json", 16) != 0)
		return req_error(r, 415, "unsupported_media_type",
		    "Content-Type: application/json으로 보내 주세요.");
	if (r->content_length > REQ_JSON_BODY_MAX)
		return req_error(r, 413, "body_too_large", "요청 본문은 4096바이트 이하여야 합니다.");
	if ((st = req_read_body(r, &body, &len)) != 0)
		return st;
	if ((tok = json_tokener_new_ex(4)) == NULL)
		return req_error(r, 500, NULL, NULL);
	in = json_tokener_parse_ex(tok, body, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(in, json_type_object)) {
		json_object_put(in);
		in = NULL;
	}
	json_tokener_free(tok);
	if (in == NULL)
		return req_error(r, 400, "bad_json", "본문이 올바른 JSON 객체가 아닙니다.");
	*o = in;
	return 0;
}

const char *req_json_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

const char *req_query(struct req *r, const char *key)
{
	const char *v;

	if (r->qform == NULL) {
		if ((r->qform = arena_calloc(&r->arena, 1, sizeof(*r->qform))) == NULL)
			return "";
		if (form_parse(r->qform, &r->arena, r->query, strlen(r->query), FORM_PLUS_SPACE) != FORM_OK)
			r->qform->n = 0;
	}
	v = form_get(r->qform, key);
	return v != NULL ? v : "";
}

int req_user_query(struct req *r, const char *what, const char *sql, long long id)
{
	char uid[24], ids[24];
	const char *p[3] = { uid, r->sess->tz, ids };

	snprintf(uid, sizeof(uid), "%lld", r->sess->uid);
	snprintf(ids, sizeof(ids), "%lld", id);
	if (pg_exec(&r->app->pg, sql, id > 0 ? 3 : 2, p) == -1) {
		log_error("%s: %s", what, r->app->pg.err);
		return -1;
	}
	return 0;
}

int req_redirect(struct req *r, const char *location)
{
	req_header(r, "Location: %s", location);
	return 303;
}

int req_https(const struct req *r)
{
	const char *https = req_param(r, "HTTPS"), *scheme = req_param(r, "REQUEST_SCHEME");

	return (https != NULL && strcasecmp(https, "on") == 0) ||
	    (scheme != NULL && strcmp(scheme, "https") == 0);
}

int req_is_loopback(const struct req *r)
{
	const char *addr = r->remote_addr;

	return addr != NULL && (strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0 ||
	    strncmp(addr, "::ffff:127.", 11) == 0);
}

static int wants_json(const struct req *r)
{
	return (r->route >= 0 && (route_table[r->route].flags & (ROUTE_API_JSON | ROUTE_JSON_ERRORS))) ||
	    strncmp(r->path ? r->path : "", "/api/", 5) == 0;
}

static void render_error(struct req *r)
{
	const char *msg = r->err_msg;

	if (wants_json(r)) {
		json_object *root = json_object_new_object(), *err = json_object_new_object();
		const char *s;
		json_object_object_add(err, "code",
		    json_object_new_string(r->err_code ? r->err_code : default_code(r->status)));
		json_object_object_add(err, "message",
		    json_object_new_string(msg ? msg : ko_title(r->status)));
		json_object_object_add(root, "error", err);
		s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE);
		buf_puts(&r->body, s);
		buf_puts(&r->body, "\n");
		json_object_put(root);
		r->content_type = "application/json";
		return;
	}
	/* the page frame shows who is logged in, also on a path no route knows */
	if (r->sess == NULL && r->route < 0 && r->status == 404)
		session_load(r);
	layout_begin(r, ko_title(r->status));
	html_printf(&r->body, "<section class=\"card narrow errorpage\">\n<p class=\"code\">%d</p>\n"
	    "<h1>%s</h1>\n", r->status, ko_title(r->status));
	if (msg == NULL && r->status == 404)
		msg = "주소가 바뀌었거나 없는 페이지입니다. 주소를 다시 확인해 주세요.";
	if (msg != NULL)
		html_printf(&r->body, "<p class=\"error\">%s</p>\n", msg);
	html_raw(&r->body, "<p><a class=\"button\" href=\"/\">처음으로 돌아가기</a></p>\n</section>\n");
	layout_end(r);
	r->content_type = "text/html; charset=utf-8";
}

/* Write status, headers and body: the one place output happens. */
static void respond(struct req *r)
{
	static const char oom_json[] =
	    "{\"error\":{\"code\":\"internal_error\",\"message\":\"서버 오류가 발생했습니다\"}}\n";
	static const char oom_html[] =
	    "<!doctype html>\n<html lang=\"ko\"><meta charset=\"utf-8\"><title>서버 오류</title>"
	    "<h1>500 — 서버 오류가 발생했습니다</h1></html>\n";
	const char *body, *type;
	size_t len;
	char head[512];
	int n;

	if (r->status >= 400 && r->body.len == 0 && !r->body.failed)
		render_error(r);
	body = r->body.data;
	len = r->body.len;
	type = r->content_type ? r->content_type : "text/html; charset=utf-8";
	n = snprintf(head, sizeof(head),
	    "Status: %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n", r->status, req_reason(r->status), type, len);
	if (r->body.failed || r->headers.failed || n < 0 || (size_t)n >= sizeof(head)) {
		/* Out of memory (or an impossible header): a fixed answer that needs none. */
		log_error("response for %s lost to memory exhaustion: sending 500", r->path ? r->path : "-");
		r->status = 500;
		body = wants_json(r) ? oom_json : oom_html;
		len = strlen(body);
		type = wants_json(r) ? "application/json" : "text/html; charset=utf-8";
		n = snprintf(head, sizeof(head), "Status: 500 %s\r\nContent-Type: %s\r\n"
		    "Content-Length: %zu\r\nCache-Control: no-store\r\n\r\n", req_reason(500), type, len);
		FCGX_PutStr(head, n, r->fcgi->out);
	} else {
		FCGX_PutStr(head, n, r->fcgi->out);
		if (r->headers.len)
			FCGX_PutStr(r->headers.data, (int)r->headers.len, r->fcgi->out);
		FCGX_PutStr("\r\n", 2, r->fcgi->out);
	}
	if (len && strcmp(r->method, "HEAD") != 0)
		FCGX_PutStr(body, (int)len, r->fcgi->out);
}

/* This site's origin, "scheme://host[:port]": web.origin when configured
 * (behind a proxy that changes scheme or port), else from nginx's scheme, host
 * ($host: the Host header checked against server_name) and listening port. */
static const char *site_origin(struct req *r)
{
	const char *host = req_param(r, "HTTP_HOST"), *port = req_param(r, "SERVER_PORT");
	int https = req_https(r);

	if (r->app->cfg->web_origin[0] != '\0')
		return r->app->cfg->web_origin;
	if (host == NULL || host[0] == '\0')
		return NULL;
	if (port == NULL || port[0] == '\0' || strcmp(port, https ? "443" : "80") == 0)
		return arena_printf(&r->arena, "%s://%s", https ? "https" : "http", host);
	return arena_printf(&r->arena, "%s://%s:%s", https ? "https" : "http", host, port);
}

/* 1 when url is this site's origin, or a URL on it (a Referer). */
static int same_origin(struct req *r, const char *url)
{
	const char *mine = site_origin(r);
	size_t n;

	if (mine == NULL || url == NULL)
		return 0;
	n = strlen(mine);
	return strncasecmp(url, mine, n) == 0 && (url[n] == '\0' || url[n] == '/');
}

/* Parse an urlencoded POST body into r->form. 0 or a status. */
static int read_form(struct req *r)
{
	const char *type = req_param(r, "CONTENT_TYPE"), *data;
	enum form_error fe;
	size_t len;
	int st;

	if (type == NULL || strncasecmp(type, "application/x-www-form-urlencoded", 33) != 0 ||
	    (type[33] != '\0' && type[33] != ';'))
		return req_error(r, 415, "unsupported_media_type",
		    "양식은 application/x-www-form-urlencoded 형식으로 보내 주세요.");
	if ((st = req_read_body(r, &data, &len)) != 0)
		return st;
	if ((r->form = arena_alloc(&r->arena, sizeof(*r->form))) == NULL)
		return req_error(r, 500, NULL, NULL);
	fe = form_parse(r->form, &r->arena, data, len, FORM_PLUS_SPACE | FORM_ALLOW_NEWLINE);
	if (fe != FORM_OK)
		return req_error(r, fe == FORM_E_NOMEM ? 500 : 400, "bad_form", form_strerror(fe));
	return 0;
}

/* A collector's ingest token (never a user's token: scopes do not mix). 0 or a status. */
static int ingest_auth(struct req *r)
{
	const char *h = req_param(r, "HTTP_AUTHORIZATION");
	int rc;

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
		req_header(r, "WWW-Authenticate: Bearer realm=\"revlens\", scope=\"ingest\"");
		return req_error(r, 401, "missing_token", "Authorization: Bearer 수집 토큰(rli_…)이 필요합니다. "
		    "/me/tokens 에서 만들 수 있습니다.");
	}
	for (h += 7; *h == ' '; h++)
		;
	if (strncmp(h, INGEST_TOKEN_PREFIX, 4) != 0) {
		req_header(r, "WWW-Authenticate: Bearer realm=\"revlens\", error=\"insufficient_scope\", scope=\"ingest\"");
		return req_error(r, 403, "insufficient_scope", "이 토큰에는 수집(ingest) 권한이 없습니다. "
		    "/me/tokens 에서 수집 토큰을 만들어 쓰세요.");
	}
	if ((r->ingest = arena_alloc(&r->arena, sizeof(*r->ingest))) == NULL)
		return req_error(r, 500, NULL, NULL);
	if ((rc = ingest_token_auth(&r->app->pg, h, strlen(h), r->ingest)) == -1) {
		log_error("ingest token: %s", r->app->pg.err);
		return req_error(r, 503, "store_unavailable", "토큰을 확인할 수 없습니다. 잠시 후 다시 보내 주세요.");
	}
	if (rc == 0) {
		r->ingest = NULL;
		req_header(r, "WWW-Authenticate: Bearer realm=\"revlens\", error=\"invalid_token\"");
		return req_error(r, 401, "invalid_token", "없거나 폐기되었거나 만료된 수집 토큰입니다.");
	}
	return 0;
}

/* Who is asking, and may they: session or token, login, admin, CSRF and Origin.
 * Returns 0 or a status. */
static int authorize(struct req *r, int flags)
{
	int st;

	if (flags & ROUTE_INGEST)
		return ingest_auth(r);
	if (flags & ROUTE_API_JSON) {
		if ((flags & ROUTE_NEED_AUTH) && (st = session_load_bearer(r)) != 0)
			return st;
	} else if (!(flags & ROUTE_LOOPBACK_ONLY) && session_load(r) == -1) {
		return req_error(r, 503, NULL, "로그인 정보를 확인할 수 없습니다. 잠시 후 다시 시도해 주세요.");
	}
	/* admin pages are 404 for everyone else, logged in or not: no hint they exist */
	if ((flags & ROUTE_NEED_ADMIN) && (r->sess == NULL || !r->sess->admin))
		return req_error(r, 404, NULL, NULL);
	if ((flags & ROUTE_NEED_AUTH) && r->sess == NULL && (flags & ROUTE_JSON_ERRORS))
		return req_error(r, 401, "unauthorized", "로그인이 필요합니다.");
	if ((flags & ROUTE_NEED_AUTH) && r->sess == NULL) {
		char *next = html_url_enc(&r->arena, r->uri);
		/* the log-in page ignores a next longer than 512 bytes anyway */
		return req_redirect(r, next != NULL && strlen(next) <= 512 ?
		    arena_printf(&r->arena, "/login?next=%s", next) : "/login");
	}
	if (strcmp(r->method, "POST") == 0 && !(flags & ROUTE_API_JSON) &&
	    (st = read_form(r)) != 0)
		return st;
	if (flags & ROUTE_NEED_CSRF) {
		const char *origin = req_param(r, "HTTP_ORIGIN"), *referer = req_param(r, "HTTP_REFERER");
		const char *from = origin != NULL ? origin : referer;
		if (from == NULL || !same_origin(r, from)) {
			char safe[128];
			log_safe(safe, sizeof(safe), from ? from : "-", from ? strlen(from) : 1);
			log_warn("refused a %s %s from origin %s", r->method, r->path, safe);
			return req_error(r, 403, "cross_site", from == NULL ?
			    "요청의 출처(Origin)를 알 수 없어 처리하지 않습니다. 브라우저에서 다시 시도해 주세요." :
			    "다른 사이트에서 보낸 요청은 처리하지 않습니다.");
		}
		if (!session_csrf_ok(r, req_form(r, "csrf")))
			return req_error(r, 403, "csrf",
			    "보안 토큰이 없거나 만료되었습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.");
	}
	return 0;
}

/* The checks every request passes before a handler. Returns 0 or a status. */
static int precheck(struct req *r)
{
	const char *cl = req_param(r, "CONTENT_LENGTH");
	const char *q;
	int nheaders = 0;
	long long v;
	int path_matched;

	if (r->method == NULL || r->uri == NULL || r->uri[0] != '/')
		return req_error(r, 400, NULL, "요청 주소가 올바르지 않습니다.");
	if (strlen(r->uri) > REQ_MAX_URI)
		return req_error(r, 414, NULL, NULL);
	for (char **e = r->fcgi->envp; *e; e++)
		if (strncmp(*e, "HTTP_", 5) == 0)
			nheaders++;
	if (nheaders > REQ_MAX_HEADERS)
		return req_error(r, 431, NULL, NULL);
	q = strchr(r->uri, '?');
	if (q != NULL) {
		r->path = arena_strndup(&r->arena, r->uri, (size_t)(q - r->uri));
		r->query = q + 1;
	} else {
		r->path = r->uri;
	}
	if (r->path == NULL)
		return req_error(r, 500, NULL, NULL);
	r->route = route_lookup(r->method, r->path, r->ids, &r->nids, &path_matched);
	if (cl != NULL && cl[0] != '\0') {
		if (strnum_parse(cl, 10, 0, 9223372036854775807LL, &v) == -1)
			return req_error(r, 400, "bad_content_length",
			    "Content-Length 값이 올바르지 않습니다.");
		/* Enforced before a single body byte is read. */
		if (v > body_limit(r))
			return req_error(r, 413, "body_too_large", NULL);
		r->content_length = (long)v;
	}
	if (r->route < 0) {
		if (path_matched) {
			char allow[128];
			route_allowed(r->path, allow, sizeof(allow));
			req_header(r, "Allow: %s", allow);
			return req_error(r, 405, NULL, NULL);
		}
		return req_error(r, 404, NULL, NULL);
	}
	if ((route_table[r->route].flags & ROUTE_LOOPBACK_ONLY) && !req_is_loopback(r))
		return req_error(r, 403, NULL, "이 주소는 서버 내부에서만 사용할 수 있습니다.");
	return authorize(r, route_table[r->route].flags);
}

void req_dispatch(struct req *r)
{
	char safe[256];
	uint64_t dur;
	int status;

	r->method = req_param(r, "REQUEST_METHOD");
	r->uri = req_param(r, "REQUEST_URI");
	r->remote_addr = req_param(r, "REMOTE_ADDR");
	if (r->method == NULL)
		r->method = "GET";
	sb_begin(r->app->slot, r->method, r->uri ? r->uri : "-", wall_ms());

	status = precheck(r);
	if (status == 0)
		status = route_table[r->route].handler(r);
	if (status < 100 || status > 599) {
		log_error("handler for %s returned invalid status %d", route_table[r->route].pattern, status);
		status = 500;
	}
	r->status = status;
	respond(r);

	dur = req_now_us() - r->start_us;
	/* nginx keeps the access log; one line per request here only when debugging */
	if (log_enabled(LOG_LEVEL_DEBUG)) {
		log_safe(safe, sizeof(safe), r->uri ? r->uri : "-", r->uri ? strlen(r->uri) : 1);
		log_debug("%s %s %d %.3fms", r->method, safe, r->status, (double)dur / 1000.0);
	}
	sb_end(r->app->slot, r->route < 0 ? SB_ROUTES - 1 : r->route, r->status, dur);
}

void req_finish(struct req *r)
{
	arena_reset(&r->arena);
	r->fcgi = NULL;
}
