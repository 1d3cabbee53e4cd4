/* t/unit/cookie.c — cookie_get: whole names, first match, quotes, buffer bounds, cookie-octets. */
#include <string.h>

#include "lib/cookie.h"
#include "tap.h"

static char out[64];

/* cookie_get into out (outlen bytes), out filled with 'X' first so a missing write shows. */
static int get(const char *header, const char *name, size_t outlen)
{
	memset(out, 'X', sizeof(out) - 1);
	out[sizeof(out) - 1] = '\0';
	return cookie_get(header, name, out, outlen);
}

static void found(const char *header, const char *want, const char *what)
{
	is_int(get(header, "rl_session", sizeof(out)), (long long)strlen(want), "found: %s", what);
	is_str(out, want, "value: %s", what);
}

static void absent(const char *header, const char *what)
{
	is_int(get(header, "rl_session", sizeof(out)), -1, "-1: %s", what);
}

int main(void)
{
	static char big[COOKIE_MAX_HEADER + 2];
	const char *p = "rl_session=ok";

	found("rl_session=abc", "abc", "only cookie");
	found("a=1; rl_session=abc; b=2", "abc", "in the middle");
	found("rl_session=first; rl_session=second", "first", "first match wins");
	found("xrl_session=bad; rl_session=good", "good", "a longer name ending in the name is not it");
	found("rl_sessionx=bad; rl_session=good", "good", "a longer name starting with the name is not it");
	found("rl_sess=bad; rl_session=good", "good", "a shorter name is not it");
	absent("xrl_session=bad", "only a longer name");
	absent("rl_sessionx=bad", "only a name with a suffix");
	absent("a=1; b=2", "not there");
	absent("", "empty header");
	absent("rl_session =v", "space before '=' is part of the name");

	found("a=1 ;  \trl_session=v1\t ; b=2", "v1", "spaces and tabs around ';'");
	found("a=1;rl_session=v2", "v2", "no space after ';'");
	found(" ;; \t;rl_session=v3 \t", "v3", "empty pairs and trailing white space");

	found("rl_session=\"quoted\"", "quoted", "double quotes removed");
	found("rl_session=\"\"; b=2", "", "empty quoted value");
	absent("rl_session=\"abc", "unbalanced opening quote");
	absent("rl_session=abc\"", "unbalanced closing quote");
	absent("rl_session=\"", "a lone quote");
	absent("rl_session=\"a\"b\"", "quote inside quotes");

	is_int(get("rl_session=; b=2", "rl_session", sizeof(out)), 0, "empty value: 0");
	is_str(out, "", "empty value: out is \"\"");
	is_int(get("b=2; rl_session=", "rl_session", sizeof(out)), 0, "empty value at the end: 0");
	is_str(out, "", "empty value at the end: out is \"\"");

	is_int(get("rl_session=abcd", "rl_session", 5), 4, "value of outlen-1 fits");
	is_str(out, "abcd", "value of outlen-1 copied and terminated");
	is_int(get("rl_session=abcd", "rl_session", 4), -1, "value of outlen does not fit");
	ok(out[0] == 'X', "out untouched when the value does not fit");
	is_int(get("rl_session=\"abcd\"", "rl_session", 5), 4, "quoted value of outlen-1 fits");
	is_int(get("rl_session=", "rl_session", 1), 0, "empty value in a 1-byte buffer");
	is_int(get("rl_session=", "rl_session", 0), -1, "nothing fits in a 0-byte buffer");
	ok(out[0] == 'X', "0-byte buffer untouched");

	absent("rl_session=a b", "space inside");
	absent("rl_session=a,b", "comma");
	absent("rl_session=a\\b", "backslash");
	absent("rl_session=a\x7f", "DEL");
	absent("rl_session=a\x01", "control character");
	absent("rl_session=\x80", "byte 0x80");
	absent("rl_session=\xed\x95\x9c", "UTF-8 Hangul");
	absent("rl_session=\xff", "byte 0xff");
	absent("rl_session=a b; rl_session=ok", "the first match decides even when it is bad");
	found("a=x y,z\\; rl_session=ok", "ok", "bad bytes in another cookie do not matter");
	found("rl_session=!#$%&'()*+-./09:<=>?@AZ[]^_`az{|}~", "!#$%&'()*+-./09:<=>?@AZ[]^_`az{|}~",
	    "every kind of cookie-octet accepted");

	found("rl_session; rl_session=v", "v", "a cookie without '=' is skipped");
	found("flag; rl_session=v; other", "v", "cookies without '=' around");
	absent("rl_session", "only the name, without '='");

	/* COOKIE_MAX_HEADER bytes are read; one more and the header is refused */
	memset(big, ' ', COOKIE_MAX_HEADER);
	memcpy(big, p, strlen(p));
	big[COOKIE_MAX_HEADER] = '\0';
	is_int(strlen(big), COOKIE_MAX_HEADER, "header of COOKIE_MAX_HEADER bytes built");
	found(big, "ok", "header of COOKIE_MAX_HEADER bytes");
	big[COOKIE_MAX_HEADER] = ' ';
	big[COOKIE_MAX_HEADER + 1] = '\0';
	absent(big, "header over COOKIE_MAX_HEADER bytes");

	is_int(get(NULL, "rl_session", sizeof(out)), -1, "NULL header");
	ok(out[0] == 'X', "NULL header: out untouched");
	return tap_done();
}
