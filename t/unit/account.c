/* t/unit/account.c — e-mail, nickname and password rules; Argon2id hash, verify and rehash.
 * account_create needs PostgreSQL and is covered by t/integ/accounts.t. */
#include <sodium.h>
#include <string.h>

#include "lib/account.h"
#include "tap.h"

static struct arena a;

/* 1 when msg is set and holds a Hangul syllable (U+AC00..U+D7A3 lead bytes EA..ED). */
static int korean(const char *msg)
{
	if (msg == NULL)
		return 0;
	for (const unsigned char *p = (const unsigned char *)msg; p[0] && p[1] && p[2]; p++)
		if (p[0] >= 0xEA && p[0] <= 0xED && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80)
			return 1;
	return 0;
}

static void email_ok(const char *in, const char *want, const char *what)
{
	char *out = NULL;
	const char *msg = "unset";

	is_int(account_email_norm(&a, in, &out, &msg), 0, "email accepted: %s", what);
	is_str(out, want, "email normalised: %s", what);
	ok(msg == NULL, "no message when accepted: %s", what);
}

/* Refused, with a Korean message that contains why (a word of the sentence the user reads). */
static void email_bad(const char *in, const char *why, const char *what)
{
	char *out = NULL;
	const char *msg = NULL;

	is_int(account_email_norm(&a, in, &out, &msg), -1, "email refused: %s", what);
	ok(korean(msg) && strstr(msg, why) != NULL, "email message says '%s': %s (got %s)", why,
	    what, msg ? msg : "(null)");
}

static void name_bad(const char *in, const char *what)
{
	char *out = NULL;
	const char *msg = NULL;

	is_int(account_name_check(&a, in, &out, &msg), -1, "name refused: %s", what);
	ok(korean(msg), "name message in Korean: %s", what);
}

static void pw_bad(const char *pw, const char *email, const char *why, const char *what)
{
	char *nfc = NULL;
	const char *msg = NULL;

	is_int(account_password_check(&a, pw, email, &nfc, &msg), -1, "password refused: %s", what);
	ok(korean(msg) && strstr(msg, why) != NULL, "password message says '%s': %s (got %s)", why,
	    what, msg ? msg : "(null)");
}

static void pw_ok(const char *pw, const char *email, const char *what)
{
	char *nfc = NULL;
	const char *msg = "unset";

	is_int(account_password_check(&a, pw, email, &nfc, &msg), 0, "password accepted: %s", what);
	ok(msg == NULL && nfc != NULL, "accepted password has an NFC form and no message: %s", what);
}

/* s repeated n times (s of at most 4 bytes, n*strlen(s) < sizeof buf). */
static char *rep(char *buf, const char *s, int n)
{
	size_t len = strlen(s);

	for (int i = 0; i < n; i++)
		memcpy(buf + (size_t)i * len, s, len);
	buf[(size_t)n * len] = '\0';
	return buf;
}

