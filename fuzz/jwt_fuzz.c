/* jwt_fuzz.c — libFuzzer harness: HS256 token verification of untrusted bytes, behind and before the MAC. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char key[] = "fuzzing key, 32 bytes or longer!";
#define KEYLEN (sizeof(key) - 1)
#define NOW 1700000100LL

/* The contract for an accepted token: every claim within its rules, and
 * signing the claims again gives a token that verifies to the same claims. */
static void check_ok(const struct jwt_claims *c)
{
	struct jwt_claims again;
	char tok[JWT_MAX_TOKEN + 1];
	int n;

	if (c->sub <= 0 || c->exp <= c->iat || c->iat - JWT_IAT_SKEW > NOW || NOW >= c->exp ||
	    strlen(c->jti) != JWT_JTI_LEN || strspn(c->jti, "0123456789abcdef") != JWT_JTI_LEN)
		abort();
	n = jwt_sign(key, KEYLEN, c, tok, sizeof(tok));
	if (n <= 0 || jwt_verify(key, KEYLEN, tok, (size_t)n, NOW, &again) != JWT_OK ||
	    again.sub != c->sub || again.iat != c->iat || again.exp != c->exp ||
	    strcmp(again.jti, c->jti) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char tok[JWT_MAX_TOKEN * 2 + 64];
	struct jwt_claims c;
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	enum jwt_err e;

	if (sodium_init() < 0)
		abort();
	/* 1: the bytes as a token; without the key only the shape and header are reachable */
	e = jwt_verify(key, KEYLEN, (const char *)data, size, NOW, &c);
	if (e == JWT_OK)
		check_ok(&c);
	if ((unsigned)e > JWT_E_CLAIMS || jwt_strerror(e) == NULL)
		abort();

	/* 2: the bytes as "header.payload", given a correct MAC, so the claims parser is fuzzed */
	if (size > JWT_MAX_TOKEN || memchr(data, '\0', size) != NULL)
		return 0;
	memcpy(tok, data, size);
	crypto_auth_hmacsha256_init(&st, key, KEYLEN);
	crypto_auth_hmacsha256_update(&st, data, size);
	crypto_auth_hmacsha256_final(&st, mac);
	tok[size] = '.';
	sodium_bin2base64(tok + size + 1, sizeof(tok) - size - 1, mac, sizeof(mac),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	e = jwt_verify(key, KEYLEN, tok, strlen(tok), NOW, &c);
	if (e == JWT_OK)
		check_ok(&c);
	if ((unsigned)e > JWT_E_CLAIMS)
		abort();
	return 0;
}
