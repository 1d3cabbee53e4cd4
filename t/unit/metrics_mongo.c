/* t/unit/metrics_mongo.c — the revlens_mongodb_* families of a serverStatus reply
 * (src/web/metrics_stores.c) without a server: a MongoDB 7 reply gives every family
 * (memory in bytes, counters and gauges with their types, each HELP/TYPE once, the
 * families contiguous), the stand-in's short reply gives only what it has, label values
 * are escaped, integers of any BSON width and doubles are printed exactly. */
#include "web/metrics_stores.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static const char MONGODB7[] =
	"{\"host\": \"db1\", \"version\": \"7.0.14\", \"process\": \"mongod\", \"pid\": {\"$numberLong\": \"4242\"},"
	" \"uptime\": 86400.5, \"uptimeMillis\": {\"$numberLong\": \"86400500\"},"
	" \"asserts\": {\"regular\": 0, \"warning\": 1, \"msg\": 0, \"user\": 17, \"rollovers\": 0},"
	" \"connections\": {\"current\": 12, \"available\": 838848, \"totalCreated\": {\"$numberLong\": \"5000000000\"}},"
	" \"globalLock\": {\"currentQueue\": {\"total\": 2, \"readers\": 1, \"writers\": 1}},"
	" \"mem\": {\"bits\": 64, \"resident\": 123, \"virtual\": 2048},"
	" \"network\": {\"bytesIn\": {\"$numberLong\": \"1000\"}, \"bytesOut\": {\"$numberLong\": \"2000\"}},"
	" \"opcounters\": {\"insert\": 10, \"query\": 20, \"update\": 30, \"delete\": 40, \"getmore\": 50, \"command\": 60},"
	" \"wiredTiger\": {\"cache\": {\"bytes currently in the cache\": {\"$numberLong\": \"1048576\"},"
	"   \"maximum bytes configured\": 2147483648.0}},"
	" \"metrics\": {\"cursor\": {\"timedOut\": {\"$numberLong\": \"3\"}, \"open\": {\"noTimeout\": 0, \"pinned\": 0,"
	"   \"total\": {\"$numberLong\": \"4\"}}}},"
	" \"ok\": 1.0}";

/* what mongo-java-server 1.47 answers */
static const char STANDIN[] =
	"{\"host\": \"x\", \"version\": \"5.0.0\", \"process\": \"java\", \"pid\": 7, \"uptime\": 5,"
	" \"uptimeMillis\": {\"$numberLong\": \"5123\"}, \"connections\": {\"current\": 1},"
	" \"metrics\": {\"cursor\": {\"timedOut\": {\"$numberLong\": \"0\"}, \"open\": {\"noTimeout\": {\"$numberLong\": \"0\"},"
	"   \"pinned\": {\"$numberLong\": \"0\"}, \"total\": {\"$numberLong\": \"0\"}}}}, \"ok\": 1.0}";

static char *render(const char *json)
{
	bson_error_t error;
	bson_t *doc = bson_new_from_json((const uint8_t *)json, -1, &error);
	struct arena a;
	struct buf b;
	char *out;

	if (doc == NULL) {
		printf("# bad JSON: %s\n", error.message);
		return strdup("");
	}
	arena_init(&a, 4096, 0);
	buf_init(&b, &a);
	metrics_stores_mongo_text(doc, &b);
	out = strdup(b.data != NULL ? b.data : "");
	arena_free(&a);
	bson_destroy(doc);
	return out;
}

static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

static int count(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* Every sample line of a family comes right after its TYPE line or another of its
 * samples: families are contiguous, as the text format requires. */
static int contiguous(const char *text)
{
	char fam[128] = "", name[128];
	const char *p = text;
	while (*p != '\0') {
		const char *e = strchr(p, '\n');
		size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n > 7 && strncmp(p, "# TYPE ", 7) == 0) {
			size_t k = strcspn(p + 7, " ");
			snprintf(fam, sizeof(fam), "%.*s", (int)k, p + 7);
		} else if (p[0] != '#') {
			size_t k = strcspn(p, "{ ");
			snprintf(name, sizeof(name), "%.*s", (int)k, p);
			if (strcmp(name, fam) != 0)
				return 0;
		}
		p += n + (e != NULL);
	}
	return 1;
}

