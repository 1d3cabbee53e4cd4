/* jwt.c — HS256 JSON Web Tokens: strict base64url, HMAC-SHA-256 from libsodium, claims via json-c.
 *
 * Design and invariants:
 * - Order of trust in jwt_verify: shape and size; header (it only names the
 *   algorithm, and we accept one); the MAC over "header.payload" compared with
 *   sodium_memcmp; only then are the claims decoded and parsed. Nothing from
 *   the payload is looked at before the MAC has matched.
 * - The HMAC uses libsodium's init/update/final API, which takes a key of any
 *   length (crypto_auth_hmacsha256() wants exactly 32 bytes).
 * - Base64url is decoded only after our own pass has checked the alphabet
 *   (no '=', whitespace, '+', '/'), the length (n % 4 != 1) and that unused
 *   trailing bits are zero, so each byte string has one accepted encoding and
 *   a token cannot be altered without changing the signed bytes. That
 *   spelling check of the payload is syntax only and runs before the MAC;
 *   decoding and parsing it wait for the MAC.
 * - JSON: json-c strict mode, UTF-8 validated, depth JWT_JSON_DEPTH, no
 *   trailing bytes, no NUL byte or "\u0000" (json-c would cut a member name
 *   there), and the number of members written must equal the number json-c
 *   kept — json-c silently keeps the last of duplicate names, so counting is
 *   how duplicates are refused.
 * - All buffers are on the stack and bounded by JWT_MAX_TOKEN; the only heap
 *   objects are json-c's, released on the single exit path.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sodium.h>

#include "lib/jwt.h"
#include "lib/strnum.h"

#define MAC_LEN crypto_auth_hmacsha256_BYTES   /* 32 */
#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

_Static_assert(JWT_JTI_LEN % 2 == 0, "jti is hex of whole bytes");
_Static_assert(JWT_KEY_MIN <= JWT_KEY_MAX, "key limits");

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* 1 when s[0..n) is strict base64url without padding: alphabet, a possible
 * length, and unused trailing bits zero (so each byte string has exactly one
 * accepted spelling). Empty is not. */
static int b64_strict(const char *s, size_t n)
{
	int last;

	if (n == 0 || n % 4 == 1)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (b64val((unsigned char)s[i]) < 0)
			return 0;
	/* 2 chars carry 12 bits for 1 byte, 3 carry 18 for 2: the rest must be 0 */
	last = b64val((unsigned char)s[n - 1]);
	return !((n % 4 == 2 && (last & 0x0f) != 0) || (n % 4 == 3 && (last & 0x03) != 0));
}

/* Strict base64url of s[0..n) into out[0..cap). Returns 0 and *outlen, or -1
 * for input b64_strict refuses or that would not fit. */
static int b64_decode(const char *s, size_t n, unsigned char *out, size_t cap, size_t *outlen)
{
	const char *end = NULL;
	size_t got = 0;

	if (!b64_strict(s, n))
		return -1;
	if (sodium_base642bin(out, cap, s, n, NULL, &got, &end, B64) != 0 || end != s + n)
		return -1;
	*outlen = got;
	return 0;
}

/* Base64url of in[0..n) appended at out[*pos], NUL-terminated; -1 if it does not fit in cap. */
static int b64_append(char *out, size_t cap, size_t *pos, const unsigned char *in, size_t n)
{
	size_t need = sodium_base64_ENCODED_LEN(n, B64);   /* includes the NUL */

	if (need > cap - *pos)
		return -1;
	sodium_bin2base64(out + *pos, cap - *pos, in, n, B64);
	*pos += need - 1;
	return 0;
}

static void mac(const unsigned char *key, size_t keylen, const char *msg, size_t n,
    unsigned char out[MAC_LEN])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, n);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

/* Members of the top-level object of json-c-validated text s[0..n), or -1
 * when a string holds the escape \u0000. */
static int top_members(const char *s, size_t n)
{
	int depth = 0, count = 0, in_str = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (in_str) {
			if (c == '\\') {
				if (i + 5 < n && s[i + 1] == 'u' && memcmp(s + i + 2, "0000", 4) == 0)
					return -1;
				i++;   /* the escaped char; \uXXXX's digits are harmless */
			} else if (c == '"') {
				in_str = 0;
			}
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		} else if (c == ':' && depth == 1) {
			count++;
		}
	}
	return count;
}

/* Parse buf[0..n) as one JSON object under the rules above. Returns it (the
 * caller puts it) or NULL. */
static struct json_object *parse_object(const unsigned char *buf, size_t n)
{
	struct json_tokener *tok = NULL;
	struct json_object *o = NULL;
	const char *s = (const char *)buf;
	int ok = 0;

