/* queue.c — read, claim and acknowledge crawl requests on revlens:crawl (see queue.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crawler/queue.h"
#include "lib/log.h"

#define MAX_FIELDS 32   /* field pairs of an entry we look at */

int queue_init(struct crawl_queue *q, const struct config *cfg, int block_ms, char *err, size_t errlen)
{
	char host[64];

	memset(q, 0, sizeof(*q));
	q->block_ms = block_ms;
	strcpy(q->claim_cursor, "0-0");
	if (gethostname(host, sizeof(host)) == -1)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(q->consumer, sizeof(q->consumer), "%s-%ld", host, (long)getpid());
	/* a blocking read holds the connection for block_ms: the reply timeout covers it */
	if (rds_init(&q->rc, "queue", cfg->redis_queue, cfg->redis_timeout_ms + block_ms) == -1) {
		snprintf(err, errlen, "redis.queue: %s", q->rc.err);
		return -1;
	}
	return 0;
}

static int is_error(const redisReply *r, const char *prefix)
{
	return r != NULL && r->type == REDIS_REPLY_ERROR && strncmp(r->str, prefix, strlen(prefix)) == 0;
}

int queue_ensure_group(struct crawl_queue *q)
{
	const char *argv[] = { "XGROUP", "CREATE", CRAWL_STREAM, CRAWL_GROUP, "0", "MKSTREAM" };
	redisReply *r = rds_command_argv(&q->rc, 6, argv, NULL);
	int ok = r != NULL && (r->type == REDIS_REPLY_STATUS || is_error(r, "BUSYGROUP"));

	if (!ok)
		log_error("queue: cannot create the consumer group %s on %s: %s", CRAWL_GROUP, CRAWL_STREAM,
		    r == NULL ? q->rc.err : r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	if (r != NULL)
		freeReplyObject(r);
	return ok ? 0 : -1;
}

/* One entry ([id, [field, value, ...]]) to req. Returns 1 when usable, 0 when
 * malformed (acknowledged here: nobody could ever do anything with it). */
static int take_entry(struct crawl_queue *q, const redisReply *e, struct crawl_req *req)
{
	const char *names[MAX_FIELDS], *values[MAX_FIELDS];
	size_t nlen[MAX_FIELDS], vlen[MAX_FIELDS], n = 0;
	const redisReply *f;
	char err[200], id[64] = "?";

	if (e == NULL || e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING)
		return 0;
	snprintf(id, sizeof(id), "%s", e->element[0]->str);
	f = e->element[1];
	if (f->type != REDIS_REPLY_ARRAY) {   /* deleted from the stream meanwhile */
		queue_ack(q, id);
		return 0;
	}
	for (size_t i = 0; i + 1 < f->elements && n < MAX_FIELDS; i += 2) {
		if (f->element[i]->type != REDIS_REPLY_STRING || f->element[i + 1]->type != REDIS_REPLY_STRING)
			continue;
		names[n] = f->element[i]->str;
		nlen[n] = f->element[i]->len;
		values[n] = f->element[i + 1]->str;
		vlen[n] = f->element[i + 1]->len;
		n++;
	}
	if (crawl_req_parse(id, names, nlen, values, vlen, n, req, err, sizeof(err)) == -1) {
		log_error("queue: entry %s dropped: %s", id, err);
		queue_ack(q, id);
		return 0;
	}
	return 1;
}

/* XAUTOCLAIM one orphaned entry. 1, 0 or -1 as queue_next. */
static int claim(struct crawl_queue *q, struct crawl_req *req)
{
	char idle[24];
	const char *argv[] = { "XAUTOCLAIM", CRAWL_STREAM, CRAWL_GROUP, q->consumer, idle,
		q->claim_cursor, "COUNT", "1" };
	redisReply *r;
	int rc = -1;

	snprintf(idle, sizeof(idle), "%d", QUEUE_CLAIM_IDLE_MS);
	r = rds_command_argv(&q->rc, 8, argv, NULL);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
		if (is_error(r, "NOGROUP"))
			queue_ensure_group(q);
		log_error("queue: XAUTOCLAIM: %s", r == NULL ? q->rc.err :
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		goto out;
	}
	snprintf(q->claim_cursor, sizeof(q->claim_cursor), "%s", r->element[0]->str);
	rc = 0;
	if (r->element[1]->elements > 0 && take_entry(q, r->element[1]->element[0], req)) {
		log_info("queue: claimed %s, orphaned by another crawler", req->id);
		rc = 1;
	}
out:
	if (r != NULL)
		freeReplyObject(r);
	return rc;
}

/* XREADGROUP one new entry. 1, 0 or -1 as queue_next. */
static int read_new(struct crawl_queue *q, int block, struct crawl_req *req)
{
	char ms[24];
	const char *argv[] = { "XREADGROUP", "GROUP", CRAWL_GROUP, q->consumer, "COUNT", "1",
		"BLOCK", ms, "STREAMS", CRAWL_STREAM, ">" };
	const char *noblock[] = { "XREADGROUP", "GROUP", CRAWL_GROUP, q->consumer, "COUNT", "1",
		"STREAMS", CRAWL_STREAM, ">" };
	const redisReply *entries;
	redisReply *r;
	int rc = -1;

	snprintf(ms, sizeof(ms), "%d", q->block_ms);
	r = block ? rds_command_argv(&q->rc, 11, argv, NULL) : rds_command_argv(&q->rc, 9, noblock, NULL);
	if (r != NULL && r->type == REDIS_REPLY_NIL) {
		rc = 0;
		goto out;
	}
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 1 ||
	    r->element[0]->type != REDIS_REPLY_ARRAY || r->element[0]->elements != 2 ||
	    r->element[0]->element[1]->type != REDIS_REPLY_ARRAY) {
		if (is_error(r, "NOGROUP"))
			queue_ensure_group(q);
		log_error("queue: XREADGROUP: %s", r == NULL ? q->rc.err :
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		goto out;
	}
	entries = r->element[0]->element[1];
	rc = entries->elements > 0 && take_entry(q, entries->element[0], req) ? 1 : 0;
	if (rc == 0 && entries->elements > 0)
		rc = 2;   /* a malformed one was dropped: look again */
out:
	if (r != NULL)
		freeReplyObject(r);
	return rc;
}

int queue_next(struct crawl_queue *q, int block, struct crawl_req *req)
{
	int rc;

	for (int i = 0; i < QUEUE_SKIP_MAX; i++) {
		if ((rc = claim(q, req)) != 0)
			return rc;
		if ((rc = read_new(q, block, req)) != 2)
			return rc;
	}
	return 0;
}

int queue_ack(struct crawl_queue *q, const char *id)
{
	const char *argv[] = { "XACK", CRAWL_STREAM, CRAWL_GROUP, id };
	redisReply *r = rds_command_argv(&q->rc, 4, argv, NULL);
	int ok = r != NULL && r->type == REDIS_REPLY_INTEGER;

	if (!ok)
		log_error("queue: XACK %s: %s (it will be crawled again)", id, r == NULL ? q->rc.err :
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	if (r != NULL)
		freeReplyObject(r);
	return ok ? 0 : -1;
}

int queue_touch(struct crawl_queue *q, const char *id)
{
	const char *argv[] = { "XCLAIM", CRAWL_STREAM, CRAWL_GROUP, q->consumer, "0", id, "JUSTID" };
	redisReply *r = rds_command_argv(&q->rc, 7, argv, NULL);
	int ok = r != NULL && r->type == REDIS_REPLY_ARRAY;

	if (r != NULL)
		freeReplyObject(r);
	return ok ? 0 : -1;
}

void queue_close(struct crawl_queue *q)
{
	rds_close(&q->rc);
}
