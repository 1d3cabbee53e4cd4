/* t/unit/jwt.c — HS256 tokens: known answers, tampering, alg confusion, claims, strict base64url, key files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "lib/jwt.h"
#include "tap.h"

static const unsigned char KEY[] = "revlens unit-test key, not a secret!";
#define KEYLEN (sizeof(KEY) - 1)
#define HDR "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define JTI "0123456789abcdef0123456789abcdef"
#define NOW 1700000100LL
/* {"sub":"42","jti":JTI,"iat":1700000000,"exp":1700003600} signed with KEY, computed by
 * python3 hmac/hashlib/base64 — not by this code. */
#define KAT "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." \
	"eyJzdWIiOiI0MiIsImp0aSI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDM2MDB9." \
	"kcvYPnY6EK94Zv1kGysmEwclZDhPEhseQ2CzwADidgk"
/* RFC 7515 appendix A.1: the JWK "k" and the JWS. */
#define RFC_K "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
#define RFC_H "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}"
#define RFC_P "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"
#define RFC_JWS "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." \
	"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ." \
	"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

static size_t b64(char *out, size_t cap, const void *in, size_t n)
{
	sodium_bin2base64(out, cap, in, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return strlen(out);
}

/* A token of raw header and payload JSON with a correct HS256 MAC: lets the
 * tests reach every check behind the signature. Checked against RFC 7515 A.1. */
static size_t mk(char *out, size_t cap, const char *hdr, const char *pl, const unsigned char *key,
    size_t keylen)
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	size_t n;

	n = b64(out, cap, hdr, strlen(hdr));
	out[n++] = '.';
	n += b64(out + n, cap - n, pl, strlen(pl));
	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)out, n);
	crypto_auth_hmacsha256_final(&st, mac);
	out[n++] = '.';
	n += b64(out + n, cap - n, mac, sizeof(mac));
	return n;
}

static enum jwt_err vs(const char *tok, long long now)
{
	struct jwt_claims c;
	return jwt_verify(KEY, KEYLEN, tok, strlen(tok), now, &c);
}

/* Verify a token built from hdr and pl with KEY, at NOW. */
static enum jwt_err v2(const char *hdr, const char *pl)
{
	char tok[4096];
	mk(tok, sizeof(tok), hdr, pl, KEY, KEYLEN);
	return vs(tok, NOW);
}

#define GOODPL "{\"sub\":\"42\",\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1700003600}"
/* payload with sub given as raw JSON */
static enum jwt_err vsub(const char *sub)
{
	char pl[256];
	snprintf(pl, sizeof(pl), "{\"sub\":%s,\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1700003600}", sub);
	return v2(HDR, pl);
}
static enum jwt_err vjti(const char *jti)
{
	char pl[256];
	snprintf(pl, sizeof(pl), "{\"sub\":\"42\",\"jti\":%s,\"iat\":1700000000,\"exp\":1700003600}", jti);
	return v2(HDR, pl);
}
static enum jwt_err vtime(const char *iat, const char *exp)
{
	char pl[256];
	snprintf(pl, sizeof(pl), "{\"sub\":\"42\",\"jti\":\"" JTI "\",\"iat\":%s,\"exp\":%s}", iat, exp);
	return v2(HDR, pl);
}

