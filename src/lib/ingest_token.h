/* ingest_token.h — the tokens of collectors: "rli_" and 43 base64url characters
 * (256 random bits), scope ingest only (docs/ingest.md). PostgreSQL's ingest_tokens
 * keeps the SHA-256 of each, never the token; a revoked or expired token, or one of
 * a user who is no longer active, fails on its next use.
 */
#ifndef REVLENS_INGEST_TOKEN_H
#define REVLENS_INGEST_TOKEN_H

#include <stddef.h>

#include "lib/pg.h"

#define INGEST_TOKEN_PREFIX "rli_"
#define INGEST_TOKEN_LEN    47          /* prefix + 43 */
#define INGEST_TOKEN_NAME_MAX 100       /* characters of a token's name */

/* 1 when s[0..len) are all base64url characters (A-Z a-z 0-9 - _), as every random
 * token revlens makes is. */
int token_base64url(const char *s, size_t len);

/* 1 when s[0..len) has the shape of an ingest token. */
int ingest_token_shape(const char *s, size_t len);

/* Mint a token for uid, named name ("" for none), valid for days days (0: until
 * revoked). The token goes to out (INGEST_TOKEN_LEN + 1 bytes), its row id to *id.
 * 0, or -1 with pg->err. */
int ingest_token_create(struct pg_conn *pg, long long uid, const char *name, int create_products,
    int days, char out[INGEST_TOKEN_LEN + 1], long long *id);

struct ingest_auth {
	long long token_id, user_id;
	int create_products;
	int admin;                      /* the token's user is an administrator: the
	                                 * crawlers' service account (see ingest.h) */
};

/* Who tok[0..len) belongs to: 1 with *a filled, 0 when it is no valid token (unknown,
 * revoked, expired, its user not active), -1 when PostgreSQL failed. Notes the use
 * (last_used_at, at most once a minute). */
int ingest_token_auth(struct pg_conn *pg, const char *tok, size_t len, struct ingest_auth *a);

/* Revoke token id; uid > 0 limits it to that user's tokens. 1 revoked now, 0 no such
 * live token, -1 error. */
int ingest_token_revoke(struct pg_conn *pg, long long uid, long long id);

#endif
