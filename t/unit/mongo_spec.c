/* t/unit/mongo_spec.c — the Mongo index spec loader: committed specs, malformed specs. */
#include "lib/mongo.h"
#include "lib/pg.h"
#include "tap.h"

#include <stdlib.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/revlens-mongo-spec.XXXXXX";

/* Write text to tmpdir/name and return the path (static buffer). */
static const char *put(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (f == NULL)
		return path;
	fputs(text, f);
	fclose(f);
	return path;
}

struct bad_spec {
	const char *name;
	const char *file;
	const char *text;
	const char *err_part;   /* expected substring of the message */
};

static const struct bad_spec bad[] = {
	{ "not JSON", "c.json", "{\"collection\": \"c\",", "not valid JSON" },
	{ "unknown top-level field", "c.json",
	  "{\"collection\": \"c\", \"description\": \"d\", \"indexs\": []}", "\"indexs\"" },
	{ "no description", "c.json",
	  "{\"collection\": \"c\", \"indexes\": [{\"name\": \"a\", \"key\": {\"x\": 1}}]}",
	  "description" },
	{ "empty indexes", "c.json", "{\"collection\": \"c\", \"description\": \"d\", \"indexes\": []}",
	  "\"indexes\" is empty" },
	{ "misspelt option", "c.json",
	  "{\"collection\": \"c\", \"description\": \"d\", \"indexes\": "
	  "[{\"name\": \"a\", \"key\": {\"x\": 1}, \"uniqe\": true}]}", "\"uniqe\"" },
	{ "bad direction", "c.json",
	  "{\"collection\": \"c\", \"description\": \"d\", \"indexes\": "
	  "[{\"name\": \"a\", \"key\": {\"x\": 2}}]}", "must be 1 or -1" },
	{ "empty key", "c.json",
	  "{\"collection\": \"c\", \"description\": \"d\", \"indexes\": [{\"name\": \"a\", \"key\": {}}]}",
	  "\"key\" is empty" },
	{ "missing name", "c.json",
	  "{\"collection\": \"c\", \"description\": \"d\", \"indexes\": [{\"key\": {\"x\": 1}}]}",
	  "needs a \"name\"" },
	{ "duplicate name", "c.json",
	  "{\"collection\": \"c\", \"description\": \"d\", \"indexes\": [{\"name\": \"a\", "
	  "\"key\": {\"x\": 1}}, {\"name\": \"a\", \"key\": {\"y\": 1}}]}", "used twice" },
	{ "compound TTL", "c.json",
	  "{\"collection\": \"c\", \"description\": \"d\", \"indexes\": [{\"name\": \"a\", "
	  "\"key\": {\"x\": 1, \"y\": 1}, \"expireAfterSeconds\": 5}]}", "single-field key" },
	{ "negative TTL", "c.json",
	  "{\"collection\": \"c\", \"description\": \"d\", \"indexes\": [{\"name\": \"a\", "
	  "\"key\": {\"x\": 1}, \"expireAfterSeconds\": -1}]}", "expireAfterSeconds" },
	{ "file named after another collection", "other.json",
	  "{\"collection\": \"c\", \"description\": \"d\", \"indexes\": [{\"name\": \"a\", "
	  "\"key\": {\"x\": 1}}]}", "must be named c.json" },
	{ "system collection", "system.x.json",
	  "{\"collection\": \"system.x\", \"description\": \"d\", \"indexes\": [{\"name\": \"a\", "
	  "\"key\": {\"x\": 1}}]}", "valid \"collection\"" },
};

static void committed_specs(void)
{
	static const char *const colls[] = { "keywords", "product_reviews_raw",
		"product_analysis_daily", "product_analysis_monthly", "coupang_keyword_tags",
		"realtime_sessions" };
	const char *src = getenv("REVLENS_SRCDIR");
	char path[512], err[512];
	size_t k, j;
	int ttl = 0;

	for (k = 0; k < sizeof(colls) / sizeof(colls[0]); k++) {
		struct mongo_spec s;

		snprintf(path, sizeof(path), "%s/mongo-indexes/%s.json", src ? src : ".", colls[k]);
		err[0] = '\0';
		is_int(mongo_spec_load(&s, path, err, sizeof(err)), 0, "%s loads (%s)", colls[k], err);
		is_str(s.collection, colls[k], "%s: collection name", colls[k]);
		ok(s.n > 0 && s.description != NULL, "%s: has indexes and a description", colls[k]);
		for (j = 0; j < s.n; j++)
			if (s.idx[j].ttl_seconds >= 0)
				ttl++;
		if (strcmp(colls[k], "product_reviews_raw") == 0) {
			ok(s.n > 0 && strcmp(s.idx[0].name, "review_uid") == 0 && s.idx[0].unique,
			    "product_reviews_raw: review_uid is unique");
		}
		mongo_spec_free(&s);
	}
	is_int(ttl, 1, "exactly one TTL index across the specs (realtime_sessions)");
}

