/* pg.h — the one thin wrapper over libpq: parameterised SQL only.
 *
 * A pg_conn is one lazily (re)connected libpq connection. pg_exec() runs one
 * statement with text parameters through PQexecParams and keeps the PGresult in
 * the connection until the next call or pg_clear(), so callers never free results
 * themselves. A broken connection is dropped and reopened on the next call.
 */
#ifndef REVLENS_PG_H
#define REVLENS_PG_H

#include <stddef.h>
#include <libpq-fe.h>

/* pg_exec() (re)connects with this bound: an unreachable host must not hold
 * a web worker for the kernel's minutes of SYN retries. */
#define PG_DEFAULT_CONNECT_TIMEOUT_S 5

struct pg_conn {
	PGconn *conn;
	PGresult *res;      /* result of the last pg_exec, owned here */
	char *conninfo;     /* owned copy */
	char *password;     /* owned; NULL when none */
	char err[256];      /* last error, one line */
	unsigned long session;  /* bumped on every new connection: session state
	                         * (advisory locks, SETs) did not survive a change */
};

/* Slow-statement log (postgres.slow_query_ms), for every connection of the process:
 * a pg_exec() that takes at least ms milliseconds is logged as a warning with its
 * duration and statement text, never its parameter values (they may be passwords or
 * tokens). 0 (the initial value) turns it off; then pg_exec() reads no clock. */
void pg_slow_query_ms_set(int ms);

/* Prepare (without connecting). password may be NULL. */
int pg_init(struct pg_conn *pg, const char *conninfo, const char *password);
/* Connect if needed; connect_timeout_s <= 0 uses libpq's default. */
int pg_connect(struct pg_conn *pg, int connect_timeout_s);
/* Run sql with nparams text params (NULL = SQL NULL). Returns 0 when the result
 * is PGRES_COMMAND_OK or PGRES_TUPLES_OK, -1 otherwise (message in pg->err). */
int pg_exec(struct pg_conn *pg, const char *sql, int nparams, const char *const *params);
/* Rows / value of the last result (valid until the next pg_exec / pg_clear). */
int pg_ntuples(const struct pg_conn *pg);
const char *pg_value(const struct pg_conn *pg, int row, int col);   /* NULL if SQL NULL */
/* Value as an integer: 0 when SQL NULL or not an integer. */
long long pg_value_ll(const struct pg_conn *pg, int row, int col);
/* Rows the last INSERT/UPDATE/DELETE touched. */
long long pg_affected(const struct pg_conn *pg);
/* SQLSTATE of the last error, "" when none. */
const char *pg_sqlstate(const struct pg_conn *pg);
/* 1-based character offset into the statement where the last error was reported,
 * 0 when the server gave none (e.g. for errors at execution rather than parse time). */
int pg_error_position(const struct pg_conn *pg);
/* Connect if needed and run SELECT 1, waiting at most timeout_ms for the answer
 * (connecting itself takes at most max(2 s, timeout)). A connection that timed
 * out is closed. 0 when the server answered. */
int pg_ping(struct pg_conn *pg, int timeout_ms);
void pg_clear(struct pg_conn *pg);

/* Read the password kept in the file at path (postgres.password_file): its first line,
 * without the line end. On success *password is a heap string the caller frees (after
 * handing it to pg_init); on error returns -1 with a message in err that never contains
 * file contents. */
int pg_read_password(const char *path, char **password, char *err, size_t errlen);
/* pg_init() with the password read from password_file ("" or NULL: none), as the
 * configuration gives them (postgres.conninfo, postgres.password_file). The password
 * is wiped from memory but for the connection's own copy. 0, or -1 with pg->err. */
int pg_init_file(struct pg_conn *pg, const char *conninfo, const char *password_file);
void pg_close(struct pg_conn *pg);

#endif
