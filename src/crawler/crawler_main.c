/* crawler_main.c — revlens-crawler: answers crawl requests by fetching Coupang's
 * product page and review pages (libcurl) and posting the reviews to revlens.
 *
 * One request: `running` is reported, the product page is fetched once (for the
 * cookies a browser would have; a 403 there already means blocked), then review pages
 * 1, 2, ... until the last page (totalPage), crawler.max_pages, or a page whose reviews
 * are all older than the newest one revlens already stores. Reviews are posted every
 * STATUS_EVERY pages, with a `running` report, and at the end; then `done`, `blocked`
 * or `failed` with a Korean message saying what the user can do. Whatever was collected
 * before a block or a failure is posted first. See docs/crawlers.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crawler/fetch.h"
#include "crawler/review_page.h"
#include "crawler/runner.h"
#include "lib/log.h"

#define STATUS_EVERY 5          /* pages between two `running` reports (and review posts) */
#define URL_MAX      1024

static const char MSG_EXTENSION[] =
    "브라우저 확장 프로그램 'revlens로 보내기'로 리뷰를 보내 주세요.";

struct crawler {
	long long last_ms;      /* end of the last request to Coupang (the shared pace) */
	char base[URL_MAX / 2]; /* crawler.coupang_url without a trailing '/' */
};

/* One crawl's state. */
struct crawl {
	struct crawl_run *run;
	const struct crawl_req *req;
	json_object *pending;   /* reviews not posted yet */
	struct ingest_tally tally;
	int pages;              /* review pages read */
	int skipped;            /* reviews the parser left out */
	enum crawl_outcome out; /* CRAWL_REPORTED unless posting failed */
};

static enum crawl_outcome outcome(enum ingest_rc rc)
{
	return rc == INGEST_OK ? CRAWL_REPORTED : rc == INGEST_REFUSED ? CRAWL_FATAL : CRAWL_UNREPORTED;
}

/* Post the pending reviews. 0, or -1 with c->out set. */
static int flush(struct crawl *c)
{
	enum ingest_rc rc;

	if (json_object_array_length(c->pending) == 0)
		return 0;
	rc = ingest_post(c->run->ingest, INGEST_REVIEWS, c->pending, &c->tally);
	json_object_put(c->pending);
	c->pending = json_object_new_array();
	if (rc != INGEST_OK) {
		c->out = outcome(rc);
		return -1;
	}
	return 0;
}

/* Post the pending reviews, then a state. Returns the crawl's outcome. */
static enum crawl_outcome report(struct crawl *c, const char *state, const char *msg)
{
	enum ingest_rc rc;

	if (flush(c) == -1)
		return c->out;
	log_info("crawl %s: %s after %d pages, %ld reviews stored: %s", c->req->id, state, c->pages,
	    c->tally.stored, msg);
	rc = ingest_status(c->run->ingest, c->req->coupang_product_id, state, msg, c->req->request_id,
	    c->pages, c->tally.stored);
	if (rc != INGEST_OK)
		c->out = outcome(rc);
	return c->out;
}

/* " 그때까지의 리뷰 N개는 저장했습니다." when some were stored, else "". */
static const char *so_far(const struct crawl *c, char *buf, size_t len)
{
	buf[0] = '\0';
	if (c->tally.stored + (long)json_object_array_length(c->pending) > 0)
		snprintf(buf, len, " 그때까지의 리뷰 %ld개는 저장했습니다.",
		    c->tally.stored + (long)json_object_array_length(c->pending));
	return buf;
}

static enum crawl_outcome blocked(struct crawl *c, const struct fetch *f, int challenge)
{
	char msg[600], why[64], saved[128];

	if (challenge)
		snprintf(why, sizeof(why), "보안 확인 페이지");
	else if (f->status == 403)
		snprintf(why, sizeof(why), "403");
	else
		snprintf(why, sizeof(why), "%ld, 다른 주소로 보냄", f->status);
	snprintf(msg, sizeof(msg), "쿠팡이 서버에서의 수집을 막았습니다(%s). %s%s", why, MSG_EXTENSION,
	    so_far(c, saved, sizeof(saved)));
	return report(c, "blocked", msg);
}

static enum crawl_outcome failed(struct crawl *c, const struct fetch *f, enum fetch_result r, int page)
{
	char msg[600], saved[128];

