/* runner.h — what revlens-crawler and revlens-replay-crawler share: options,
 * configuration, the ingest token, signals and the loop over crawl requests.
 *
 *   PROG [-c CONF] [--once] [--file FILE]
 *
 * CONF as for every revlens binary: -c, else $REVLENS_CONF, else SYSCONFDIR/revlens.conf.
 * Without --once the loop runs until TERM or INT: the crawl in progress stops after
 * its current page (what it collected is posted; its entry is left pending and is
 * claimed again later), then the program exits 0. With --once it handles what is on
 * the stream and exits 0 when it is empty.
 * Exit status: 0 done, 1 a store or revlens could not be reached or refused the
 * token, 2 usage or configuration error.
 */
#ifndef REVLENS_RUNNER_H
#define REVLENS_RUNNER_H

#include <signal.h>
#include <stddef.h>

#include "crawler/crawl_req.h"
#include "crawler/ingest.h"
#include "crawler/queue.h"
#include "lib/config.h"

#define EXIT_TROUBLE 1
#define EXIT_USAGE   2

enum crawl_outcome {
	CRAWL_REPORTED,         /* done, blocked or failed was posted: acknowledge the entry */
	CRAWL_UNREPORTED,       /* the outcome could not be posted (or we are stopping): leave it pending */
	CRAWL_FATAL             /* revlens refused the token: stop the program */
};

/* What one crawl gets from the runner. */
struct crawl_run {
	const struct config *cfg;
	struct ingest *ingest;
	struct crawl_queue *queue;
	const volatile sig_atomic_t *stop;   /* set by TERM/INT */
};

struct crawler_ops {
	const char *prog;       /* "revlens-crawler" */
	const char *collector;  /* the ingest collector name: "crawler" */
	int needs_file;         /* --file FILE is required */
	/* after the configuration is loaded; 0, or -1 with a message in err */
	int (*setup)(void *ctx, const struct config *cfg, const char *file, char *err, size_t errlen);
	/* one request that is not past its deadline */
	enum crawl_outcome (*crawl)(void *ctx, struct crawl_run *run, const struct crawl_req *req);
	void (*teardown)(void *ctx);
	void *ctx;
};

/* Parse options, load the configuration, run the loop. Returns the exit status. */
int runner_main(int argc, char **argv, const struct crawler_ops *ops);

#endif
