/* config.c — the typed configuration table and its parser.
 *
 * The table below is the documentation: every key with its type, range,
 * default and one line of doc. The parser is line-oriented ("key = value",
 * "#" comments), rejects unknown keys, malformed numbers and out-of-range
 * values with "file:line: message", and lets a later line override an earlier
 * one for the same key (so generated configs can append overrides).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "lib/config.h"
#include "lib/file.h"
#include "lib/strnum.h"

enum ctype { CT_STR, CT_INT, CT_LONG, CT_OCTAL, CT_LEVEL, CT_LOOPBACK, CT_ZONE };

/* The types held as heap strings. */
#define IS_STRING(t) ((t) == CT_STR || (t) == CT_LOOPBACK || (t) == CT_ZONE)

struct ckey {
	const char *name;
	enum ctype type;
	long long min, max;
	const char *def;
	size_t off;             /* offsetof(struct config, field) */
	const char *doc;
};

#define F(field) offsetof(struct config, field)

static const struct ckey keys[] = {
	{ "web.socket", CT_STR, 0, 0, "/run/revlens/web.sock", F(web_socket),
	  "Path of the FastCGI Unix socket the master listens on" },
	{ "web.socket_mode", CT_OCTAL, 0600, 0770, "0660", F(web_socket_mode),
	  "Mode of the socket file (octal; never world-accessible: a client of the socket can claim any REMOTE_ADDR)" },
	{ "web.socket_group", CT_STR, 0, 0, "", F(web_socket_group),
	  "Group given to the socket file; empty keeps the master's" },
	{ "web.workers", CT_INT, 1, 64, "4", F(web_workers),
	  "Number of pre-forked worker processes" },
	{ "web.max_body", CT_LONG, 1024, 67108864, "1048576", F(web_max_body),
	  "Largest request body in bytes (413 above it)" },
	{ "web.drain_timeout", CT_INT, 1, 600, "30", F(web_drain_timeout),
	  "Seconds a graceful stop waits for in-flight requests" },
	{ "web.pidfile", CT_STR, 0, 0, "", F(web_pidfile),
	  "File the master writes its PID to; empty for none" },
	{ "web.origin", CT_STR, 0, 0, "", F(web_origin),
	  "This site's origin as browsers see it (\"https://revlens.example.com\"); empty derives it from each request's scheme, host and port. Forms posted from any other origin get 403" },
	{ "log.level", CT_LEVEL, 0, 0, "info", F(log_level),
	  "Minimum level: debug, info, warn, error" },
	{ "log.file", CT_STR, 0, 0, "-", F(log_file),
	  "Log file; - is standard error" },
	{ "postgres.conninfo", CT_STR, 0, 0, "host=127.0.0.1 port=5432 dbname=revlens user=revlens",
	  F(pg_conninfo), "libpq connection string without a password" },
	{ "postgres.password_file", CT_STR, 0, 0, "", F(pg_password_file),
	  "File holding the PostgreSQL password; empty for none" },
	{ "mongodb.uri", CT_STR, 0, 0, "mongodb://127.0.0.1:27017/?serverSelectionTimeoutMS=2000",
	  F(mongo_uri), "MongoDB connection URI" },
	{ "mongodb.database", CT_STR, 0, 0, "revlens", F(mongo_database),
	  "MongoDB database name" },
	{ "redis.sessions", CT_STR, 0, 0, "127.0.0.1:6379", F(redis_sessions),
	  "Redis for login sessions, the API-token allow-list and the log-in and sign-up limits (host:port or unix:/path)" },
	{ "redis.cache", CT_STR, 0, 0, "127.0.0.1:6379", F(redis_cache),
	  "Redis for the API cache (it may be lost at any time: pages then read the database)" },
	{ "redis.queue", CT_STR, 0, 0, "127.0.0.1:6379", F(redis_queue),
	  "Redis for the analysis job stream and live progress" },
	{ "redis.pubsub", CT_STR, 0, 0, "127.0.0.1:6379", F(redis_pubsub),
	  "Redis for pub/sub notifications" },
	{ "redis.timeout_ms", CT_INT, 10, 60000, "1000", F(redis_timeout_ms),
	  "Connect and command timeout for every Redis role (ms)" },
	{ "nchan.publish_socket", CT_STR, 0, 0, "/run/revlens/nchan-publish.sock",
	  F(nchan_publish_socket), "Unix socket of nginx's internal nchan publisher" },
	{ "health.timeout_ms", CT_INT, 10, 60000, "1000", F(health_timeout_ms),
	  "Per-dependency timeout of GET /healthz (ms); also MongoDB's connect and server-selection timeouts unless mongodb.uri sets them" },
	{ "auth.pwhash_opslimit", CT_INT, 1, 20, "2", F(auth_pwhash_opslimit),
	  "Argon2id passes per password hash (libsodium INTERACTIVE is 2); older hashes are upgraded at log-in" },
	{ "auth.pwhash_memlimit", CT_LONG, 8192, 1073741824, "67108864", F(auth_pwhash_memlimit),
	  "Argon2id memory per password hash in bytes (64 MiB; each log-in holds it while it runs: size web.workers with it)" },
	{ "auth.session_idle", CT_INT, 300, 31536000, "604800", F(auth_session_idle),
	  "Seconds a browser session survives without use (sliding expiry)" },
	{ "auth.session_lifetime", CT_INT, 300, 31536000, "2592000", F(auth_session_lifetime),
	  "Seconds a browser session lives at most, used or not (absolute expiry)" },
	{ "auth.jwt_key_file", CT_STR, 0, 0, "", F(auth_jwt_key_file),
	  "File with the API token signing key (32+ bytes, mode 0600 or 0640); empty disables API tokens" },
	{ "auth.token_ttl", CT_INT, 60, 86400, "3600", F(auth_token_ttl),
	  "Seconds an API token (POST /api/auth/token) is valid" },
	{ "auth.login_account_limit", CT_INT, 2, 100, "5", F(auth_login_account_limit),
	  "Failed log-ins on one account before each further try must wait (doubling from 30 s up to 15 min)" },
	{ "auth.login_address_limit", CT_INT, 2, 100000, "100", F(auth_login_address_limit),
	  "Failed log-ins from one client address in an hour before that address is refused for the hour" },
	{ "auth.signup_address_limit", CT_INT, 1, 100000, "10", F(auth_signup_address_limit),
	  "Sign-ups from one client address in an hour" },
	{ "ingest.max_body", CT_LONG, 1024, 67108864, "8388608", F(ingest_max_body),
	  "Largest body of a POST /api/ingest/... batch in bytes (413 above it; nginx's client_max_body_size for /api/ingest/ is the same number)" },
	{ "worker.processes", CT_INT, 1, 64, "2", F(worker_processes),
	  "Analysis processes revlens-worker runs on this host (each takes one job at a time)" },
	{ "worker.model_file", CT_STR, 0, 0, "", F(worker_model_file),
	  "Sentiment model file (mapped once per process, shared through the page cache); empty uses $REVLENS_KR_MODEL or the installed one" },
	{ "worker.batch_size", CT_INT, 10, 10000, "1000", F(worker_batch_size),
	  "Reviews read, analysed and written back per batch (progress is published after each)" },
	{ "worker.collect_timeout", CT_INT, 0, 3600, "120", F(worker_collect_timeout),
	  "Seconds a job waits for its crawl to report done, blocked or failed before it goes on with what is stored (0: does not ask for a crawl)" },
	{ "worker.visibility_timeout", CT_INT, 10, 86400, "300", F(worker_visibility_timeout),
	  "Seconds a job may go without its worker's heartbeat before another worker reclaims it" },
	{ "worker.max_attempts", CT_INT, 1, 100, "5", F(worker_max_attempts),
	  "Attempts of a job whose errors are transient before it goes to the dead-letter stream and its request fails" },
	{ "worker.retry_backoff_ms", CT_INT, 1, 3600000, "2000", F(worker_retry_backoff_ms),
	  "First wait before a failed attempt is retried (ms); doubles with each attempt, with jitter" },
	{ "worker.pidfile", CT_STR, 0, 0, "", F(worker_pidfile),
	  "File revlens-worker writes its PID to; empty for none" },
	{ "worker.metrics_listen", CT_LOOPBACK, 0, 0, "", F(worker_metrics_listen),
	  "Loopback host:port where revlens-worker serves GET /metrics (Prometheus text); empty for none" },
	{ "aggregator.timezone", CT_ZONE, 0, 0, "Asia/Seoul", F(aggregator_timezone),
	  "IANA time zone whose calendar days and months the rollups use (and ingestion marks pending); changing it needs a back-fill" },
	{ "aggregator.lock_ttl", CT_INT, 30, 86400, "300", F(aggregator_lock_ttl),
	  "Seconds the aggregator's Redis lock outlives a run that stopped refreshing it (a crashed run)" },
	{ "webhook.allow_private", CT_INT, 0, 1, "0", F(webhook_allow_private),
	  "1 lets users' webhooks use http and loopback or private addresses (tests, a LAN); 0 wants https to public addresses" },
	{ "webhook.timeout_ms", CT_INT, 100, 60000, "10000", F(webhook_timeout_ms),
	  "Time revlens-notifier waits for a webhook receiver's answer (ms) before it counts the attempt failed" },
	{ "crawler.coupang_url", CT_STR, 0, 0, "https://www.coupang.com", F(crawler_coupang_url),
	  "Origin revlens-crawler fetches product pages and reviews from (tests point it at a local server)" },
	{ "crawler.ca_file", CT_STR, 0, 0, "", F(crawler_ca_file),
	  "PEM file of the CAs revlens-crawler trusts for crawler.coupang_url; empty uses the system's" },
	{ "crawler.revlens_url", CT_STR, 0, 0, "http://127.0.0.1:8480", F(crawler_revlens_url),
	  "Where revlens-crawler and revlens-replay-crawler post what they collect (this revlens, through nginx)" },
	{ "crawler.token_file", CT_STR, 0, 0, "", F(crawler_token_file),
	  "File holding the crawlers' ingest token (revlens token create --ingest); required by the crawlers" },
	{ "crawler.page_interval_ms", CT_INT, 0, 600000, "1500", F(crawler_page_interval_ms),
	  "Least time between two requests of revlens-crawler to crawler.coupang_url (ms)" },
	{ "crawler.max_pages", CT_INT, 1, 100000, "100", F(crawler_max_pages),
	  "Most review pages revlens-crawler fetches for one crawl request" },
	{ "crawler.max_retries", CT_INT, 0, 100, "4", F(crawler_max_retries),
	  "Retries of one page after a 429 or 5xx answer (or a network error) before the crawl is reported failed" },
	{ "crawler.backoff_ms", CT_INT, 1, 600000, "2000", F(crawler_backoff_ms),
	  "First back-off after a 429 or 5xx (ms); doubles with each retry, with random jitter, honouring Retry-After" },
	{ "crawler.timeout_ms", CT_INT, 100, 600000, "15000", F(crawler_timeout_ms),
	  "Timeout of one HTTP request of the crawlers (ms)" },
	{ "postgres.slow_query_ms", CT_INT, 0, 3600000, "500", F(pg_slow_query_ms),
	  "Statements that take longer are logged as warnings with their text, never their parameter values (ms; 0 = off)" },
	{ "mongodb.slow_query_ms", CT_INT, 0, 3600000, "500", F(mongo_slow_query_ms),
	  "MongoDB commands that take longer are logged as warnings with the collection and the filter's keys, never its values (ms; 0 = off)" },
	{ "stats.exact_count_max", CT_LONG, 0, 1000000000000LL, "100000", F(stats_exact_count_max),
	  "revlens stats counts the rows of a table exactly up to this many (by the planner's estimate) and shows the estimate above it" },
	{ "stats.postgres_path", CT_STR, 0, 0, "/var/lib/postgresql", F(stats_postgres_path),
	  "A directory on the disk that holds PostgreSQL's data (free space and the projection of revlens stats); empty: unknown" },
	{ "stats.mongodb_path", CT_STR, 0, 0, "/var/lib/mongodb", F(stats_mongodb_path),
	  "A directory on the disk that holds MongoDB's data; empty: unknown (a MongoDB on another host)" },
	{ "stats.redis_path", CT_STR, 0, 0, "/var/lib/redis", F(stats_redis_path),
	  "A directory on the disk that holds Redis' dumps (RDB/AOF); empty: unknown" },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const char *const level_names[] = { "debug", "info", "warn", "error" };

__attribute__((format(printf, 5, 6)))
static int fail(char *err, size_t errlen, const char *name, int line, const char *fmt, ...)
{
	va_list ap;
	int n = line > 0 ? snprintf(err, errlen, "%s:%d: ", name, line)
	                 : snprintf(err, errlen, "%s: ", name);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static const struct ckey *find_key(const char *name, size_t len)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strlen(keys[i].name) == len && memcmp(keys[i].name, name, len) == 0)
			return &keys[i];
	return NULL;
}

