/* html.h — HTML output, escaped by default.
 *
 * Every function appends to a struct buf. Two rules make it impossible for a
 * page to print user data unescaped:
 *  - html_printf() escapes every %s argument (as element text and as a quoted
 *    attribute value at once: & < > " ' become entities). Its format must be
 *    a string literal, and gcc checks the argument types as for printf.
 *  - html_raw() takes string literals only (the macro refuses anything else
 *    at compile time): unescaped markup is always written in the source.
 * The named escapers (html_txt, html_attr, html_url_arg) remain for callers
 * that build a value piece by piece.
 */
#ifndef REVLENS_HTML_H
#define REVLENS_HTML_H

#include <stddef.h>

#include "lib/arena.h"

void html_txt(struct buf *b, const char *s);
void html_attr(struct buf *b, const char *s);
void html_url_arg(struct buf *b, const char *s);

/* Markup from a string literal (a non-literal argument does not compile). */
#define html_raw(b, lit) html_raw_lit((b), "" lit "", sizeof(lit) - 1)
void html_raw_lit(struct buf *b, const char *lit, size_t len);

/* printf whose %s arguments are escaped; conversions: %s %c %d %i %u with
 * the l, ll and z length modifiers, %f with a precision (%.1f), and %%.
 * A NULL %s prints nothing. Any other conversion marks b failed. */
#define html_printf(b, fmt, ...) html_printf_fmt((b), "" fmt, __VA_ARGS__)
__attribute__((format(printf, 2, 3)))
void html_printf_fmt(struct buf *b, const char *fmt, ...);

/* s percent-encoded as one query-string component, in a (NULL on no memory). */
char *html_url_enc(struct arena *a, const char *s);

#endif
