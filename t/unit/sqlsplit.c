/* t/unit/sqlsplit.c — table tests for the migration-file statement splitter. */
#include "lib/sqlsplit.h"
#include "tap.h"

#include <stdlib.h>

#define MAXS 4

struct split_case {
	const char *name;
	const char *src;
	size_t n;
	const char *text[MAXS];
	int line[MAXS];
};

static const struct split_case cases[] = {
	{ "empty input", "", 0, { NULL }, { 0 } },
	{ "only blanks and comments", "  \n-- a; b\n/* c; d */\n", 0, { NULL }, { 0 } },
	{ "one statement, no terminator", "select 1", 1, { "select 1" }, { 1 } },
	{ "two statements", "select 1;\nselect 2;\n", 2, { "select 1", "select 2" }, { 1, 2 } },
	{ "empty statements skipped", ";;\n ; select 1;;", 1, { "select 1" }, { 2 } },
	{ "semicolon in string", "insert into t values ('a;b');\nselect 2",
	  2, { "insert into t values ('a;b')", "select 2" }, { 1, 2 } },
	{ "doubled quote in string", "select 'it''s;';select 3",
	  2, { "select 'it''s;'", "select 3" }, { 1, 1 } },
	{ "backslash is literal in plain string", "select 'a\\';select 4",
	  2, { "select 'a\\'", "select 4" }, { 1, 1 } },
	{ "E string honours backslash", "select E'a\\';b';select 5",
	  2, { "select E'a\\';b'", "select 5" }, { 1, 1 } },
	{ "identifier ending in e is not an E string", "select type'x';select 6",
	  2, { "select type'x'", "select 6" }, { 1, 1 } },
	{ "semicolon in quoted identifier", "create table \"a;\"\"b\" (x int);select 7",
	  2, { "create table \"a;\"\"b\" (x int)", "select 7" }, { 1, 1 } },
	{ "semicolon in $$ body",
	  "create function f() returns int language sql as $$ select 1; $$;\nselect 8;",
	  2, { "create function f() returns int language sql as $$ select 1; $$", "select 8" },
	  { 1, 2 } },
	{ "tagged dollar quote containing $$",
	  "do $fn$ begin perform '$$;'; end $fn$;\nselect 9",
	  2, { "do $fn$ begin perform '$$;'; end $fn$", "select 9" }, { 1, 2 } },
	{ "different tag inside a dollar quote",
	  "do $a$ x $b$ ; $b$ $a$; select 10",
	  2, { "do $a$ x $b$ ; $b$ $a$", "select 10" }, { 1, 1 } },
	{ "positional parameter is not a dollar quote", "select $1; select $2",
	  2, { "select $1", "select $2" }, { 1, 1 } },
	{ "dollar inside identifier is not a quote", "select a$b$ from t; select 11",
	  2, { "select a$b$ from t", "select 11" }, { 1, 1 } },
	{ "semicolon in line comment", "select 1 -- no; split\n;select 12",
	  2, { "select 1 -- no; split", "select 12" }, { 1, 2 } },
	{ "semicolon in block comment", "select /* ; */ 1;select 13",
	  2, { "select /* ; */ 1", "select 13" }, { 1, 1 } },
	{ "nested block comment", "/* a /* b; */ c; */ select 14;",
	  1, { "select 14" }, { 1 } },
	{ "leading comments dropped, line of first token",
	  "-- header\n\n/* multi\nline */\n  create table t (x int);\n\ncreate index i on t (x);\n",
	  2, { "create table t (x int)", "create index i on t (x)" }, { 5, 7 } },
	{ "multi-line string counts lines", "select 'a\nb\nc';\nselect 15",
	  2, { "select 'a\nb\nc'", "select 15" }, { 1, 4 } },
	{ "multi-line dollar body counts lines", "do $$\n;\n;\n$$;\nselect 16",
	  2, { "do $$\n;\n;\n$$", "select 16" }, { 1, 5 } },
	{ "minus and slash alone are operators", "select 4-2/1; select 17",
	  2, { "select 4-2/1", "select 17" }, { 1, 1 } },
	{ "CRLF line endings", "select 1;\r\nselect 18;\r\n",
	  2, { "select 1", "select 18" }, { 1, 2 } },
};

struct bad_case {
	const char *name;
	const char *src;
	const char *err;
};

static const struct bad_case bad[] = {
	{ "unterminated string", "select 1;\nselect 'abc", "line 2: unterminated quoted string" },
	{ "unterminated identifier", "select \"abc", "line 1: unterminated quoted identifier" },
	{ "unterminated dollar quote", "\n\ndo $x$ begin end $y$;",
	  "line 3: unterminated dollar-quoted string" },
	{ "unterminated block comment", "select 1; /* a /* b */", "line 1: unterminated /* comment" },
};

int main(void)
{
	size_t k, j;
	char err[128];

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct split_case *c = &cases[k];
		struct sql_script s;
		int rc;

		err[0] = '\0';
		rc = sqlsplit_parse(c->src, strlen(c->src), &s, err, sizeof(err));
		is_int(rc, 0, "%s: parses (%s)", c->name, err);
		is_int(s.n, c->n, "%s: %zu statement(s)", c->name, c->n);
		for (j = 0; j < c->n && j < s.n; j++) {
			is_str(s.stmts[j].text, c->text[j], "%s: statement %zu text", c->name, j + 1);
			is_int(s.stmts[j].line, c->line[j], "%s: statement %zu line", c->name, j + 1);
		}
		sqlsplit_free(&s);
	}
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct sql_script s;
		int rc;

		err[0] = '\0';
		rc = sqlsplit_parse(bad[k].src, strlen(bad[k].src), &s, err, sizeof(err));
		is_int(rc, -1, "%s: rejected", bad[k].name);
		is_str(err, bad[k].err, "%s: message", bad[k].name);
		ok(s.n == 0 && s.stmts == NULL, "%s: nothing returned", bad[k].name);
		sqlsplit_free(&s);
	}
	{
		/* not NUL-terminated: the length bounds the scan */
		const char buf[] = { 's', 'e', 'l', 'e', 'c', 't', ' ', '1', ';', 'X' };
		struct sql_script s;

		is_int(sqlsplit_parse(buf, 9, &s, err, sizeof(err)), 0, "length-bounded input parses");
		is_int(s.n, 1, "length-bounded input: one statement");
		sqlsplit_free(&s);
		sqlsplit_free(&s);
		ok(s.n == 0, "sqlsplit_free is idempotent");
	}
	return tap_done();
}
