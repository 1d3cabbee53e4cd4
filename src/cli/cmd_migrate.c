/* cmd_migrate.c — `revlens migrate`: apply SQL migrations and MongoDB index specs.
 *
 * Order of work, each step only if the previous one succeeded:
 *  1. Read and check every file first (names, SQL splitting, JSON specs), so a typo is
 *     reported before anything touches a database.
 *  2. PostgreSQL: take a session advisory lock (two migrators never interleave), create
 *     the bookkeeping tables if absent, refuse to go on if an applied file's SHA-256
 *     changed (migrations are immutable once applied: write a new one), then apply each
 *     pending file in version order in its own transaction, statement by statement, so
 *     a failure names file:line and rolls back that whole file only.
 *  3. MongoDB: for each index of each spec, create it unless it is both recorded in
 *     mongo_index_migrations with the same definition checksum and present on the
 *     server. A TTL index is verified with listIndexes afterwards; where the server
 *     refuses or drops expireAfterSeconds the index is kept without it, a notice is
 *     printed and ttl_native = false is recorded, so revlens-aggregator purges instead.
 * Known limit: SQL-standard function bodies (BEGIN ATOMIC ... END) are split at
 * their inner semicolons; write such functions with a $$-quoted body instead.
 * Migration files must not contain transaction control (BEGIN/COMMIT/...): the file
 * is the transaction. Statements that cannot run in a transaction block (CREATE INDEX
 * CONCURRENTLY, VACUUM) therefore fail with the server's own message.
 */
#include "cli/cmd_migrate.h"
#include "lib/file.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "lib/mongo.h"
#include "lib/pg.h"
#include "lib/sqlsplit.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define ME "revlens migrate"
#define PG_CONNECT_TIMEOUT_S 10
#define SQL_FILE_MAX (8L * 1024 * 1024)  /* bytes; a migration is a few KiB */
#define VERSION_MAX 20                   /* digits in a migration's version prefix */
/* Key of the pg_advisory_lock held while migrating: fixed and private to revlens. */
#define MIGRATE_LOCK_KEY "7234011594523623"
#define HEX_SHA256 (crypto_hash_sha256_BYTES * 2 + 1)

struct sql_file {
	char *name;                     /* "001_accounts.sql" */
	char *path;                     /* dir "/" name, as shown in messages */
	char version[VERSION_MAX + 1];  /* "001" */
	char checksum[HEX_SHA256];
	struct sql_script script;
	int applied;
};

struct spec_file {
	char *path;
	struct mongo_spec spec;
};

struct index_rec {
	char *collection;
	char *name;
	char *checksum;
	int ttl_native;                 /* 1, 0, or -1 for NULL (not a TTL index) */
};

struct migrate {
	char *sql_dir;
	char *mongo_dir;
	int dry_run;
	unsigned long lock_session;     /* pg.session that took the advisory lock */
	struct sql_file *sql;
	size_t nsql;
	struct spec_file *specs;
	size_t nspecs;
	struct index_rec *recs;
	size_t nrecs;
	struct pg_conn pg;
	struct mongo_conn mongo;
	int have_pg, have_mongo, have_tables;
	size_t sql_applied, sql_current, ix_created, ix_current;
};

static void sha256_hex(const void *data, size_t len, char out[HEX_SHA256])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, HEX_SHA256, h, sizeof(h));
}

static char *join_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A revlens source tree: configure.ac beside both sql/ and mongo-indexes/. */
static int is_source_tree(const char *root)
{
	char p[PATH_MAX];

	return snprintf(p, sizeof(p), "%s/configure.ac", root) < (int)sizeof(p) &&
	    access(p, R_OK) == 0 &&
	    snprintf(p, sizeof(p), "%s/sql", root) < (int)sizeof(p) && is_dir(p) &&
	    snprintf(p, sizeof(p), "%s/mongo-indexes", root) < (int)sizeof(p) && is_dir(p);
}

