/* main.c — `revlens`, the operator CLI: one table of subcommands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_analyze.h"
#include "cli/cmd_dump.h"
#include "cli/cmd_ingest.h"
#include "cli/cmd_jobs.h"
#include "cli/cmd_migrate.h"
#include "cli/cmd_progress.h"
#include "cli/cmd_stats.h"
#include "cli/cmd_token.h"
#include "cli/cmd_user.h"
#include "lib/config.h"
#include "lib/log.h"
#include "lib/mongo.h"
#include "lib/pg.h"

/* Exit codes: 0 ok, 1 the command failed, 2 usage or configuration error. */
#define EXIT_USAGE 2

struct command {
	const char *name;
	int needs_config;       /* loads -c CONF (or the default) before running */
	int (*run)(const struct config *cfg, int argc, char **argv);
	const char *summary;
};

static int cmd_check_config(const struct config *cfg, int argc, char **argv);
static int run_analyze(const struct config *cfg, int argc, char **argv);
static int cmd_print_config(const struct config *cfg, int argc, char **argv);

static const struct command commands[] = {
	{ "migrate", 1, cmd_migrate, "apply SQL migrations and MongoDB indexes" },
	{ "analyze", 0, run_analyze, "Korean review sentiment, keywords and aspects (stdin -> JSON lines)" },
	{ "user", 1, cmd_user, "add an account (password on stdin) or set its role" },
	{ "token", 1, cmd_token, "make, list and revoke collectors' ingest tokens" },
	{ "import", 1, cmd_import, "store reviews, prices and survey tags from JSON lines (FILE or -)" },
	{ "crawl", 1, cmd_crawl, "ask the crawlers to collect a product's reviews" },
	{ "reviews", 1, cmd_reviews, "print a product's stored reviews as JSON lines" },
	{ "keywords", 1, cmd_keywords, "print a product's keyword documents as JSON lines" },
	{ "rollups", 1, cmd_rollups, "print a product's daily (--month: monthly) rollups as JSON lines" },
	{ "jobs", 1, cmd_jobs, "list queued, running and dead-lettered analysis jobs; retry a dead one" },
	{ "progress-demo", 1, cmd_progress_demo, "walk an analysis request through its stages to done (a stand-in worker)" },
	{ "dump", 1, cmd_dump, "export every MongoDB collection to DIR (resumable, checksummed)" },
	{ "restore", 1, cmd_restore, "verify a dump DIR and load it back into MongoDB" },
	{ "stats", 1, cmd_stats, "sizes and growth of every store, when the disk fills; stats queries: the costliest SQL" },
	{ "check-config", 1, cmd_check_config, "validate the configuration file and exit" },
	{ "print-config", 1, cmd_print_config, "print every key with its effective value" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: revlens [-c CONF] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nCONF defaults to $REVLENS_CONF, then %s/revlens.conf\n", REVLENS_SYSCONFDIR);
}

/* analyze needs no configuration: it reads the model file only. */
static int run_analyze(const struct config *cfg, int argc, char **argv)
{
	(void)cfg;
	return cmd_analyze(argc, argv);
}

static int cmd_check_config(const struct config *cfg, int argc, char **argv)
{
	(void)cfg;
	if (argc > 1) {
		fprintf(stderr, "revlens check-config: takes no arguments\n");
		return EXIT_USAGE;
	}
	printf("configuration ok\n");
	(void)argv;
	return 0;
}

static int cmd_print_config(const struct config *cfg, int argc, char **argv)
{
	char buf[16384];

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "revlens print-config: takes no arguments\n");
		return EXIT_USAGE;
	}
	if (config_dump(cfg, buf, sizeof(buf)) == -1) {
		fprintf(stderr, "revlens print-config: configuration too large to print\n");
		return 1;
	}
	fputs(buf, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *conf = getenv("REVLENS_CONF");
	const struct command *cmd = NULL;
	struct config cfg;
	char err[CONFIG_ERR_MAX];
	char defconf[512];
	int i = 1, rc;

	if (i < argc && strcmp(argv[i], "-c") == 0) {
		if (i + 1 >= argc) {
			fprintf(stderr, "revlens: -c needs a file\n");
			return EXIT_USAGE;
		}
		conf = argv[i + 1];
		i += 2;
	}
	if (i >= argc || strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
		usage(i >= argc ? stderr : stdout);
		return i >= argc ? EXIT_USAGE : 0;
	}
	for (size_t k = 0; k < NCOMMANDS; k++)
		if (strcmp(argv[i], commands[k].name) == 0)
			cmd = &commands[k];
	if (cmd == NULL) {
		fprintf(stderr, "revlens: unknown command \"%s\" (try revlens --help)\n", argv[i]);
		return EXIT_USAGE;
	}
	if (!cmd->needs_config)
		return cmd->run(NULL, argc - i, argv + i);
	if (conf == NULL) {
		snprintf(defconf, sizeof(defconf), "%s/revlens.conf", REVLENS_SYSCONFDIR);
		conf = defconf;
	}
	if (config_load(&cfg, conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "revlens: %s\n", err);
		return EXIT_USAGE;
	}
	if (log_open("-", cfg.log_level) == -1) {
		config_free(&cfg);
		return 1;
	}
	pg_slow_query_ms_set(cfg.pg_slow_query_ms);
	mongo_slow_query_ms_set(cfg.mongo_slow_query_ms);
	rc = cmd->run(&cfg, argc - i, argv + i);
	config_free(&cfg);
	return rc;
}
