/* replay_main.c — revlens-replay-crawler: answers crawl requests from a local JSON-lines
 * file (the `revlens import` format) instead of Coupang, for development, demos and
 * tests.
 *
 * The file is indexed once at start (replay_index.h). For a request for Coupang product
 * X the lines of X are read back kind by kind and posted (reviews, prices, survey tags;
 * batches of at most 1,000, read as they are sent), then `done` is reported with the counts; a product
 * the file does not hold is `done` with 0 reviews and a message saying so. The file is
 * not watched: restart the program to replay a changed file.
 */
#include <stdio.h>
#include <string.h>

#include "crawler/replay_index.h"
#include "crawler/runner.h"
#include "lib/log.h"

static const enum ingest_kind kind_endpoint[REPLAY_NKINDS] = {
	[REPLAY_REVIEW] = INGEST_REVIEWS, [REPLAY_PRICE] = INGEST_PRICES, [REPLAY_TAG] = INGEST_TAGS,
};

struct replay {
	struct replay_index ix;
	const char *path;
};

static enum crawl_outcome outcome(enum ingest_rc rc)
{
	return rc == INGEST_OK ? CRAWL_REPORTED : rc == INGEST_REFUSED ? CRAWL_FATAL : CRAWL_UNREPORTED;
}

/* Post the product's lines of one kind, INGEST_BATCH_MAX at a time (a product with
 * many lines never sits in memory whole). */
static enum ingest_rc post_kind(struct replay *rp, struct crawl_run *run, const struct crawl_req *req,
    size_t first, size_t n, enum replay_kind kind, struct ingest_tally *t)
{
	json_object *items = json_object_new_array();
	enum ingest_rc rc = INGEST_OK;
	char err[200];

	for (size_t i = first; i < first + n && rc == INGEST_OK; i++) {
		json_object *o;

		if (rp->ix.lines[i].kind != kind)
			continue;
		if ((o = replay_index_item(&rp->ix, i, err, sizeof(err))) == NULL) {
			log_warn("replay %s: %s: %s: left out", req->id, rp->path, err);
			continue;
		}
		json_object_array_add(items, o);
		if (json_object_array_length(items) == INGEST_BATCH_MAX) {
			rc = ingest_post(run->ingest, kind_endpoint[kind], items, t);
			json_object_put(items);
			items = json_object_new_array();
		}
	}
	if (rc == INGEST_OK && json_object_array_length(items) > 0)
		rc = ingest_post(run->ingest, kind_endpoint[kind], items, t);
	json_object_put(items);
	return rc;
}

static enum crawl_outcome crawl(void *ctx, struct crawl_run *run, const struct crawl_req *req)
{
	struct replay *rp = ctx;
	struct ingest_tally t[REPLAY_NKINDS];
	enum ingest_rc rc = INGEST_OK;
	size_t first, n = replay_index_find(&rp->ix, req->coupang_product_id, &first);
	long rejected = 0;
	char msg[600];

	memset(t, 0, sizeof(t));
	for (int k = 0; k < REPLAY_NKINDS && rc == INGEST_OK; k++) {
		rc = post_kind(rp, run, req, first, n, (enum replay_kind)k, &t[k]);
		rejected += t[k].rejected;
	}
	if (rc != INGEST_OK)
		return outcome(rc);
	if (n == 0)
		snprintf(msg, sizeof(msg), "재생 파일에 이 상품의 리뷰가 없습니다.");
	else
		snprintf(msg, sizeof(msg), "재생 파일에서 리뷰 %ld개, 가격 %ld개, 설문 %ld개를 보냈습니다.%s",
		    t[REPLAY_REVIEW].stored, t[REPLAY_PRICE].stored, t[REPLAY_TAG].stored,
		    rejected > 0 ? " 일부 줄은 revlens가 받지 않았습니다(로그 참고)." : "");
	log_info("replay %s: %zu lines for Coupang product %lld: %ld reviews, %ld prices, %ld tags "
	    "stored, %ld rejected", req->id, n, req->coupang_product_id, t[REPLAY_REVIEW].stored,
	    t[REPLAY_PRICE].stored, t[REPLAY_TAG].stored, rejected);
	rc = ingest_status(run->ingest, req->coupang_product_id, "done", msg, req->request_id, -1,
	    t[REPLAY_REVIEW].stored);
	return outcome(rc);
}

static int setup(void *ctx, const struct config *cfg, const char *file, char *err, size_t errlen)
{
	struct replay *rp = ctx;

	(void)cfg;
	rp->path = file;
	if (replay_index_open(&rp->ix, file, err, errlen) == -1)
		return -1;
	log_info("replay: %s: %zu lines indexed, %zu left out", file, rp->ix.n, rp->ix.bad);
	return 0;
}

static void teardown(void *ctx)
{
	struct replay *rp = ctx;

	replay_index_close(&rp->ix);
}

int main(int argc, char **argv)
{
	struct replay rp;
	const struct crawler_ops ops = {
		.prog = "revlens-replay-crawler", .collector = "replay", .needs_file = 1,
		.setup = setup, .crawl = crawl, .teardown = teardown, .ctx = &rp,
	};

	memset(&rp, 0, sizeof(rp));
	return runner_main(argc, argv, &ops);
}
