/* metrics_http.c — parse the request of a metrics scrape (see metrics_http.h). */
#include <string.h>

#include "worker/metrics_http.h"

/* RFC 9110 tchar */
static int is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Line [p, end) without its LF (and CR). */
static size_t trim_cr(const char *p, size_t n)
{
	return n > 0 && p[n - 1] == '\r' ? n - 1 : n;
}

/* The request line: 0 and the method and path spans, or 400. */
static int request_line(const char *p, size_t n, size_t *mlen, const char **path, size_t *plen)
{
	size_t i = 0, t;

	while (i < n && is_tchar((unsigned char)p[i]))
		i++;
	if (i == 0 || i >= n || p[i] != ' ')
		return 400;
	*mlen = i++;
	t = i;
	while (i < n && (unsigned char)p[i] > 0x20 && (unsigned char)p[i] < 0x7f)
		i++;
	if (i == t || i >= n || p[i] != ' ' || p[t] != '/')
		return 400;
	*path = p + t;
	*plen = i - t;
	i++;
	if (n - i != 8 || memcmp(p + i, "HTTP/1.", 7) != 0 || (p[i + 7] != '0' && p[i + 7] != '1'))
		return 400;
	return 0;
}

/* One header line: 0 when it is "name: value" without control characters but HTAB. */
static int header_line(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && is_tchar((unsigned char)p[i]))
		i++;
	if (i == 0 || i >= n || p[i] != ':')
		return 400;
	for (i++; i < n; i++)
		if (((unsigned char)p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
			return 400;
	return 0;
}

int mh_parse(const char *buf, size_t len, int *head)
{
	const char *eol = memchr(buf, '\n', len), *path = NULL, *p, *q;
	size_t n, mlen = 0, plen = 0;
	int rc;

	*head = 0;
	if (eol == NULL)
		return len >= MH_HEAD_MAX ? 431 : MH_MORE;
	if ((size_t)(eol - buf) >= MH_HEAD_MAX)
		return 431;
	n = trim_cr(buf, (size_t)(eol - buf));
	if ((rc = request_line(buf, n, &mlen, &path, &plen)) != 0)
		return rc;
	/* the header lines, up to the empty one */
	for (p = eol + 1;; p = q + 1) {
		size_t left = len - (size_t)(p - buf);
		if ((q = memchr(p, '\n', left)) == NULL)
			return len >= MH_HEAD_MAX ? 431 : MH_MORE;
		if ((size_t)(q - buf) >= MH_HEAD_MAX)
			return 431;
		n = trim_cr(p, (size_t)(q - p));
		if (n == 0)
			break;
		if (header_line(p, n) != 0)
			return 400;
	}
	if (mlen == 4 && memcmp(buf, "HEAD", 4) == 0)
		*head = 1;
	else if (mlen != 3 || memcmp(buf, "GET", 3) != 0)
		return 405;
	/* the path, without its query */
	q = memchr(path, '?', plen);
	n = q != NULL ? (size_t)(q - path) : plen;
	return n == 8 && memcmp(path, "/metrics", 8) == 0 ? 200 : 404;
}