	so_far(c, saved, sizeof(saved));
	if (r == FETCH_REFUSED && f->over)
		snprintf(msg, sizeof(msg), "쿠팡의 응답이 너무 커서 %d쪽을 읽지 않았습니다.%s", page, saved);
	else if (r == FETCH_REFUSED)
		snprintf(msg, sizeof(msg), "쿠팡이 %d쪽 요청을 거절했습니다(%ld). 상품 주소가 맞는지 "
		    "확인해 주세요.%s", page, f->status, saved);
	else if (f->status == 429)
		snprintf(msg, sizeof(msg), "쿠팡이 요청이 너무 잦다고 답했습니다(429). %d번 다시 시도했지만 "
		    "%d쪽을 받지 못했습니다. 잠시 후 다시 요청해 주세요.%s", f->retries, page, saved);
	else if (f->status >= 500)
		snprintf(msg, sizeof(msg), "쿠팡 서버가 오류로 답했습니다(%ld). %d번 다시 시도했지만 "
		    "%d쪽을 받지 못했습니다. 잠시 후 다시 요청해 주세요.%s", f->status, f->retries, page, saved);
	else
		snprintf(msg, sizeof(msg), "쿠팡에 연결하지 못했습니다. %d번 다시 시도했지만 %d쪽을 받지 "
		    "못했습니다. 잠시 후 다시 요청해 주세요.%s", f->retries, page, saved);
	log_warn("crawl %s: page %d: %s", c->req->id, page, f->status ? "bad status" : f->error);
	return report(c, "failed", msg);
}

/* TERM/INT: post what we have, leave the entry pending for a later crawl. */
static enum crawl_outcome stopped(struct crawl *c)
{
	log_info("crawl %s: stopping after %d pages; the request stays pending", c->req->id, c->pages);
	if (flush(c) == 0)
		ingest_status(c->run->ingest, c->req->coupang_product_id, "running",
		    "수집기가 종료되어 멈췄습니다. 요청은 남아 있어 나중에 다시 수집합니다.",
		    c->req->request_id, c->pages, c->tally.stored);
	return CRAWL_UNREPORTED;
}

static enum crawl_outcome crawl_pages(struct crawl *c, struct fetch *f, const char *base)
{
	const struct config *cfg = c->run->cfg;
	char product[URL_MAX], url[URL_MAX], msg[600], err[200];
	long long pid = c->req->coupang_product_id;
	enum fetch_result r;
	int page, last = 0;

	snprintf(product, sizeof(product), "%s/vp/products/%lld", base, pid);
	r = fetch_get(f, product, 0, NULL, 0);
	if (r == FETCH_STOPPED)
		return stopped(c);
	if (r == FETCH_BLOCKED)
		return blocked(c, f, 0);
	if (r != FETCH_OK)   /* only for its cookies: go on without them */
		log_warn("crawl %s: product page: %s", c->req->id, f->status ? "not 200" : f->error);
	for (page = 1; !last; page++) {
		struct review_page p;
		enum review_page_status st;
		size_t n;

		if (*c->run->stop)
			return stopped(c);
		queue_touch(c->run->queue, c->req->id);
		snprintf(url, sizeof(url), "%s/next-api/review?productId=%lld&page=%d&size=10"
		    "&sortBy=ORDER_SCORE_ASC&ratingSummary=true&ratings=&market=", base,
		    pid, page);
		r = fetch_get(f, url, 1, product, 1);
		if (r == FETCH_STOPPED)
			return stopped(c);
		if (r == FETCH_BLOCKED)
			return blocked(c, f, 0);
		if (r != FETCH_OK)
			return failed(c, f, r, page);
		st = review_page_parse(f->body, f->len, pid, &p, err, sizeof(err));
		if (st == REVIEW_PAGE_CHALLENGE) {
			log_warn("crawl %s: page %d: %s", c->req->id, page, err);
			return blocked(c, f, 1);
		}
		if (st != REVIEW_PAGE_OK) {
			char saved[128];
			log_warn("crawl %s: page %d: %s", c->req->id, page, err);
			snprintf(msg, sizeof(msg), "쿠팡의 응답을 읽을 수 없습니다(%d쪽). 쿠팡의 형식이 바뀌었을 수 "
			    "있으니 관리자에게 알려 주세요.%s", page, so_far(c, saved, sizeof(saved)));
			return report(c, "failed", msg);
		}
		n = json_object_array_length(p.items);
		for (size_t i = 0; i < n; i++)
			json_object_array_add(c->pending, json_object_get(json_object_array_get_idx(p.items, i)));
		c->pages++;
		c->skipped += p.skipped;
		if (p.skipped > 0)
			log_warn("crawl %s: page %d: %d reviews without an id, rating or date left out",
			    c->req->id, page, p.skipped);
		if (page >= p.total_pages)
			last = 1;
		else if (n > 0 && c->req->newest_review_at > 0 && p.newest_ms < c->req->newest_review_at) {
			log_info("crawl %s: page %d holds only reviews older than the newest stored: done",
			    c->req->id, page);
			last = 1;
		} else if (page >= cfg->crawler_max_pages) {
			log_info("crawl %s: crawler.max_pages (%d) reached of %d", c->req->id,
			    cfg->crawler_max_pages, p.total_pages);
			last = 2;
		}
		review_page_free(&p);
		if (!last && c->pages % STATUS_EVERY == 0) {
			if (flush(c) == -1)
				return c->out;
			snprintf(msg, sizeof(msg), "리뷰를 수집하고 있습니다: %d쪽, 리뷰 %ld개.", c->pages,
			    c->tally.stored);
			if (ingest_status(c->run->ingest, pid, "running", msg, c->req->request_id, c->pages,
			    c->tally.stored) == INGEST_REFUSED)
				return CRAWL_FATAL;
		}
	}
	if (flush(c) == -1)
		return c->out;
	if (c->tally.stored == 0 && c->tally.rejected == 0)
		snprintf(msg, sizeof(msg), "쿠팡에 이 상품의 리뷰가 없습니다.");
	else
		snprintf(msg, sizeof(msg), "리뷰 %ld개를 수집했습니다(%d쪽).", c->tally.stored, c->pages);
	if (last == 2)
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), " 한 번에 %d쪽까지만 수집합니다.",
		    cfg->crawler_max_pages);
	if (c->tally.rejected > 0)
		snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), " %ld개는 revlens가 받지 않았습니다.",
		    c->tally.rejected);
	return report(c, "done", msg);
}

