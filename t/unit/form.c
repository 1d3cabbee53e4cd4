/* t/unit/form.c — URL decoding and form parsing, including %00 and CR/LF. */
#include <string.h>

#include "lib/form.h"
#include "tap.h"

static enum form_error dec(const char *in, int flags, char *out)
{
	size_t n;
	return form_url_decode(in, strlen(in), flags, out, &n);
}

int main(void)
{
	struct arena a;
	struct form f;
	char out[256];

	arena_init(&a, 1024, 0);

	is_int(dec("a%20b+c", FORM_PLUS_SPACE, out), FORM_OK, "decodes");
	is_str(out, "a b c", "%%20 and + become spaces");
	is_int(dec("a+b", 0, out), FORM_OK, "plus kept without FORM_PLUS_SPACE");
	is_str(out, "a+b", "plus kept");
	is_int(dec("%ED%95%9C%EA%B8%80", 0, out), FORM_OK, "UTF-8 escapes");
	is_str(out, "한글", "Korean decoded");
	is_int(dec("x%00y", 0, out), FORM_E_NUL, "%%00 rejected");
	is_int(dec("x%0Ay", 0, out), FORM_E_NEWLINE, "%%0A rejected");
	is_int(dec("x%0dy", 0, out), FORM_E_NEWLINE, "%%0d rejected");
	is_int(dec("x\ny", 0, out), FORM_E_NEWLINE, "raw LF rejected");
	is_int(dec("x\ry", 0, out), FORM_E_NEWLINE, "raw CR rejected");
	is_int(dec("a%0D%0Ab%0Dc", FORM_ALLOW_NEWLINE, out), FORM_OK, "newlines allowed on request");
	is_str(out, "a\nb\nc", "CR LF and lone CR become LF");
	is_int(dec("x%00y", FORM_ALLOW_NEWLINE, out), FORM_E_NUL, "%%00 rejected even then");
	is_int(dec("%", 0, out), FORM_E_ESCAPE, "lone %% rejected");
	is_int(dec("%4", 0, out), FORM_E_ESCAPE, "truncated escape rejected");
	is_int(dec("%zz", 0, out), FORM_E_ESCAPE, "non-hex escape rejected");
	is_int(dec("%C0%AF", 0, out), FORM_E_UTF8, "overlong UTF-8 rejected");
	is_int(dec("%ED%A0%80", 0, out), FORM_E_UTF8, "surrogate rejected");
	is_int(dec("%FF", 0, out), FORM_E_UTF8, "invalid byte rejected");
	is_int(dec("%F4%90%80%80", 0, out), FORM_E_UTF8, "above U+10FFFF rejected");

	is_int(form_parse(&f, &a, "q=%EC%BF%A0%ED%8C%A1&page=2&&flag&empty=", 39, 0), FORM_OK, "parse");
	is_int(f.n, 4, "four pairs, empty pair skipped");
	is_str(form_get(&f, "q"), "쿠팡", "value decoded");
	is_str(form_get(&f, "page"), "2", "second value");
	is_str(form_get(&f, "flag"), "", "key without = has empty value");
	is_str(form_get(&f, "empty"), "", "empty value");
	ok(form_get(&f, "missing") == NULL, "missing key is NULL");
	is_int(form_parse(&f, &a, "a=1%00", 6, 0), FORM_E_NUL, "NUL in a form value");
	is_int(form_parse(&f, &a, "a%0A=1", 6, FORM_ALLOW_NEWLINE), FORM_E_NEWLINE,
	    "newline never allowed in a key");
	is_int(form_parse(&f, &a, "text=a%0Ab", 10, FORM_ALLOW_NEWLINE), FORM_OK, "textarea newline");
	{
		char many[FORM_MAX_PARAMS * 4 + 8];
		size_t n = 0;
		for (int i = 0; i <= FORM_MAX_PARAMS; i++)
			n += (size_t)snprintf(many + n, sizeof(many) - n, "a=%d&", i % 10);
		is_int(form_parse(&f, &a, many, n, 0), FORM_E_TOO_MANY, "too many parameters");
	}
	{
		char key[FORM_MAX_KEY + 4];
		memset(key, 'k', sizeof(key) - 2);
		key[sizeof(key) - 2] = '=';
		key[sizeof(key) - 1] = '\0';
		is_int(form_parse(&f, &a, key, strlen(key), 0), FORM_E_TOO_LONG, "key too long");
	}
	ok(strlen(form_strerror(FORM_E_NUL)) > 0, "errors have messages");
	arena_free(&a);
	return tap_done();
}
