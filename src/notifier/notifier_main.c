/* notifier_main.c — revlens-notifier: sends the webhook deliveries of price alerts
 * (docs/aggregator.md "Webhooks"; one delivery is deliver.c's).
 *
 *   revlens-notifier -c CONF [--once]
 *
 * Runs until TERM or INT: takes every due delivery, then waits for the next one to
 * come due, looking again at least every POLL_MS (new deliveries are rows written by
 * the alert check, not messages to this process). Several notifiers may run side by
 * side (FOR UPDATE SKIP LOCKED shares the rows out). TERM or INT: the delivery in
 * hand finishes (at most webhook.timeout_ms) and the process exits 0. HUP reads the
 * configuration again (the old one stays when the new one is invalid). --once: every
 * delivery due now, then exit (0; 1 when PostgreSQL failed). Exit 2: usage or
 * configuration error.
 */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/config.h"
#include "lib/log.h"
#include "lib/pg.h"
#include "notifier/deliver.h"

#define ME "revlens-notifier"
#define POLL_MS        1000     /* longest wait before looking for new deliveries */
#define MIN_WAIT_MS    50       /* shortest wait between two looks */
#define ERROR_WAIT_MS  5000     /* wait after PostgreSQL failed */

static volatile sig_atomic_t got_term, got_hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static void set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;     /* no SA_RESTART: a sleep returns at once */
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: " ME " -c CONF [--once]\n"
	    "  -c CONF  configuration file (postgres.*, webhook.timeout_ms, webhook.allow_private)\n"
	    "  --once   send every delivery due now, then exit\n");
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (ms > 0 && !got_term)
		nanosleep(&ts, NULL);   /* EINTR on a signal: the loop looks at the flags */
}

static void reload(struct config *cfg, const char *path)
{
	struct config next;
	char err[CONFIG_ERR_MAX];

	if (config_load(&next, path, err, sizeof(err)) == -1) {
		log_error("HUP: keeping the running configuration: %s", err);
		return;
	}
	config_free(cfg);
	*cfg = next;
	if (log_open(cfg->log_file, cfg->log_level) == -1)
		fprintf(stderr, ME ": cannot open log %s: %s\n", cfg->log_file, strerror(errno));
	log_info("HUP: configuration reloaded (the PostgreSQL connection is kept)");
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct pg_conn pg;
	char err[CONFIG_ERR_MAX];
	const char *path = NULL;
	long sent = 0;
	int once = 0, rc = 0, r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			path = argv[++i];
		} else if (strcmp(argv[i], "--once") == 0) {
			once = 1;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, ME ": unknown argument \"%s\"\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (path == NULL) {
		fprintf(stderr, ME ": -c CONF is required\n");
		usage(stderr);
		return 2;
	}
	if (config_load(&cfg, path, err, sizeof(err)) == -1) {
		fprintf(stderr, ME ": %s\n", err);
		return 2;
	}
	if (log_open(cfg.log_file, cfg.log_level) == -1) {
		fprintf(stderr, ME ": cannot open log %s: %s\n", cfg.log_file, strerror(errno));
		config_free(&cfg);
		return 2;
	}
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("libsodium or libcurl did not initialise");
		log_close();
		config_free(&cfg);
		return 1;
	}
	pg_slow_query_ms_set(cfg.pg_slow_query_ms);
	if (pg_init_file(&pg, cfg.pg_conninfo, cfg.pg_password_file) == -1) {
		fprintf(stderr, ME ": %s\n", pg.err);
		rc = 2;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	set_handler(SIGTERM, on_signal);
	set_handler(SIGINT, on_signal);
	set_handler(SIGHUP, on_signal);
	if (!once)
		log_info(ME " started (timeout %d ms%s)", cfg.webhook_timeout_ms,
		    cfg.webhook_allow_private ? "; private addresses allowed" : "");
	while (!got_term) {
		long next;
		if (got_hup) {
			got_hup = 0;
			reload(&cfg, path);
		}
		if ((r = deliver_one(&pg, &cfg)) == 1) {
			sent++;
			continue;
		}
		if (once) {
			rc = r == -1 ? 1 : 0;
			break;
		}
		if (r == -1) {
			sleep_ms(ERROR_WAIT_MS);
			continue;
		}
		/* a delivery due now that another notifier holds: look again shortly, not at once */
		next = deliver_next_ms(&pg);
		sleep_ms(next < 0 || next > POLL_MS ? POLL_MS : next < MIN_WAIT_MS ? MIN_WAIT_MS : next);
	}
	if (!once || sent > 0)
		log_info(ME " %s: %ld deliveries attempted", once ? "done" : "stopped", sent);
	pg_close(&pg);
out:
	curl_global_cleanup();
	log_close();
	config_free(&cfg);
	return rc;
}