/* Where the files are when --sql-dir / --mongo-dir are not given.
 *
 * Installed, they are in REVLENS_DATADIR/sql and REVLENS_DATADIR/mongo-indexes (make
 * install puts them there). A developer runs revlens from a build tree instead, where
 * nothing is installed: an in-tree build leaves the binary in the source root, a
 * build directory such as build/plain (scripts/test, scripts/dev) two levels below
 * it. So the directory of /proc/self/exe, its parent and its grandparent are tried
 * first, and the first that is a revlens source tree (is_source_tree: all three marks,
 * so an installed /usr/local/bin/revlens never picks up a stray /usr/local/sql)
 * supplies both defaults. A build directory elsewhere, or a system without
 * /proc/self/exe, falls back to the installed copy. Sets *tree to 1 when the source
 * tree was used. Returns a heap string, or NULL when out of memory. */
static char *default_dir(const char *sub, int *tree)
{
	char root[PATH_MAX];
	ssize_t n;
	char *slash;
	int up;

	*tree = 0;
	n = readlink("/proc/self/exe", root, sizeof(root) - 1);
	if (n > 0) {
		root[n] = '\0';
		for (up = 0; up < 3 && (slash = strrchr(root, '/')) != NULL && slash != root; up++) {
			*slash = '\0';        /* the executable's directory, then one level up */
			if (is_source_tree(root)) {
				*tree = 1;
				return join_path(root, sub);
			}
		}
	}
	return join_path(REVLENS_DATADIR, sub);
}

/* Say where the files come from, so a wrong tree is noticed before it is applied. */
static void say_dir(const char *what, const char *dir, const char *from)
{
	printf("%s: %s from %s (%s)\n", ME, what, dir, from);
}

#define FROM_TREE "the source tree of this build"
#define FROM_DATADIR "the installed data"

#define MIGRATE_USAGE "usage: revlens [-c CONF] migrate [--sql-dir DIR] [--mongo-dir DIR] " \
	"[--dry-run]\n"

/* 0 to go on, 1 when help was printed, -1 on a usage error. */
static int parse_args(struct migrate *mg, int argc, char **argv)
{
	int i, tree;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		char **dst = NULL;

		if (strcmp(a, "--dry-run") == 0) {
			mg->dry_run = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(MIGRATE_USAGE, stdout);
			return 1;
		}
		if (strcmp(a, "--sql-dir") == 0)
			dst = &mg->sql_dir;
		else if (strcmp(a, "--mongo-dir") == 0)
			dst = &mg->mongo_dir;
		if (dst == NULL || i + 1 >= argc || *dst != NULL) {
			fprintf(stderr, "%s: %s \"%s\"\n" MIGRATE_USAGE, ME,
			    dst == NULL ? "unknown option" : *dst != NULL ? "repeated option" :
			    "missing value for", a);
			return -1;
		}
		*dst = strdup(argv[++i]);
		if (*dst == NULL)
			return -1;
	}
	if (mg->sql_dir != NULL)
		say_dir("SQL migrations", mg->sql_dir, "--sql-dir");
	else if ((mg->sql_dir = default_dir("sql", &tree)) == NULL)
		return -1;
	else
		say_dir("SQL migrations", mg->sql_dir, tree ? FROM_TREE : FROM_DATADIR);
	if (mg->mongo_dir != NULL)
		say_dir("MongoDB index specs", mg->mongo_dir, "--mongo-dir");
	else if ((mg->mongo_dir = default_dir("mongo-indexes", &tree)) == NULL)
		return -1;
	else
		say_dir("MongoDB index specs", mg->mongo_dir, tree ? FROM_TREE : FROM_DATADIR);
	fflush(stdout);
	return 0;
}

/* ---- reading the files ---------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n > m && strcmp(s + n - m, suf) == 0;
}

/* Sorted names of the non-hidden files in dir ending in suffix. */
static int list_dir(const char *dir, const char *suffix, char ***names, size_t *n)
{
	DIR *d = NULL;
	struct dirent *e;
	char **v = NULL, **grown;
	size_t k = 0;
	int rc = -1;

	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "%s: %s: %s\n", ME, dir, strerror(errno));
		goto out;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || !has_suffix(e->d_name, suffix))
			continue;
		grown = realloc(v, (k + 1) * sizeof(*v));
		if (grown == NULL)
			goto out;
		v = grown;
		if ((v[k] = strdup(e->d_name)) == NULL)
			goto out;
		k++;
	}
	if (k > 0)
		qsort(v, k, sizeof(*v), cmp_names);
	rc = 0;
