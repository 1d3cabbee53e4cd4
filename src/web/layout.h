/* layout.h — the frame every HTML page shares: head, navigation, footer,
 * and the pieces of forms (CSRF field, labelled inputs with their errors).
 * Everything is written through lib/html.h, so user data is escaped.
 */
#ifndef REVLENS_LAYOUT_H
#define REVLENS_LAYOUT_H

struct req;

/* Doctype, head (title, stylesheet), the navigation bar showing who is logged
 * in with a log-out button, and the opening of <main>. */
void layout_begin(struct req *r, const char *title);
/* Close <main>, the footer and the document. */
void layout_end(struct req *r);

/* <input type=hidden name=csrf> with r's CSRF token. */
void layout_csrf(struct req *r);

/* One labelled input with its error (or hint) underneath. */
struct field {
	const char *name;
	const char *label;
	const char *type;           /* "text", "email", "password", ... */
	const char *value;          /* kept input; never set for passwords */
	const char *error;          /* Korean message, NULL when the field is fine */
	const char *hint;           /* shown when there is no error; may be NULL */
	const char *autocomplete;   /* autocomplete attribute; may be NULL */
	int maxlength;              /* characters; 0 for none */
	int required;
};
void layout_field(struct req *r, const struct field *f);

/* "1,234,500원": whole won with thousands separators. */
void layout_won(struct req *r, long long v);
/* v with thousands separators, then unit ("개", "" for none). */
void layout_count(struct req *r, long long v, const char *unit);

/* A notice box: cls is "ok", "error" or "info". */
void layout_notice(struct req *r, const char *cls, const char *msg);

#endif
