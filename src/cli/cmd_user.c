/* cmd_user.c — `revlens user`: create accounts and change roles from the command line.
 *
 *   revlens [-c CONF] user add [--admin] [--name NICKNAME] EMAIL   < password
 *   revlens [-c CONF] user set-role EMAIL admin|user
 *
 * `add` applies exactly the web sign-up's rules (lib/account.h: e-mail normalised,
 * nickname checked, password checked against the e-mail, Argon2id at the configured
 * cost, users + user_profiles in one statement). The password comes only from
 * standard input: the first line without its LF or CRLF, or, when standard input is a
 * terminal, typed twice at "Password: " / "Again: " prompts on stderr with echo off.
 * It is read with read(2) into fixed buffers (no stdio copy) and every copy we hold
 * (the buffers, the NFC form in the arena) is wiped with sodium_memzero before exit.
 *
 * The web keeps a session's role in its Redis record, so `set-role` also ends every
 * open session and API token of the user (their Redis keys first,
 * then the audit rows, reason "admin"): the new role applies from the next log-in, and
 * a demoted admin holds no admin session a moment longer.
 */
#include "cli/cmd_user.h"

#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "lib/account.h"
#include "lib/arena.h"
#include "lib/rds.h"
#include "lib/pg.h"

/* Exit codes as in src/cli/main.c. */
#define EXIT_FAIL 1
#define EXIT_USAGE 2

/* A password line: ACCOUNT_PW_MAX_BYTES, a CR, the NUL. One byte more is read to tell
 * an over-long password (refused by account_password_check) from one at the limit. */
#define PW_BUF (ACCOUNT_PW_MAX_BYTES + 3)

enum line { LINE_OK, LINE_EOF, LINE_LONG, LINE_NUL, LINE_ERR, LINE_SIGNAL };

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: revlens [-c CONF] user add [--admin] [--name NICKNAME] EMAIL   < password\n"
	    "       revlens [-c CONF] user set-role EMAIL admin|user\n"
	    "The password is the first line of standard input; on a terminal it is asked\n"
	    "for twice without echo. NICKNAME defaults to the part of EMAIL before '@'.\n");
}

/* Read one line from standard input into buf (PW_BUF bytes) without its LF or CRLF.
 * Over-long lines and lines with a NUL byte are read to their end and refused. */
static enum line read_line(char *buf)
{
	size_t n = 0;
	int over = 0, nul = 0;
	char c;

	for (;;) {
		ssize_t got;

		if (interrupted)
			return LINE_SIGNAL;
		got = read(STDIN_FILENO, &c, 1);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return LINE_ERR;
		}
		if (got == 0) {
			if (n == 0 && !over)
				return LINE_EOF;
			break;
		}
		if (c == '\n')
			break;
		if (c == '\0')
			nul = 1;
		if (n + 1 < PW_BUF)
			buf[n++] = c;
		else
			over = 1;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	sodium_memzero(&c, sizeof(c));
	return over ? LINE_LONG : nul ? LINE_NUL : LINE_OK;
}

/* Prompt on stderr and read a line from the terminal on standard input with echo off.
 * The terminal settings are restored on every path, also after INT, TERM, HUP or QUIT
 * (the read is then abandoned and LINE_SIGNAL returned). */
static enum line read_hidden(const char *prompt, char *buf)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa, saved[sizeof(sigs) / sizeof(sigs[0])];
	struct termios old, quiet;
	enum line rc;
	size_t i;

	if (tcgetattr(STDIN_FILENO, &old) == -1)
		return LINE_ERR;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;      /* no SA_RESTART: a signal ends the read */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, &saved[i]);
	fputs(prompt, stderr);
	fflush(stderr);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	/* TCSAFLUSH drops anything typed ahead: it was echoed before echo went off */
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == -1)
		rc = LINE_ERR;
	else
		rc = read_line(buf);
	tcsetattr(STDIN_FILENO, TCSANOW, &old);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &saved[i], NULL);
	fputc('\n', stderr);
	return rc;
}

