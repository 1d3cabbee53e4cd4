/* ingest_token.c — collectors' tokens (see ingest_token.h). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "lib/ingest_token.h"

int token_base64url(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

int ingest_token_shape(const char *s, size_t len)
{
	return len == INGEST_TOKEN_LEN && memcmp(s, INGEST_TOKEN_PREFIX, 4) == 0 &&
	    token_base64url(s + 4, len - 4);
}

static void hash_hex(const char *tok, size_t len, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)tok, len);
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

int ingest_token_create(struct pg_conn *pg, long long uid, const char *name, int create_products,
    int days, char out[INGEST_TOKEN_LEN + 1], long long *id)
{
	unsigned char raw[32];
	char uid_s[24], days_s[24], hex[65];
	const char *p[5] = { uid_s, name, hex, create_products ? "t" : "f", days > 0 ? days_s : NULL };

	if (sodium_init() < 0)
		return -1;
	randombytes_buf(raw, sizeof(raw));
	memcpy(out, INGEST_TOKEN_PREFIX, 4);
	sodium_bin2base64(out + 4, INGEST_TOKEN_LEN - 4 + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	hash_hex(out, INGEST_TOKEN_LEN, hex);
	snprintf(uid_s, sizeof(uid_s), "%lld", uid);
	snprintf(days_s, sizeof(days_s), "%d", days);
	if (pg_exec(pg, "INSERT INTO ingest_tokens (user_id, name, token_hash, create_products, expires_at) "
	    "VALUES ($1, $2, decode($3, 'hex'), $4, now() + make_interval(days => $5::int)) RETURNING id",
	    5, p) == -1) {
		sodium_memzero(out, INGEST_TOKEN_LEN + 1);
		return -1;
	}
	*id = pg_value_ll(pg, 0, 0);
	return 0;
}

int ingest_token_auth(struct pg_conn *pg, const char *tok, size_t len, struct ingest_auth *a)
{
	char hex[65];
	const char *p[1] = { hex };

	if (!ingest_token_shape(tok, len))
		return 0;
	hash_hex(tok, len, hex);
	if (pg_exec(pg, "WITH t AS (SELECT t.id, t.user_id, t.create_products, u.role = 'admin' AS admin "
	    "  FROM ingest_tokens t JOIN users u ON u.id = t.user_id "
	    "  WHERE t.token_hash = decode($1, 'hex') AND t.revoked_at IS NULL "
	    "    AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.status = 'active'), "
	    "n AS (UPDATE ingest_tokens SET last_used_at = now() WHERE id = (SELECT id FROM t) "
	    "  AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')) "
	    "SELECT id, user_id, create_products, admin FROM t", 1, p) == -1)
		return -1;
	if (pg_ntuples(pg) != 1)
		return 0;
	a->token_id = pg_value_ll(pg, 0, 0);
	a->user_id = pg_value_ll(pg, 0, 1);
	a->create_products = strcmp(pg_value(pg, 0, 2), "t") == 0;
	a->admin = strcmp(pg_value(pg, 0, 3), "t") == 0;
	return 1;
}

int ingest_token_revoke(struct pg_conn *pg, long long uid, long long id)
{
	char id_s[24], uid_s[24];
	const char *p[2] = { id_s, uid_s };

	snprintf(id_s, sizeof(id_s), "%lld", id);
	snprintf(uid_s, sizeof(uid_s), "%lld", uid);
	if (pg_exec(pg, "UPDATE ingest_tokens SET revoked_at = now() "
	    "WHERE id = $1 AND ($2::bigint <= 0 OR user_id = $2) AND revoked_at IS NULL", 2, p) == -1)
		return -1;
	return pg_affected(pg) > 0;
}