out:
	if (d != NULL)
		closedir(d);
	if (rc != 0) {
		while (k > 0)
			free(v[--k]);
		free(v);
		v = NULL;
	}
	*names = v;
	*n = k;
	return rc;
}

/* "NNN_name.sql": digits, '_', then [A-Za-z0-9_-]. Copies the digits into version. */
static int parse_sql_name(const char *name, char version[VERSION_MAX + 1])
{
	size_t d = strspn(name, "0123456789");
	size_t rest;

	if (d == 0 || d > VERSION_MAX || name[d] != '_')
		return -1;
	rest = strlen(name) - d - 1 - 4;
	if (rest == 0 || strspn(name + d + 1,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != rest)
		return -1;
	memcpy(version, name, d);
	version[d] = '\0';
	return 0;
}

/* Versions compare as numbers: "002" < "10". */
static int cmp_versions(const char *a, const char *b)
{
	size_t la, lb;

	a += strspn(a, "0");
	b += strspn(b, "0");
	la = strlen(a);
	lb = strlen(b);
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

static int cmp_sql_files(const void *a, const void *b)
{
	const struct sql_file *x = a, *y = b;

	return cmp_versions(x->version, y->version);
}

/* A statement opening with transaction control would end the file's transaction. */
static const char *tx_control_word(const char *stmt)
{
	static const char *const words[] = { "begin", "commit", "rollback", "end", "abort",
		"start", "savepoint", "release", "prepare" };
	size_t n = strspn(stmt, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
	size_t k;

	for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (strlen(words[k]) == n && strncasecmp(stmt, words[k], n) == 0)
			return words[k];
	return NULL;
}

static int load_sql(struct migrate *mg)
{
	char **names = NULL;
	size_t n = 0, k, s;
	char *text = NULL;
	size_t len;
	char err[256];
	int rc = -1;

	if (list_dir(mg->sql_dir, ".sql", &names, &n) != 0)
		goto out;
	mg->sql = calloc(n ? n : 1, sizeof(*mg->sql));
	if (mg->sql == NULL)
		goto out;
	for (k = 0; k < n; k++) {
		struct sql_file *f = &mg->sql[mg->nsql++];

		f->name = names[k];
		names[k] = NULL;
		f->path = join_path(mg->sql_dir, f->name);
		if (f->path == NULL)
			goto out;
		if (parse_sql_name(f->name, f->version) != 0) {
			fprintf(stderr, "%s: %s: name must be NNN_name.sql (digits, '_', "
			    "letters, digits, '_' or '-')\n", ME, f->path);
			goto out;
		}
		free(text);
		if ((text = file_read_all(f->path, SQL_FILE_MAX, &len, err, sizeof(err))) == NULL) {
			fprintf(stderr, "%s: %s\n", ME, err);
			goto out;
		}
		sha256_hex(text, len, f->checksum);
		if (sqlsplit_parse(text, len, &f->script, err, sizeof(err)) != 0) {
			/* err is "line N: what" (sqlsplit.h), or a plain message */
			if (strncmp(err, "line ", 5) == 0)
				fprintf(stderr, "%s: %s:%s\n", ME, f->path, err + 5);
			else
				fprintf(stderr, "%s: %s: %s\n", ME, f->path, err);
			goto out;
		}
		for (s = 0; s < f->script.n; s++) {
			const char *w = tx_control_word(f->script.stmts[s].text);

			if (w != NULL) {
				fprintf(stderr, "%s: %s:%d: transaction control (%s) is not allowed: "
				    "each migration file already runs in its own transaction\n", ME,
				    f->path, f->script.stmts[s].line, w);
				goto out;
			}
		}
	}
	qsort(mg->sql, mg->nsql, sizeof(*mg->sql), cmp_sql_files);
	for (k = 1; k < mg->nsql; k++) {
		if (cmp_versions(mg->sql[k - 1].version, mg->sql[k].version) == 0) {
			fprintf(stderr, "%s: %s and %s have the same version\n", ME,
			    mg->sql[k - 1].path, mg->sql[k].path);
			goto out;
		}
	}
	rc = 0;
out:
	free(text);
	for (k = 0; k < n; k++)
		free(names[k]);
	free(names);
	return rc;
}

static int load_specs(struct migrate *mg)
{
	char **names = NULL;
	size_t n = 0, k;
	char err[512];
	int rc = -1;

	if (list_dir(mg->mongo_dir, ".json", &names, &n) != 0)
		goto out;
	mg->specs = calloc(n ? n : 1, sizeof(*mg->specs));
	if (mg->specs == NULL)
		goto out;
	for (k = 0; k < n; k++) {
		struct spec_file *sf = &mg->specs[mg->nspecs++];

		if ((sf->path = join_path(mg->mongo_dir, names[k])) == NULL)
			goto out;
		if (mongo_spec_load(&sf->spec, sf->path, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s: %s\n", ME, err);
			goto out;
		}
	}
	rc = 0;
out:
	for (k = 0; k < n; k++)
		free(names[k]);
	free(names);
	return rc;
}

/* ---- PostgreSQL ------------------------------------------------------------------ */

static int is_true(const char *v)
{
	return v != NULL && strcmp(v, "t") == 0;
}

static int pg_fail(struct migrate *mg, const char *what)
{
	fprintf(stderr, "%s: PostgreSQL: %s: %s\n", ME, what, mg->pg.err);
	return -1;
}

static int pg_start(const struct config *cfg, struct migrate *mg)
{
	const char *lock[1] = { MIGRATE_LOCK_KEY };
	int rc = -1;

	if (pg_init_file(&mg->pg, cfg->pg_conninfo, cfg->pg_password_file) != 0) {
		fprintf(stderr, "%s: %s\n", ME, mg->pg.err);
		goto out;
	}
	mg->have_pg = 1;
	if (pg_connect(&mg->pg, PG_CONNECT_TIMEOUT_S) != 0) {
		pg_fail(mg, "cannot connect");
		goto out;
	}
	if (!mg->dry_run) {
		if (pg_exec(&mg->pg, "SELECT pg_try_advisory_lock($1::bigint)", 1, lock) != 0) {
			pg_fail(mg, "advisory lock");
			goto out;
		}
		if (!is_true(pg_value(&mg->pg, 0, 0))) {
			fprintf(stderr, "%s: another migration is running; waiting for it\n", ME);
			if (pg_exec(&mg->pg, "SELECT pg_advisory_lock($1::bigint)", 1, lock) != 0) {
				pg_fail(mg, "advisory lock");
				goto out;
			}
		}
		if (pg_exec(&mg->pg,
		    "CREATE TABLE IF NOT EXISTS public.schema_migrations ("
		    " version text PRIMARY KEY,"
		    " filename text NOT NULL,"
		    " checksum text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),"
		    " applied_at timestamptz NOT NULL DEFAULT now())", 0, NULL) != 0 ||
		    pg_exec(&mg->pg,
		    "CREATE TABLE IF NOT EXISTS public.mongo_index_migrations ("
		    " collection text NOT NULL,"
		    " index_name text NOT NULL,"
		    " spec_checksum text NOT NULL CHECK (spec_checksum ~ '^[0-9a-f]{64}$'),"
		    " ttl_native boolean,"
		    " applied_at timestamptz NOT NULL DEFAULT now(),"
		    " PRIMARY KEY (collection, index_name))", 0, NULL) != 0) {
			pg_fail(mg, "creating the bookkeeping tables");
			goto out;
		}
		mg->have_tables = 1;
		mg->lock_session = mg->pg.session;
	} else {
		if (pg_exec(&mg->pg, "SELECT to_regclass('public.schema_migrations') IS NOT NULL AND "
		    "to_regclass('public.mongo_index_migrations') IS NOT NULL", 0, NULL) != 0) {
			pg_fail(mg, "reading the catalog");
			goto out;
		}
		mg->have_tables = is_true(pg_value(&mg->pg, 0, 0));
	}
	rc = 0;
out:
	return rc;
}

static struct sql_file *find_version(struct migrate *mg, const char *version)
{
	size_t k;

	for (k = 0; k < mg->nsql; k++)
		if (cmp_versions(mg->sql[k].version, version) == 0)
			return &mg->sql[k];
	return NULL;
}

/* Mark applied files; an applied file whose content changed is an error. */
static int check_applied(struct migrate *mg)
{
	int bad = 0, k, n;

	if (!mg->have_tables)
		return 0;
	if (pg_exec(&mg->pg, "SELECT version, filename, checksum, "
	    "to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS TZ') FROM public.schema_migrations", 0, NULL) != 0)
		return pg_fail(mg, "reading schema_migrations");
	n = pg_ntuples(&mg->pg);
	for (k = 0; k < n; k++) {
		struct sql_file *f = find_version(mg, pg_value(&mg->pg, k, 0));

		if (f == NULL) {
			fprintf(stderr, "%s: warning: version %s (%s) is applied but has no file in %s\n",
			    ME, pg_value(&mg->pg, k, 0), pg_value(&mg->pg, k, 1), mg->sql_dir);
			continue;
		}
		f->applied = 1;
		if (strcmp(f->checksum, pg_value(&mg->pg, k, 2)) != 0) {
			fprintf(stderr, "%s: %s was changed after it was applied (%s); applied "
			    "migrations are never re-run: restore it and add a new migration\n",
			    ME, f->path, pg_value(&mg->pg, k, 3));
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* Line of the file where the server located the error: the statement's line plus the
 * newlines before the error position (a character, not byte, offset). */
static int error_line(const struct sql_stmt *st, int pos)
{
	const unsigned char *p = (const unsigned char *)st->text;
	int line = st->line, chars = 0;

	for (; *p != '\0' && chars < pos - 1; p++) {
		if ((*p & 0xC0) != 0x80)
			chars++;
		if (*p == '\n')
			line++;
	}
	return line;
}

/* A SET in one file (search_path, role, ...) must not leak into the next file
 * or into the bookkeeping: every file starts from the session's defaults. */
static int reset_session(struct migrate *mg)
{
	if (pg_exec(&mg->pg, "RESET ALL", 0, NULL) != 0 ||
	    pg_exec(&mg->pg, "SET SESSION AUTHORIZATION DEFAULT", 0, NULL) != 0)
		return pg_fail(mg, "resetting the session after a migration");
	return 0;
}

static int apply_sql_file(struct migrate *mg, struct sql_file *f)
{
	const char *rec[3] = { f->version, f->name, f->checksum };
	size_t s;

	if (pg_exec(&mg->pg, "BEGIN", 0, NULL) != 0)
		return pg_fail(mg, "BEGIN");
	for (s = 0; s < f->script.n; s++) {
		const struct sql_stmt *st = &f->script.stmts[s];

		if (pg_exec(&mg->pg, st->text, 0, NULL) != 0) {
			int pos = pg_error_position(&mg->pg);
			int at = pos > 0 ? error_line(st, pos) : st->line;

			fprintf(stderr, "%s: %s:%d: %s\n", ME, f->path, st->line, mg->pg.err);
			fprintf(stderr, "%s:   in statement: %.*s\n", ME,
			    (int)strcspn(st->text, "\r\n"), st->text);
			if (at != st->line)
				fprintf(stderr, "%s:   (error reported at line %d)\n", ME, at);
			goto fail;
		}
	}
	if (pg_exec(&mg->pg, "INSERT INTO public.schema_migrations (version, filename, checksum) "
	    "VALUES ($1, $2, $3)", 3, rec) != 0 || pg_exec(&mg->pg, "COMMIT", 0, NULL) != 0) {
		pg_fail(mg, "recording the migration");
		goto fail;
	}
	printf("applied %s (%zu statement%s)\n", f->path, f->script.n,
	    f->script.n == 1 ? "" : "s");
	fflush(stdout);
	return reset_session(mg);
fail:
	pg_exec(&mg->pg, "ROLLBACK", 0, NULL);
	reset_session(mg);
	fprintf(stderr, "%s: %s rolled back; the migrations before it stay applied\n", ME,
	    f->path);
	return -1;
}

static int apply_sql(struct migrate *mg)
{
	size_t k;

	for (k = 0; k < mg->nsql; k++) {
		struct sql_file *f = &mg->sql[k];

		if (f->applied) {
			mg->sql_current++;
			continue;
		}
		if (!mg->dry_run && mg->pg.session != mg->lock_session) {
			/* pg_exec reconnected: the new session does not hold the lock */
			fprintf(stderr, "%s: lost the database connection that held the migration "
			    "lock; nothing more applied: run revlens migrate again\n", ME);
			return -1;
		}
		if (mg->dry_run) {
			printf("would apply %s (%zu statement%s)\n", f->path, f->script.n,
			    f->script.n == 1 ? "" : "s");
			mg->sql_applied++;
			continue;
		}
		if (apply_sql_file(mg, f) != 0)
			return -1;
		mg->sql_applied++;
	}
	return 0;
}

/* ---- MongoDB --------------------------------------------------------------------- */

static int load_index_recs(struct migrate *mg)
{
	int k, n;

	if (!mg->have_tables)
		return 0;
	if (pg_exec(&mg->pg, "SELECT collection, index_name, spec_checksum, ttl_native "
	    "FROM public.mongo_index_migrations", 0, NULL) != 0)
		return pg_fail(mg, "reading mongo_index_migrations");
	n = pg_ntuples(&mg->pg);
	mg->recs = calloc(n ? (size_t)n : 1, sizeof(*mg->recs));
	if (mg->recs == NULL)
		return -1;
	for (k = 0; k < n; k++) {
		struct index_rec *r = &mg->recs[mg->nrecs++];
		const char *ttl = pg_value(&mg->pg, k, 3);

		r->collection = strdup(pg_value(&mg->pg, k, 0));
		r->name = strdup(pg_value(&mg->pg, k, 1));
		r->checksum = strdup(pg_value(&mg->pg, k, 2));
		r->ttl_native = ttl == NULL ? -1 : strcmp(ttl, "t") == 0;
		if (r->collection == NULL || r->name == NULL || r->checksum == NULL)
			return -1;
	}
	return 0;
}

static const struct index_rec *find_rec(const struct migrate *mg, const char *coll,
    const char *name)
{
	size_t k;

	for (k = 0; k < mg->nrecs; k++)
		if (strcmp(mg->recs[k].collection, coll) == 0 && strcmp(mg->recs[k].name, name) == 0)
			return &mg->recs[k];
	return NULL;
}

static int record_index(struct migrate *mg, const char *coll, const struct mongo_index *ix,
    const char *checksum, int ttl_native)
{
	const char *p[4] = { coll, ix->name, checksum,
		ttl_native < 0 ? NULL : ttl_native ? "true" : "false" };

	if (pg_exec(&mg->pg, "INSERT INTO public.mongo_index_migrations "
	    "(collection, index_name, spec_checksum, ttl_native) VALUES ($1, $2, $3, $4) "
	    "ON CONFLICT (collection, index_name) DO UPDATE SET spec_checksum = EXCLUDED.spec_checksum, "
	    "ttl_native = EXCLUDED.ttl_native, applied_at = now()", 4, p) != 0)
		return pg_fail(mg, "recording a Mongo index");
	return 0;
}

static void ttl_notice(const char *coll, const struct mongo_index *ix, const char *why)
{
	fprintf(stderr, "%s: notice: TTL index %s.%s not supported by the server (%s); expired "
	    "documents will be purged by revlens-aggregator\n", ME, coll, ix->name, why);
}

/* Create ix on coll (a TTL index first with expireAfterSeconds, then without if the
 * server refuses it). *ttl_native: -1 not a TTL index, 1 kept by the server, 0 not. */
static int create_index(struct migrate *mg, const char *coll, const struct mongo_index *ix,
    int *ttl_native)
{
	struct mongo_index_list after = { NULL, 0 };
	const struct mongo_index_info *got;
	bson_t *doc = NULL;
	int rc = -1;

	*ttl_native = -1;
	doc = mongo_index_doc(ix, 1);
	if (mongo_create_index(&mg->mongo, coll, doc) != 0) {
		if (ix->ttl_seconds < 0) {
			fprintf(stderr, "%s: MongoDB: %s.%s: %s\n", ME, coll, ix->name, mg->mongo.err);
			goto out;
		}
		ttl_notice(coll, ix, mg->mongo.err);
		*ttl_native = 0;
		bson_destroy(doc);
		doc = mongo_index_doc(ix, 0);
		if (mongo_create_index(&mg->mongo, coll, doc) != 0) {
			fprintf(stderr, "%s: MongoDB: %s.%s: %s\n", ME, coll, ix->name, mg->mongo.err);
			goto out;
		}
	} else if (ix->ttl_seconds >= 0) {
		if (mongo_list_indexes(&mg->mongo, coll, &after) != 0) {
			fprintf(stderr, "%s: MongoDB: %s: %s\n", ME, coll, mg->mongo.err);
			goto out;
		}
		got = mongo_index_list_find(&after, ix->name);
		*ttl_native = got != NULL && got->ttl_seconds == ix->ttl_seconds;
		if (!*ttl_native)
			ttl_notice(coll, ix, "listIndexes does not show expireAfterSeconds");
	}
	rc = 0;
out:
	mongo_index_list_free(&after);
	if (doc != NULL)
		bson_destroy(doc);
	return rc;
}

/* One index: compare the record, the server and the spec; create when needed. */
static int migrate_index(struct migrate *mg, const struct spec_file *sf,
    const struct mongo_index *ix, const struct mongo_index_list *server)
{
	const char *coll = sf->spec.collection;
	const struct index_rec *rec = find_rec(mg, coll, ix->name);
	const struct mongo_index_info *srv = mongo_index_list_find(server, ix->name);
	char checksum[HEX_SHA256];
	bson_t *doc = mongo_index_doc(ix, 1);
	char *json = NULL;
	size_t len = 0;
	int ttl_native = -1;
	int rc = -1;

	json = bson_as_canonical_extended_json(doc, &len);
	bson_destroy(doc);
	if (json == NULL)
		goto out;
	sha256_hex(json, len, checksum);
	if (rec != NULL && strcmp(rec->checksum, checksum) != 0) {
		fprintf(stderr, "%s: %s: index %s.%s was changed after it was applied; an index "
		    "is never rebuilt silently: give it a new name (and drop the old one by hand)\n",
		    ME, sf->path, coll, ix->name);
		goto out;
	}
	/* A server index that expires documents differently from the spec (or at
	 * all, when the spec has no TTL) would delete data early: a conflict. */
	if (srv != NULL && (!mongo_key_equal(srv->key, ix->key) || !srv->unique != !ix->unique ||
	    (srv->ttl_seconds >= 0 && srv->ttl_seconds != ix->ttl_seconds))) {
		fprintf(stderr, "%s: %s: index %s.%s exists on the server with a different "
		    "definition; drop it by hand or rename it in the spec\n", ME, sf->path, coll,
		    ix->name);
		goto out;
	}
	if (rec != NULL && srv != NULL) {
		mg->ix_current++;
		if (rec->ttl_native == 0)
			ttl_notice(coll, ix, "recorded earlier");
		rc = 0;
		goto out;
	}
	if (mg->dry_run) {
		printf("would create index %s.%s\n", coll, ix->name);
		mg->ix_created++;
		rc = 0;
		goto out;
	}
	if (srv != NULL) {
		/* present but unrecorded: adopt it, recording what the server keeps */
		if (ix->ttl_seconds >= 0) {
			ttl_native = srv->ttl_seconds == ix->ttl_seconds;
			if (!ttl_native)
				ttl_notice(coll, ix, "the existing index has no expireAfterSeconds");
		}
		printf("recorded existing index %s.%s\n", coll, ix->name);
	} else {
		if (create_index(mg, coll, ix, &ttl_native) != 0)
			goto out;
		printf("%s index %s.%s%s\n", rec != NULL ? "re-created" : "created", coll, ix->name,
		    rec != NULL ? " (it was missing on the server)" : "");
	}
	fflush(stdout);
	if (record_index(mg, coll, ix, checksum, ttl_native) != 0)
		goto out;
	mg->ix_created++;
	rc = 0;
out:
	bson_free(json);
	return rc;
}

static int apply_mongo(const struct config *cfg, struct migrate *mg)
{
	struct mongo_index_list server = { NULL, 0 };
	size_t k, j;
	int rc = -1;

	if (mg->nspecs == 0)
		return 0;
	if (load_index_recs(mg) != 0)
		goto out;
	mongo_global_init();
	mg->have_mongo = 1;   /* mongo_close() is safe on a failed mongo_open() */
	if (mongo_open(&mg->mongo, cfg->mongo_uri, cfg->mongo_database, 0) != 0) {
		fprintf(stderr, "%s: MongoDB: %s\n", ME, mg->mongo.err);
		goto out;
	}
	if (mongo_ping(&mg->mongo) != 0) {
		fprintf(stderr, "%s: MongoDB: %s\n", ME, mg->mongo.err);
		goto out;
	}
	for (k = 0; k < mg->nspecs; k++) {
		const struct spec_file *sf = &mg->specs[k];

		mongo_index_list_free(&server);
		if (mongo_list_indexes(&mg->mongo, sf->spec.collection, &server) != 0) {
			fprintf(stderr, "%s: MongoDB: %s: %s\n", ME, sf->spec.collection, mg->mongo.err);
			goto out;
		}
		for (j = 0; j < sf->spec.n; j++)
			if (migrate_index(mg, sf, &sf->spec.idx[j], &server) != 0)
				goto out;
	}
	rc = 0;
out:
	mongo_index_list_free(&server);
	return rc;
}

/* ---- entry point ----------------------------------------------------------------- */

static void migrate_free(struct migrate *mg)
{
	size_t k;

	for (k = 0; k < mg->nsql; k++) {
		free(mg->sql[k].name);
		free(mg->sql[k].path);
		sqlsplit_free(&mg->sql[k].script);
	}
	free(mg->sql);
	for (k = 0; k < mg->nspecs; k++) {
		free(mg->specs[k].path);
		mongo_spec_free(&mg->specs[k].spec);
	}
	free(mg->specs);
	for (k = 0; k < mg->nrecs; k++) {
		free(mg->recs[k].collection);
		free(mg->recs[k].name);
		free(mg->recs[k].checksum);
	}
	free(mg->recs);
	if (mg->have_pg)
		pg_close(&mg->pg);   /* also releases the advisory lock */
	if (mg->have_mongo) {
		mongo_close(&mg->mongo);
		mongo_global_cleanup();
	}
	free(mg->sql_dir);
	free(mg->mongo_dir);
}

int cmd_migrate(const struct config *cfg, int argc, char **argv)
{
	struct migrate mg;
	int status = EXIT_USAGE;

	memset(&mg, 0, sizeof(mg));
	if (sodium_init() < 0) {
		fprintf(stderr, "%s: libsodium failed to initialise\n", ME);
		status = EXIT_FAIL;
		goto out;
	}
	switch (parse_args(&mg, argc, argv)) {
	case 0:
		break;
	case 1:
		status = 0;
		goto out;
	default:
		goto out;
	}
	if (load_sql(&mg) != 0 || load_specs(&mg) != 0)
		goto out;
	status = EXIT_FAIL;
	if (pg_start(cfg, &mg) != 0 || check_applied(&mg) != 0 || apply_sql(&mg) != 0 ||
	    apply_mongo(cfg, &mg) != 0)
		goto out;
	status = 0;
	if (mg.sql_applied == 0 && mg.ix_created == 0)
		printf("%s: nothing pending (%zu SQL migration%s applied, %zu Mongo index%s "
		    "up to date)\n", ME, mg.sql_current, mg.sql_current == 1 ? "" : "s",
		    mg.ix_current, mg.ix_current == 1 ? "" : "es");
	else
		printf("%s: %s %zu SQL migration%s (%zu already applied) and %zu Mongo index%s "
		    "(%zu up to date)\n", ME, mg.dry_run ? "dry run, would apply" : "applied",
		    mg.sql_applied, mg.sql_applied == 1 ? "" : "s", mg.sql_current,
		    mg.ix_created, mg.ix_created == 1 ? "" : "es", mg.ix_current);
out:
	if (status == EXIT_FAIL && !mg.dry_run)
		fprintf(stderr, "%s: failed\n", ME);
	migrate_free(&mg);
	return status;
}