/* A loopback listening address: "" (none), or HOST:PORT with HOST an address of
 * 127.0.0.0/8, "localhost" or "[::1]" and PORT 1..65535. 0 when it is one. */
static int loopback_ok(const char *v)
{
	const char *colon = strrchr(v, ':');
	char host[64];
	size_t hl;
	long long port;
	struct in_addr a4;
	struct in6_addr a6;

	if (v[0] == '\0')
		return 0;
	if (colon == NULL || (hl = (size_t)(colon - v)) == 0 || hl >= sizeof(host) ||
	    strnum_parse(colon + 1, 10, 1, 65535, &port) == -1)
		return -1;
	memcpy(host, v, hl);
	host[hl] = '\0';
	if (strcmp(host, "localhost") == 0)
		return 0;
	if (host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		return inet_pton(AF_INET6, host + 1, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6) ? 0 : -1;
	}
	return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127 ? 0 : -1;
}

/* An IANA zone name with a compiled zone file under /usr/share/zoneinfo (tzdata):
 * letters, digits and "/_+-", no "..", not absolute. 0 when it is one. */
static int zone_ok(const char *v)
{
	char path[256];
	FILE *f;
	char magic[4];
	int ok;

	if (v[0] == '\0' || v[0] == '/' || strstr(v, "..") != NULL || strlen(v) > 64 ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") != strlen(v))
		return -1;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", v);
	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
	fclose(f);
	return ok ? 0 : -1;
}

/* Store value (NUL-terminated) into the field described by k. */
static int set_value(struct config *cfg, const struct ckey *k, const char *value,
    const char *name, int line, char *err, size_t errlen)
{
	char *base = (char *)cfg + k->off;
	long long n;

	switch (k->type) {
	case CT_LOOPBACK:
		if (loopback_ok(value) == -1)
			return fail(err, errlen, name, line,
			    "%s: \"%s\" is not a loopback HOST:PORT (127.0.0.1:9464, [::1]:9464 or localhost:9464; "
			    "empty for none): metrics are served to this host only", k->name, value);
		/* FALLTHROUGH */
	case CT_ZONE:
		if (k->type == CT_ZONE && zone_ok(value) == -1)
			return fail(err, errlen, name, line,
			    "%s: \"%s\" is not a time zone of /usr/share/zoneinfo (e.g. Asia/Seoul, UTC; "
			    "install tzdata)", k->name, value);
		/* FALLTHROUGH */
	case CT_STR: {
		char *copy = strdup(value);
		if (copy == NULL)
			return fail(err, errlen, name, line, "out of memory");
		free(*(char **)(void *)base);
		*(char **)(void *)base = copy;
		return 0;
	}
	case CT_INT:
	case CT_LONG:
	case CT_OCTAL:
		if (strnum_parse(value, k->type == CT_OCTAL ? 8 : 10, k->min, k->max, &n) == -1) {
			if (k->type == CT_OCTAL)
				return fail(err, errlen, name, line,
				    "%s: \"%s\" is not an octal mode between %llo and %llo",
				    k->name, value, k->min, k->max);
			return fail(err, errlen, name, line,
			    "%s: \"%s\" is not an integer between %lld and %lld",
			    k->name, value, k->min, k->max);
		}
		/* A socket mode: the owner reads and writes, others get nothing. */
		if (k->type == CT_OCTAL && ((n & 0600) != 0600 || (n & 07) != 0))
			return fail(err, errlen, name, line,
			    "%s: \"%s\" must give the owner rw- and others no access (e.g. 0660)",
			    k->name, value);
		if (k->type == CT_LONG)
			*(long *)(void *)base = (long)n;
		else
			*(int *)(void *)base = (int)n;
		return 0;
	case CT_LEVEL:
		for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
			if (strcmp(value, level_names[i]) == 0) {
				*(int *)(void *)base = (int)i;
				return 0;
			}
		return fail(err, errlen, name, line,
		    "%s: \"%s\" is not one of debug, info, warn, error", k->name, value);
	}
	return fail(err, errlen, name, line, "%s: bad key type", k->name);
}

int config_defaults(struct config *cfg)
{
	char err[CONFIG_ERR_MAX];

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NKEYS; i++)
		if (set_value(cfg, &keys[i], keys[i].def, "defaults", 0, err, sizeof(err)) == -1) {
			config_free(cfg);
			return -1;
		}
	return 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int config_parse(struct config *cfg, const char *name, const char *text, char *err, size_t errlen)
{
	const char *p = text;
	int line = 0;
	char value[4096];

	while (*p != '\0') {
		const char *eol = strchr(p, '\n');
		const char *end = eol ? eol : p + strlen(p);
		const char *k, *kend, *v, *vend;
		const struct ckey *key;

		line++;
		k = p;
		p = eol ? eol + 1 : end;

		while (k < end && is_space(*k))
			k++;
		if (k == end || *k == '#')
			continue;
		for (const char *c = k; c < end; c++)
			if (*c == '\0' || ((unsigned char)*c < 0x20 && !is_space(*c)))
				return fail(err, errlen, name, line, "control character in line");
		kend = k;
		while (kend < end && *kend != '=' && !is_space(*kend))
			kend++;
		v = kend;
		while (v < end && is_space(*v))
			v++;
		if (v == end || *v != '=')
			return fail(err, errlen, name, line, "expected \"key = value\"");
		if (kend == k)
			return fail(err, errlen, name, line, "missing key before \"=\"");
		key = find_key(k, (size_t)(kend - k));
		if (key == NULL)
			return fail(err, errlen, name, line, "unknown key \"%.*s\"",
			    (int)(kend - k > 64 ? 64 : kend - k), k);
		v++;
		while (v < end && is_space(*v))
			v++;
		vend = end;
		while (vend > v && is_space(vend[-1]))
			vend--;
		/* A value may be double-quoted to keep leading/trailing spaces or '#'. */
		if (vend - v >= 2 && *v == '"' && vend[-1] == '"') {
			v++;
			vend--;
		} else {
			const char *hash = memchr(v, '#', (size_t)(vend - v));
			if (hash != NULL && hash > v && is_space(hash[-1])) {
				vend = hash;
				while (vend > v && is_space(vend[-1]))
					vend--;
			}
		}
		if ((size_t)(vend - v) >= sizeof(value))
			return fail(err, errlen, name, line, "%s: value longer than %zu bytes",
			    key->name, sizeof(value) - 1);
		memcpy(value, v, (size_t)(vend - v));
		value[vend - v] = '\0';
		if (key->type != CT_STR && key->type != CT_LOOPBACK && value[0] == '\0')
			return fail(err, errlen, name, line, "%s: empty value", key->name);
		if (set_value(cfg, key, value, name, line, err, errlen) == -1)
			return -1;
	}
	return 0;
}

int config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int rc;

	if (config_defaults(cfg) == -1) {
		fail(err, errlen, path, 0, "out of memory");
		return -1;
	}
	if ((text = file_read_all(path, 1u << 20, &len, err, errlen)) == NULL) {
		config_free(cfg);
		return -1;
	}
	rc = config_parse(cfg, path, text, err, errlen);
	free(text);
	if (rc == -1)
		config_free(cfg);
	return rc;
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (IS_STRING(keys[i].type)) {
			char **s = (char **)(void *)((char *)cfg + keys[i].off);
			free(*s);
			*s = NULL;
		}
}

