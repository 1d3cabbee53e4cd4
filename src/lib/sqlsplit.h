/* sqlsplit.h — split a SQL migration file into statements, with line numbers.
 *
 * The splitter knows PostgreSQL's lexical rules that can hide a ';': single-quoted
 * strings ('' escape; E'' strings also take backslash escapes), double-quoted
 * identifiers, dollar quotes ($$ … $$, $tag$ … $tag$), "--" line comments and nested
 * block comments. It does not parse SQL beyond that.
 */
#ifndef REVLENS_SQLSPLIT_H
#define REVLENS_SQLSPLIT_H

#include <stddef.h>

struct sql_stmt {
	char *text;     /* owned; starts at the first token (leading comments dropped),
	                 * trailing blanks and the terminating ';' removed */
	int line;       /* 1-based line of the statement's first token */
};

struct sql_script {
	struct sql_stmt *stmts;   /* owned array of n statements */
	size_t n;
};

/* Split src (len bytes, need not be NUL-terminated) into out. Statements made only of
 * blanks and comments are skipped. Returns 0, or -1 with a message in err naming the
 * line where an unterminated string, identifier, dollar quote or comment begins (out is
 * then empty). out must be freed with sqlsplit_free() in both cases. */
int sqlsplit_parse(const char *src, size_t len, struct sql_script *out, char *err, size_t errlen);

/* Release every statement (NULL-safe, idempotent). */
void sqlsplit_free(struct sql_script *s);

#endif
