/* mongo.c — MongoDB access through mongo-c-driver: connection, ping, index specs,
 * the slow-command log.
 *
 * BSON is built from typed appends only. The one exception is mongo_spec_load(),
 * which parses the committed index spec files (trusted repository files) with
 * bson_new_from_json and then validates every field before anything is sent.
 * Errors use the driver's "error API version 2" so server error codes come back as-is.
 *
 * Slow-command log: with mongodb.slow_query_ms on, each client gets the driver's
 * command-monitoring callbacks (mongoc_apm_*). A client runs one command at a time, so
 * one slot per client remembers the command in flight: its name, collection and a copy
 * of its filter's bytes (a memcpy; nothing is formatted unless the command turns out
 * slow). On its end, a command at or over the threshold is logged with the filter's
 * shape: keys kept, every value "?", so review text, e-mail addresses or tokens in a
 * filter never reach the log. A failed command's server message is not logged either
 * (a duplicate-key error quotes the key's values).
 */
#include "lib/file.h"
#include "lib/log.h"
#include "lib/mongo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPEC_MAX_BYTES (1024 * 1024)   /* a spec is a few hundred bytes; refuse nonsense */
#define TTL_MAX_SECONDS 2147483647LL   /* MongoDB stores expireAfterSeconds as int32 */
#define SLOW_FILTER_MAX 4096           /* bytes of a filter kept for the log; larger: "(too large)" */
#define SLOW_SHAPE_MAX 480             /* bytes of a filter's shape in one log record */
#define SLOW_DEPTH_MAX 6               /* nesting shown; deeper: "{...}" */

static int slow_ms;     /* mongodb.slow_query_ms for clients opened from now on; 0 = off */

enum filter_kind { FK_NONE, FK_DOC, FK_ARRAY, FK_TOO_LARGE };

/* The command in flight on one client (see the file's comment). */
struct mongo_slow {
	int64_t request_id;
	char command[32];
	char ns[160];               /* database.collection, or the database alone */
	const char *filter_name;    /* static: "filter", "query", "q", "pipeline" */
	enum filter_kind kind;
	uint32_t filter_len;
	uint8_t filter[SLOW_FILTER_MAX];
};

int mongo_global_init(void)
{
	mongoc_init();
	return 0;
}

void mongo_global_cleanup(void)
{
	mongoc_cleanup();
}

/* Copy the first line of msg into m->err. */
static void set_err(char *err, size_t errlen, const char *prefix, const char *msg)
{
	size_t n = strcspn(msg, "\r\n");

	snprintf(err, errlen, "%s%.*s", prefix, (int)n, msg);
}

void mongo_slow_query_ms_set(int ms)
{
	slow_ms = ms > 0 ? ms : 0;
}

/* Keep a copy of the document or array at it as the command's filter. */
static void keep_filter(struct mongo_slow *s, const bson_iter_t *it, const char *name)
{
	const uint8_t *data;
	uint32_t len;

	if (BSON_ITER_HOLDS_DOCUMENT(it)) {
		bson_iter_document(it, &len, &data);
		s->kind = FK_DOC;
	} else if (BSON_ITER_HOLDS_ARRAY(it)) {
		bson_iter_array(it, &len, &data);
		s->kind = FK_ARRAY;
	} else {
		return;
	}
	s->filter_name = name;
	if (len > sizeof(s->filter)) {
		s->kind = FK_TOO_LARGE;
		return;
	}
	memcpy(s->filter, data, len);
	s->filter_len = len;
}

