/* account.c — e-mail, nickname and password rules; Argon2id hashing; user rows. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "lib/account.h"
#include "lib/strnum.h"
#include "lib/utf8.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* s without leading and trailing ASCII white space, as an arena copy. */
static char *trim(struct arena *a, const char *s)
{
	size_t n;

	while (is_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		n--;
	return arena_strndup(a, s, n);
}

/* 1 when valid UTF-8 s holds a control character (C0, DEL, C1) or a bidirectional
 * override or isolate (U+202A-U+202E, U+2066-U+2069), which could disguise text. */
static int has_controls(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7F)
			return 1;
		if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
			return 1;
		if (p[0] == 0xE2 && ((p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE) ||
		    (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)))
			return 1;
	}
	return 0;
}

static int ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* Code points in valid UTF-8 s. */
static size_t chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

int account_email_norm(struct arena *a, const char *in, char **out, const char **msg)
{
	char *e = trim(a, in), *at;
	size_t n, local, dots = 0;

	*msg = NULL;
	if (e == NULL) {
		*msg = "처리 중 오류가 발생했습니다.";
		return -1;
	}
	n = strlen(e);
	if (n == 0) {
		*msg = "이메일을 입력해 주세요.";
		return -1;
	}
	if (n > ACCOUNT_EMAIL_MAX * 4 || !utf8_valid(e, n)) {
		*msg = "이메일은 254자 이내의 올바른 주소여야 합니다.";
		return -1;
	}
	if (has_controls(e)) {
		*msg = "이메일 주소에 쓸 수 없는 문자가 있습니다.";
		return -1;
	}
	/* Beyond ASCII, one form for every way to type the same address: NFKC with
	 * case folding (full-width Ｋｉｍ＠… from a Korean IME becomes kim@…,
	 * É becomes é), so the account, its uniqueness and its log-in limits agree. */
	if (!ascii(e)) {
		utf8proc_uint8_t *f = utf8proc_NFKC_Casefold((const utf8proc_uint8_t *)e);
		if (f == NULL || (e = arena_strdup(a, (const char *)f)) == NULL) {
			free(f);
			*msg = "처리 중 오류가 발생했습니다.";
			return -1;
		}
		free(f);
		n = strlen(e);
	}
	if (n > ACCOUNT_EMAIL_MAX) {
		*msg = "이메일은 254자 이내의 올바른 주소여야 합니다.";
		return -1;
	}
	at = strchr(e, '@');
	if (at == NULL || at == e || strchr(at + 1, '@') != NULL || at[1] == '\0') {
		*msg = "이메일 주소 형식이 올바르지 않습니다. 예: name@example.com";
		return -1;
	}
	local = (size_t)(at - e);
	for (char *p = e; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == ' ' || strchr("\"(),:;<>[\\]", c) != NULL) {
			*msg = "이메일 주소에 쓸 수 없는 문자가 있습니다.";
			return -1;
		}
		if (c >= 'A' && c <= 'Z')
			*p = (char)(c - 'A' + 'a');
		/* no dot at either end of the local part or the domain, none doubled,
		 * and no domain label that starts or ends with a hyphen */
		if (c == '.' && (p == e || p[-1] == '.' || p[-1] == '@' || p[1] == '@' || p[1] == '\0')) {
			*msg = "이메일 주소 형식이 올바르지 않습니다. 예: name@example.com";
			return -1;
		}
		if (p > at && c == '-' && (p[-1] == '.' || p[-1] == '@' || p[1] == '.' || p[1] == '\0')) {
			*msg = "이메일 주소 형식이 올바르지 않습니다. 예: name@example.com";
			return -1;
		}
		if (p > at && c == '.')
			dots++;
	}
	if (local > 64 || dots == 0) {
		*msg = "이메일 주소 형식이 올바르지 않습니다. 예: name@example.com";
		return -1;
	}
	*out = e;
	return 0;
}