/* Report a failed read of the password. Returns the exit status. */
static int line_error(enum line l)
{
	switch (l) {
	case LINE_EOF:
		fprintf(stderr, "revlens user add: no password on standard input "
		    "(give it as the first line, e.g. printf '%%s\\n' \"$PASSWORD\" | revlens user add EMAIL)\n");
		return EXIT_USAGE;
	case LINE_LONG:
		fprintf(stderr, "revlens user add: the password is longer than %d bytes\n",
		    ACCOUNT_PW_MAX_BYTES);
		return EXIT_USAGE;
	case LINE_NUL:
		fprintf(stderr, "revlens user add: the password contains a NUL byte\n");
		return EXIT_USAGE;
	case LINE_SIGNAL:
		fprintf(stderr, "revlens user add: interrupted, no account created\n");
		return EXIT_FAIL;
	default:
		fprintf(stderr, "revlens user add: cannot read the password: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
}

/* The part of email before '@', cut to ACCOUNT_NAME_MAX characters (email is valid
 * UTF-8, so counting lead bytes counts characters). An arena copy, NULL on no memory. */
static char *default_name(struct arena *a, const char *email)
{
	size_t n = 0, chars = 0;

	for (; email[n] != '\0' && email[n] != '@'; n++) {
		if (((unsigned char)email[n] & 0xC0) != 0x80 && ++chars > ACCOUNT_NAME_MAX)
			break;
	}
	return arena_strndup(a, email, n);
}

/* Connect pg as the configuration says. 0, or -1 with the reason on stderr; either
 * way pg_close(pg) is safe and needed. */
static int connect_db(const struct config *cfg, struct pg_conn *pg, const char *me)
{
	if (pg_init_file(pg, cfg->pg_conninfo, cfg->pg_password_file) != 0) {
		fprintf(stderr, "%s: %s\n", me, pg->err);
		return -1;
	}
	if (pg_connect(pg, PG_DEFAULT_CONNECT_TIMEOUT_S) != 0) {
		fprintf(stderr, "%s: PostgreSQL: cannot connect: %s\n", me, pg->err);
		return -1;
	}
	return 0;
}

static int user_add(const struct config *cfg, int argc, char **argv)
{
	static const char me[] = "revlens user add";
	struct arena a;
	struct pg_conn pg;
	char pw[PW_BUF], again[PW_BUF], hash[ACCOUNT_HASH_MAX];
	char *email = NULL, *name = NULL, *nfc = NULL;
	const char *arg_email = NULL, *arg_name = NULL, *role = "user", *msg = NULL;
	long long uid = 0;
	int i, have_pg = 0, options = 1, tty, rc = EXIT_USAGE;
	enum line l;

	pw[0] = again[0] = '\0';
	arena_init(&a, 1024, 0);
	for (i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (options && strcmp(s, "--") == 0) {
			options = 0;
		} else if (options && strcmp(s, "--admin") == 0) {
			role = "admin";
		} else if (options && strcmp(s, "--name") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "%s: --name needs a NICKNAME\n", me);
				goto out;
			}
			arg_name = argv[++i];
		} else if (options && (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0)) {
			usage(stdout);
			rc = 0;
			goto out;
		} else if (options && s[0] == '-' && s[1] != '\0') {
			fprintf(stderr, "%s: unknown option \"%s\"%s\n", me, s,
			    strncmp(s, "--pass", 6) == 0 || strcmp(s, "-p") == 0 ?
			    " (the password is read from standard input, never from an argument)" : "");
			usage(stderr);
			goto out;
		} else if (arg_email == NULL) {
			arg_email = s;
		} else {
			fprintf(stderr, "%s: unexpected argument \"%s\": give one EMAIL\n", me, s);
			usage(stderr);
			goto out;
		}
	}
	if (arg_email == NULL) {
		fprintf(stderr, "%s: missing EMAIL\n", me);
		usage(stderr);
		goto out;
	}
	if (account_email_norm(&a, arg_email, &email, &msg) == -1) {
		fprintf(stderr, "%s: \"%s\" is not a valid e-mail address (%s)\n", me, arg_email, msg);
		goto out;
	}
	if (arg_name == NULL && (arg_name = default_name(&a, email)) == NULL) {
		fprintf(stderr, "%s: out of memory\n", me);
		rc = EXIT_FAIL;
		goto out;
	}
	if (account_name_check(&a, arg_name, &name, &msg) == -1) {
		fprintf(stderr, "%s: the nickname must be 1 to %d characters without control "
		    "characters (%s)\n", me, ACCOUNT_NAME_MAX, msg);
		goto out;
	}
	/* connect before asking: do not take a secret that cannot be used */
	have_pg = 1;
	if (connect_db(cfg, &pg, me) == -1) {
		rc = EXIT_FAIL;
		goto out;
	}
	tty = isatty(STDIN_FILENO);
	if (tty) {
		if ((l = read_hidden("Password: ", pw)) != LINE_OK) {
			rc = line_error(l);
			goto out;
		}
	} else if ((l = read_line(pw)) != LINE_OK) {
		rc = line_error(l);
		goto out;
	}
	if (pw[0] == '\0') {
		fprintf(stderr, "%s: the password is empty\n", me);
		goto out;
	}
	if (account_password_check(&a, pw, email, &nfc, &msg) == -1) {
		fprintf(stderr, "%s: password refused: it needs at least %d characters, at most %d "
		    "bytes of UTF-8, and must differ from the e-mail address (%s)\n",
		    me, ACCOUNT_PW_MIN_CHARS, ACCOUNT_PW_MAX_BYTES, msg);
		goto out;
	}
	if (tty) {
		if ((l = read_hidden("Again: ", again)) != LINE_OK) {
			rc = line_error(l);
			goto out;
		}
		if (strcmp(pw, again) != 0) {
			fprintf(stderr, "%s: the two passwords differ, no account created\n", me);
			goto out;
		}
	}

	if (account_hash(nfc, (unsigned long long)cfg->auth_pwhash_opslimit,
	    (size_t)cfg->auth_pwhash_memlimit, hash) == -1) {
		fprintf(stderr, "%s: cannot hash the password (out of memory for auth.pwhash_memlimit)\n", me);
		rc = EXIT_FAIL;
		goto out;
	}
	switch (account_create(&pg, email, hash, name, role, &uid)) {
	case 0:
		printf("created user %lld (%s, %s)\n", uid, email, role);
		rc = fflush(stdout) == 0 ? 0 : EXIT_FAIL;
		break;
	case 1:
		fprintf(stderr, "%s: %s is already registered\n", me, email);
		rc = EXIT_FAIL;
		break;
	default:
		fprintf(stderr, "%s: PostgreSQL: %s\n", me, pg.err);
		rc = EXIT_FAIL;
		break;
	}
out:
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(again, sizeof(again));
	if (nfc != NULL)
		sodium_memzero(nfc, strlen(nfc));
	if (have_pg)
		pg_close(&pg);
	arena_free(&a);
	return rc;
}