static void apm_started(const mongoc_apm_command_started_t *e)
{
	struct mongo_slow *s = mongoc_apm_command_started_get_context(e);
	const bson_t *cmd = mongoc_apm_command_started_get_command(e);
	const char *name = mongoc_apm_command_started_get_command_name(e);
	const char *db = mongoc_apm_command_started_get_database_name(e);
	const char *coll = NULL;
	bson_iter_t it, f;

	s->request_id = mongoc_apm_command_started_get_request_id(e);
	s->kind = FK_NONE;
	s->filter_len = 0;
	snprintf(s->command, sizeof(s->command), "%s", name ? name : "?");
	/* the collection is the command's own value (find: "reviews"), getMore's "collection" */
	if (name != NULL && bson_iter_init_find(&it, cmd, name) && BSON_ITER_HOLDS_UTF8(&it))
		coll = bson_iter_utf8(&it, NULL);
	else if (bson_iter_init_find(&it, cmd, "collection") && BSON_ITER_HOLDS_UTF8(&it))
		coll = bson_iter_utf8(&it, NULL);
	snprintf(s->ns, sizeof(s->ns), "%s%s%s", db ? db : "?", coll ? "." : "", coll ? coll : "");
	if (bson_iter_init_find(&it, cmd, "filter"))
		keep_filter(s, &it, "filter");
	else if (bson_iter_init_find(&it, cmd, "query"))
		keep_filter(s, &it, "query");
	else if (bson_iter_init_find(&it, cmd, "pipeline"))
		keep_filter(s, &it, "pipeline");
	else if (bson_iter_init(&it, cmd) && (bson_iter_find_descendant(&it, "updates.0.q", &f) ||
	    (bson_iter_init(&it, cmd) && bson_iter_find_descendant(&it, "deletes.0.q", &f))))
		keep_filter(s, &f, "q");
}

/* Output of a filter's shape: text that stops growing at its size, marking the cut. */
struct shape {
	char buf[SLOW_SHAPE_MAX];
	size_t n;
	int cut;
};

static void put(struct shape *sh, const char *t)
{
	size_t k = strlen(t);

	if (sh->cut)
		return;
	if (sh->n + k + 4 > sizeof(sh->buf)) {
		memcpy(sh->buf + sh->n, "...", 4);
		sh->n += 3;
		sh->cut = 1;
		return;
	}
	memcpy(sh->buf + sh->n, t, k + 1);
	sh->n += k;
}

static void shape_value(struct shape *sh, bson_iter_t *it, int depth);

/* {key: shape, ...} of the document (is_array 0) or [shape, ...] of the array it
 * recursed into; an array shows its first three elements. */
static void shape_container(struct shape *sh, bson_iter_t *in, int is_array, int depth)
{
	int k = 0;

	put(sh, is_array ? "[" : "{");
	while (bson_iter_next(in)) {
		if (k > 0)
			put(sh, ", ");
		if (is_array && k == 3) {
			put(sh, "...");
			break;
		}
		if (!is_array) {
			put(sh, bson_iter_key(in));
			put(sh, ": ");
		}
		shape_value(sh, in, depth + 1);
		k++;
	}
	put(sh, is_array ? "]" : "}");
}

static void shape_value(struct shape *sh, bson_iter_t *it, int depth)
{
	bson_iter_t in;
	int is_array = BSON_ITER_HOLDS_ARRAY(it);

	if (!is_array && !BSON_ITER_HOLDS_DOCUMENT(it)) {
		put(sh, "?");
		return;
	}
	if (depth >= SLOW_DEPTH_MAX || !bson_iter_recurse(it, &in)) {
		put(sh, is_array ? "[...]" : "{...}");
		return;
	}
	shape_container(sh, &in, is_array, depth);
}

static void apm_ended(struct mongo_slow *s, int64_t request_id, int64_t duration_us, int failed)
{
	long long ms = (long long)(duration_us / 1000);
	struct shape sh;
	char safe[SLOW_SHAPE_MAX + 8], ns[sizeof(s->ns) + 8];
	bson_t f;
	bson_iter_t it;

	if (ms < slow_ms)
		return;
	sh.n = 0;
	sh.cut = 0;
	sh.buf[0] = '\0';
	if (request_id != s->request_id) {
		put(&sh, "(unknown)");
	} else if (s->kind == FK_NONE) {
		put(&sh, "none");
	} else if (s->kind == FK_TOO_LARGE) {
		put(&sh, "(too large to show)");
	} else if (bson_init_static(&f, s->filter, s->filter_len) && bson_iter_init(&it, &f)) {
		shape_container(&sh, &it, s->kind == FK_ARRAY, 0);
	}
	log_safe(safe, sizeof(safe), sh.buf, sh.n);
	log_safe(ns, sizeof(ns), s->ns, strlen(s->ns));
	log_warn("MongoDB: slow command: %lld ms (mongodb.slow_query_ms = %d): %s on %s%s, %s %s",
	    ms, slow_ms, request_id == s->request_id ? s->command : "?", ns, failed ? " (failed)" : "",
	    s->kind == FK_NONE || request_id != s->request_id ? "filter" : s->filter_name, safe);
}