	if (n == 0 || memchr(s, '\0', n) != NULL)
		goto out;
	tok = json_tokener_new_ex(JWT_JSON_DEPTH);
	if (tok == NULL)
		goto out;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)n);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != n || !json_object_is_type(o, json_type_object))
		goto out;
	if (top_members(s, n) != json_object_object_length(o))
		goto out;
	ok = 1;
out:
	if (tok != NULL)
		json_tokener_free(tok);
	if (!ok && o != NULL) {
		json_object_put(o);
		o = NULL;
	}
	return o;
}

/* 1 when v is a JSON string exactly equal to want (length compared: no NUL tricks). */
static int str_is(struct json_object *v, const char *want)
{
	size_t n = strlen(want);

	return json_object_is_type(v, json_type_string) &&
	    (size_t)json_object_get_string_len(v) == n &&
	    memcmp(json_object_get_string(v), want, n) == 0;
}

static int jti_valid(const char *s, size_t n)
{
	if (n != JWT_JTI_LEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* The clock-free rules shared by jwt_sign and jwt_verify. */
static int claims_valid(const struct jwt_claims *c)
{
	return c->sub > 0 && c->iat >= 0 && c->exp <= JWT_TIME_MAX && c->exp > c->iat &&
	    jti_valid(c->jti, strnlen(c->jti, sizeof(c->jti)));
}

static int header_ok(struct json_object *h)
{
	struct json_object *v;

	if (!json_object_object_get_ex(h, "alg", &v) || !str_is(v, "HS256"))
		return 0;
	if (json_object_object_get_ex(h, "typ", &v) && !str_is(v, "JWT"))
		return 0;
	/* RFC 7515 §4.1.11: we understand no extension, so any "crit" is fatal */
	if (json_object_object_get_ex(h, "crit", NULL))
		return 0;
	return 1;
}

static int int_claim(struct json_object *o, const char *name, long long *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_int))
		return -1;
	/* saturates beyond int64 (json-c keeps uint64 too); claims_valid's range catches that */
	*out = (long long)json_object_get_int64(v);
	return 0;
}

/* Claims of a verified payload into *c; JWT_OK or JWT_E_CLAIMS. */
static enum jwt_err claims_get(struct json_object *o, struct jwt_claims *c)
{
	struct json_object *v;
	const char *s;
	size_t n;

	if (!json_object_object_get_ex(o, "sub", &v) || !json_object_is_type(v, json_type_string))
		return JWT_E_CLAIMS;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	/* a positive decimal: no sign, no leading zero, digits only */
	if (n == 0 || s[0] < '1' || s[0] > '9')
		return JWT_E_CLAIMS;
	/* strnum refuses anything but digits after the first; a '-' cannot come first here */
	if (strnum_parse_n(s, n, 10, 1, LLONG_MAX, &c->sub) != 0)
		return JWT_E_CLAIMS;

	if (!json_object_object_get_ex(o, "jti", &v) || !json_object_is_type(v, json_type_string))
		return JWT_E_CLAIMS;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (!jti_valid(s, n))
		return JWT_E_CLAIMS;
	memcpy(c->jti, s, n);
	c->jti[n] = '\0';

	if (int_claim(o, "iat", &c->iat) != 0 || int_claim(o, "exp", &c->exp) != 0)
		return JWT_E_CLAIMS;
	return claims_valid(c) ? JWT_OK : JWT_E_CLAIMS;
}

void jwt_new_id(struct jwt_claims *c)
{
	unsigned char raw[JWT_JTI_LEN / 2];

	/* idempotent; without entropy there is no safe id, and randombytes_buf
	 * would abort on its own */
	if (sodium_init() < 0)
		abort();
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(c->jti, sizeof(c->jti), raw, sizeof(raw));
}

int jwt_sign(const unsigned char *key, size_t keylen, const struct jwt_claims *c, char *out,
    size_t outlen)
{
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	char payload[160];
	char tok[JWT_MAX_TOKEN + 1];
	unsigned char sig[MAC_LEN];
	size_t pos = 0;
	int n, rc = -1;

	if (key == NULL || keylen < JWT_KEY_MIN || c == NULL || out == NULL || !claims_valid(c))
		goto out;
	n = snprintf(payload, sizeof(payload), "{\"sub\":\"%lld\",\"jti\":\"%s\",\"iat\":%lld,\"exp\":%lld}",
	    c->sub, c->jti, c->iat, c->exp);
	if (n < 0 || (size_t)n >= sizeof(payload))
		goto out;
	if (b64_append(tok, sizeof(tok), &pos, (const unsigned char *)header, sizeof(header) - 1) != 0)
		goto out;
	tok[pos++] = '.';
	if (b64_append(tok, sizeof(tok), &pos, (const unsigned char *)payload, (size_t)n) != 0)
		goto out;
	mac(key, keylen, tok, pos, sig);
	if (pos + 1 >= sizeof(tok))
		goto out;
	tok[pos++] = '.';
	if (b64_append(tok, sizeof(tok), &pos, sig, sizeof(sig)) != 0 || pos > JWT_MAX_TOKEN ||
	    pos >= outlen)
		goto out;
	memcpy(out, tok, pos + 1);
	rc = (int)pos;
out:
	sodium_memzero(sig, sizeof(sig));
	return rc;
}

