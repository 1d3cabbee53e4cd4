/* runner.c — options, configuration, signals and the crawl-request loop (see runner.h). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crawler/crawl_clock.h"
#include "crawler/runner.h"
#include "lib/log.h"

#define BLOCK_MS        2000    /* a blocking read waits this long, then the stop flag is looked at */
#define TROUBLE_MIN_MS  1000    /* first wait after Redis or revlens failed us */
#define TROUBLE_MAX_MS  30000

static const char MSG_EXPIRED[] = "기한이 지나 수집하지 않았습니다.";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *f, const struct crawler_ops *ops)
{
	fprintf(f, "usage: %s [-c CONF] [--once]%s\n"
	    "  -c CONF      configuration file (default $REVLENS_CONF, then %s/revlens.conf)\n"
	    "  --once       handle the crawl requests now on the stream, then exit\n%s",
	    ops->prog, ops->needs_file ? " --file FILE" : "", REVLENS_SYSCONFDIR,
	    ops->needs_file ? "  --file FILE  JSON lines to answer from (the `revlens import` format)\n" : "");
}

static int install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;   /* no SA_RESTART: sleeps and reads wake up */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 || sigaction(SIGINT, &sa, NULL) == -1)
		return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

/* One request: past its deadline it is failed here, else the program's crawl runs. */
static enum crawl_outcome handle(const struct crawler_ops *ops, struct crawl_run *run,
    const struct crawl_req *req)
{
	enum ingest_rc rc;

	log_info("crawl %s: Coupang product %lld (revlens product %lld, request %lld)", req->id,
	    req->coupang_product_id, req->product_id, req->request_id);
	if (!crawl_req_expired(req, (long long)time(NULL)))
		return ops->crawl(ops->ctx, run, req);
	log_info("crawl %s: past its deadline %lld: dropped", req->id, req->deadline);
	rc = ingest_status(run->ingest, req->coupang_product_id, "failed", MSG_EXPIRED,
	    req->request_id, 0, 0);
	return rc == INGEST_OK ? CRAWL_REPORTED : rc == INGEST_REFUSED ? CRAWL_FATAL : CRAWL_UNREPORTED;
}

static int loop(const struct crawler_ops *ops, struct crawl_run *run, int once)
{
	struct crawl_queue *q = run->queue;
	int trouble = 0, handled = 0, have_group = 0;

	while (!stop_flag) {
		struct crawl_req req;
		enum crawl_outcome out;
		int got = have_group ? 0 : queue_ensure_group(q);

		if (got == 0)
			got = queue_next(q, !once, &req);
		have_group = got != -1;
		if (got == -1) {
			if (once)
				return EXIT_TROUBLE;
			clock_sleep_ms(clock_backoff_ms(TROUBLE_MIN_MS, trouble++, TROUBLE_MAX_MS), &stop_flag);
			continue;
		}
		if (got == 0) {
			if (once)
				break;
			continue;
		}
		out = handle(ops, run, &req);
		if (out == CRAWL_FATAL)
			return EXIT_TROUBLE;
		if (out == CRAWL_REPORTED) {
			trouble = 0;
			handled++;
			queue_ack(q, req.id);
			continue;
		}
		/* left pending: a crawler claims it again once it has been idle long enough */
		log_warn("crawl %s: outcome not reported; the request stays pending", req.id);
		if (stop_flag)
			break;   /* stopped by TERM/INT: exit 0, --once or not */
		if (once)
			return EXIT_TROUBLE;
		clock_sleep_ms(clock_backoff_ms(TROUBLE_MIN_MS, trouble++, TROUBLE_MAX_MS), &stop_flag);
	}
	log_info("%s: %d crawl requests handled, %s", ops->prog, handled, stop_flag ? "stopped" : "none left");
	return 0;
}

int runner_main(int argc, char **argv, const struct crawler_ops *ops)
{
	const char *conf = getenv("REVLENS_CONF"), *file = NULL;
	struct config cfg;
	struct ingest in;
	struct crawl_queue q;
	struct crawl_run run;
	char err[CONFIG_ERR_MAX], defconf[512];
	int once = 0, rc = EXIT_USAGE, have_cfg = 0, have_ingest = 0, have_queue = 0, have_setup = 0;

	memset(&in, 0, sizeof(in));
	memset(&q, 0, sizeof(q));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			conf = argv[++i];
		} else if (strcmp(argv[i], "--once") == 0) {
			once = 1;
		} else if (ops->needs_file && strcmp(argv[i], "--file") == 0 && i + 1 < argc) {
			file = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout, ops);
			return 0;
		} else {
			fprintf(stderr, "%s: %s \"%s\"\n", ops->prog, argv[i][0] == '-' &&
			    (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--file") == 0) ?
			    "missing the value of" : "unknown argument", argv[i]);
			usage(stderr, ops);
			return EXIT_USAGE;
		}
	}
	if (ops->needs_file && file == NULL) {
		fprintf(stderr, "%s: --file FILE is required\n", ops->prog);
		usage(stderr, ops);
		return EXIT_USAGE;
	}
	if (conf == NULL) {
		snprintf(defconf, sizeof(defconf), "%s/revlens.conf", REVLENS_SYSCONFDIR);
		conf = defconf;
	}
	if (config_load(&cfg, conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", ops->prog, err);
		return EXIT_USAGE;
	}
	have_cfg = 1;
	if (log_open(cfg.log_file, cfg.log_level) == -1) {
		fprintf(stderr, "%s: cannot open log.file %s\n", ops->prog, cfg.log_file);
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "%s: libcurl failed to start\n", ops->prog);
		rc = EXIT_TROUBLE;
		goto out;
	}
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	if (ingest_init(&in, &cfg, ops->collector, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", ops->prog, err);
		goto out;
	}
	have_ingest = 1;
	if (queue_init(&q, &cfg, BLOCK_MS, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", ops->prog, err);
		goto out;
	}
	have_queue = 1;
	if (ops->setup(ops->ctx, &cfg, file, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", ops->prog, err);
		goto out;
	}
	have_setup = 1;
	if (install_signals() == -1) {
		rc = EXIT_TROUBLE;
		goto out;
	}
	log_info("%s: consumer %s of group %s on %s%s", ops->prog, q.consumer, CRAWL_GROUP, CRAWL_STREAM,
	    once ? " (--once)" : "");
	run.cfg = &cfg;
	run.ingest = &in;
	run.queue = &q;
	run.stop = &stop_flag;
	rc = loop(ops, &run, once);
out:
	if (have_setup && ops->teardown != NULL)
		ops->teardown(ops->ctx);
	if (have_queue)
		queue_close(&q);
	if (have_ingest)
		ingest_free(&in);
	curl_global_cleanup();
	if (have_cfg)
		config_free(&cfg);
	log_close();
	return rc;
}