/* End every open session of user uid: Redis keys first (so none keeps working), then
 * the audit rows. Returns how many, or -1 with a message. */
static int end_sessions(const struct config *cfg, struct pg_conn *pg, const char *uid,
    const char *me)
{
	struct rds_conn rc;
	const char *p[1] = { uid };
	int n, ok = 0;

	if (pg_exec(pg, "SELECT 's:' || encode(token_hash, 'hex') FROM user_sessions "
	    "WHERE user_id = $1 AND ended_at IS NULL", 1, p) == -1) {
		fprintf(stderr, "%s: PostgreSQL: %s\n", me, pg->err);
		return -1;
	}
	if ((n = pg_ntuples(pg)) == 0)
		return 0;
	if (rds_init(&rc, "sessions", cfg->redis_sessions, cfg->redis_timeout_ms) == -1) {
		fprintf(stderr, "%s: %s\n", me, rc.err);
		rds_close(&rc);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		redisReply *rep = rds_command(&rc, "DEL %s", pg_value(pg, i, 0));
		ok = rep != NULL && rep->type == REDIS_REPLY_INTEGER;
		if (rep != NULL)
			freeReplyObject(rep);
		if (!ok)
			break;
	}
	if (!ok) {
		fprintf(stderr, "%s: the role changed, but the user's open sessions could not be ended "
		    "(Redis: %s); run set-role again\n", me, rc.err[0] ? rc.err : "unexpected reply");
		rds_close(&rc);
		return -1;
	}
	rds_close(&rc);
	if (pg_exec(pg, "UPDATE user_sessions SET ended_at = now(), ended_reason = 'admin' "
	    "WHERE user_id = $1 AND ended_at IS NULL", 1, p) == -1)
		fprintf(stderr, "%s: sessions ended, but not recorded: %s\n", me, pg->err);
	return n;
}