static void good_spec(void)
{
	struct mongo_spec s;
	char err[512] = "";
	bson_t *doc;
	char *json;
	const char *p = put("c.json", "{\"collection\": \"c\", \"description\": \"d\", \"indexes\": ["
	    "{\"name\": \"a\", \"key\": {\"x\": 1.0, \"y\": -1}, \"unique\": true},"
	    "{\"name\": \"t\", \"key\": {\"exp\": 1}, \"expireAfterSeconds\": 0}]}");

	is_int(mongo_spec_load(&s, p, err, sizeof(err)), 0, "good spec loads (%s)", err);
	is_int(s.n, 2, "two indexes");
	doc = s.n == 2 ? mongo_index_doc(&s.idx[0], 1) : NULL;
	json = doc ? bson_as_relaxed_extended_json(doc, NULL) : NULL;
	is_str(json, "{ \"key\" : { \"x\" : 1, \"y\" : -1 }, \"name\" : \"a\", \"unique\" : true }",
	    "index document normalises directions to int32");
	bson_free(json);
	if (doc)
		bson_destroy(doc);
	ok(s.n == 2 && s.idx[1].ttl_seconds == 0, "TTL 0 kept");
	doc = s.n == 2 ? mongo_index_doc(&s.idx[1], 0) : NULL;
	json = doc ? bson_as_relaxed_extended_json(doc, NULL) : NULL;
	is_str(json, "{ \"key\" : { \"exp\" : 1 }, \"name\" : \"t\" }", "with_ttl = 0 drops the TTL");
	bson_free(json);
	if (doc)
		bson_destroy(doc);
	ok(s.n == 2 && mongo_key_equal(s.idx[0].key, s.idx[0].key), "key equals itself");
	ok(s.n == 2 && !mongo_key_equal(s.idx[0].key, s.idx[1].key), "different keys differ");
	mongo_spec_free(&s);
	mongo_spec_free(&s);
	ok(s.n == 0 && s.idx == NULL, "mongo_spec_free is idempotent");
}

static void password_file(void)
{
	char err[256];
	char *pw = NULL;

	is_int(pg_read_password(put("pw", "s3cret\nignored\n"), &pw, err, sizeof(err)), 0,
	    "password file read");
	is_str(pw, "s3cret", "first line without its newline");
	free(pw);
	pw = NULL;
	is_int(pg_read_password(put("pw", "\n"), &pw, err, sizeof(err)), -1, "empty password refused");
	ok(pw == NULL && strstr(err, "empty") != NULL, "message says empty (%s)", err);
	is_int(pg_read_password("/nonexistent/pw", &pw, err, sizeof(err)), -1, "missing file refused");
}

int main(void)
{
	size_t k;
	char err[512];

	if (mkdtemp(tmpdir) == NULL) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	committed_specs();
	good_spec();
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct mongo_spec s;
		const char *p = put(bad[k].file, bad[k].text);

		err[0] = '\0';
		is_int(mongo_spec_load(&s, p, err, sizeof(err)), -1, "%s: rejected", bad[k].name);
		ok(strstr(err, bad[k].err_part) != NULL && strstr(err, p) != NULL,
		    "%s: message names the file and says why (%s)", bad[k].name, err);
		ok(s.n == 0 && s.collection == NULL, "%s: spec left empty", bad[k].name);
		mongo_spec_free(&s);
		unlink(p);
	}
	{
		struct mongo_spec s;

		is_int(mongo_spec_load(&s, "/nonexistent/x.json", err, sizeof(err)), -1,
		    "missing file rejected");
	}
	password_file();
	unlink(put("c.json", ""));
	unlink(put("pw", ""));
	rmdir(tmpdir);
	return tap_done();
}
