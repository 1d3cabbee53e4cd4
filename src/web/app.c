/* app.c — a worker's long-lived context: its store connections and slot. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/account.h"
#include "lib/jwt.h"
#include "lib/log.h"
#include "web/app.h"
#include "web/metrics_stores.h"

const char *const rds_role_name[RDS_NROLES] = { "sessions", "cache", "queue", "pubsub" };

int app_init(struct app *app, const struct config *cfg, struct scoreboard *sb, int slot)
{
	const char *endpoint[RDS_NROLES] = {
		cfg->redis_sessions, cfg->redis_cache, cfg->redis_queue, cfg->redis_pubsub
	};
	char err[256];

	memset(app, 0, sizeof(*app));
	if (sodium_init() < 0) {
		log_error("libsodium could not initialise");
		return -1;
	}
	app->cfg = cfg;
	app->sb = sb;
	app->slot = &sb->slot[slot];

	pg_slow_query_ms_set(cfg->pg_slow_query_ms);
	mongo_slow_query_ms_set(cfg->mongo_slow_query_ms);
	if (pg_init_file(&app->pg, cfg->pg_conninfo, cfg->pg_password_file) == -1) {
		log_error("postgres: %s", app->pg.err);
		return -1;
	}
	if (mongo_global_init() == -1 ||
	    mongo_open(&app->mongo, cfg->mongo_uri, cfg->mongo_database,
	    cfg->health_timeout_ms) == -1) {
		log_error("mongodb: %s", app->mongo.err);
		return -1;
	}
	/* made now, at the configured cost, so that the first unknown e-mail a worker
	 * sees takes as long as a wrong password */
	if (account_hash("revlens: no such account", (unsigned long long)cfg->auth_pwhash_opslimit,
	    (size_t)cfg->auth_pwhash_memlimit, app->dummy_hash) == -1) {
		log_error("cannot hash at auth.pwhash_memlimit = %ld bytes: out of memory",
		    cfg->auth_pwhash_memlimit);
		return -1;
	}
	if (cfg->auth_jwt_key_file[0] != '\0' &&
	    jwt_key_load(cfg->auth_jwt_key_file, &app->jwt_key, &app->jwt_keylen, err, sizeof(err)) == -1) {
		log_error("auth.jwt_key_file: %s", err);
		return -1;
	}
	for (int i = 0; i < RDS_NROLES; i++)
		if (rds_init(&app->redis[i], rds_role_name[i], endpoint[i], cfg->redis_timeout_ms) == -1) {
			log_error("%s", app->redis[i].err);
			return -1;
		}
	return 0;
}

void app_close(struct app *app)
{
	pg_close(&app->pg);
	mongo_close(&app->mongo);
	for (int i = 0; i < RDS_NROLES; i++)
		rds_close(&app->redis[i]);
	metrics_stores_close();
	mongo_global_cleanup();
	if (app->jwt_key != NULL)
		jwt_key_free(app->jwt_key, app->jwt_keylen);
	app->jwt_key = NULL;
}