static int user_set_role(const struct config *cfg, int argc, char **argv)
{
	static const char me[] = "revlens user set-role";
	struct pg_conn pg;
	const char *p[2];
	int rc = EXIT_USAGE;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc != 3 || argv[1][0] == '-' || argv[1][0] == '\0') {
		fprintf(stderr, "%s: give EMAIL and the role, admin or user\n", me);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[2], "admin") != 0 && strcmp(argv[2], "user") != 0) {
		fprintf(stderr, "%s: the role must be admin or user, not \"%s\"\n", me, argv[2]);
		return EXIT_USAGE;
	}
	p[0] = argv[1];
	p[1] = argv[2];
	if (connect_db(cfg, &pg, me) == -1) {
		pg_close(&pg);
		return EXIT_FAIL;
	}
	/* the old role comes from the pre-update row of the self-join */
	if (pg_exec(&pg,
	    "UPDATE users u SET role = $2 FROM users old "
	    "WHERE old.id = u.id AND lower(u.email) = lower($1) "
	    "RETURNING u.id, u.email, old.role", 2, p) == -1) {
		fprintf(stderr, "%s: PostgreSQL: %s\n", me, pg.err);
		rc = EXIT_FAIL;
	} else if (pg_ntuples(&pg) == 0) {
		fprintf(stderr, "%s: no such user: %s\n", me, argv[1]);
		rc = EXIT_FAIL;
	} else {
		char uid[24], email[256], old[16];
		int ended = 0;
		snprintf(uid, sizeof(uid), "%s", pg_value(&pg, 0, 0));
		snprintf(email, sizeof(email), "%s", pg_value(&pg, 0, 1));
		snprintf(old, sizeof(old), "%s", pg_value(&pg, 0, 2));
		rc = 0;
		/* sessions end even when the role was set already: a run that set the role
		 * but could not end them is repaired by running it again */
		if ((ended = end_sessions(cfg, &pg, uid, me)) < 0)
			rc = EXIT_FAIL;
		else if (strcmp(old, argv[2]) == 0)
			printf("user %s (%s) is already %s; %d open session%s ended\n", uid, email,
			    argv[2], ended, ended == 1 ? "" : "s");
		else
			printf("user %s (%s) is now %s (was %s); %d open session%s ended\n", uid, email,
			    argv[2], old, ended, ended == 1 ? "" : "s");
		if (fflush(stdout) != 0)
			rc = EXIT_FAIL;
	}
	pg_close(&pg);
	return rc;
}

int cmd_user(const struct config *cfg, int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "revlens user: cannot initialise libsodium\n");
		return EXIT_FAIL;
	}
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return user_add(cfg, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "set-role") == 0)
		return user_set_role(cfg, argc - 1, argv + 1);
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc < 2)
		fprintf(stderr, "revlens user: missing subcommand (add or set-role)\n");
	else
		fprintf(stderr, "revlens user: unknown subcommand \"%s\" (add or set-role)\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
