/* lock.h — one aggregator run at a time: the Redis lock revlens:aggregator:lock
 * (docs/aggregator.md "One run at a time"), on the queue role.
 *
 * Taken with SET NX PX (value "host:pid:random", so only its holder can refresh or
 * release it), refreshed after every product, released at the end by a script that
 * deletes it only while it still holds the holder's value. A run that crashed leaves
 * the lock to expire after the TTL.
 */
#ifndef REVLENS_AGGREGATOR_LOCK_H
#define REVLENS_AGGREGATOR_LOCK_H

#include "lib/rds.h"

#define AGG_LOCK_KEY "revlens:aggregator:lock"

struct agg_lock {
	struct rds_conn *r;     /* borrowed */
	char key[64];           /* AGG_LOCK_KEY, or AGG_LOCK_KEY ":K/N" for a shard's runs */
	char value[160];        /* host:pid:random */
	long ttl_ms;
	int held;
};

/* Take the lock key for ttl_s seconds: 1 taken, 0 held by another run (its value in
 * holder, holderlen bytes), -1 Redis error (in r->err). */
int agg_lock_take(struct agg_lock *l, struct rds_conn *r, const char *key, int ttl_s, char *holder,
    size_t holderlen);
/* Extend the lock by its TTL: 1 still ours, 0 lost (expired, taken by another),
 * -1 Redis error. */
int agg_lock_refresh(struct agg_lock *l);
/* Delete the lock if still ours (NULL-safe when not held). */
void agg_lock_release(struct agg_lock *l);

#endif