static void apm_succeeded(const mongoc_apm_command_succeeded_t *e)
{
	apm_ended(mongoc_apm_command_succeeded_get_context(e), mongoc_apm_command_succeeded_get_request_id(e),
	    mongoc_apm_command_succeeded_get_duration(e), 0);
}

static void apm_failed(const mongoc_apm_command_failed_t *e)
{
	apm_ended(mongoc_apm_command_failed_get_context(e), mongoc_apm_command_failed_get_request_id(e),
	    mongoc_apm_command_failed_get_duration(e), 1);
}

/* Give m's client the monitoring callbacks of the slow-command log. */
static int slow_attach(struct mongo_conn *m)
{
	mongoc_apm_callbacks_t *cb;
	int ok;

	m->slow = calloc(1, sizeof(*m->slow));
	cb = mongoc_apm_callbacks_new();
	if (m->slow == NULL || cb == NULL) {
		mongoc_apm_callbacks_destroy(cb);
		return -1;
	}
	m->slow->request_id = -1;
	mongoc_apm_set_command_started_cb(cb, apm_started);
	mongoc_apm_set_command_succeeded_cb(cb, apm_succeeded);
	mongoc_apm_set_command_failed_cb(cb, apm_failed);
	ok = mongoc_client_set_apm_callbacks(m->client, cb, m->slow);
	mongoc_apm_callbacks_destroy(cb);
	return ok ? 0 : -1;
}

/* mongo_open() and mongo_open_bounded(): socket_ms > 0 bounds every socket read and
 * write too (socketTimeoutMS), unless the URI sets it. */
