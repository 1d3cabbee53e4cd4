/* progress.c — latest progress in Redis, and its publication to the request's nchan channel. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/nchan.h"
#include "lib/progress.h"

char *progress_json(const struct progress *p)
{
	json_object *o = json_object_new_object();
	char *s;

	json_object_object_add(o, "id", json_object_new_int64(p->id));
	json_object_object_add(o, "status", json_object_new_string(p->status));
	json_object_object_add(o, "stage", p->stage ? json_object_new_string(p->stage) : NULL);
	json_object_object_add(o, "percent", json_object_new_int(p->percent));
	json_object_object_add(o, "message", p->message ? json_object_new_string(p->message) : NULL);
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

int progress_store(struct rds_conn *rc, const struct progress *p, char *err, size_t errlen)
{
	char key[48], pct[16], at[24], ttl[16];
	const char *argv[] = { "HSET", key, "status", p->status, "stage", p->stage ? p->stage : "",
		"percent", pct, "message", p->message ? p->message : "", "at", at };
	const char *exp[] = { "EXPIRE", key, ttl };
	redisReply *rep;
	int ok;

	snprintf(key, sizeof(key), "progress:%lld", p->id);
	snprintf(pct, sizeof(pct), "%d", p->percent);
	snprintf(at, sizeof(at), "%lld", (long long)time(NULL));
	snprintf(ttl, sizeof(ttl), "%d", PROGRESS_TTL);
	rep = rds_command_argv(rc, (int)(sizeof(argv) / sizeof(argv[0])), argv, NULL);
	ok = rep != NULL && rep->type == REDIS_REPLY_INTEGER;
	if (rep != NULL)
		freeReplyObject(rep);
	if (ok) {
		rep = rds_command_argv(rc, 3, exp, NULL);
		ok = rep != NULL && rep->type == REDIS_REPLY_INTEGER;
		if (rep != NULL)
			freeReplyObject(rep);
	}
	if (!ok)
		snprintf(err, errlen, "progress of request %lld: %s", p->id, rc->err[0] ? rc->err : "unexpected reply");
	return ok ? 0 : -1;
}

int progress_publish(const char *publish_socket, const struct progress *p, char *err,
    size_t errlen)
{
	char channel[32], *body = progress_json(p);
	int rc;

	if (body == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(channel, sizeof(channel), "request-%lld", p->id);
	rc = nchan_publish(publish_socket, channel, body, err, errlen);
	free(body);
	return rc;
}