int config_dump(const struct config *cfg, char *buf, size_t len)
{
	size_t used = 0;

	for (size_t i = 0; i < NKEYS; i++) {
		const char *base = (const char *)cfg + keys[i].off;
		int n = 0;
		size_t room = len - used;

		switch (keys[i].type) {
		case CT_STR:
		case CT_LOOPBACK:
		case CT_ZONE:
			n = snprintf(buf + used, room, "# %s\n%s = %s\n", keys[i].doc, keys[i].name,
			    *(char *const *)(const void *)base);
			break;
		case CT_INT:
			n = snprintf(buf + used, room, "# %s (%lld..%lld)\n%s = %d\n", keys[i].doc,
			    keys[i].min, keys[i].max, keys[i].name, *(const int *)(const void *)base);
			break;
		case CT_LONG:
			n = snprintf(buf + used, room, "# %s (%lld..%lld)\n%s = %ld\n", keys[i].doc,
			    keys[i].min, keys[i].max, keys[i].name, *(const long *)(const void *)base);
			break;
		case CT_OCTAL:
			n = snprintf(buf + used, room, "# %s\n%s = 0%o\n", keys[i].doc, keys[i].name,
			    (unsigned)*(const int *)(const void *)base);
			break;
		case CT_LEVEL:
			n = snprintf(buf + used, room, "# %s\n%s = %s\n", keys[i].doc, keys[i].name,
			    level_names[*(const int *)(const void *)base]);
			break;
		}
		if (n < 0 || (size_t)n >= room)
			return -1;
		used += (size_t)n;
	}
	return 0;
}