static int open_conn(struct mongo_conn *m, const char *uri, const char *dbname, int timeout_ms, int socket_ms)
{
	mongoc_uri_t *u = NULL;
	bson_error_t error;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	u = mongoc_uri_new_with_error(uri ? uri : "", &error);
	if (u == NULL) {
		set_err(m->err, sizeof(m->err), "bad mongodb.uri: ", error.message);
		goto out;
	}
	if (dbname == NULL || *dbname == '\0') {
		snprintf(m->err, sizeof(m->err), "empty database name");
		goto out;
	}
	/* The driver waits 10 s to connect by default; an unanswering server must
	 * not hold a web worker that long. Settings in the URI win. */
	if (timeout_ms > 0) {
		if (!mongoc_uri_has_option(u, MONGOC_URI_CONNECTTIMEOUTMS))
			mongoc_uri_set_option_as_int32(u, MONGOC_URI_CONNECTTIMEOUTMS, timeout_ms);
		if (!mongoc_uri_has_option(u, MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
			mongoc_uri_set_option_as_int32(u, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, timeout_ms);
	}
	if (socket_ms > 0 && !mongoc_uri_has_option(u, MONGOC_URI_SOCKETTIMEOUTMS))
		mongoc_uri_set_option_as_int32(u, MONGOC_URI_SOCKETTIMEOUTMS, socket_ms);
	m->client = mongoc_client_new_from_uri(u);
	if (m->client == NULL) {
		snprintf(m->err, sizeof(m->err), "cannot create a MongoDB client for this URI");
		goto out;
	}
	mongoc_client_set_error_api(m->client, MONGOC_ERROR_API_VERSION_2);
	mongoc_client_set_appname(m->client, "revlens");
	m->dbname = strdup(dbname);
	if (m->dbname == NULL) {
		snprintf(m->err, sizeof(m->err), "out of memory");
		goto out;
	}
	if (slow_ms > 0 && slow_attach(m) == -1) {
		snprintf(m->err, sizeof(m->err), "cannot set up the slow-command log: out of memory");
		goto out;
	}
	rc = 0;
out:
	mongoc_uri_destroy(u);
	if (rc != 0 && m->client != NULL) {
		mongoc_client_destroy(m->client);
		m->client = NULL;
	}
	if (rc != 0) {
		free(m->dbname);
		m->dbname = NULL;
		free(m->slow);
		m->slow = NULL;
	}
	return rc;
}

int mongo_open(struct mongo_conn *m, const char *uri, const char *dbname, int timeout_ms)
{
	return open_conn(m, uri, dbname, timeout_ms, 0);
}

int mongo_open_bounded(struct mongo_conn *m, const char *uri, const char *dbname, int timeout_ms)
{
	return open_conn(m, uri, dbname, timeout_ms, timeout_ms);
}

int mongo_ping(struct mongo_conn *m)
{
	bson_t cmd = BSON_INITIALIZER;
	bson_t reply;
	bson_error_t error;
	int rc = -1;

	BSON_APPEND_INT32(&cmd, "ping", 1);
	if (!mongoc_client_command_simple(m->client, "admin", &cmd, NULL, &reply, &error)) {
		set_err(m->err, sizeof(m->err), "ping: ", error.message);
		goto out;
	}
	rc = 0;
out:
	bson_destroy(&reply);
	bson_destroy(&cmd);
	return rc;
}

void mongo_close(struct mongo_conn *m)
{
	if (m->client != NULL) {
		mongoc_client_destroy(m->client);
		m->client = NULL;
	}
	free(m->dbname);
	m->dbname = NULL;
	free(m->slow);
	m->slow = NULL;
}

/* ---- index specs ---------------------------------------------------------------- */

static int valid_collection_name(const char *s)
{
	size_t k;

	if (s[0] == '\0' || strlen(s) > 100 || strncmp(s, "system.", 7) == 0)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return 0;
	for (k = 1; s[k] != '\0'; k++) {
		char c = s[k];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static int valid_index_name(const char *s)
{
	size_t k;

	if (s[0] == '\0' || strlen(s) > 64 || strcmp(s, "_id_") == 0)
		return 0;
	for (k = 0; s[k] != '\0'; k++) {
		char c = s[k];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '_'))
			return 0;
	}
	return 1;
}

/* Whole number held in a numeric BSON value; 0 when it is not one. */
static int iter_whole(const bson_iter_t *it, int64_t *out)
{
	double d;

	switch (bson_iter_type(it)) {
	case BSON_TYPE_INT32:
		*out = bson_iter_int32(it);
		return 1;
	case BSON_TYPE_INT64:
		*out = bson_iter_int64(it);
		return 1;
	case BSON_TYPE_DOUBLE:
		d = bson_iter_double(it);
		if (d != d || d < -9.0e15 || d > 9.0e15 || d != (double)(int64_t)d)
			return 0;
		*out = (int64_t)d;
		return 1;
	default:
		return 0;
	}
}

/* Parse the "key" document: non-empty, every value 1 or -1, normalised to int32. */
static int parse_key(const bson_iter_t *it, struct mongo_index *ix, const char *where,
    char *err, size_t errlen)
{
	const uint8_t *data;
	uint32_t len;
	bson_t doc;
	bson_iter_t k;
	int64_t dir;

	if (!BSON_ITER_HOLDS_DOCUMENT(it)) {
		snprintf(err, errlen, "%s: \"key\" must be an object", where);
		return -1;
	}
	bson_iter_document(it, &len, &data);
	if (!bson_init_static(&doc, data, len) || !bson_iter_init(&k, &doc)) {
		snprintf(err, errlen, "%s: corrupt \"key\"", where);
		return -1;
	}
	ix->key = bson_new();
	while (bson_iter_next(&k)) {
		const char *field = bson_iter_key(&k);

		if (field[0] == '\0' || field[0] == '$') {
			snprintf(err, errlen, "%s: bad key field \"%s\"", where, field);
			return -1;
		}
		if (!iter_whole(&k, &dir) || (dir != 1 && dir != -1)) {
			snprintf(err, errlen, "%s: key field \"%s\" must be 1 or -1", where, field);
			return -1;
		}
		BSON_APPEND_INT32(ix->key, field, (int32_t)dir);
	}
	if (bson_count_keys(ix->key) == 0) {
		snprintf(err, errlen, "%s: \"key\" is empty", where);
		return -1;
	}
	return 0;
}

/* Parse one element of "indexes" into ix. */
static int parse_index(const bson_iter_t *elem, struct mongo_index *ix, const char *path,
    size_t pos, char *err, size_t errlen)
{
	char where[512];
	bson_iter_t f;
	int64_t v;
	int have_key = 0;

	ix->ttl_seconds = -1;
	snprintf(where, sizeof(where), "%s: indexes[%zu]", path, pos);
	if (!BSON_ITER_HOLDS_DOCUMENT(elem) || !bson_iter_recurse(elem, &f)) {
		snprintf(err, errlen, "%s: must be an object", where);
		return -1;
	}
	while (bson_iter_next(&f)) {
		const char *name = bson_iter_key(&f);

		if (strcmp(name, "name") == 0 && BSON_ITER_HOLDS_UTF8(&f) && ix->name == NULL) {
			ix->name = strdup(bson_iter_utf8(&f, NULL));
			if (ix->name == NULL) {
				snprintf(err, errlen, "%s: out of memory", where);
				return -1;
			}
			snprintf(where, sizeof(where), "%s: index \"%s\"", path, ix->name);
		} else if (strcmp(name, "key") == 0 && !have_key) {
			if (parse_key(&f, ix, where, err, errlen) != 0)
				return -1;
			have_key = 1;
		} else if (strcmp(name, "unique") == 0 && BSON_ITER_HOLDS_BOOL(&f)) {
			ix->unique = bson_iter_bool(&f);
		} else if (strcmp(name, "expireAfterSeconds") == 0) {
			if (!iter_whole(&f, &v) || v < 0 || v > TTL_MAX_SECONDS) {
				snprintf(err, errlen, "%s: expireAfterSeconds must be an integer 0..%lld",
				    where, TTL_MAX_SECONDS);
				return -1;
			}
			ix->ttl_seconds = v;
		} else {
			snprintf(err, errlen, "%s: unexpected or repeated field \"%s\" "
			    "(allowed: name, key, unique, expireAfterSeconds)", where, name);
			return -1;
		}
	}
	if (ix->name == NULL || !valid_index_name(ix->name)) {
		snprintf(err, errlen, "%s: needs a \"name\" of [A-Za-z0-9_] (not _id_)", where);
		return -1;
	}
	if (!have_key) {
		snprintf(err, errlen, "%s: needs a \"key\"", where);
		return -1;
	}
	if (ix->ttl_seconds >= 0 && bson_count_keys(ix->key) != 1) {
		snprintf(err, errlen, "%s: a TTL index (expireAfterSeconds) needs a single-field key",
		    where);
		return -1;
	}
	return 0;
}

static int parse_indexes(const bson_iter_t *arr, struct mongo_spec *spec, const char *path,
    char *err, size_t errlen)
{
	bson_iter_t e;
	size_t n = 0, k, j;

	if (!BSON_ITER_HOLDS_ARRAY(arr) || !bson_iter_recurse(arr, &e)) {
		snprintf(err, errlen, "%s: \"indexes\" must be an array", path);
		return -1;
	}
	while (bson_iter_next(&e))
		n++;
	if (n == 0) {
		snprintf(err, errlen, "%s: \"indexes\" is empty", path);
		return -1;
	}
	spec->idx = calloc(n, sizeof(*spec->idx));
	if (spec->idx == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	spec->n = n;
	bson_iter_recurse(arr, &e);
	for (k = 0; k < n && bson_iter_next(&e); k++) {
		if (parse_index(&e, &spec->idx[k], path, k, err, errlen) != 0)
			return -1;
		for (j = 0; j < k; j++) {
			if (strcmp(spec->idx[j].name, spec->idx[k].name) == 0) {
				snprintf(err, errlen, "%s: index name \"%s\" used twice", path,
				    spec->idx[k].name);
				return -1;
			}
		}
	}
	return 0;
}

/* Basename of path without ".json", to check it matches the collection. */
static int file_matches_collection(const char *path, const char *collection)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(collection);
	return strncmp(base, collection, n) == 0 && strcmp(base + n, ".json") == 0;
}

int mongo_spec_load(struct mongo_spec *spec, const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	bson_t *doc = NULL;
	bson_error_t error;
	bson_iter_t it;
	int have_indexes = 0;
	int rc = -1;

	memset(spec, 0, sizeof(*spec));
	text = file_read_all(path, SPEC_MAX_BYTES, &len, err, errlen);
	if (text == NULL)
		goto out;
	doc = bson_new_from_json((const uint8_t *)text, (ssize_t)len, &error);
	if (doc == NULL) {
		snprintf(err, errlen, "%s: not valid JSON: %s", path, error.message);
		goto out;
	}
	if (!bson_iter_init(&it, doc)) {
		snprintf(err, errlen, "%s: corrupt document", path);
		goto out;
	}
	while (bson_iter_next(&it)) {
		const char *name = bson_iter_key(&it);

		if (strcmp(name, "collection") == 0 && BSON_ITER_HOLDS_UTF8(&it) &&
		    spec->collection == NULL) {
			spec->collection = strdup(bson_iter_utf8(&it, NULL));
			if (spec->collection == NULL)
				goto oom;
		} else if (strcmp(name, "description") == 0 && BSON_ITER_HOLDS_UTF8(&it) &&
		    spec->description == NULL) {
			spec->description = strdup(bson_iter_utf8(&it, NULL));
			if (spec->description == NULL)
				goto oom;
		} else if (strcmp(name, "indexes") == 0 && !have_indexes) {
			if (parse_indexes(&it, spec, path, err, errlen) != 0)
				goto out;
			have_indexes = 1;
		} else {
			snprintf(err, errlen, "%s: unexpected or repeated top-level field \"%s\" "
			    "(allowed: collection, description, indexes)", path, name);
			goto out;
		}
	}
	if (spec->collection == NULL || !valid_collection_name(spec->collection)) {
		snprintf(err, errlen, "%s: needs a valid \"collection\" name", path);
		goto out;
	}
	if (!file_matches_collection(path, spec->collection)) {
		snprintf(err, errlen, "%s: file must be named %s.json after its collection", path,
		    spec->collection);
		goto out;
	}
	if (spec->description == NULL || spec->description[0] == '\0') {
		snprintf(err, errlen, "%s: needs a \"description\" saying why these keys", path);
		goto out;
	}
	if (!have_indexes) {
		snprintf(err, errlen, "%s: needs \"indexes\"", path);
		goto out;
	}
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory", path);
out:
	if (doc != NULL)
		bson_destroy(doc);
	free(text);
	if (rc != 0)
		mongo_spec_free(spec);
	return rc;
}

void mongo_spec_free(struct mongo_spec *spec)
{
	size_t k;

	if (spec == NULL)
		return;
	for (k = 0; k < spec->n; k++) {
		free(spec->idx[k].name);
		if (spec->idx[k].key != NULL)
			bson_destroy(spec->idx[k].key);
	}
	free(spec->idx);
	free(spec->collection);
	free(spec->description);
	memset(spec, 0, sizeof(*spec));
}

bson_t *mongo_index_doc(const struct mongo_index *ix, int with_ttl)
{
	bson_t *doc = bson_new();

	BSON_APPEND_DOCUMENT(doc, "key", ix->key);
	BSON_APPEND_UTF8(doc, "name", ix->name);
	if (ix->unique)
		BSON_APPEND_BOOL(doc, "unique", true);
	if (with_ttl && ix->ttl_seconds >= 0)
		BSON_APPEND_INT32(doc, "expireAfterSeconds", (int32_t)ix->ttl_seconds);
	return doc;
}

int mongo_insert(struct mongo_conn *m, const char *collection, const bson_t *doc)
{
	mongoc_collection_t *coll = mongoc_client_get_collection(m->client, m->dbname, collection);
	bson_error_t error;
	int rc = 0;

	if (!mongoc_collection_insert_one(coll, doc, NULL, NULL, &error)) {
		set_err(m->err, sizeof(m->err), "insert: ", error.message);
		rc = -1;
	}
	mongoc_collection_destroy(coll);
	return rc;
}

int mongo_create_index(struct mongo_conn *m, const char *collection, const bson_t *index_doc)
{
	mongoc_database_t *db = NULL;
	bson_t cmd = BSON_INITIALIZER;
	bson_t arr;
	bson_t reply;
	bson_error_t error;
	int rc = -1;

	BSON_APPEND_UTF8(&cmd, "createIndexes", collection);
	BSON_APPEND_ARRAY_BEGIN(&cmd, "indexes", &arr);
	BSON_APPEND_DOCUMENT(&arr, "0", index_doc);
	bson_append_array_end(&cmd, &arr);
	db = mongoc_client_get_database(m->client, m->dbname);
	if (!mongoc_database_write_command_with_opts(db, &cmd, NULL, &reply, &error)) {
		set_err(m->err, sizeof(m->err), "createIndexes: ", error.message);
		goto out;
	}
	rc = 0;
out:
	bson_destroy(&reply);
	bson_destroy(&cmd);
	if (db != NULL)
		mongoc_database_destroy(db);
	return rc;
}

static int add_info(struct mongo_index_list *out, const bson_t *doc)
{
	struct mongo_index_info *grown, *info;
	bson_iter_t it;
	const uint8_t *data;
	uint32_t len;
	int64_t v;

	grown = realloc(out->v, (out->n + 1) * sizeof(*grown));
	if (grown == NULL)
		return -1;
	out->v = grown;
	info = &out->v[out->n];
	memset(info, 0, sizeof(*info));
	info->ttl_seconds = -1;
	out->n++;
	if (bson_iter_init_find(&it, doc, "name") && BSON_ITER_HOLDS_UTF8(&it))
		info->name = strdup(bson_iter_utf8(&it, NULL));
	else
		info->name = strdup("");
	if (info->name == NULL)
		return -1;
	if (bson_iter_init_find(&it, doc, "key") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
		bson_iter_document(&it, &len, &data);
		info->key = bson_new_from_data(data, len);
	} else {
		info->key = bson_new();
	}
	if (info->key == NULL)
		return -1;
	if (bson_iter_init_find(&it, doc, "unique"))
		info->unique = bson_iter_as_bool(&it);
	if (bson_iter_init_find(&it, doc, "expireAfterSeconds") && iter_whole(&it, &v))
		info->ttl_seconds = v;
	return 0;
}

int mongo_list_indexes(struct mongo_conn *m, const char *collection, struct mongo_index_list *out)
{
	mongoc_collection_t *coll = NULL;
	mongoc_cursor_t *cur = NULL;
	const bson_t *doc;
	bson_error_t error;
	int rc = -1;

	out->v = NULL;
	out->n = 0;
	coll = mongoc_client_get_collection(m->client, m->dbname, collection);
	cur = mongoc_collection_find_indexes_with_opts(coll, NULL);
	while (mongoc_cursor_next(cur, &doc)) {
		if (add_info(out, doc) != 0) {
			snprintf(m->err, sizeof(m->err), "listIndexes: out of memory");
			goto out;
		}
	}
	if (mongoc_cursor_error(cur, &error)) {
		set_err(m->err, sizeof(m->err), "listIndexes: ", error.message);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		mongo_index_list_free(out);
	if (cur != NULL)
		mongoc_cursor_destroy(cur);
	if (coll != NULL)
		mongoc_collection_destroy(coll);
	return rc;
}

const struct mongo_index_info *mongo_index_list_find(const struct mongo_index_list *l,
    const char *name)
{
	size_t k;

	for (k = 0; k < l->n; k++)
		if (strcmp(l->v[k].name, name) == 0)
			return &l->v[k];
	return NULL;
}

void mongo_index_list_free(struct mongo_index_list *l)
{
	size_t k;

	if (l == NULL)
		return;
	for (k = 0; k < l->n; k++) {
		free(l->v[k].name);
		if (l->v[k].key != NULL)
			bson_destroy(l->v[k].key);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int mongo_key_equal(const bson_t *a, const bson_t *b)
{
	bson_iter_t ia, ib;
	int more_a, more_b;

	if (!bson_iter_init(&ia, a) || !bson_iter_init(&ib, b))
		return 0;
	for (;;) {
		more_a = bson_iter_next(&ia);
		more_b = bson_iter_next(&ib);
		if (!more_a || !more_b)
			return more_a == more_b;
		if (strcmp(bson_iter_key(&ia), bson_iter_key(&ib)) != 0)
			return 0;
		if (BSON_ITER_HOLDS_UTF8(&ia) || BSON_ITER_HOLDS_UTF8(&ib)) {
			if (!BSON_ITER_HOLDS_UTF8(&ia) || !BSON_ITER_HOLDS_UTF8(&ib) ||
			    strcmp(bson_iter_utf8(&ia, NULL), bson_iter_utf8(&ib, NULL)) != 0)
				return 0;
		} else if ((bson_iter_as_double(&ia) < 0) != (bson_iter_as_double(&ib) < 0)) {
			return 0;
		}
	}
}