int main(void)
{
	char *t = render(MONGODB7);

	ok(has_line(t, "revlens_mongodb_info{version=\"7.0.14\",process=\"mongod\"} 1"), "MongoDB 7: info with version and process");
	ok(has_line(t, "revlens_mongodb_uptime_seconds 86400.5"), "uptime, a double");
	ok(has_line(t, "revlens_mongodb_connections{state=\"current\"} 12"), "connections current");
	ok(has_line(t, "revlens_mongodb_connections{state=\"available\"} 838848"), "connections available");
	ok(has_line(t, "revlens_mongodb_connections_created_total 5000000000"), "connections created, an int64 past 2^32");
	ok(has_line(t, "# TYPE revlens_mongodb_connections_created_total counter"), "... a counter");
	ok(has_line(t, "revlens_mongodb_opcounters_total{op=\"insert\"} 10") &&
	    has_line(t, "revlens_mongodb_opcounters_total{op=\"query\"} 20") &&
	    has_line(t, "revlens_mongodb_opcounters_total{op=\"update\"} 30") &&
	    has_line(t, "revlens_mongodb_opcounters_total{op=\"delete\"} 40") &&
	    has_line(t, "revlens_mongodb_opcounters_total{op=\"getmore\"} 50") &&
	    has_line(t, "revlens_mongodb_opcounters_total{op=\"command\"} 60"), "the six opcounters");
	ok(has_line(t, "revlens_mongodb_memory_bytes{type=\"resident\"} 128974848"), "resident memory: 123 MiB in bytes");
	ok(has_line(t, "revlens_mongodb_memory_bytes{type=\"virtual\"} 2147483648"), "virtual memory: 2048 MiB in bytes");
	ok(has_line(t, "revlens_mongodb_wiredtiger_cache_bytes{state=\"used\"} 1048576") &&
	    has_line(t, "revlens_mongodb_wiredtiger_cache_bytes{state=\"max\"} 2147483648"), "WiredTiger cache used and max");
	ok(has_line(t, "revlens_mongodb_network_bytes_total{direction=\"in\"} 1000") &&
	    has_line(t, "revlens_mongodb_network_bytes_total{direction=\"out\"} 2000"), "network bytes in and out");
	ok(has_line(t, "revlens_mongodb_cursors_open 4") && has_line(t, "revlens_mongodb_cursors_timed_out_total 3"),
	    "cursors open and timed out");
	ok(has_line(t, "revlens_mongodb_global_lock_queue 2"), "global lock queue");
	ok(has_line(t, "revlens_mongodb_asserts_total{type=\"user\"} 17") &&
	    has_line(t, "revlens_mongodb_asserts_total{type=\"warning\"} 1"), "asserts by type");
	is_int(count(t, "# TYPE "), 12, "twelve families");
	is_int(count(t, "# HELP "), 12, "... each with one HELP");
	is_int(count(t, "# TYPE revlens_mongodb_opcounters_total "), 1, "... and one TYPE (opcounters)");
	ok(contiguous(t), "every family's samples follow its TYPE line");
	ok(strstr(t, "revlens_mongodb_up ") == NULL && strstr(t, "revlens_mongodb_up{") == NULL, "revlens_mongodb_up is the caller's");
	free(t);

	t = render(STANDIN);
	ok(has_line(t, "revlens_mongodb_info{version=\"5.0.0\",process=\"java\"} 1"), "stand-in: info says java");
	ok(has_line(t, "revlens_mongodb_uptime_seconds 5"), "uptime");
	ok(has_line(t, "revlens_mongodb_connections{state=\"current\"} 1"), "connections current");
	ok(strstr(t, "state=\"available\"") == NULL, "no available connections: not reported");
	ok(has_line(t, "revlens_mongodb_cursors_open 0") && has_line(t, "revlens_mongodb_cursors_timed_out_total 0"),
	    "cursors");
	ok(strstr(t, "opcounters") == NULL && strstr(t, "memory_bytes") == NULL && strstr(t, "wiredtiger") == NULL &&
	    strstr(t, "network") == NULL && strstr(t, "asserts") == NULL && strstr(t, "global_lock") == NULL,
	    "the families it does not report are left out, HELP and TYPE too");
	is_int(count(t, "# TYPE "), 5, "five families");
	ok(contiguous(t), "contiguous");
	free(t);

	t = render("{\"version\": \"7\\\"x\\\\y\\nz\", \"uptime\": \"not a number\", \"connections\": {\"current\": true}}");
	ok(has_line(t, "revlens_mongodb_info{version=\"7\\\"x\\\\y\\nz\",process=\"\"} 1"),
	    "label values escaped (quote, backslash, newline); a missing process is empty");
	ok(strstr(t, "uptime") == NULL, "a string where a number belongs is left out");
	ok(has_line(t, "revlens_mongodb_connections{state=\"current\"} 1"), "a boolean counts as 0/1");
	free(t);

	t = render("{}");
	is_str(t, "# HELP revlens_mongodb_info The MongoDB server's version and process name, from serverStatus.\n"
	    "# TYPE revlens_mongodb_info gauge\nrevlens_mongodb_info{version=\"\",process=\"\"} 1\n",
	    "an empty reply: the info line only");
	free(t);
	return tap_done();
}