int account_name_check(struct arena *a, const char *in, char **out, const char **msg)
{
	char *s = trim(a, in);
	size_t n;

	*msg = NULL;
	if (s == NULL) {
		*msg = "처리 중 오류가 발생했습니다.";
		return -1;
	}
	n = strlen(s);
	if (n == 0) {
		*msg = "닉네임을 입력해 주세요.";
		return -1;
	}
	if (!utf8_valid(s, n) || chars(s) > ACCOUNT_NAME_MAX) {
		*msg = "닉네임은 30자 이내로 입력해 주세요.";
		return -1;
	}
	if (has_controls(s)) {
		*msg = "닉네임에 제어 문자를 쓸 수 없습니다.";
		return -1;
	}
	*out = s;
	return 0;
}

char *account_password_nfc(struct arena *a, const char *pw)
{
	size_t n = strlen(pw);
	utf8proc_uint8_t *nfc;
	char *copy;

	if (n > ACCOUNT_PW_MAX_BYTES || !utf8_valid(pw, n))
		return NULL;
	nfc = utf8proc_NFC((const utf8proc_uint8_t *)pw);
	if (nfc == NULL)
		return NULL;
	copy = arena_strdup(a, (const char *)nfc);
	sodium_memzero(nfc, strlen((const char *)nfc));
	free(nfc);
	return copy;
}

int account_password_check(struct arena *a, const char *pw, const char *email, char **nfc,
    const char **msg)
{
	size_t n = strlen(pw);

	*msg = NULL;
	if (n > ACCOUNT_PW_MAX_BYTES) {
		*msg = "비밀번호가 너무 깁니다(256바이트 이하).";
		return -1;
	}
	if (!utf8_valid(pw, n)) {
		*msg = "비밀번호에 올바르지 않은 문자가 있습니다.";
		return -1;
	}
	if ((*nfc = account_password_nfc(a, pw)) == NULL) {
		*msg = "처리 중 오류가 발생했습니다.";
		return -1;
	}
	if (chars(*nfc) < ACCOUNT_PW_MIN_CHARS) {
		*msg = "비밀번호는 10자 이상이어야 합니다.";
		return -1;
	}
	if (email != NULL) {
		/* compared the way e-mails are normalised (case-folded NFKC) */
		utf8proc_uint8_t *f = utf8proc_NFKC_Casefold((const utf8proc_uint8_t *)*nfc);
		int same = f != NULL && strcmp((const char *)f, email) == 0;
		if (f != NULL) {
			sodium_memzero(f, strlen((const char *)f));
			free(f);
		}
		if (same) {
			*msg = "이메일과 같은 비밀번호는 쓸 수 없습니다.";
			return -1;
		}
	}
	return 0;
}

int account_hash(const char *pw, unsigned long long opslimit, size_t memlimit, char *out)
{
	return crypto_pwhash_str(out, pw, strlen(pw), opslimit, memlimit) == 0 ? 0 : -1;
}

int account_verify(const char *hash, const char *pw)
{
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0 ? 0 : -1;
}

int account_needs_rehash(const char *hash, unsigned long long opslimit, size_t memlimit)
{
	return crypto_pwhash_str_needs_rehash(hash, opslimit, memlimit) != 0;
}

int account_create(struct pg_conn *pg, const char *email, const char *hash, const char *name,
    const char *role, long long *uid)
{
	const char *p[4] = { email, hash, name, role };
	if (pg_exec(pg,
	    "WITH u AS (INSERT INTO users (email, password_hash, display_name, role) "
	    "VALUES ($1, $2, $3, $4) RETURNING id) "
	    "INSERT INTO user_profiles (user_id) SELECT id FROM u RETURNING user_id", 4, p) == -1)
		return strcmp(pg_sqlstate(pg), "23505") == 0 ? 1 : -1;
	return strnum_parse(pg_value(pg, 0, 0), 10, 1, 9223372036854775807LL, uid);
}