static void test_sign_verify(void)
{
	struct jwt_claims c = { .sub = 42, .jti = JTI, .iat = 1700000000, .exp = 1700003600 };
	struct jwt_claims got, c2;
	char tok[JWT_MAX_TOKEN + 1], tok2[JWT_MAX_TOKEN + 1];
	int n;

	n = jwt_sign(KEY, KEYLEN, &c, tok, sizeof(tok));
	is_str(tok, KAT, "jwt_sign matches the python-computed known answer");
	is_int(n, strlen(KAT), "jwt_sign returns the length");
	memset(&got, 0, sizeof(got));
	is_int(jwt_verify(KEY, KEYLEN, KAT, strlen(KAT), NOW, &got), JWT_OK, "known answer verifies");
	ok(got.sub == 42 && strcmp(got.jti, JTI) == 0 && got.iat == 1700000000 && got.exp == 1700003600,
	    "claims read back");
	is_int(jwt_verify(KEY, KEYLEN, KAT "xyz", strlen(KAT), NOW, &got), JWT_OK,
	    "only token[0..len) is read");

	is_int(jwt_sign(KEY, KEYLEN, &c, tok, (size_t)n), -1, "out one byte short (no room for NUL)");
	is_int(jwt_sign(KEY, KEYLEN, &c, tok, (size_t)n + 1), n, "out exactly long enough");

	c2 = c;
	c2.sub = 9223372036854775807LL;
	jwt_new_id(&c2);
	ok(strlen(c2.jti) == JWT_JTI_LEN && strspn(c2.jti, "0123456789abcdef") == JWT_JTI_LEN,
	    "jwt_new_id: %d lowercase hex chars", JWT_JTI_LEN);
	jwt_new_id(&c);
	ok(strcmp(c.jti, c2.jti) != 0, "two ids differ");
	n = jwt_sign(KEY, KEYLEN, &c2, tok2, sizeof(tok2));
	ok(n > 0, "sign with sub = LLONG_MAX");
	memset(&got, 0, sizeof(got));
	is_int(jwt_verify(KEY, KEYLEN, tok2, (size_t)n, NOW, &got), JWT_OK, "round trip verifies");
	ok(got.sub == c2.sub && strcmp(got.jti, c2.jti) == 0 && got.iat == c2.iat && got.exp == c2.exp,
	    "round trip keeps every claim");

	c2 = c;
	c2.sub = 0;
	is_int(jwt_sign(KEY, KEYLEN, &c2, tok, sizeof(tok)), -1, "sign refuses sub 0");
	c2 = c;
	c2.jti[0] = 'A';
	is_int(jwt_sign(KEY, KEYLEN, &c2, tok, sizeof(tok)), -1, "sign refuses an uppercase jti");
	c2 = c;
	c2.exp = c2.iat;
	is_int(jwt_sign(KEY, KEYLEN, &c2, tok, sizeof(tok)), -1, "sign refuses exp == iat");
	is_int(jwt_sign(KEY, JWT_KEY_MIN - 1, &c, tok, sizeof(tok)), -1, "sign refuses a short key");
	is_int(jwt_sign(KEY, JWT_KEY_MIN, &c, tok, sizeof(tok)) > 0, 1, "a key of JWT_KEY_MIN bytes signs");
}

