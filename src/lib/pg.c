/* pg.c — the one thin wrapper over libpq: lazy connection, PQexecParams only.
 *
 * Invariants:
 *  - pg->res is the only PGresult alive for a connection; it is freed in exactly one
 *    place (pg_clear), which every pg_exec calls first.
 *  - pg->conn is either NULL or a connection that was CONNECTION_OK when last used; a
 *    connection found broken is finished and reopened on the next call. A transaction
 *    open on a connection that broke is lost with it: callers see the error of the
 *    statement that failed and must not assume the following one ran in that transaction.
 *  - The password travels only as a libpq keyword value; it is never put in pg->err,
 *    and libpq's messages do not echo it.
 *  - The slow-statement log writes the SQL text alone: values travel only as
 *    PQexecParams parameters, so a logged statement holds $1..$n, never a value.
 *  - Server notices (e.g. "relation already exists, skipping") are dropped rather than
 *    written to stderr by libpq's default processor: the CLI and the workers log what
 *    matters themselves.
 */
#include "lib/log.h"
#include "lib/pg.h"
#include "lib/strnum.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

/* Copy the first line of msg into err (messages from libpq end in '\n'). */
static void set_err(struct pg_conn *pg, const char *prefix, const char *msg)
{
	size_t n;

	if (msg == NULL || *msg == '\0')
		msg = "unknown error";
	n = strcspn(msg, "\r\n");
	snprintf(pg->err, sizeof(pg->err), "%s%.*s", prefix ? prefix : "", (int)n, msg);
}

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static void drop_conn(struct pg_conn *pg)
{
	if (pg->conn != NULL) {
		PQfinish(pg->conn);
		pg->conn = NULL;
	}
}

int pg_init(struct pg_conn *pg, const char *conninfo, const char *password)
{
	int rc = -1;

	memset(pg, 0, sizeof(*pg));
	pg->conninfo = strdup(conninfo ? conninfo : "");
	if (pg->conninfo == NULL)
		goto out;
	if (password != NULL) {
		pg->password = strdup(password);
		if (pg->password == NULL)
			goto out;
	}
	rc = 0;
out:
	if (rc != 0) {
		free(pg->conninfo);
		pg->conninfo = NULL;
		snprintf(pg->err, sizeof(pg->err), "out of memory");
	}
	return rc;
}

/* An idle connection has nothing to read: if it is readable, the server closed it (a
 * restart, an idle timeout: its last words are a FATAL message, and libpq notices the
 * end only when it sends) or sent something unasked. Either way it is replaced, so a
 * statement is never sent into a dead connection (the first request after a
 * PostgreSQL restart failed on every process). revlens uses no LISTEN and no SET that
 * would make the server speak first. */
static int idle_ok(const struct pg_conn *pg)
{
	struct pollfd p = { .fd = PQsocket(pg->conn), .events = POLLIN };

	return p.fd >= 0 && poll(&p, 1, 0) == 0;
}

int pg_connect(struct pg_conn *pg, int connect_timeout_s)
{
	/* dbname comes first so that expand_dbname parses the whole conninfo there and
	 * the keywords after it (password, timeout) override what it set. */
	const char *keys[5];
	const char *vals[5];
	char timeout[16];
	int n = 0;

	if (pg->conn != NULL) {
		if (PQstatus(pg->conn) == CONNECTION_OK && idle_ok(pg))
			return 0;
		drop_conn(pg);
	}
	keys[n] = "dbname";
	vals[n++] = pg->conninfo ? pg->conninfo : "";
	keys[n] = "fallback_application_name";
	vals[n++] = "revlens";
	if (pg->password != NULL && *pg->password != '\0') {
		keys[n] = "password";
		vals[n++] = pg->password;
	}
	if (connect_timeout_s > 0) {
		snprintf(timeout, sizeof(timeout), "%d", connect_timeout_s);
		keys[n] = "connect_timeout";
		vals[n++] = timeout;
	}
	keys[n] = NULL;
	vals[n] = NULL;

	pg->conn = PQconnectdbParams(keys, vals, 1);
	if (pg->conn == NULL) {
		snprintf(pg->err, sizeof(pg->err), "connect: out of memory");
		return -1;
	}
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		set_err(pg, "connect: ", PQerrorMessage(pg->conn));
		drop_conn(pg);
		return -1;
	}
	PQsetNoticeProcessor(pg->conn, quiet_notices, NULL);
	pg->session++;
	pg->err[0] = '\0';
	return 0;
}

