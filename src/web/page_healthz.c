/* page_healthz.c — GET /healthz.
 *
 * Checks PostgreSQL (SELECT 1), MongoDB (ping) and each Redis role (PING)
 * through the worker's own long-lived connections, so a check also repairs
 * a connection that broke since the last request; each check waits at most
 * health.timeout_ms for an answer (PostgreSQL's connect step at least 2 s).
 * 200 when all answer, 503 naming each dependency that did not. Everyone
 * sees each dependency's status and latency; the error text (hosts, ports,
 * users) only goes to loopback clients, for everyone else it is in the log.
 */
#include <json-c/json.h>
#include <stdio.h>

#include "lib/log.h"
#include "web/page_healthz.h"
#include "web/req.h"

static void add_dep(json_object *deps, json_object *failed, const char *name, int ok,
    uint64_t us, const char *err, int detail)
{
	json_object *d = json_object_new_object();
	char ms[32];

	json_object_object_add(d, "status", json_object_new_string(ok ? "ok" : "fail"));
	snprintf(ms, sizeof(ms), "%.3f", (double)us / 1000.0);
	json_object_object_add(d, "latency_ms", json_object_new_double_s((double)us / 1000.0, ms));
	if (!ok) {
		if (detail)
			json_object_object_add(d, "error", json_object_new_string(err));
		json_object_array_add(failed, json_object_new_string(name));
		log_warn("healthz: %s failed: %s", name, err);
	}
	json_object_object_add(deps, name, d);
}

int page_healthz(struct req *r)
{
	struct app *app = r->app;
	json_object *root = json_object_new_object();
	json_object *deps = json_object_new_object();
	json_object *failed = json_object_new_array();
	int timeout = app->cfg->health_timeout_ms, detail = req_is_loopback(r);
	char name[32];
	uint64_t t;
	int ok, status;

	t = req_now_us();
	ok = pg_ping(&app->pg, timeout) == 0;
	add_dep(deps, failed, "postgres", ok, req_now_us() - t, app->pg.err, detail);

	t = req_now_us();
	ok = mongo_ping(&app->mongo) == 0;
	add_dep(deps, failed, "mongodb", ok, req_now_us() - t, app->mongo.err, detail);

	for (int i = 0; i < RDS_NROLES; i++) {
		snprintf(name, sizeof(name), "redis.%s", rds_role_name[i]);
		t = req_now_us();
		ok = rds_ping(&app->redis[i], timeout) == 0;
		add_dep(deps, failed, name, ok, req_now_us() - t, app->redis[i].err, detail);
	}

	status = json_object_array_length(failed) == 0 ? 200 : 503;
	json_object_object_add(root, "status", json_object_new_string(status == 200 ? "ok" : "fail"));
	if (status != 200)
		json_object_object_add(root, "failed", failed);
	else
		json_object_put(failed);
	json_object_object_add(root, "dependencies", deps);
	buf_puts(&r->body, json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	buf_puts(&r->body, "\n");
	json_object_put(root);
	r->content_type = "application/json";
	return status;
}
