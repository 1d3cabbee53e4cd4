/* html.c — context-named escapers and the page frame. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/html.h"

/* Append s with &, <, > (and in attributes both quotes) as entities. */
static void escape(struct buf *b, const char *s, int attr)
{
	const char *run = s;

	for (; *s; s++) {
		const char *ent;
		switch (*s) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = attr ? "&quot;" : NULL; break;
		case '\'': ent = attr ? "&#39;" : NULL; break;
		default: ent = NULL; break;
		}
		if (ent == NULL)
			continue;
		buf_append(b, run, (size_t)(s - run));
		buf_puts(b, ent);
		run = s + 1;
	}
	buf_append(b, run, (size_t)(s - run));
}

void html_txt(struct buf *b, const char *s)
{
	escape(b, s, 0);
}

void html_attr(struct buf *b, const char *s)
{
	escape(b, s, 1);
}

void html_url_arg(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			buf_append(b, (const char *)&c, 1);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			buf_append(b, e, 3);
		}
	}
}

void html_raw(struct buf *b, const char *s)
{
	buf_puts(b, s);
}

void html_rawf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void html_page_begin(struct buf *b, const char *title)
{
	html_raw(b, "<!doctype html>\n<html lang=\"ko\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	html_txt(b, title);
	html_raw(b, " — revlens</title>\n<link rel=\"stylesheet\" href=\"/static/revlens.css\">\n"
	    "</head>\n<body>\n<header><a href=\"/\" class=\"brand\">revlens</a></header>\n<main>\n");
}

void html_page_end(struct buf *b)
{
	html_raw(b, "</main>\n</body>\n</html>\n");
}
