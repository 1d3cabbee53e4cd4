/* lock.c — the aggregator's run lock in Redis (lock.h). */
#include "aggregator/lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

static struct rds_script refresh_script = {
	"if redis.call('get', KEYS[1]) == ARGV[1] then "
	"return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end", ""
};
static struct rds_script release_script = {
	"if redis.call('get', KEYS[1]) == ARGV[1] then "
	"return redis.call('del', KEYS[1]) else return 0 end", ""
};

int agg_lock_take(struct agg_lock *l, struct rds_conn *r, const char *key, int ttl_s, char *holder,
    size_t holderlen)
{
	char host[64] = "", ttl[24];
	redisReply *rep;
	int rc = -1;

	memset(l, 0, sizeof(*l));
	l->r = r;
	snprintf(l->key, sizeof(l->key), "%s", key);
	l->ttl_ms = (long)ttl_s * 1000;
	if (gethostname(host, sizeof(host) - 1) == -1 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	snprintf(l->value, sizeof(l->value), "%s:%ld:%08x%08x", host, (long)getpid(),
	    randombytes_random(), randombytes_random());
	snprintf(ttl, sizeof(ttl), "%ld", l->ttl_ms);
	{
		const char *argv[] = { "SET", l->key, l->value, "NX", "PX", ttl };
		rep = rds_command_argv(r, 6, argv, NULL);
	}
	if (rep == NULL)
		return -1;
	if (rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "OK") == 0) {
		l->held = 1;
		rc = 1;
	} else if (rep->type == REDIS_REPLY_NIL) {
		rc = 0;
		freeReplyObject(rep);
		rep = rds_command(r, "GET %s", l->key);
		snprintf(holder, holderlen, "%s", rep != NULL && rep->type == REDIS_REPLY_STRING ? rep->str : "?");
	} else {
		snprintf(r->err, sizeof(r->err), "SET %s: %s", l->key,
		    rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply");
	}
	freeReplyObject(rep);
	return rc;
}

static long long run_script(struct agg_lock *l, struct rds_script *s, int with_ttl)
{
	char ttl[24];
	const char *args[3] = { l->key, l->value, ttl };
	redisReply *rep;
	long long v = -1;

	snprintf(ttl, sizeof(ttl), "%ld", l->ttl_ms);
	rep = rds_eval(l->r, s, 1, with_ttl ? 3 : 2, args, NULL);
	if (rep == NULL)
		return -1;
	if (rep->type == REDIS_REPLY_INTEGER)
		v = rep->integer;
	else
		snprintf(l->r->err, sizeof(l->r->err), "lock script: %s",
		    rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply");
	freeReplyObject(rep);
	return v;
}

int agg_lock_refresh(struct agg_lock *l)
{
	long long v;

	if (!l->held)
		return 0;
	if ((v = run_script(l, &refresh_script, 1)) == -1)
		return -1;
	if (v == 0)
		l->held = 0;
	return v == 1 ? 1 : 0;
}

void agg_lock_release(struct agg_lock *l)
{
	if (l == NULL || !l->held)
		return;
	run_script(l, &release_script, 0);
	l->held = 0;
}