enum jwt_err jwt_verify(const unsigned char *key, size_t keylen, const char *token, size_t len,
    long long now, struct jwt_claims *out)
{
	struct json_object *h = NULL, *p = NULL;
	unsigned char buf[JWT_MAX_TOKEN];
	unsigned char want[MAC_LEN];
	struct jwt_claims c;
	const char *d1, *d2;
	size_t hlen, plen, slen, n;
	enum jwt_err e = JWT_E_FORMAT;

	memset(&c, 0, sizeof(c));
	if (token == NULL || len == 0 || len > JWT_MAX_TOKEN)
		goto out;
	d1 = memchr(token, '.', len);
	if (d1 == NULL)
		goto out;
	d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token));
	if (d2 == NULL || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)) != NULL)
		goto out;
	hlen = (size_t)(d1 - token);
	plen = (size_t)(d2 - d1 - 1);
	slen = len - (size_t)(d2 + 1 - token);
	/* spelling of both signed parts first: padding, '+', '/' or spaces are a
	 * format error, not a bad signature */
	if (!b64_strict(token, hlen) || !b64_strict(d1 + 1, plen))
		goto out;

	if (b64_decode(token, hlen, buf, JWT_MAX_HEADER, &n) != 0 || (h = parse_object(buf, n)) == NULL)
		goto out;
	if (!header_ok(h)) {
		e = JWT_E_ALG;
		goto out;
	}

	if (b64_decode(d2 + 1, slen, buf, sizeof(buf), &n) != 0)
		goto out;   /* includes an empty signature */
	e = JWT_E_SIGNATURE;
	if (key == NULL || keylen < JWT_KEY_MIN || n != MAC_LEN)
		goto out;
	mac(key, keylen, token, (size_t)(d2 - token), want);
	if (sodium_memcmp(want, buf, MAC_LEN) != 0)
		goto out;

	/* signed by us: from here on the bytes are ours, but still checked */
	e = JWT_E_FORMAT;
	if (b64_decode(d1 + 1, plen, buf, sizeof(buf), &n) != 0 || (p = parse_object(buf, n)) == NULL)
		goto out;
	e = claims_get(p, &c);
	if (e != JWT_OK)
		goto out;
	if (c.iat - JWT_IAT_SKEW > now) {
		e = JWT_E_CLAIMS;
		goto out;
	}
	if (now >= c.exp) {
		e = JWT_E_EXPIRED;
		goto out;
	}
	*out = c;
	e = JWT_OK;
out:
	if (h != NULL)
		json_object_put(h);
	if (p != NULL)
		json_object_put(p);
	sodium_memzero(want, sizeof(want));
	return e;
}

const char *jwt_strerror(enum jwt_err e)
{
	switch (e) {
	case JWT_OK: return "ok";
	case JWT_E_FORMAT: return "malformed token";
	case JWT_E_ALG: return "unsupported algorithm or header";
	case JWT_E_SIGNATURE: return "bad signature";
	case JWT_E_EXPIRED: return "token expired";
	case JWT_E_CLAIMS: return "invalid claims";
	}
	return "unknown error";
}

int jwt_key_load(const char *path, unsigned char **key, size_t *keylen, char *err, size_t errlen)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t n = 0;
	int fd = -1, rc = -1;

	*key = NULL;
	*keylen = 0;
	if (sodium_init() < 0) {
		snprintf(err, errlen, "%s: libsodium failed to initialise", path);
		goto out;
	}
	/* O_NONBLOCK: a FIFO planted at the path must not hang startup; fstat on
	 * the open descriptor so the file checked is the file read */
	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((st.st_mode & 007) != 0) {
		snprintf(err, errlen, "%s: mode %04o gives others access to the key (chmod o-rwx)",
		    path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	buf = sodium_malloc(JWT_KEY_MAX + 1);
	if (buf == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	while (n <= JWT_KEY_MAX) {
		ssize_t r = read(fd, buf + n, JWT_KEY_MAX + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > JWT_KEY_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, JWT_KEY_MAX);
		goto out;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n < JWT_KEY_MIN) {
		snprintf(err, errlen, "%s: key is %zu bytes, at least %d required", path, n, JWT_KEY_MIN);
		goto out;
	}
	(void)sodium_mprotect_readonly(buf);   /* best effort; sodium_free undoes it */
	*key = buf;
	*keylen = n;
	buf = NULL;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	sodium_free(buf);
	return rc;
}

void jwt_key_free(unsigned char *key, size_t keylen)
{
	(void)keylen;
	sodium_free(key);
}