static void test_rfc7515(void)
{
	unsigned char k[64];
	size_t klen = 0;
	char tok[512];
	struct jwt_claims got;

	ok(sodium_base642bin(k, sizeof(k), RFC_K, strlen(RFC_K), NULL, &klen, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 && klen == 64, "RFC 7515 A.1 key decodes");
	mk(tok, sizeof(tok), RFC_H, RFC_P, k, klen);
	is_str(tok, RFC_JWS, "the test's token builder reproduces RFC 7515 A.1");
	/* Its payload has no sub/jti: a passing MAC shows as JWT_E_CLAIMS, a failing one as
	 * JWT_E_SIGNATURE, since the MAC is checked before the claims are read. */
	is_int(jwt_verify(k, klen, RFC_JWS, strlen(RFC_JWS), NOW, &got), JWT_E_CLAIMS,
	    "RFC 7515 A.1: MAC accepted (then no sub)");
	k[63] ^= 1;
	is_int(jwt_verify(k, klen, RFC_JWS, strlen(RFC_JWS), NOW, &got), JWT_E_SIGNATURE,
	    "RFC 7515 A.1 with one key bit flipped: bad signature");
}

static void test_tamper(void)
{
	char tok[1024], pl[256];
	const char *sig = strrchr(KAT, '.');
	size_t n;

	/* sub 42 -> 43 under the old signature */
	n = b64(tok, sizeof(tok), HDR, strlen(HDR));
	tok[n++] = '.';
	n += b64(tok + n, sizeof(tok) - n, "{\"sub\":\"43\",\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1700003600}",
	    strlen(GOODPL));
	strcpy(tok + n, sig);
	is_int(vs(tok, NOW), JWT_E_SIGNATURE, "payload with sub changed, signature kept");
	/* exp pushed out */
	snprintf(pl, sizeof(pl), "{\"sub\":\"42\",\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1800003600}");
	n = b64(tok, sizeof(tok), HDR, strlen(HDR));
	tok[n++] = '.';
	n += b64(tok + n, sizeof(tok) - n, pl, strlen(pl));
	strcpy(tok + n, sig);
	is_int(vs(tok, NOW), JWT_E_SIGNATURE, "payload with exp changed, signature kept");

	strcpy(tok, KAT);
	n = strlen(tok);
	tok[n - 43] = tok[n - 43] == 'k' ? 'l' : 'k';
	is_int(vs(tok, NOW), JWT_E_SIGNATURE, "first signature char changed");
	strcpy(tok, KAT);
	tok[n - 2] = tok[n - 2] == 'g' ? 'h' : 'g';
	is_int(vs(tok, NOW), JWT_E_SIGNATURE, "a late signature char changed");
	{
		struct jwt_claims got;
		unsigned char k2[KEYLEN];
		memcpy(k2, KEY, KEYLEN);
		k2[KEYLEN - 1] ^= 0x20;
		is_int(jwt_verify(k2, sizeof(k2), KAT, strlen(KAT), NOW, &got), JWT_E_SIGNATURE, "wrong key");
		is_int(jwt_verify(KEY, KEYLEN - 1, KAT, strlen(KAT), NOW, &got), JWT_E_SIGNATURE,
		    "key truncated by one byte");
		is_int(jwt_verify(KEY, JWT_KEY_MIN - 1, KAT, strlen(KAT), NOW, &got), JWT_E_SIGNATURE,
		    "key shorter than JWT_KEY_MIN refused");
	}
	/* the right MAC with 32 more bytes after it; and a 64-byte MAC as HS512 would have */
	{
		char big[2048], sig64[100];
		unsigned char m[64];
		size_t k = 0;
		ok(sodium_base642bin(m, sizeof(m), sig + 1, strlen(sig + 1), NULL, &k, NULL,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 && k == 32, "KAT signature decodes");
		memset(m + 32, 0, 32);
		b64(sig64, sizeof(sig64), m, sizeof(m));
		snprintf(big, sizeof(big), "%.*s%s", (int)(sig - KAT + 1), KAT, sig64);
		is_int(vs(big, NOW), JWT_E_SIGNATURE, "right MAC followed by 32 more bytes");
		b64(sig64, sizeof(sig64), m, 31);
		snprintf(big, sizeof(big), "%.*s%s", (int)(sig - KAT + 1), KAT, sig64);
		is_int(vs(big, NOW), JWT_E_SIGNATURE, "MAC truncated to 31 bytes");
		memset(m, 7, sizeof(m));
		b64(sig64, sizeof(sig64), m, sizeof(m));
		snprintf(big, sizeof(big), "%.*s%s", (int)(sig - KAT + 1), KAT, sig64);
		is_int(vs(big, NOW), JWT_E_SIGNATURE, "64-byte signature is a bad signature");
	}
}

static void test_alg(void)
{
	char tok[1024], h[512];
	size_t n;

	/* alg none, unsigned: header.payload. */
	n = b64(tok, sizeof(tok), "{\"alg\":\"none\",\"typ\":\"JWT\"}", 26);
	tok[n++] = '.';
	n += b64(tok + n, sizeof(tok) - n, GOODPL, strlen(GOODPL));
	tok[n++] = '.';
	tok[n] = '\0';
	is_int(vs(tok, NOW), JWT_E_ALG, "alg none with empty signature");
	is_int(v2("{\"alg\":\"none\"}", GOODPL), JWT_E_ALG, "alg none, even with a valid MAC");
	is_int(v2("{\"alg\":\"None\"}", GOODPL), JWT_E_ALG, "alg None");
	is_int(v2("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", GOODPL), JWT_E_ALG, "alg HS512");
	is_int(v2("{\"alg\":\"hs256\"}", GOODPL), JWT_E_ALG, "alg hs256");
	is_int(v2("{\"alg\":\"HS256 \"}", GOODPL), JWT_E_ALG, "alg with a trailing space");
	is_int(v2("{\"alg\":\"RS256\"}", GOODPL), JWT_E_ALG, "alg RS256");
	is_int(v2("{\"typ\":\"JWT\"}", GOODPL), JWT_E_ALG, "alg missing");
	is_int(v2("{\"alg\":256}", GOODPL), JWT_E_ALG, "alg a number");
	is_int(v2("{\"alg\":null}", GOODPL), JWT_E_ALG, "alg null");
	is_int(v2("{\"alg\":\"HS256\",\"typ\":\"JWS\"}", GOODPL), JWT_E_ALG, "typ not JWT");
	is_int(v2("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", GOODPL), JWT_E_ALG, "crit present");
	is_int(v2("{\"alg\":\"HS256\"}", GOODPL), JWT_OK, "no typ is fine");
	is_int(v2("{ \"kid\" : \"1\", \"alg\" : \"HS256\" }", GOODPL), JWT_OK,
	    "other header members and spaces are fine");
	is_int(v2("{\"alg\":\"none\",\"alg\":\"HS256\"}", GOODPL), JWT_E_FORMAT, "duplicate alg (last HS256)");
	is_int(v2("{\"alg\":\"HS256\",\"alg\":\"none\"}", GOODPL), JWT_E_FORMAT, "duplicate alg (first HS256)");
	is_int(v2("{\"alg\":\"none\",\"\\u0061lg\":\"HS256\"}", GOODPL), JWT_E_FORMAT,
	    "duplicate alg spelt with an escape");
	is_int(v2("{\"alg\\u0000x\":\"HS256\"}", GOODPL), JWT_E_FORMAT, "\\u0000 in a member name");
	is_int(v2("{\"alg\":\"HS256\\u0000\"}", GOODPL), JWT_E_FORMAT, "\\u0000 in a value");
	is_int(v2("[\"HS256\"]", GOODPL), JWT_E_FORMAT, "header an array");
	is_int(v2("\"HS256\"", GOODPL), JWT_E_FORMAT, "header a string");
	is_int(v2("{\"alg\":\"HS256\"} x", GOODPL), JWT_E_FORMAT, "trailing byte after the header");
	is_int(v2("{\"alg\":\"HS256\"}\r\n", GOODPL), JWT_OK, "trailing JSON whitespace is JSON");
	is_int(v2("{\"alg\":\"HS256\"}{}", GOODPL), JWT_E_FORMAT, "two objects in the header");
	is_int(v2("{'alg':'HS256'}", GOODPL), JWT_E_FORMAT, "non-strict JSON");
	is_int(v2("{\"alg\":\"HS256\",\"x\":[[[[1]]]]}", GOODPL), JWT_E_FORMAT, "header nested too deep");
	is_int(v2("{\"alg\":\"HS256\",\"x\":[[1]]}", GOODPL), JWT_OK, "header nesting within the limit");
	is_int(v2("{\"alg\":\"HS256\",\"x\":\"\xff\"}", GOODPL), JWT_E_FORMAT, "invalid UTF-8");
	snprintf(h, sizeof(h), "{\"alg\":\"HS256\",\"x\":\"%0*d\"}", JWT_MAX_HEADER - 22, 0);
	is_int(v2(h, GOODPL), JWT_OK, "header of JWT_MAX_HEADER bytes");
	snprintf(h, sizeof(h), "{\"alg\":\"HS256\",\"x\":\"%0*d\"}", JWT_MAX_HEADER - 21, 0);
	is_int(v2(h, GOODPL), JWT_E_FORMAT, "header over JWT_MAX_HEADER bytes");
}

static void test_claims(void)
{
	is_int(v2(HDR, GOODPL), JWT_OK, "the good payload");
	is_int(vs(KAT, 1700003600), JWT_E_EXPIRED, "now == exp is expired");
	is_int(vs(KAT, 1700003601), JWT_E_EXPIRED, "now > exp is expired");
	is_int(vs(KAT, 1700003599), JWT_OK, "a second before exp is fine");
	is_int(vs(KAT, 1700000000 - JWT_IAT_SKEW - 1), JWT_E_CLAIMS, "iat more than 60 s ahead");
	is_int(vs(KAT, 1700000000 - JWT_IAT_SKEW), JWT_OK, "iat exactly 60 s ahead is fine");
	is_int(vtime("1700000000", "1700000000"), JWT_E_CLAIMS, "exp == iat");
	is_int(vtime("1700000000", "1699999999"), JWT_E_CLAIMS, "exp < iat");
	is_int(vtime("-1", "1700003600"), JWT_E_CLAIMS, "negative iat");
	is_int(vtime("1700000000", "253402300800"), JWT_E_CLAIMS, "exp beyond JWT_TIME_MAX");
	is_int(vtime("1700000000", "253402300799"), JWT_OK, "exp at JWT_TIME_MAX");
	is_int(vtime("1700000000", "18446744073709551615"), JWT_E_CLAIMS, "exp a uint64");
	is_int(vtime("1700000000", "99999999999999999999999"), JWT_E_CLAIMS, "exp beyond 64 bits");
	is_int(vtime("1700000000.0", "1700003600"), JWT_E_CLAIMS, "iat a float");
	is_int(vtime("1700000000", "1.7e9"), JWT_E_CLAIMS, "exp in exponent form");
	is_int(vtime("\"1700000000\"", "1700003600"), JWT_E_CLAIMS, "iat a string");
	is_int(vtime("1700000000", "true"), JWT_E_CLAIMS, "exp a boolean");
	is_int(v2(HDR, "{\"sub\":\"42\",\"jti\":\"" JTI "\",\"exp\":1700003600}"), JWT_E_CLAIMS, "iat missing");
	is_int(v2(HDR, "{\"sub\":\"42\",\"jti\":\"" JTI "\",\"iat\":1700000000}"), JWT_E_CLAIMS, "exp missing");

	is_int(vsub("\"1\""), JWT_OK, "sub \"1\"");
	is_int(vsub("\"9223372036854775807\""), JWT_OK, "sub LLONG_MAX");
	is_int(vsub("\"9223372036854775808\""), JWT_E_CLAIMS, "sub beyond long long");
	is_int(vsub("\"0\""), JWT_E_CLAIMS, "sub \"0\"");
	is_int(vsub("\"-1\""), JWT_E_CLAIMS, "sub \"-1\"");
	is_int(vsub("\"+1\""), JWT_E_CLAIMS, "sub \"+1\"");
	is_int(vsub("\"01\""), JWT_E_CLAIMS, "sub \"01\"");
	is_int(vsub("\" 1\""), JWT_E_CLAIMS, "sub with a leading space");
	is_int(vsub("\"1 \""), JWT_E_CLAIMS, "sub with a trailing space");
	is_int(vsub("\"0x1\""), JWT_E_CLAIMS, "sub in hex");
	is_int(vsub("\"\""), JWT_E_CLAIMS, "sub empty");
	is_int(vsub("1"), JWT_E_CLAIMS, "sub a JSON number");
	is_int(vsub("null"), JWT_E_CLAIMS, "sub null");
	is_int(v2(HDR, "{\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1700003600}"), JWT_E_CLAIMS, "sub missing");

	is_int(vjti("\"0123456789abcdef0123456789abcde\""), JWT_E_CLAIMS, "jti 31 chars");
	is_int(vjti("\"0123456789abcdef0123456789abcdef0\""), JWT_E_CLAIMS, "jti 33 chars");
	is_int(vjti("\"0123456789ABCDEF0123456789abcdef\""), JWT_E_CLAIMS, "jti uppercase");
	is_int(vjti("\"0123456789abcdeg0123456789abcdef\""), JWT_E_CLAIMS, "jti non-hex");
	is_int(vjti("12345678901234567890123456789012"), JWT_E_CLAIMS, "jti a number");
	is_int(v2(HDR, "{\"sub\":\"42\",\"iat\":1700000000,\"exp\":1700003600}"), JWT_E_CLAIMS, "jti missing");

	is_int(v2(HDR, "{\"sub\":\"42\",\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1700003600,"
	    "\"aud\":[\"api\"],\"nbf\":\"x\",\"ext\":{\"a\":1}}"), JWT_OK, "unknown claims ignored");
	is_int(v2(HDR, "{\"sub\":\"42\",\"sub\":\"1\",\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1700003600}"),
	    JWT_E_FORMAT, "duplicate sub");
	is_int(v2(HDR, "{\"sub\":\"42\",\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1700003600,"
	    "\"x\":[[[[1]]]]}"), JWT_E_FORMAT, "payload nested too deep");
	is_int(v2(HDR, "[\"42\"]"), JWT_E_FORMAT, "payload an array");
	is_int(v2(HDR, "42"), JWT_E_FORMAT, "payload a number");

	{
		struct jwt_claims c;
		memset(&c, 0x5a, sizeof(c));
		jwt_verify(KEY, KEYLEN, KAT, strlen(KAT), 1800000000, &c);
		ok(c.sub == 0x5a5a5a5a5a5a5a5aLL && (unsigned char)c.jti[0] == 0x5a,
		    "on error *out is left untouched");
	}
}

static void test_shape(void)
{
	char tok[2048], pl[1200];
	const char *d1 = strchr(KAT, '.'), *d2 = strrchr(KAT, '.');
	size_t n, hl = (size_t)(d1 - KAT);
	int found = 0;

	is_int(vs("", NOW), JWT_E_FORMAT, "empty token");
	is_int(vs(KAT ".", NOW), JWT_E_FORMAT, "four parts (trailing dot)");
	is_int(vs(KAT ".AAAA", NOW), JWT_E_FORMAT, "four parts");
	snprintf(tok, sizeof(tok), "%.*s", (int)(d2 - KAT), KAT);
	is_int(vs(tok, NOW), JWT_E_FORMAT, "two parts");
	snprintf(tok, sizeof(tok), "%.*s", (int)hl, KAT);
	is_int(vs(tok, NOW), JWT_E_FORMAT, "one part");
	is_int(vs("..", NOW), JWT_E_FORMAT, "three empty parts");
	is_int(vs(d1, NOW), JWT_E_FORMAT, "empty header");
	snprintf(tok, sizeof(tok), "%.*s.%s", (int)hl, KAT, d2);
	is_int(vs(tok, NOW), JWT_E_FORMAT, "empty payload");
	snprintf(tok, sizeof(tok), "%.*s", (int)(d2 - KAT + 1), KAT);
	is_int(vs(tok, NOW), JWT_E_FORMAT, "empty signature under HS256");

	/* padding: sub "100" makes an 88-byte payload, 118 chars: standard base64 would add "==".
	 * A decoder that skipped padding would still fail the MAC (JWT_E_SIGNATURE). */
	{
		char t1[512];
		const char *e2;
		n = mk(t1, sizeof(t1), HDR, "{\"sub\":\"100\",\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1700003600}",
		    KEY, KEYLEN);
		e2 = strrchr(t1, '.');
		is_int((e2 - strchr(t1, '.') - 1) % 4, 2, "that payload part would need \"==\"");
		is_int(vs(t1, NOW), JWT_OK, "unpadded, it verifies");
		snprintf(tok, sizeof(tok), "%.*s==%s", (int)(e2 - t1), t1, e2);
		is_int(vs(tok, NOW), JWT_E_FORMAT, "'==' padding in the payload");
		snprintf(tok, sizeof(tok), "%.*s=%s", (int)(e2 - t1), t1, e2);
		is_int(vs(tok, NOW), JWT_E_FORMAT, "'=' in the payload");
	}
	is_int(vs(KAT "=", NOW), JWT_E_FORMAT, "'=' padding on the signature");
	snprintf(tok, sizeof(tok), "%.*s %s", (int)hl, KAT, d1);
	is_int(vs(tok, NOW), JWT_E_FORMAT, "space inside a part");
	snprintf(tok, sizeof(tok), "%.*s\n%s", (int)(hl + 20), KAT, KAT + hl + 20);
	is_int(vs(tok, NOW), JWT_E_FORMAT, "newline inside a part");
	is_int(vs(KAT "\n", NOW), JWT_E_FORMAT, "trailing newline");
	{
		struct jwt_claims c;
		char nul[sizeof(KAT) + 1];
		memcpy(nul, KAT, sizeof(KAT));
		nul[sizeof(KAT)] = 'A';
		is_int(jwt_verify(KEY, KEYLEN, nul, sizeof(nul), NOW, &c), JWT_E_FORMAT, "NUL inside the token");
	}

	/* non-canonical: the signature's last char carries 2 unused bits. If they were ignored,
	 * this token would verify; it must not. */
	strcpy(tok, KAT);
	n = strlen(tok);
	is_int(tok[n - 1], 'k', "signature ends in 'k' (value 36, low bits 00)");
	tok[n - 1] = 'l';
	is_int(vs(tok, NOW), JWT_E_FORMAT, "non-canonical trailing bits in the signature");
	tok[n - 1] = 'n';
	is_int(vs(tok, NOW), JWT_E_FORMAT, "non-canonical trailing bits (both set)");
	/* a part of length 4k+1 cannot be base64 */
	snprintf(tok, sizeof(tok), "%.*sA%s", (int)(d2 - KAT), KAT, d2);
	is_int(vs(tok, NOW), JWT_E_FORMAT, "payload part of impossible length");

	/* '+' and '/' instead of '-' and '_': find a signed token whose signature has '-' or '_',
	 * swap in the standard alphabet; a lenient decoder would accept it as the same bytes. */
	for (int i = 0; i < 200 && !found; i++) {
		char p2[256], *q;
		snprintf(p2, sizeof(p2), "{\"sub\":\"%d\",\"jti\":\"" JTI "\",\"iat\":1700000000,\"exp\":1700003600}",
		    i + 1);
		n = mk(tok, sizeof(tok), HDR, p2, KEY, KEYLEN);
		q = strrchr(tok, '.') + 1;
		q += strcspn(q, "-_");
		if (*q == '\0')
			continue;
		found = 1;
		is_int(vs(tok, NOW), JWT_OK, "a signature with '-' or '_' verifies");
		*q = *q == '-' ? '+' : '/';
		is_int(vs(tok, NOW), JWT_E_FORMAT, "the same with '+' or '/' instead");
	}
	ok(found, "found a signature using '-' or '_'");
	snprintf(tok, sizeof(tok), "%.*s+%s", (int)(hl - 1), KAT, d1);
	is_int(vs(tok, NOW), JWT_E_FORMAT, "'+' in the header");
	snprintf(tok, sizeof(tok), "%.*s/%s", (int)(hl - 1), KAT, d1);
	is_int(vs(tok, NOW), JWT_E_FORMAT, "'/' in the header");

	/* length: pad an unknown claim until the signed token is 1024, then 1025 bytes */
	for (int want = JWT_MAX_TOKEN; want <= JWT_MAX_TOKEN + 1; want++) {
		int hit = 0;
		for (int pad = 500; pad < 800 && !hit; pad++) {
			snprintf(pl, sizeof(pl), "{\"sub\":\"42\",\"jti\":\"" JTI "\",\"iat\":1700000000,"
			    "\"exp\":1700003600,\"pad\":\"%0*d\"}", pad, 0);
			n = mk(tok, sizeof(tok), HDR, pl, KEY, KEYLEN);
			if (n == (size_t)want) {
				hit = 1;
				is_int(vs(tok, NOW), want <= JWT_MAX_TOKEN ? JWT_OK : JWT_E_FORMAT,
				    "signed token of %d bytes %s", want,
				    want <= JWT_MAX_TOKEN ? "accepted" : "refused");
			}
		}
		ok(hit, "built a token of %d bytes", want);
	}
}

static int write_file(const char *path, const void *data, size_t n, mode_t mode)
{
	int fd, rc = -1;

	unlink(path);   /* the previous file may be read-only */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -1;
	if (write(fd, data, n) == (ssize_t)n && fchmod(fd, mode) == 0)
		rc = 0;
	close(fd);
	return rc;
}

static void test_key_load(void)
{
	char dir[] = "/tmp/jwt-unit-XXXXXX", path[128], err[256];
	static const char secret[] = "kBq3S0m3Th1ngL0ngEnoughToBeAKey_x";
	unsigned char bin[64], *key = NULL;
	size_t keylen = 0;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/missing", dir);
	err[0] = '\0';
	is_int(jwt_key_load(path, &key, &keylen, err, sizeof(err)), -1, "missing file refused");
	ok(strstr(err, path) != NULL && strstr(err, "No such file") != NULL, "error names the path: %s", err);

	snprintf(path, sizeof(path), "%s/key", dir);
	write_file(path, "12345678901234567890123456789012\n", 33, 0644);
	err[0] = '\0';
	is_int(jwt_key_load(path, &key, &keylen, err, sizeof(err)), -1, "mode 0644 refused");
	ok(strstr(err, "0644") != NULL && strstr(err, "1234567890") == NULL,
	    "error names the mode, not the contents: %s", err);
	chmod(path, 0601);
	is_int(jwt_key_load(path, &key, &keylen, err, sizeof(err)), -1, "mode 0601 (others execute) refused");
	chmod(path, 0640);
	is_int(jwt_key_load(path, &key, &keylen, err, sizeof(err)), 0, "mode 0640 accepted");
	is_int(keylen, 32, "one trailing newline stripped");
	ok(key != NULL && memcmp(key, "12345678901234567890123456789012", 32) == 0, "key is the file's bytes");
	jwt_key_free(key, keylen);
	key = NULL;

	write_file(path, "1234567890123456789012345678901\n", 32, 0600);
	err[0] = '\0';
	is_int(jwt_key_load(path, &key, &keylen, err, sizeof(err)), -1, "31 bytes + newline refused");
	ok(strstr(err, "31 bytes") != NULL && strstr(err, "1234567890") == NULL,
	    "short-key error has the size, not the contents: %s", err);
	write_file(path, "1234567890123456789012345678901\n\n", 33, 0600);
	is_int(jwt_key_load(path, &key, &keylen, err, sizeof(err)), 0, "only one newline is stripped");
	is_int(keylen, 32, "the second newline is key material");
	jwt_key_free(key, keylen);
	key = NULL;

	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 37);   /* includes a NUL and a '\n' */
	write_file(path, bin, sizeof(bin), 0600);
	is_int(jwt_key_load(path, &key, &keylen, err, sizeof(err)), 0, "binary key with NUL bytes accepted");
	ok(keylen == sizeof(bin) && memcmp(key, bin, sizeof(bin)) == 0, "binary key read exactly");
	jwt_key_free(key, keylen);
	key = NULL;

	write_file(path, secret, strlen(secret), 0400);
	is_int(jwt_key_load(path, &key, &keylen, err, sizeof(err)), 0, "good key, mode 0400");
	is_int(keylen, strlen(secret), "no newline, nothing stripped");
	{
		struct jwt_claims c = { .sub = 7, .iat = 1700000000, .exp = 1700003600 }, got;
		char tok[JWT_MAX_TOKEN + 1];
		int n;
		jwt_new_id(&c);
		n = jwt_sign(key, keylen, &c, tok, sizeof(tok));
		is_int(jwt_verify(key, keylen, tok, (size_t)n, NOW, &got), JWT_OK, "sign and verify with a loaded key");
		is_int(jwt_verify(KEY, KEYLEN, tok, (size_t)n, NOW, &got), JWT_E_SIGNATURE, "other key fails");
	}
	jwt_key_free(key, keylen);
	key = NULL;
	jwt_key_free(NULL, 0);

	{
		static char big[JWT_KEY_MAX + 1];
		memset(big, 'k', sizeof(big));
		write_file(path, big, sizeof(big), 0600);
		is_int(jwt_key_load(path, &key, &keylen, err, sizeof(err)), -1, "key file over JWT_KEY_MAX refused");
		write_file(path, big, JWT_KEY_MAX, 0600);
		is_int(jwt_key_load(path, &key, &keylen, err, sizeof(err)), 0, "key file of JWT_KEY_MAX accepted");
		jwt_key_free(key, keylen);
		key = NULL;
	}
	unlink(path);

	err[0] = '\0';
	is_int(jwt_key_load(dir, &key, &keylen, err, sizeof(err)), -1, "a directory refused");
	ok(strstr(err, "not a regular file") != NULL, "says so: %s", err);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	if (mkfifo(path, 0600) == 0) {
		is_int(jwt_key_load(path, &key, &keylen, err, sizeof(err)), -1, "a FIFO refused, without hanging");
		unlink(path);
	} else {
		ok(0, "mkfifo: %s", strerror(errno));
	}
	ok(key == NULL && keylen == 0, "failures leave *key NULL");
	rmdir(dir);
}

int main(void)
{
	if (sodium_init() < 0) {
		ok(0, "sodium_init");
		return tap_done();
	}
	test_sign_verify();
	test_rfc7515();
	test_tamper();
	test_alg();
	test_claims();
	test_shape();
	test_key_load();

	is_str(jwt_strerror(JWT_E_SIGNATURE), "bad signature", "strerror: bad signature");
	is_str(jwt_strerror(JWT_E_EXPIRED), "token expired", "strerror: expired");
	ok(strcmp(jwt_strerror(JWT_E_FORMAT), jwt_strerror(JWT_E_ALG)) != 0 &&
	    strcmp(jwt_strerror(JWT_E_CLAIMS), jwt_strerror(JWT_E_FORMAT)) != 0, "messages are distinct");
	is_str(jwt_strerror((enum jwt_err)99), "unknown error", "strerror of an unknown code");
	return tap_done();
}