static int slow_ms;     /* postgres.slow_query_ms; 0 = off */
#define SLOW_SQL_MAX 600  /* bytes of statement text in one log record */

void pg_slow_query_ms_set(int ms)
{
	slow_ms = ms > 0 ? ms : 0;
}

/* The statement's text on one line: runs of white space become one space, control
 * bytes '?', cut at SLOW_SQL_MAX with "...". */
static void one_line(char *out, size_t outlen, const char *sql)
{
	char flat[SLOW_SQL_MAX + 8];
	size_t n = 0;
	int space = 0;

	for (const char *p = sql; *p != '\0' && n < sizeof(flat) - 1; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			space = n > 0;
			continue;
		}
		if (space && n < sizeof(flat) - 2)
			flat[n++] = ' ';
		space = 0;
		flat[n++] = *p;
	}
	flat[n] = '\0';
	log_safe(out, outlen, flat, n);
}

/* Log the statement when it took slow_ms or longer (t0: its start). */
static void slow_check(const struct pg_conn *pg, const struct timespec *t0, const char *sql, int nparams)
{
	struct timespec t;
	long long ms;
	char text[SLOW_SQL_MAX + 1];

	clock_gettime(CLOCK_MONOTONIC, &t);
	ms = (long long)(t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
	if (ms < slow_ms)
		return;
	one_line(text, sizeof(text), sql);
	log_warn("PostgreSQL: slow statement: %lld ms (postgres.slow_query_ms = %d), %s, "
	    "%d parameters (values not logged): %s", ms, slow_ms,
	    pg->res == NULL ? "no result" : PQresStatus(PQresultStatus(pg->res)), nparams, text);
}

int pg_exec(struct pg_conn *pg, const char *sql, int nparams, const char *const *params)
{
	ExecStatusType st;
	const char *primary;
	struct timespec t0 = { 0, 0 };

	pg_clear(pg);
	pg->err[0] = '\0';
	if (pg_connect(pg, PG_DEFAULT_CONNECT_TIMEOUT_S) != 0)
		return -1;
	if (slow_ms > 0)
		clock_gettime(CLOCK_MONOTONIC, &t0);
	pg->res = PQexecParams(pg->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (slow_ms > 0)
		slow_check(pg, &t0, sql, nparams);
	if (pg->res == NULL) {
		set_err(pg, NULL, PQerrorMessage(pg->conn));
		goto fail;
	}
	st = PQresultStatus(pg->res);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return 0;
	primary = PQresultErrorField(pg->res, PG_DIAG_MESSAGE_PRIMARY);
	if (primary != NULL)
		set_err(pg, NULL, primary);
	else
		set_err(pg, NULL, PQresultErrorMessage(pg->res));
fail:
	if (PQstatus(pg->conn) != CONNECTION_OK)
		drop_conn(pg);
	return -1;
}

int pg_ping(struct pg_conn *pg, int timeout_ms)
{
	struct timespec t0, t;
	PGresult *res;
	int ok = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* libpq's connect_timeout has a floor of 2 s */
	if (pg_connect(pg, timeout_ms < 2000 ? 2 : (timeout_ms + 999) / 1000) == -1)
		return -1;
	pg_clear(pg);
	if (!PQsendQueryParams(pg->conn, "SELECT 1", 0, NULL, NULL, NULL, NULL, 0)) {
		set_err(pg, "ping: ", PQerrorMessage(pg->conn));
		drop_conn(pg);
		return -1;
	}
	for (;;) {
		struct pollfd p = { .fd = PQsocket(pg->conn), .events = POLLIN };
		long left;

		if (PQflush(pg->conn) == -1 || !PQconsumeInput(pg->conn)) {
			set_err(pg, "ping: ", PQerrorMessage(pg->conn));
			drop_conn(pg);
			return -1;
		}
		if (!PQisBusy(pg->conn))
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = timeout_ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			snprintf(pg->err, sizeof(pg->err), "ping: no answer within %d ms", timeout_ms);
			drop_conn(pg);      /* the query may still be in flight: never reuse it */
			return -1;
		}
	}
	while ((res = PQgetResult(pg->conn)) != NULL) {
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			ok = 1;
		else
			set_err(pg, "ping: ", PQresultErrorMessage(res));
		PQclear(res);
	}
	if (!ok)
		return -1;
	pg->err[0] = '\0';
	return 0;
}

int pg_ntuples(const struct pg_conn *pg)
{
	return pg->res ? PQntuples(pg->res) : 0;
}

const char *pg_value(const struct pg_conn *pg, int row, int col)
{
	if (pg->res == NULL || row < 0 || col < 0 || row >= PQntuples(pg->res) ||
	    col >= PQnfields(pg->res) || PQgetisnull(pg->res, row, col))
		return NULL;
	return PQgetvalue(pg->res, row, col);
}

const char *pg_sqlstate(const struct pg_conn *pg)
{
	const char *s = NULL;

	if (pg->res != NULL)
		s = PQresultErrorField(pg->res, PG_DIAG_SQLSTATE);
	return s ? s : "";
}

int pg_error_position(const struct pg_conn *pg)
{
	const char *s = NULL;
	long v;
	char *end;

	if (pg->res != NULL)
		s = PQresultErrorField(pg->res, PG_DIAG_STATEMENT_POSITION);
	if (s == NULL)
		return 0;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > 0x7fffffffL)
		return 0;
	return (int)v;
}

