/* html.h — HTML output, escaped by context.
 *
 * Every function appends to a struct buf. The name says the context:
 * html_txt (element text), html_attr (a double-quoted attribute value),
 * html_url_arg (one query-string component). html_raw is the only way to
 * emit unescaped markup, and its name says so.
 */
#ifndef REVLENS_HTML_H
#define REVLENS_HTML_H

#include "lib/arena.h"

void html_txt(struct buf *b, const char *s);
void html_attr(struct buf *b, const char *s);
void html_url_arg(struct buf *b, const char *s);
void html_raw(struct buf *b, const char *s);
/* Formatted output whose every %s argument must already be safe markup. */
__attribute__((format(printf, 2, 3)))
void html_rawf(struct buf *b, const char *fmt, ...);

/* Start a full page (doctype, head with title and stylesheet, body) / end it. */
void html_page_begin(struct buf *b, const char *title);
void html_page_end(struct buf *b);

#endif
