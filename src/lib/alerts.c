/* alerts.c — price alerts: the crossing decided in PostgreSQL, the notification pushed live. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/alerts.h"
#include "lib/log.h"

#define PUBLISH_TIMEOUT_MS 2000    /* bound on one publisher round trip */

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

static int send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t got = send(fd, p, len, MSG_NOSIGNAL);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (got == 0)
				errno = EPIPE;
			return -1;
		}
		p += got;
		len -= (size_t)got;
	}
	return 0;
}

int alerts_publish(const char *publish_socket, const char *channel, const char *body, char *err,
    size_t errlen)
{
	struct sockaddr_un sa;
	struct timeval tv = { PUBLISH_TIMEOUT_MS / 1000, (PUBLISH_TIMEOUT_MS % 1000) * 1000 };
	char head[256], reply[64];
	size_t len = strlen(body), off;
	ssize_t got = 0;
	int fd = -1, rc = -1, n;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(publish_socket) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "nchan.publish_socket: path too long");
		return -1;
	}
	strcpy(sa.sun_path, publish_socket);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		snprintf(err, errlen, "nchan publisher %s: %s", publish_socket, strerror(errno));
		goto out;
	}
	n = snprintf(head, sizeof(head), "POST /pub/%s HTTP/1.0\r\nHost: localhost\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", channel, len);
	if (n < 0 || (size_t)n >= sizeof(head)) {
		snprintf(err, errlen, "nchan channel name too long");
		goto out;
	}
	if (send_all(fd, head, (size_t)n) == -1 || send_all(fd, body, len) == -1) {
		snprintf(err, errlen, "nchan publisher: %s", strerror(errno));
		goto out;
	}
	for (off = 0; off < sizeof(reply) - 1; off += (size_t)got) {
		got = read(fd, reply + off, sizeof(reply) - 1 - off);
		if (got == -1 && errno == EINTR) {
			got = 0;
			continue;
		}
		if (got <= 0)
			break;
	}
	reply[off] = '\0';
	if (off < 12 || strncmp(reply, "HTTP/1.", 7) != 0)
		snprintf(err, errlen, "nchan publisher: no HTTP answer");
	else if (strncmp(reply + 9, "201", 3) != 0 && strncmp(reply + 9, "202", 3) != 0)
		snprintf(err, errlen, "nchan publisher answered %.3s", reply + 9);
	else
		rc = 0;
out:
	if (fd != -1)
		close(fd);
	return rc;
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
		if (body == NULL || alerts_publish(publish_socket, channel, body, why, sizeof(why)) == -1)
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