void pg_clear(struct pg_conn *pg)
{
	if (pg->res != NULL) {
		PQclear(pg->res);
		pg->res = NULL;
	}
}

void pg_close(struct pg_conn *pg)
{
	pg_clear(pg);
	drop_conn(pg);
	free(pg->conninfo);
	pg->conninfo = NULL;
	if (pg->password != NULL) {
		/* not a secure wipe, but keeps the secret out of freed heap dumps */
		memset(pg->password, 0, strlen(pg->password));
		free(pg->password);
		pg->password = NULL;
	}
}

#define PASSWORD_MAX 1024   /* bytes; anything longer is not a password file */

int pg_read_password(const char *path, char **password, char *err, size_t errlen)
{
	FILE *f = NULL;
	char *buf = NULL;
	int rc = -1;

	*password = NULL;
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	buf = calloc(1, PASSWORD_MAX + 2);
	if (buf == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (fread(buf, 1, PASSWORD_MAX + 1, f) == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strlen(buf) > PASSWORD_MAX) {
		snprintf(err, errlen, "%s: first line longer than %d bytes", path, PASSWORD_MAX);
		goto out;
	}
	if (buf[0] == '\0') {
		snprintf(err, errlen, "%s: empty password", path);
		goto out;
	}
	*password = buf;
	buf = NULL;
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	if (buf != NULL) {
		memset(buf, 0, PASSWORD_MAX + 2);
		free(buf);
	}
	return rc;
}

int pg_init_file(struct pg_conn *pg, const char *conninfo, const char *password_file)
{
	char *password = NULL, err[200];
	int rc;

	if (password_file != NULL && password_file[0] != '\0' &&
	    pg_read_password(password_file, &password, err, sizeof(err)) == -1) {
		memset(pg, 0, sizeof(*pg));
		snprintf(pg->err, sizeof(pg->err), "postgres.password_file %s", err);
		return -1;
	}
	rc = pg_init(pg, conninfo, password);
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	return rc;
}

long long pg_value_ll(const struct pg_conn *pg, int row, int col)
{
	const char *v = pg_value(pg, row, col);
	long long n;

	if (v == NULL || strnum_parse(v, 10, -9223372036854775807LL - 1, 9223372036854775807LL, &n) == -1)
		return 0;
	return n;
}

long long pg_affected(const struct pg_conn *pg)
{
	long long n;

	if (pg->res == NULL || strnum_parse(PQcmdTuples(pg->res), 10, 0, 9223372036854775807LL, &n) == -1)
		return 0;
	return n;
}
