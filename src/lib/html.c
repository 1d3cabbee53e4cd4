/* html.c — context-named escapers and the escaping printf. */
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

static int unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_' || c == '.' || c == '~';
}

void html_url_arg(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (unreserved(c)) {
			buf_append(b, (const char *)&c, 1);
		} else {
			char e[3] = { '%', hex[c >> 4], hex[c & 15] };
			buf_append(b, e, 3);
		}
	}
}

char *html_url_enc(struct arena *a, const char *s)
{
	struct buf b;

	buf_init(&b, a);
	html_url_arg(&b, s);
	if (b.failed)
		return NULL;
	return b.data != NULL ? b.data : arena_strdup(a, "");
}

void html_raw_lit(struct buf *b, const char *lit, size_t len)
{
	buf_append(b, lit, len);
}

void html_printf_fmt(struct buf *b, const char *fmt, ...)
{
	const char *run = fmt;
	va_list ap;

	va_start(ap, fmt);
	for (const char *p = fmt; *p; p++) {
		char num[64];
		int len = 0, prec = -1, n;

		if (*p != '%')
			continue;
		buf_append(b, run, (size_t)(p - run));
		p++;
		if (*p == '%') {
			buf_append(b, "%", 1);
			run = p + 1;
			continue;
		}
		if (*p == '.') {
			prec = 0;
			for (p++; *p >= '0' && *p <= '9' && prec < 20; p++)
				prec = prec * 10 + (*p - '0');
		}
		if (*p == 'l') {
			len = 1;
			if (p[1] == 'l') {
				len = 2;
				p++;
			}
			p++;
		} else if (*p == 'z') {
			len = 3;
			p++;
		}
		n = -1;
		switch (*p) {
		case 's':
			if (len == 0 && prec < 0) {
				const char *s = va_arg(ap, const char *);
				if (s != NULL)
					escape(b, s, 1);
				n = 0;
			}
			break;
		case 'c':
			if (len == 0 && prec < 0) {
				char c[2] = { (char)va_arg(ap, int), '\0' };
				escape(b, c, 1);
				n = 0;
			}
			break;
		case 'd': case 'i': case 'u':
			if (prec >= 0)
				break;
			switch (len) {
			case 0: n = *p == 'u' ? snprintf(num, sizeof(num), "%u", va_arg(ap, unsigned))
			                      : snprintf(num, sizeof(num), "%d", va_arg(ap, int)); break;
			case 1: n = *p == 'u' ? snprintf(num, sizeof(num), "%lu", va_arg(ap, unsigned long))
			                      : snprintf(num, sizeof(num), "%ld", va_arg(ap, long)); break;
			case 2: n = *p == 'u' ? snprintf(num, sizeof(num), "%llu", va_arg(ap, unsigned long long))
			                      : snprintf(num, sizeof(num), "%lld", va_arg(ap, long long)); break;
			default: n = snprintf(num, sizeof(num), "%zu", va_arg(ap, size_t)); break;
			}
			if (n > 0)
				buf_append(b, num, (size_t)n);
			break;
		case 'f':
			if (len != 0)
				break;
			n = snprintf(num, sizeof(num), "%.*f", prec < 0 ? 6 : prec, va_arg(ap, double));
			if (n > 0 && (size_t)n < sizeof(num))
				buf_append(b, num, (size_t)n);
			break;
		default:
			break;
		}
		if (n < 0) {
			/* a conversion this writer does not know: never guess at its argument */
			b->failed = 1;
			break;
		}
		run = p + 1;
	}
	if (!b->failed)
		buf_append(b, run, strlen(run));
	va_end(ap);
}
