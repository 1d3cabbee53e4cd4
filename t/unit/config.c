/* t/unit/config.c — the typed config table: defaults, overrides, every kind of bad value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"
#include "tap.h"

static int parse(struct config *c, const char *text, char *err)
{
	int rc;

	config_defaults(c);
	err[0] = '\0';
	rc = config_parse(c, "test.conf", text, err, CONFIG_ERR_MAX);
	return rc;
}

/* Expect text to fail with a message containing want. */
static void bad(const char *text, const char *want, const char *what)
{
	struct config c;
	char err[CONFIG_ERR_MAX];

	ok(parse(&c, text, err) == -1 && strstr(err, want) != NULL, "%s -> \"%s\"", what, err);
	config_free(&c);
}

int main(void)
{
	struct config c;
	char err[CONFIG_ERR_MAX];
	char path[] = "/tmp/revlens-config-XXXXXX";
	char dump[16384];
	FILE *f;
	int fd;

	/* defaults */
	ok(config_defaults(&c) == 0, "defaults load");
	is_int(c.web_workers, 4, "web.workers default");
	is_int(c.web_max_body, 1048576, "web.max_body default");
	is_int(c.web_socket_mode, 0660, "web.socket_mode default is octal 0660");
	is_int(c.log_level, LOG_LEVEL_INFO, "log.level default");
	is_str(c.mongo_database, "revlens", "mongodb.database default");
	config_free(&c);
	config_free(&c);
	ok(1, "config_free is idempotent");

	/* good values, comments, quoting, overrides */
	ok(parse(&c, "# comment\n\n  web.workers = 8\nweb.socket_mode=0600\n"
	    "redis.cache = unix:/run/redis.sock   # trailing comment\n"
	    "log.level = debug\r\nweb.socket_group = \" www data \"\n"
	    "postgres.conninfo = host=db port=5433 dbname=x\nweb.workers = 2\n"
	    "web.pidfile =\n", err) == 0, "a valid file parses (%s)", err);
	is_int(c.web_workers, 2, "a later line overrides an earlier one");
	is_int(c.web_socket_mode, 0600, "octal mode");
	is_str(c.redis_cache, "unix:/run/redis.sock", "trailing comment stripped");
	is_int(c.log_level, LOG_LEVEL_DEBUG, "CRLF line ending accepted");
	is_str(c.web_socket_group, " www data ", "quoted value keeps its spaces");
	is_str(c.pg_conninfo, "host=db port=5433 dbname=x", "value with '=' inside");
	is_str(c.web_pidfile, "", "empty string value");
	config_free(&c);

	/* every kind of bad value names file:line */
	bad("web.workers = 4\nweb.wrokers = 2\n", "test.conf:2: unknown key \"web.wrokers\"", "unknown key");
	bad("web.workers = 0\n", "test.conf:1: web.workers: \"0\" is not an integer between 1 and 64", "below min");
	bad("\n\nweb.workers = 65\n", "test.conf:3:", "above max");
	bad("web.workers = four\n", "not an integer", "not a number");
	bad("web.workers = 4x\n", "not an integer", "trailing garbage");
	bad("web.workers = +4\n", "not an integer", "explicit plus sign");
	bad("web.workers = \n", "test.conf:1: web.workers: empty value", "empty integer");
	bad("web.workers = 99999999999999999999\n", "not an integer", "overflow");
	bad("web.max_body = 100\n", "between 1024 and 67108864", "long below min");
	bad("web.socket_mode = 0888\n", "not an octal mode", "non-octal digits");
	bad("web.socket_mode = 01777\n", "not an octal mode", "mode above 0777");
	bad("web.socket_mode = 0666\n", "others no access", "world-accessible socket refused");
	bad("web.socket_mode = 0704\n", "others no access", "other-readable socket refused");
	bad("log.level = loud\n", "not one of debug, info, warn, error", "bad enum");
	bad("web.workers 4\n", "test.conf:1: expected \"key = value\"", "missing '='");
	bad(" = 4\n", "missing key", "missing key");
	bad("web.socket = a\001b\n", "control character", "control character");
	bad("redis.timeout_ms = 5\n", "between 10 and 60000", "timeout below min");

	/* config_load: a missing file, a real file, NUL bytes */
	ok(config_load(&c, "/nonexistent/revlens.conf", err, sizeof(err)) == -1 &&
	    strstr(err, "/nonexistent/revlens.conf: No such file or directory") != NULL, "missing file: %s", err);
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fputs("web.workers = 3\nmongodb.database = rl\n", f);
	fclose(f);
	ok(config_load(&c, path, err, sizeof(err)) == 0 && c.web_workers == 3 &&
	    strcmp(c.mongo_database, "rl") == 0, "load from a file");
	ok(config_dump(&c, dump, sizeof(dump)) == 0 && strstr(dump, "web.workers = 3\n") != NULL &&
	    strstr(dump, "web.socket_mode = 0660\n") != NULL, "dump shows effective values");
	config_free(&c);
	f = fopen(path, "w");
	fwrite("web.workers = 3\n\0x = 1\n", 1, 23, f);
	fclose(f);
	ok(config_load(&c, path, err, sizeof(err)) == -1 && strstr(err, "NUL byte") != NULL,
	    "NUL byte in file rejected");
	unlink(path);

	/* a time zone must be one of tzdata */
	ok(parse(&c, "aggregator.timezone = Europe/Berlin\n", err) == 0 &&
	    strcmp(c.aggregator_timezone, "Europe/Berlin") == 0, "aggregator.timezone: a zone of tzdata");
	config_free(&c);
	ok(config_defaults(&c) == 0 && strcmp(c.aggregator_timezone, "Asia/Seoul") == 0,
	    "aggregator.timezone defaults to Asia/Seoul");
	config_free(&c);
	bad("aggregator.timezone = Asia/Nowhere\n", "is not a time zone", "an unknown zone");
	bad("aggregator.timezone = ../../etc/passwd\n", "is not a time zone", "a path out of zoneinfo");
	bad("aggregator.timezone = /etc/localtime\n", "is not a time zone", "an absolute path");
	bad("aggregator.timezone = zone.tab\n", "is not a time zone", "a file of zoneinfo that is no zone");

	/* etc/revlens.conf.example is valid and documents every key of the table */
	{
		const char *src = getenv("REVLENS_SRCDIR");
		char example[4096], *text = NULL, *line;
		size_t n = 0;
		int missing = 0;
		FILE *ef;

		snprintf(example, sizeof(example), "%s/etc/revlens.conf.example", src ? src : ".");
		err[0] = '\0';
		ok(config_load(&c, example, err, sizeof(err)) == 0, "the example configuration loads (%s)", err);
		config_free(&c);
		config_defaults(&c);
		config_dump(&c, dump, sizeof(dump));
		config_free(&c);
		ef = fopen(example, "r");
		if (ef != NULL) {
			text = calloc(1, 65536);
			n = fread(text, 1, 65535, ef);
			fclose(ef);
		}
		for (line = strtok(dump, "\n"); line != NULL && text != NULL; line = strtok(NULL, "\n")) {
			char key[128];
			if (line[0] == '#' || sscanf(line, "%127s", key) != 1)
				continue;
			strcat(key, " =");
			if (strstr(text, key) == NULL) {
				printf("# not documented in the example: %s\n", key);
				missing++;
			}
		}
		ok(n > 0 && missing == 0, "every key is in etc/revlens.conf.example");
		free(text);
	}
	return tap_done();
}
