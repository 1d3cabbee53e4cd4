/* app.h — what one web worker holds for its whole life: configuration,
 * connections to every store (opened lazily, reopened after failures) and
 * its scoreboard slot. Nothing here belongs to a single request.
 */
#ifndef REVLENS_APP_H
#define REVLENS_APP_H

#include "lib/config.h"
#include "lib/mongo.h"
#include "lib/pg.h"
#include "lib/rds.h"
#include "web/scoreboard.h"

enum rds_role { RDS_SESSIONS, RDS_CACHE, RDS_QUEUE, RDS_PUBSUB, RDS_NROLES };

extern const char *const rds_role_name[RDS_NROLES];

struct app {
	const struct config *cfg;
	struct pg_conn pg;
	struct mongo_conn mongo;
	struct rds_conn redis[RDS_NROLES];
	struct scoreboard *sb;
	struct sb_slot *slot;
	unsigned char *jwt_key;     /* API token signing key, NULL when tokens are disabled */
	size_t jwt_keylen;
	char dummy_hash[128];       /* Argon2id hash of nothing, verified for unknown e-mails so
	                             * that they take as long as a wrong password */
};

/* Prepare every connection (no I/O). Returns -1 with a logged reason. */
int app_init(struct app *app, const struct config *cfg, struct scoreboard *sb, int slot);
void app_close(struct app *app);

#endif
