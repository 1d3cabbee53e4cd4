/* ratelimit.c — log-in and sign-up limits as small Lua scripts (one round trip each). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "web/ratelimit.h"
#include "web/req.h"

/* KEYS account-lock, address-count; ARGV address limit. -> {0|1|2, ttl} */
static struct rds_script check_script = { .src =
	"local n = tonumber(redis.call('GET', KEYS[2]) or '0')\n"
	"if n >= tonumber(ARGV[1]) then return {1, redis.call('TTL', KEYS[2])} end\n"
	"local t = redis.call('TTL', KEYS[1])\n"
	"if t > 0 then return {2, t} end\n"
	"return {0, 0}\n" };

/* KEYS account-count, account-lock, address-count; ARGV account limit. -> wait */
static struct rds_script fail_script = { .src =
	"local n = redis.call('INCR', KEYS[1])\n"
	"redis.call('EXPIRE', KEYS[1], 86400)\n"
	"if redis.call('INCR', KEYS[3]) == 1 then redis.call('EXPIRE', KEYS[3], 3600) end\n"
	"local lim = tonumber(ARGV[1])\n"
	"if n < lim then return 0 end\n"
	"local w = 900\n"
	"if n - lim < 5 then w = 30 * 2 ^ (n - lim) end\n"
	"redis.call('SET', KEYS[2], '1', 'EX', w)\n"
	"return w\n" };

/* KEYS address-count; ARGV limit. -> 0 or the seconds left in the hour */
static struct rds_script signup_script = { .src =
	"local n = redis.call('INCR', KEYS[1])\n"
	"if n == 1 then redis.call('EXPIRE', KEYS[1], 3600) end\n"
	"if n > tonumber(ARGV[1]) then return math.max(redis.call('TTL', KEYS[1]), 1) end\n"
	"return 0\n" };

struct keys {
	char count[48], lock[48], addr[80];
};

/* Keys of an account (by a hash of its e-mail: no addresses in Redis) and of r's address. */
static void keys_for(const struct req *r, const char *email, struct keys *k)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[33];

	crypto_hash_sha256(h, (const unsigned char *)email, strlen(email));
	sodium_bin2hex(hex, sizeof(hex), h, 16);
	snprintf(k->count, sizeof(k->count), "rl:la:%s", hex);
	snprintf(k->lock, sizeof(k->lock), "rl:ll:%s", hex);
	snprintf(k->addr, sizeof(k->addr), "rl:li:%.60s", r->remote_addr ? r->remote_addr : "-");
}

/* Run a script whose answer is an integer (or an array whose second element is). */
static long run(struct req *r, struct rds_script *s, int nkeys, int nargs, const char **args,
    const char *what)
{
	struct rds_conn *rc = &r->app->redis[RDS_CACHE];
	redisReply *rep = rds_eval(rc, s, nkeys, nargs, args, NULL);
	long v = -1;

	if (rep == NULL) {
		log_error("rate limit (%s): %s", what, rc->err);
		return -1;
	}
	if (rep->type == REDIS_REPLY_INTEGER)
		v = (long)rep->integer;
	else if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
	    rep->element[0]->type == REDIS_REPLY_INTEGER && rep->element[1]->type == REDIS_REPLY_INTEGER)
		v = rep->element[0]->integer == 0 ? 0 :
		    rep->element[1]->integer > 0 ? (long)rep->element[1]->integer : 1;
	else
		log_error("rate limit (%s): unexpected reply", what);
	freeReplyObject(rep);
	return v;
}

long ratelimit_login_check(struct req *r, const char *email)
{
	struct keys k;
	char lim[24];
	const char *args[3] = { k.lock, k.addr, lim };

	keys_for(r, email, &k);
	snprintf(lim, sizeof(lim), "%d", r->app->cfg->auth_login_address_limit);
	return run(r, &check_script, 2, 3, args, "check");
}

long ratelimit_login_failed(struct req *r, const char *email)
{
	struct keys k;
	char lim[24];
	const char *args[4] = { k.count, k.lock, k.addr, lim };

	keys_for(r, email, &k);
	snprintf(lim, sizeof(lim), "%d", r->app->cfg->auth_login_account_limit);
	return run(r, &fail_script, 3, 4, args, "failure");
}

void ratelimit_login_ok(struct req *r, const char *email)
{
	struct rds_conn *rc = &r->app->redis[RDS_CACHE];
	struct keys k;
	redisReply *rep;

	keys_for(r, email, &k);
	rep = rds_command(rc, "DEL %s %s", k.count, k.lock);
	if (rep == NULL)
		log_warn("rate limit (reset): %s", rc->err);
	else
		freeReplyObject(rep);
}

long ratelimit_signup(struct req *r)
{
	char key[80], lim[24];
	const char *args[2] = { key, lim };

	snprintf(key, sizeof(key), "rl:su:%.60s", r->remote_addr ? r->remote_addr : "-");
	snprintf(lim, sizeof(lim), "%d", r->app->cfg->auth_signup_address_limit);
	return run(r, &signup_script, 1, 2, args, "sign-up");
}