static void test_email(void)
{
	char buf[400], local[70], domain[200];

	email_ok("  Kim.MinSu@Example.COM \t\r\n", "kim.minsu@example.com", "trimmed and lower-cased");
	email_ok("홍길동@Example.한국", "홍길동@example.한국", "Hangul kept, ASCII lower-cased");
	email_ok("Élodie@X.Example", "élodie@x.example", "non-ASCII capital case-folded");
	email_ok("ＫＩＭ＠ｅｘａｍｐｌｅ．ｃｏｍ", "kim@example.com", "full-width letters (NFKC)");
	email_ok("E\xcc\x81lise@example.com", "élise@example.com", "decomposed É composed and folded");
	email_ok("a+tag@mail.example.co.kr", "a+tag@mail.example.co.kr", "plus and subdomains");

	email_bad("", "입력", "empty");
	email_bad("  \t ", "입력", "only white space");
	email_bad("kim.example.com", "형식", "no @");
	email_bad("kim@mail@example.com", "형식", "two @");
	email_bad("@example.com", "형식", "@ first");
	email_bad("kim@", "형식", "@ last");
	email_bad("kim@localhost", "형식", "no dot in the domain");
	email_bad("kim@.example.com", "형식", "leading dot in the domain");
	email_bad("kim@example.com.", "형식", "trailing dot in the domain");
	email_bad("kim@example..com", "형식", "double dot in the domain");
	email_bad("kim min@example.com", "문자", "space inside");
	email_bad("kim@exam ple.com", "문자", "space inside the domain");
	email_bad("kim\t@example.com", "문자", "tab inside");
	email_bad("kim\x01@example.com", "문자", "control character inside");
	email_bad("kim@example.com\x7f", "문자", "DEL at the end");
	email_bad("\x1b[1mkim@example.com", "문자", "escape sequence");
	for (const char *c = "(),:;<>[\\]\""; *c; c++) {
		char in[32], what[32];
		snprintf(in, sizeof(in), "ki%cm@example.com", *c);
		snprintf(what, sizeof(what), "'%c' inside", *c);
		email_bad(in, "문자", what);
	}

	rep(local, "a", 64);
	snprintf(buf, sizeof(buf), "%s@example.com", local);
	email_ok(buf, buf, "local part of 64");
	rep(local, "a", 65);
	snprintf(buf, sizeof(buf), "%s@example.com", local);
	email_bad(buf, "형식", "local part of 65");

	/* 64 + 1 + 189 = 254 bytes; one more in the domain is 255 */
	rep(local, "a", 64);
	rep(domain, "b", 185);
	snprintf(buf, sizeof(buf), "%s@%s.com", local, domain);
	is_int(strlen(buf), 254, "address of 254 bytes built");
	email_ok(buf, buf, "254 bytes");
	rep(domain, "b", 186);
	snprintf(buf, sizeof(buf), "%s@%s.com", local, domain);
	email_bad(buf, "254", "255 bytes");
	/* the limit counts the trimmed address */
	{
		char want[300];
		rep(domain, "b", 185);
		snprintf(want, sizeof(want), "%s@%s.com", local, domain);
		snprintf(buf, sizeof(buf), "   %s   ", want);
		email_ok(buf, want, "254 bytes inside white space");
	}

	email_bad("kim\xff@example.com", "254", "invalid byte");
	email_bad("kim\xc3@example.com", "254", "truncated sequence");
	email_bad("kim\xc0\xaf@example.com", "254", "overlong form");
	email_bad("kim\xed\xa0\x80@example.com", "254", "surrogate");
	email_bad("kim@example.c\xc2\x85om", "문자", "C1 control inside");
	email_bad("kim\xe2\x80\xae@example.com", "문자", "bidi override inside");
	email_bad(".kim@example.com", "형식", "dot first in the local part");
	email_bad("kim.@example.com", "형식", "dot last in the local part");
	email_bad("k..im@example.com", "형식", "two dots in the local part");
	email_bad("kim@-example.com", "형식", "domain label starting with a hyphen");
	email_bad("kim@example-.com", "형식", "domain label ending with a hyphen");
}

