/* cmd_token.c — `revlens token create|list|revoke` (see cmd_token.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cmd_token.h"
#include "lib/ingest_token.h"
#include "lib/pg.h"
#include "lib/strnum.h"

#define ME "revlens token"
#define EXIT_FAIL 1
#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fprintf(f, "usage: revlens [-c CONF] token create --ingest --user EMAIL [--name NAME] [--days N]\n"
	    "                                    [--no-create-products]\n"
	    "       revlens [-c CONF] token list [--user EMAIL]\n"
	    "       revlens [-c CONF] token revoke ID\n"
	    "Ingest tokens let a collector (browser extension, crawler, script) post to\n"
	    "/api/ingest/ as EMAIL's collector and nothing else. The token is printed once.\n");
}

static int connect_db(const struct config *cfg, struct pg_conn *pg)
{
	if (pg_init_file(pg, cfg->pg_conninfo, cfg->pg_password_file) != 0 ||
	    pg_connect(pg, PG_DEFAULT_CONNECT_TIMEOUT_S) != 0) {
		fprintf(stderr, ME ": PostgreSQL: %s\n", pg->err);
		return -1;
	}
	return 0;
}

/* The active user with this e-mail (as sign-up normalises it, case-insensitively). */
static long long user_id(struct pg_conn *pg, const char *email)
{
	const char *p[1] = { email };

	if (pg_exec(pg, "SELECT id FROM users WHERE lower(email) = lower($1) AND status = 'active'", 1, p) == -1) {
		fprintf(stderr, ME ": PostgreSQL: %s\n", pg->err);
		return -1;
	}
	if (pg_ntuples(pg) != 1) {
		fprintf(stderr, ME ": no active user with e-mail \"%s\" (revlens user add makes one)\n", email);
		return 0;
	}
	return pg_value_ll(pg, 0, 0);
}

static int create(const struct config *cfg, int argc, char **argv)
{
	const char *email = NULL, *name = "";
	long long days = 0, uid, id;
	int ingest = 0, create_products = 1, rc = EXIT_FAIL;
	char tok[INGEST_TOKEN_LEN + 1];
	struct pg_conn pg;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ingest") == 0) {
			ingest = 1;
		} else if (strcmp(argv[i], "--no-create-products") == 0) {
			create_products = 0;
		} else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc) {
			email = argv[++i];
		} else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
			name = argv[++i];
			if (strlen(name) > INGEST_TOKEN_NAME_MAX) {
				fprintf(stderr, ME ": --name takes at most %d bytes\n", INGEST_TOKEN_NAME_MAX);
				return EXIT_USAGE;
			}
		} else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc) {
			if (strnum_parse(argv[++i], 10, 1, 36500, &days) == -1) {
				fprintf(stderr, ME ": --days takes 1 to 36500 (leave it out for a token valid until revoked)\n");
				return EXIT_USAGE;
			}
		} else {
			fprintf(stderr, ME " create: unexpected argument \"%s\"\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!ingest || email == NULL) {
		fprintf(stderr, ME " create: %s\n", !ingest ? "only ingest tokens are made here: give --ingest "
		    "(API tokens for users come from POST /api/auth/token)" : "missing --user EMAIL");
		usage(stderr);
		return EXIT_USAGE;
	}
	memset(&pg, 0, sizeof(pg));
	if (connect_db(cfg, &pg) == -1)
		goto out;
	if ((uid = user_id(&pg, email)) <= 0)
		goto out;
	if (ingest_token_create(&pg, uid, name, create_products, (int)days, tok, &id) == -1) {
		fprintf(stderr, ME ": PostgreSQL: %s\n", pg.err);
		goto out;
	}
	printf("%s\n", tok);
	fflush(stdout);
	fprintf(stderr, "ingest token %lld for %s%s%s, %s, %s; shown only now: keep it like a password\n",
	    id, email, name[0] ? " named " : "", name,
	    create_products ? "may create products" : "may not create products",
	    days > 0 ? "expires in the given days" : "valid until revoked (revlens token revoke ID)");
	rc = 0;
out:
	pg_close(&pg);
	return rc;
}

static int list(const struct config *cfg, int argc, char **argv)
{
	const char *email = NULL;
	struct pg_conn pg;
	int rc = EXIT_FAIL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--user") == 0 && i + 1 < argc) {
			email = argv[++i];
		} else {
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	memset(&pg, 0, sizeof(pg));
	if (connect_db(cfg, &pg) == -1)
		goto out;
	{
		const char *p[1] = { email };
		if (pg_exec(&pg, "SELECT t.id, u.email, t.name, t.create_products, "
		    "  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
		    "  coalesce(to_char(t.last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-'), "
		    "  CASE WHEN t.revoked_at IS NOT NULL THEN 'revoked' "
		    "       WHEN t.expires_at <= now() THEN 'expired' ELSE 'active' END "
		    "FROM ingest_tokens t JOIN users u ON u.id = t.user_id "
		    "WHERE $1::text IS NULL OR lower(u.email) = lower($1) ORDER BY t.id", 1, p) == -1) {
			fprintf(stderr, ME ": PostgreSQL: %s\n", pg.err);
			goto out;
		}
	}
	printf("%-6s %-8s %-20s %-20s %-8s %-30s %s\n", "ID", "STATE", "CREATED", "LAST USED", "PRODUCTS",
	    "USER", "NAME");
	for (int i = 0; i < pg_ntuples(&pg); i++)
		printf("%-6s %-8s %-20s %-20s %-8s %-30s %s\n", pg_value(&pg, i, 0), pg_value(&pg, i, 6),
		    pg_value(&pg, i, 4), pg_value(&pg, i, 5),
		    strcmp(pg_value(&pg, i, 3), "t") == 0 ? "create" : "known", pg_value(&pg, i, 1),
		    pg_value(&pg, i, 2));
	rc = 0;
out:
	pg_close(&pg);
	return rc;
}

static int revoke(const struct config *cfg, int argc, char **argv)
{
	struct pg_conn pg;
	long long id;
	int rc = EXIT_FAIL, n;

	if (argc != 2 || strnum_parse(argv[1], 10, 1, 9223372036854775807LL, &id) == -1) {
		fprintf(stderr, ME " revoke: give the token's ID (revlens token list shows them)\n");
		return EXIT_USAGE;
	}
	memset(&pg, 0, sizeof(pg));
	if (connect_db(cfg, &pg) == -1)
		goto out;
	if ((n = ingest_token_revoke(&pg, 0, id)) == -1) {
		fprintf(stderr, ME ": PostgreSQL: %s\n", pg.err);
		goto out;
	}
	if (n == 0) {
		fprintf(stderr, ME " revoke: no live token with ID %lld\n", id);
		goto out;
	}
	printf("token %lld revoked: its next request is refused\n", id);
	rc = 0;
out:
	pg_close(&pg);
	return rc;
}

int cmd_token(const struct config *cfg, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "create") == 0)
		return create(cfg, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return list(cfg, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "revoke") == 0)
		return revoke(cfg, argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return EXIT_USAGE;
}