/* Reset the idle time of the crawl's entry (fetch's hook during a long back-off), so
 * no other crawler claims it as orphaned while Coupang makes us wait. */
static void touch_entry(void *arg)
{
	const struct crawl *c = arg;

	queue_touch(c->run->queue, c->req->id);
}

static enum crawl_outcome crawl(void *ctx, struct crawl_run *run, const struct crawl_req *req)
{
	struct crawler *cr = ctx;
	struct crawl c = { .run = run, .req = req, .out = CRAWL_REPORTED };
	struct fetch f;
	enum ingest_rc rc;
	enum crawl_outcome out;

	rc = ingest_status(run->ingest, req->coupang_product_id, "running",
	    "쿠팡에서 리뷰를 수집하기 시작했습니다.", req->request_id, 0, 0);
	if (rc != INGEST_OK)
		return outcome(rc);
	if ((c.pending = json_object_new_array()) == NULL || fetch_open(&f, run->cfg, &cr->last_ms, run->stop) == -1) {
		json_object_put(c.pending);
		log_error("crawl %s: out of memory", req->id);
		return CRAWL_UNREPORTED;
	}
	f.touch = touch_entry;
	f.touch_arg = &c;
	out = crawl_pages(&c, &f, cr->base);
	log_info("crawl %s: %d requests to Coupang", req->id, f.requests);
	fetch_close(&f);
	json_object_put(c.pending);
	return out;
}

static int setup(void *ctx, const struct config *cfg, const char *file, char *err, size_t errlen)
{
	struct crawler *cr = ctx;
	size_t n = strlen(cfg->crawler_coupang_url);

	(void)file;
	if (strncmp(cfg->crawler_coupang_url, "https://", 8) != 0 &&
	    strncmp(cfg->crawler_coupang_url, "http://", 7) != 0) {
		snprintf(err, errlen, "crawler.coupang_url must start with https:// (got \"%s\")",
		    cfg->crawler_coupang_url);
		return -1;
	}
	while (n > 0 && cfg->crawler_coupang_url[n - 1] == '/')
		n--;
	if (n >= sizeof(cr->base)) {
		snprintf(err, errlen, "crawler.coupang_url is longer than %zu bytes", sizeof(cr->base) - 1);
		return -1;
	}
	memcpy(cr->base, cfg->crawler_coupang_url, n);
	cr->base[n] = '\0';
	return 0;
}

int main(int argc, char **argv)
{
	struct crawler cr = { 0 };
	const struct crawler_ops ops = {
		.prog = "revlens-crawler", .collector = "crawler", .needs_file = 0,
		.setup = setup, .crawl = crawl, .teardown = NULL, .ctx = &cr,
	};

	return runner_main(argc, argv, &ops);
}
