/* account.h — the rules of an account, shared by revlens-web and the CLI.
 *
 * E-mail addresses are kept normalised (trimmed, lower case; beyond ASCII NFKC
 * with case folding): the unique index on lower(email), the log-in look-up and
 * the log-in limits then agree on every way to type one address. Passwords follow NIST SP
 * 800-63B: 10 to 256 characters of any Unicode, compared in NFC (so the same
 * Hangul typed decomposed or precomposed is the same password), never equal to
 * the e-mail; they are hashed with Argon2id (libsodium crypto_pwhash_str) at the
 * cost the configuration gives. Messages are Korean UI text.
 */
#ifndef REVLENS_ACCOUNT_H
#define REVLENS_ACCOUNT_H

#include <stddef.h>

#include "lib/arena.h"
#include "lib/pg.h"

#define ACCOUNT_EMAIL_MAX     254   /* bytes (RFC 5321 path limit) */
#define ACCOUNT_PW_MIN_CHARS  10    /* code points after NFC */
#define ACCOUNT_PW_MAX_BYTES  256   /* bytes as typed (bounds the hashing input) */
#define ACCOUNT_NAME_MAX      30    /* code points in a nickname */
#define ACCOUNT_HASH_MAX      128   /* crypto_pwhash_STRBYTES */

/* Normalise and check an e-mail address. On success *out is an arena copy and
 * the return is 0; otherwise -1 with *msg set to a Korean sentence. */
int account_email_norm(struct arena *a, const char *in, char **out, const char **msg);

/* Check a nickname (trimmed, 1..ACCOUNT_NAME_MAX characters, no control
 * characters). 0 with *out an arena copy, or -1 with *msg. */
int account_name_check(struct arena *a, const char *in, char **out, const char **msg);

/* Check a new password against the rules; email (normalised) may be NULL.
 * 0 with *nfc the NFC form to hash (arena), or -1 with *msg. */
int account_password_check(struct arena *a, const char *pw, const char *email, char **nfc,
    const char **msg);

/* NFC form of a password typed at log-in (no rules applied: an old password
 * must still work). NULL on invalid UTF-8, over-long input or no memory. */
char *account_password_nfc(struct arena *a, const char *pw);

/* Argon2id hash of pw into out (ACCOUNT_HASH_MAX bytes). 0 or -1 (no memory). */
int account_hash(const char *pw, unsigned long long opslimit, size_t memlimit, char *out);
/* 0 when pw matches hash, -1 otherwise (also for a malformed hash). */
int account_verify(const char *hash, const char *pw);
/* 1 when hash was made with other parameters than these (re-hash it). */
int account_needs_rehash(const char *hash, unsigned long long opslimit, size_t memlimit);

/* Insert a user and their profile row. Returns 0 with *uid set, 1 when the
 * e-mail is taken, -1 on a database error (pg->err). */
int account_create(struct pg_conn *pg, const char *email, const char *hash, const char *name,
    const char *role, long long *uid);

#endif