static void test_name(void)
{
	char buf[200], *out = NULL;
	const char *msg = "unset";

	is_int(account_name_check(&a, "  \t리뷰왕 김씨 \n", &out, &msg), 0, "name accepted");
	is_str(out, "리뷰왕 김씨", "name trimmed, inner space kept");
	ok(msg == NULL, "no message when accepted");

	rep(buf, "가", 30);
	out = NULL;
	is_int(account_name_check(&a, buf, &out, &msg), 0, "30 Hangul syllables (90 bytes) accepted");
	is_str(out, buf, "30 Hangul syllables kept");
	rep(buf, "a", 30);
	is_int(account_name_check(&a, buf, &out, &msg), 0, "30 ASCII characters accepted");
	rep(buf, "😀", 30);
	is_int(account_name_check(&a, buf, &out, &msg), 0, "30 four-byte characters accepted");
	snprintf(buf, sizeof(buf), "  %s  ", rep(buf + 100, "가", 30));
	is_int(account_name_check(&a, buf, &out, &msg), 0, "30 characters inside white space accepted");

	name_bad(rep(buf, "가", 31), "31 Hangul syllables");
	name_bad(rep(buf, "a", 31), "31 ASCII characters");
	name_bad("", "empty");
	name_bad(" \t\r\n ", "only white space");
	name_bad("김\x01씨", "SOH inside");
	name_bad("김\t씨", "tab inside");
	name_bad("김\n씨", "newline inside");
	name_bad("김\x1b[31m씨", "escape inside");
	name_bad("김씨\x7f", "DEL at the end");
	name_bad("김\xff씨", "invalid byte");
	name_bad("김\xea\xb0", "truncated Hangul");
	name_bad("\xed\xa0\x80", "surrogate");
	name_bad("김\xc2\x85씨", "C1 control U+0085 inside");
	name_bad("김\xc2\x9b" "31m씨", "C1 CSI U+009B inside");
	name_bad("abc\xe2\x80\xaegpj.exe", "right-to-left override U+202E");
	name_bad("abc\xe2\x81\xa6x", "left-to-right isolate U+2066");
}

static void test_password(void)
{
	/* 한 = U+D55C; decomposed it is U+1112 U+1161 U+11AB */
	static const char pre[] = "\xed\x95\x9c", dec[] = "\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab";
	char buf[600], want[600], *nfc = NULL;
	const char *msg = NULL;

	pw_bad(rep(buf, "가", 9), NULL, "10자", "9 Hangul syllables (27 bytes)");
	pw_ok(rep(buf, "가", 10), NULL, "10 Hangul syllables");
	pw_bad("abcdefghi", NULL, "10자", "9 ASCII characters");
	pw_ok("abcdefghij", NULL, "10 ASCII characters");
	pw_bad("", NULL, "10자", "empty");
	pw_ok("          ", NULL, "10 spaces (any Unicode, no trimming)");

	rep(buf, "a", 256);
	pw_ok(buf, NULL, "256 bytes");
	rep(buf, "a", 257);
	pw_bad(buf, NULL, "256바이트", "257 bytes");
	/* 85 syllables + 'a' = 256 bytes, 86 syllables = 258 */
	snprintf(buf, sizeof(buf), "%sa", rep(want, "가", 85));
	pw_ok(buf, NULL, "256 bytes of Hangul");
	pw_bad(rep(buf, "가", 86), NULL, "256바이트", "258 bytes of Hangul");

	pw_bad("kim.minsu@example.com", "kim.minsu@example.com", "이메일", "same as the e-mail");
	pw_bad("Kim.MinSu@Example.COM", "kim.minsu@example.com", "이메일", "e-mail in other case");
	pw_bad("Élise.kim@example.com", "élise.kim@example.com", "이메일", "non-ASCII e-mail in other case");
	pw_bad("ＫＩＭ.ｍｉｎｓｕ@example.com", "kim.minsu@example.com", "이메일", "full-width e-mail");
	pw_ok("kim.minsu@example.co", "kim.minsu@example.com", "prefix of the e-mail");
	pw_ok("kim.minsu@example.com1", "kim.minsu@example.com", "e-mail plus one");
	pw_ok("kim.minsu@example.com", NULL, "e-mail shape without an e-mail to compare");

	/* NFC: ten decomposed syllables (30 code points) hash as ten precomposed ones */
	rep(buf, dec, 10);
	rep(want, pre, 10);
	is_int(account_password_check(&a, buf, NULL, &nfc, &msg), 0, "decomposed Hangul accepted");
	is_str(nfc, want, "decomposed Hangul yields the precomposed bytes");
	/* four decomposed syllables are 12 code points typed but 4 characters */
	pw_bad(rep(buf, dec, 4), NULL, "10자", "length counted after NFC");

	pw_bad("abcdefghij\xff", NULL, "올바르지", "invalid byte");
	pw_bad("abcdefghij\xc0\x80", NULL, "올바르지", "overlong NUL");
	pw_bad("abcdefghij\xed\xb0\x80", NULL, "올바르지", "lone surrogate");
	pw_bad("abcdefghij\xe1\x84", NULL, "올바르지", "truncated sequence");

	/* account_password_nfc: at log-in no rules, only the bounds */
	is_str(account_password_nfc(&a, "short"), "short", "nfc: short password kept");
	is_str(account_password_nfc(&a, rep(buf, dec, 3)), rep(want, pre, 3), "nfc: composes Hangul");
	rep(buf, "a", 256);
	is_str(account_password_nfc(&a, buf), buf, "nfc: 256 bytes kept");
	rep(buf, "a", 257);
	ok(account_password_nfc(&a, buf) == NULL, "nfc: NULL over 256 bytes");
	ok(account_password_nfc(&a, "abc\xff") == NULL, "nfc: NULL on invalid UTF-8");
}

