/* cmd_progress.c — `revlens progress-demo`: a stand-in worker for one request's progress. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cmd_progress.h"
#include "lib/pg.h"
#include "lib/progress.h"
#include "lib/rds.h"
#include "lib/strnum.h"

#define ME "revlens progress-demo"

static const struct step {
	const char *status, *stage;
	int percent;
	const char *message;
} steps[] = {
	{ "running", "collect", 10, "리뷰를 모으는 중입니다." },
	{ "running", "collect", 35, "리뷰를 모으는 중입니다." },
	{ "running", "analyze", 60, "리뷰의 감정과 키워드를 분석하는 중입니다." },
	{ "running", "analyze", 85, "리뷰의 감정과 키워드를 분석하는 중입니다." },
	{ "running", "save", 95, "결과를 저장하는 중입니다." },
	{ "done", NULL, 100, "분석이 끝났습니다." },
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1)
		;
}

int cmd_progress_demo(const struct config *cfg, int argc, char **argv)
{
	struct pg_conn pg;
	struct rds_conn rc;
	long long id = 0, step_ms = 700;
	char ids[24], pct[16], err[300];
	int i, rc_exit = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--step-ms") == 0 && i + 1 < argc) {
			if (strnum_parse(argv[++i], 10, 0, 60000, &step_ms) == -1) {
				fprintf(stderr, ME ": --step-ms takes 0 to 60000\n");
				return 2;
			}
		} else if (argv[i][0] != '-' && id == 0) {
			if (strnum_parse(argv[i], 10, 1, 9223372036854775807LL, &id) == -1) {
				fprintf(stderr, ME ": \"%s\" is not a request id\n", argv[i]);
				return 2;
			}
		} else {
			fprintf(stderr, "usage: revlens [-c CONF] progress-demo [--step-ms N] REQUEST_ID\n");
			return 2;
		}
	}
	if (id == 0) {
		fprintf(stderr, "usage: revlens [-c CONF] progress-demo [--step-ms N] REQUEST_ID\n");
		return 2;
	}
	memset(&rc, 0, sizeof(rc));
	if (pg_init_file(&pg, cfg->pg_conninfo, cfg->pg_password_file) != 0 ||
	    pg_connect(&pg, PG_DEFAULT_CONNECT_TIMEOUT_S) != 0) {
		fprintf(stderr, ME ": PostgreSQL: %s\n", pg.err);
		goto out;
	}
	if (rds_init(&rc, "queue", cfg->redis_queue, cfg->redis_timeout_ms) != 0) {
		fprintf(stderr, ME ": %s\n", rc.err);
		goto out;
	}
	snprintf(ids, sizeof(ids), "%lld", id);
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		const struct step *s = &steps[k];
		struct progress p = { id, s->status, s->stage, s->percent, s->message };
		const char *q[4] = { ids, s->status, s->stage, pct };

		if (k > 0)
			sleep_ms(step_ms);
		snprintf(pct, sizeof(pct), "%d", s->percent);
		if (pg_exec(&pg, "UPDATE analysis_requests SET status = $2, stage = $3, progress = $4 "
		    "WHERE id = $1 AND status IN ('queued', 'running') RETURNING id", 4, q) != 0) {
			fprintf(stderr, ME ": request %lld: %s\n", id, pg.err);
			goto out;
		}
		if (pg_ntuples(&pg) == 0) {
			fprintf(stderr, ME ": request %lld is not queued or running\n", id);
			goto out;
		}
		if (progress_store(&rc, &p, err, sizeof(err)) != 0 ||
		    progress_publish(cfg->nchan_publish_socket, &p, err, sizeof(err)) != 0) {
			fprintf(stderr, ME ": %s\n", err);
			goto out;
		}
		printf("request %lld: %s %s %d%%\n", id, s->status, s->stage ? s->stage : "-", s->percent);
		fflush(stdout);
	}
	rc_exit = 0;
out:
	rds_close(&rc);
	pg_close(&pg);
	return rc_exit;
}
