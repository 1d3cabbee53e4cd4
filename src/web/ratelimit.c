/* ratelimit.c — log-in and sign-up limits as small Lua scripts (one round trip each). */
#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "web/ratelimit.h"
#include "web/req.h"

/* KEYS account-count, account-lock, address-count; ARGV account limit, address
 * limit. -> {0, 0} to go ahead (counted), {1, ttl} address refused, {2, ttl} wait */
static struct rds_script begin_script = { .src =
	"local a = tonumber(redis.call('GET', KEYS[3]) or '0')\n"
	"if a >= tonumber(ARGV[2]) then return {1, redis.call('TTL', KEYS[3])} end\n"
	"local t = redis.call('TTL', KEYS[2])\n"
	"if t > 0 then return {2, t} end\n"
	"local n = redis.call('INCR', KEYS[1])\n"
	"redis.call('EXPIRE', KEYS[1], 86400)\n"
	"if redis.call('INCR', KEYS[3]) == 1 then redis.call('EXPIRE', KEYS[3], 3600) end\n"
	"local lim = tonumber(ARGV[1])\n"
	"if n >= lim then\n"
	"  local w = 900\n"
	"  if n - lim < 5 then w = 30 * 2 ^ (n - lim) end\n"
	"  redis.call('SET', KEYS[2], '1', 'EX', w)\n"
	"end\n"
	"return {0, 0}\n" };

/* KEYS account-count, account-lock, address-count: a success takes back its count. */
static struct rds_script ok_script = { .src =
	"redis.call('DEL', KEYS[1], KEYS[2])\n"
	"if tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then redis.call('DECR', KEYS[3]) end\n"
	"return 1\n" };

/* KEYS address-count; ARGV limit. -> 0 or the seconds left in the hour */
static struct rds_script signup_script = { .src =
	"local n = redis.call('INCR', KEYS[1])\n"
	"if n == 1 then redis.call('EXPIRE', KEYS[1], 3600) end\n"
	"if n > tonumber(ARGV[1]) then return math.max(redis.call('TTL', KEYS[1]), 1) end\n"
	"return 0\n" };

struct keys {
	char count[48], lock[48], addr[80];
};

/* r's address as a key part: IPv4 whole, IPv6 by its /64. */
static void addr_part(const struct req *r, char *out, size_t outlen)
{
	const char *a = r->remote_addr ? r->remote_addr : "-";
	unsigned char v6[16];
	char hex[17];

	if (strchr(a, ':') != NULL && inet_pton(AF_INET6, a, v6) == 1) {
		sodium_bin2hex(hex, sizeof(hex), v6, 8);
		snprintf(out, outlen, "6:%s", hex);
	} else {
		snprintf(out, outlen, "%.60s", a);
	}
}

/* Keys of an account (by a hash of its e-mail: no addresses in Redis) and of r's address. */
static void keys_for(const struct req *r, const char *email, struct keys *k)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	char hex[33], addr[64];

	crypto_hash_sha256(h, (const unsigned char *)email, strlen(email));
	sodium_bin2hex(hex, sizeof(hex), h, 16);
	addr_part(r, addr, sizeof(addr));
	snprintf(k->count, sizeof(k->count), "rl:la:%s", hex);
	snprintf(k->lock, sizeof(k->lock), "rl:ll:%s", hex);
	snprintf(k->addr, sizeof(k->addr), "rl:li:%s", addr);
}

/* Run a script whose answer is an integer (or an array whose second element is). */
static long run(struct req *r, struct rds_script *s, int nkeys, int nargs, const char **args,
    const char *what)
{
	struct rds_conn *rc = &r->app->redis[RDS_SESSIONS];
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

long ratelimit_login_begin(struct req *r, const char *email)
{
	struct keys k;
	char alim[24], ilim[24];
	const char *args[5] = { k.count, k.lock, k.addr, alim, ilim };

	keys_for(r, email, &k);
	snprintf(alim, sizeof(alim), "%d", r->app->cfg->auth_login_account_limit);
	snprintf(ilim, sizeof(ilim), "%d", r->app->cfg->auth_login_address_limit);
	return run(r, &begin_script, 3, 5, args, "log-in");
}

void ratelimit_login_ok(struct req *r, const char *email)
{
	struct keys k;
	const char *args[3] = { k.count, k.lock, k.addr };

	keys_for(r, email, &k);
	if (run(r, &ok_script, 3, 3, args, "success") < 0)
		log_warn("rate limit: a successful log-in still counts as a failure");
}

long ratelimit_signup(struct req *r)
{
	char key[80], lim[24], addr[64];
	const char *args[2] = { key, lim };

	addr_part(r, addr, sizeof(addr));
	snprintf(key, sizeof(key), "rl:su:%s", addr);
	snprintf(lim, sizeof(lim), "%d", r->app->cfg->auth_signup_address_limit);
	return run(r, &signup_script, 1, 2, args, "sign-up");
}