static void test_hash(void)
{
	char h[ACCOUNT_HASH_MAX], h2[ACCOUNT_HASH_MAX], bad[ACCOUNT_HASH_MAX];
	char pw_dec[64], pw_pre[64];

	ok(sodium_init() >= 0, "sodium_init");
	memset(h, 'x', sizeof(h));
	is_int(account_hash("correct horse battery", 1, 8192, h), 0, "hash at the minimum cost");
	ok(memchr(h, '\0', sizeof(h)) != NULL && strncmp(h, "$argon2id$", 10) == 0,
	    "hash is an Argon2id string (%.40s)", h);
	is_int(account_verify(h, "correct horse battery"), 0, "verify: right password");
	is_int(account_verify(h, "correct horse batterY"), -1, "verify: wrong password");
	is_int(account_verify(h, "correct horse battery "), -1, "verify: trailing space matters");
	is_int(account_verify(h, ""), -1, "verify: empty password");

	memcpy(bad, h, sizeof(bad));
	bad[strlen(bad) / 2] = '\0';
	is_int(account_verify(bad, "correct horse battery"), -1, "verify: truncated hash fails");
	is_int(account_verify("", "correct horse battery"), -1, "verify: empty hash fails");
	is_int(account_verify("$argon2id$v=19$m=8,t=1,p=1$not-base64$!!", "correct horse battery"),
	    -1, "verify: garbage hash fails");
	memcpy(bad, h, sizeof(bad));
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'A' ? 'B' : 'A';
	is_int(account_verify(bad, "correct horse battery"), -1, "verify: altered digest fails");

	is_int(account_needs_rehash(h, 1, 8192), 0, "no rehash at the same cost");
	is_int(account_needs_rehash(h, 2, 8192), 1, "rehash for opslimit 2");
	is_int(account_needs_rehash(h, 1, 16384), 1, "rehash for a larger memlimit");

	is_int(account_hash("correct horse battery", 1, 8192, h2), 0, "hash again");
	ok(strcmp(h, h2) != 0, "two hashes of one password differ (random salt)");

	/* the same Hangul typed decomposed at sign-up and precomposed at log-in */
	rep(pw_dec, "\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab", 5);
	rep(pw_pre, "\xed\x95\x9c", 5);
	is_int(account_hash(account_password_nfc(&a, pw_dec), 1, 8192, h), 0, "hash an NFC password");
	is_int(account_verify(h, account_password_nfc(&a, pw_pre)), 0,
	    "precomposed log-in matches a decomposed sign-up through NFC");
	is_int(account_verify(h, pw_dec), -1, "the raw decomposed bytes are a different password");
}

int main(void)
{
	arena_init(&a, 4096, 0);
	test_email();
	test_name();
	test_password();
	test_hash();
	arena_free(&a);
	return tap_done();
}
