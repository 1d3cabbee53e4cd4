/* alerts.c — price alerts: the crossing decided in PostgreSQL, the notification pushed live. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/alerts.h"
#include "lib/log.h"
#include "lib/nchan.h"

char *alerts_json(long long id, const char *created_at, long long product_id, const char *name,
    const char *url, long long price, long long target_price)
{
	json_object *o = json_object_new_object(), *p = json_object_new_object();
	char *s;

	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "type", json_object_new_string("price_alert"));
	json_object_object_add(o, "created_at", json_object_new_string(created_at));
	json_object_object_add(p, "id", json_object_new_int64(product_id));
	json_object_object_add(p, "name", name != NULL ? json_object_new_string(name) : NULL);
	json_object_object_add(p, "url", url != NULL ? json_object_new_string(url) : NULL);
	json_object_object_add(o, "product", p);
	json_object_object_add(o, "price", json_object_new_int64(price));
	json_object_object_add(o, "target_price", json_object_new_int64(target_price));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

/* "{1,2,3}" for the ids, NULL (SQL NULL: every product) for none. Heap string. */
static char *id_array(const long long *ids, size_t n, int *oom)
{
	char *s, *p;

	*oom = 0;
	if (n == 0)
		return NULL;
	if ((s = malloc(n * 21 + 3)) == NULL) {
		*oom = 1;
		return NULL;
	}
	p = s;
	*p++ = '{';
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%lld", i ? "," : "", ids[i]);
	*p++ = '}';
	*p = '\0';
	return s;
}

int alerts_check(struct pg_conn *pg, const char *publish_socket, const long long *product_ids,
    size_t n, char *err, size_t errlen)
{
	const char *p[1];
	char *ids;
	int oom, fired, rc = -1;

	ids = id_array(product_ids, n, &oom);
	if (oom) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p[0] = ids;
	if (pg_exec(pg, "SELECT a.notification_id, a.user_id, a.product_id, a.price, a.target_price, "
	    "  to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), p.name, p.url "
	    "FROM revlens_price_alerts($1::bigint[]) AS a JOIN products p ON p.id = a.product_id "
	    "ORDER BY a.notification_id", 1, p) == -1) {
		snprintf(err, errlen, "price alerts: %s", pg->err);
		goto out;
	}
	fired = pg_ntuples(pg);
	for (int i = 0; i < fired; i++) {
		char channel[32], why[256], *body;
		if (publish_socket == NULL || publish_socket[0] == '\0')
			break;
		body = alerts_json(pg_value_ll(pg, i, 0), pg_value(pg, i, 5), pg_value_ll(pg, i, 2),
		    pg_value(pg, i, 6), pg_value(pg, i, 7), pg_value_ll(pg, i, 3), pg_value_ll(pg, i, 4));
		snprintf(channel, sizeof(channel), "user-%lld", pg_value_ll(pg, i, 1));
		if (body == NULL || nchan_publish(publish_socket, channel, body, why, sizeof(why)) == -1)
			log_warn("price alert %lld not pushed live: %s", pg_value_ll(pg, i, 0),
			    body == NULL ? "out of memory" : why);
		free(body);
	}
	for (int i = 0; i < fired; i++)
		log_info("price alert %lld: user %lld, product %lld at %lld won (target %lld)",
		    pg_value_ll(pg, i, 0), pg_value_ll(pg, i, 1), pg_value_ll(pg, i, 2),
		    pg_value_ll(pg, i, 3), pg_value_ll(pg, i, 4));
	rc = fired;
out:
	free(ids);
	return rc;
}
