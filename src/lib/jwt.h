/* jwt.h — HS256 JSON Web Tokens (RFC 7519) for API bearer tokens.
 *
 * Only HS256 is spoken: the header's "alg" must be exactly "HS256", so "none",
 * other HMACs and every public-key algorithm are refused before any key is
 * used. The MAC is checked in constant time before a byte of the claims is
 * parsed. Base64url is strict (RFC 7515 §2: no padding, no whitespace, no
 * '+' or '/', canonical trailing bits). JSON is parsed by json-c in strict
 * mode with a small nesting depth; duplicate member names and "\u0000" are
 * refused (json-c itself would keep the last duplicate and cut a name at NUL).
 *
 * The key is at least JWT_KEY_MIN bytes of secret material; jwt_key_load()
 * reads it from a file into sodium_malloc'd, read-only memory.
 */
#ifndef REVLENS_JWT_H
#define REVLENS_JWT_H

#include <stddef.h>

#define JWT_MAX_TOKEN  1024   /* bytes of a token we accept; longer is JWT_E_FORMAT */
#define JWT_MAX_HEADER 256    /* bytes of decoded header JSON (ours is 27) */
#define JWT_KEY_MIN    32     /* bytes of key material required (the HMAC-SHA-256 block is 64) */
#define JWT_KEY_MAX    4096   /* bytes of a key file; larger is a misconfiguration */
#define JWT_JTI_LEN    32     /* hex chars of the token id (128 random bits) */
#define JWT_JSON_DEPTH 4      /* json-c nesting depth for header and claims */
#define JWT_IAT_SKEW   60     /* seconds an "iat" may lie ahead of now (clock skew) */
#define JWT_TIME_MAX   253402300799LL /* 9999-12-31T23:59:59Z: bound on iat and exp */

struct jwt_claims {
	long long sub;                  /* user id, > 0; serialised as a JSON string per RFC 7519 ("sub":"42") */
	char jti[JWT_JTI_LEN + 1];      /* lowercase hex, NUL-terminated */
	long long iat, exp;             /* seconds since the epoch, 0 <= iat < exp <= JWT_TIME_MAX */
};

enum jwt_err {
	JWT_OK = 0,
	JWT_E_FORMAT,       /* not three non-empty strict base64url parts, too long, bad JSON */
	JWT_E_ALG,          /* header: alg not exactly "HS256", typ not "JWT", or crit present */
	JWT_E_SIGNATURE,    /* MAC mismatch (also: a key shorter than JWT_KEY_MIN) */
	JWT_E_EXPIRED,      /* now >= exp */
	JWT_E_CLAIMS,       /* sub, jti, iat or exp missing or malformed; exp <= iat; iat in the future */
};

/* Fill c->jti with JWT_JTI_LEN lowercase hex chars of fresh randomness
 * (randombytes_buf). Initialises libsodium if needed; aborts if it cannot,
 * as randombytes_buf itself would. */
void jwt_new_id(struct jwt_claims *c);

/* Serialise header {"alg":"HS256","typ":"JWT"} and the claims
 * {"sub":"<id>","jti":…,"iat":…,"exp":…}, sign with key[0..keylen).
 * Writes a NUL-terminated token into out; returns its length, or -1 when
 * outlen is too small, keylen < JWT_KEY_MIN or the claims are invalid (the
 * same rules jwt_verify applies, minus the clock). */
int jwt_sign(const unsigned char *key, size_t keylen, const struct jwt_claims *c, char *out,
    size_t outlen);

/* Verify token[0..len) (need not be NUL-terminated) at time now. In order:
 * length, exactly two dots, strict base64url of header and payload, header
 * JSON (JWT_E_FORMAT); header content (JWT_E_ALG: "alg" exactly "HS256",
 * "typ" if present exactly "JWT", no "crit"); signature part empty or not
 * strict base64url (JWT_E_FORMAT); not 32 bytes or MAC mismatch
 * (JWT_E_SIGNATURE); payload JSON (JWT_E_FORMAT); then the claims: "sub" a decimal
 * string of a positive id (no sign, no leading zeros, fits long long), "jti"
 * JWT_JTI_LEN lowercase hex, "iat"/"exp" JSON integers within
 * [0, JWT_TIME_MAX], exp > iat, iat <= now + JWT_IAT_SKEW (all JWT_E_CLAIMS);
 * finally now < exp (else JWT_E_EXPIRED). Unknown claims are ignored.
 * Returns JWT_OK with *out filled; on error *out is left untouched. */
enum jwt_err jwt_verify(const unsigned char *key, size_t keylen, const char *token, size_t len,
    long long now, struct jwt_claims *out);

/* A short English description for logs ("bad signature", …); never NULL. */
const char *jwt_strerror(enum jwt_err e);

/* Load the signing key from path (auth.jwt_key_file). The file must be a
 * regular file (symlinks are followed), with no permission bits for others
 * (mode & 007 == 0), holding at most JWT_KEY_MAX bytes and at least
 * JWT_KEY_MIN after one trailing newline is stripped; the key is the file's
 * bytes, binary or text. Returns 0 with *key a sodium_malloc'd, read-only
 * buffer of *keylen bytes to release with jwt_key_free(), or -1 with
 * "path: reason" in err (never any of the file's contents). */
int jwt_key_load(const char *path, unsigned char **key, size_t *keylen, char *err, size_t errlen);

/* Wipe and free a key from jwt_key_load(); NULL is fine. keylen is unused
 * (sodium_free knows the size) but kept so callers pass what they hold. */
void jwt_key_free(unsigned char *key, size_t keylen);

#endif
