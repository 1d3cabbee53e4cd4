/* sqlsplit.c — split a SQL migration file into statements, with line numbers.
 *
 * One left-to-right scan. A statement starts at its first token outside comments and
 * ends at a ';' that is outside every quote and comment (or at the end of the input).
 * Assumes standard_conforming_strings = on (the default since PostgreSQL 9.1): in a
 * plain '…' string a backslash is an ordinary character; only E'…' honours it.
 */
#include "lib/sqlsplit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scan {
	const char *s;
	size_t len;
	size_t i;
	int line;
};

static int is_ident(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '_' || c == '$' || c >= 0x80;
}

static int is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Advance one byte, counting lines. */
static void step(struct scan *sc)
{
	if (sc->s[sc->i] == '\n')
		sc->line++;
	sc->i++;
}

/* At "--": skip to the end of the line (the newline itself is left for the caller). */
static void skip_line_comment(struct scan *sc)
{
	while (sc->i < sc->len && sc->s[sc->i] != '\n')
		sc->i++;
}

/* At the opening slash-star: skip a block comment; PostgreSQL nests them. 0, or -1 if unterminated. */
static int skip_block_comment(struct scan *sc)
{
	int depth = 0;

	while (sc->i < sc->len) {
		if (sc->s[sc->i] == '/' && sc->i + 1 < sc->len && sc->s[sc->i + 1] == '*') {
			depth++;
			sc->i += 2;
		} else if (sc->s[sc->i] == '*' && sc->i + 1 < sc->len && sc->s[sc->i + 1] == '/') {
			depth--;
			sc->i += 2;
			if (depth == 0)
				return 0;
		} else {
			step(sc);
		}
	}
	return -1;
}

/* At an opening quote q (' or "): skip through the closing one; a doubled quote is an
 * escaped quote, and with backslash_escapes a backslash escapes the next byte. */
static int skip_quoted(struct scan *sc, char q, int backslash_escapes)
{
	sc->i++;
	while (sc->i < sc->len) {
		char c = sc->s[sc->i];

		if (backslash_escapes && c == '\\' && sc->i + 1 < sc->len) {
			sc->i++;
			step(sc);
		} else if (c == q) {
			sc->i++;
			if (sc->i < sc->len && sc->s[sc->i] == q)
				sc->i++;
			else
				return 0;
		} else {
			step(sc);
		}
	}
	return -1;
}

/* At '$' not inside an identifier: if it opens a dollar quote, skip through the closing
 * tag and return 1; return 0 when it is not a dollar quote ($1, a lone $), -1 when the
 * quote is never closed. */
static int skip_dollar(struct scan *sc)
{
	size_t j = sc->i + 1;
	size_t taglen;
	const char *tag = sc->s + sc->i;

	if (j < sc->len && is_ident_start((unsigned char)sc->s[j])) {
		while (j < sc->len && is_ident((unsigned char)sc->s[j]) && sc->s[j] != '$')
			j++;
	}
	if (j >= sc->len || sc->s[j] != '$')
		return 0;
	taglen = j - sc->i + 1;     /* "$tag$" including both dollars */
	sc->i = j + 1;
	while (sc->i < sc->len) {
		if (sc->s[sc->i] == '$' && sc->len - sc->i >= taglen &&
		    memcmp(sc->s + sc->i, tag, taglen) == 0) {
			sc->i += taglen;
			return 1;
		}
		step(sc);
	}
	return -1;
}

static int emit(struct sql_script *out, const char *s, size_t from, size_t to, int line)
{
	struct sql_stmt *grown;
	char *text;

	while (to > from && is_blank((unsigned char)s[to - 1]))
		to--;
	if (to == from)
		return 0;
	text = malloc(to - from + 1);
	if (text == NULL)
		return -1;
	memcpy(text, s + from, to - from);
	text[to - from] = '\0';
	grown = realloc(out->stmts, (out->n + 1) * sizeof(*grown));
	if (grown == NULL) {
		free(text);
		return -1;
	}
	out->stmts = grown;
	out->stmts[out->n].text = text;
	out->stmts[out->n].line = line;
	out->n++;
	return 0;
}

int sqlsplit_parse(const char *src, size_t len, struct sql_script *out, char *err, size_t errlen)
{
	struct scan sc = { src, len, 0, 1 };
	size_t start = 0;
	int in_stmt = 0;
	int start_line = 0;
	int rc = -1;

	out->stmts = NULL;
	out->n = 0;
	while (sc.i < sc.len) {
		unsigned char c = (unsigned char)sc.s[sc.i];
		unsigned char next = sc.i + 1 < sc.len ? (unsigned char)sc.s[sc.i + 1] : 0;
		int open_line = sc.line;

		if (is_blank(c)) {
			step(&sc);
			continue;
		}
		if (c == '-' && next == '-') {
			skip_line_comment(&sc);
			continue;
		}
		if (c == '/' && next == '*') {
			if (skip_block_comment(&sc) != 0) {
				snprintf(err, errlen, "line %d: unterminated /* comment", open_line);
				goto out;
			}
			continue;
		}
		if (c == ';') {
			if (in_stmt && emit(out, src, start, sc.i, start_line) != 0)
				goto oom;
			in_stmt = 0;
			sc.i++;
			continue;
		}
		if (!in_stmt) {
			in_stmt = 1;
			start = sc.i;
			start_line = sc.line;
		}
		if (c == '\'') {
			/* E'…' (not the tail of an identifier such as "type'") takes backslashes */
			int e = sc.i > 0 && (sc.s[sc.i - 1] == 'E' || sc.s[sc.i - 1] == 'e') &&
			    (sc.i < 2 || !is_ident((unsigned char)sc.s[sc.i - 2]));

			if (skip_quoted(&sc, '\'', e) != 0) {
				snprintf(err, errlen, "line %d: unterminated quoted string", open_line);
				goto out;
			}
		} else if (c == '"') {
			if (skip_quoted(&sc, '"', 0) != 0) {
				snprintf(err, errlen, "line %d: unterminated quoted identifier", open_line);
				goto out;
			}
		} else if (c == '$' && (sc.i == 0 || !is_ident((unsigned char)sc.s[sc.i - 1]))) {
			int d = skip_dollar(&sc);

			if (d < 0) {
				snprintf(err, errlen, "line %d: unterminated dollar-quoted string", open_line);
				goto out;
			}
			if (d == 0)
				sc.i++;
		} else {
			sc.i++;
		}
	}
	if (in_stmt && emit(out, src, start, sc.len, start_line) != 0)
		goto oom;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	if (rc != 0)
		sqlsplit_free(out);
	return rc;
}

void sqlsplit_free(struct sql_script *s)
{
	size_t k;

	if (s == NULL)
		return;
	for (k = 0; k < s->n; k++)
		free(s->stmts[k].text);
	free(s->stmts);
	s->stmts = NULL;
	s->n = 0;
}
