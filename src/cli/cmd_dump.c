/* cmd_dump.c — `revlens dump` and `revlens restore`: MongoDB backups through the C
 * driver (cmd_dump.h; the operator's side is docs/backup.md, "MongoDB").
 *
 * Dump. The collections are read one after the other in the order of colls[]
 * (product_reviews_raw before review_days, see "Consistency"), each with one find
 * {_id: {$gt: last}} sorted by _id and streamed through the cursor: memory holds one
 * server batch and the stdio buffer, never a collection. Each document's bytes are
 * appended to <collection>.bson. Every --batch documents (or DUMP_CKPT_BYTES) comes a
 * checkpoint: fflush and fdatasync of the file, then dump.progress (tmp, fsync,
 * rename) with the file offset, the count and the last _id. A re-run with the same
 * DIR truncates the file to the checkpoint's offset (dropping a partial tail) and
 * continues after its _id; finished collections are not read again. A collection is
 * finished by re-reading its file with dump_scan_file (structure, count, SHA-256),
 * and what that pass saw is what the manifest records. manifest.json is written last
 * (tmp, fsync, rename), then dump.progress is removed: a directory is a dump only
 * with its manifest.
 *
 * Consistency. On a MongoDB replica set or sharded cluster of 5.0 or later
 * (maxWireVersion >= 13) every collection is read in one snapshot session: the first
 * read fixes a cluster time and every later read sees the data as of that time, so
 * the files are one point in time (manifest: consistency "snapshot", cluster_time).
 * The server keeps snapshot history for minSnapshotHistoryWindowInSeconds (300 s by
 * default); a longer dump fails with SnapshotTooOld and says so. A resumed dump
 * starts a new snapshot: each collection is then consistent in itself, the set is
 * not ("snapshot-per-collection"). A standalone server and the MongoDB stand-in give
 * no snapshot ("none"): a document written during the dump appears if the cursor
 * has not passed its _id. The order of colls[] keeps what ingestion relies on even
 * then: ingestion adds a review's _id to review_days before it writes the review,
 * and review_days is read after product_reviews_raw, so every dumped review is in
 * the dumped index (stale entries are allowed by its readers). Everything else is
 * written idempotently by _id (collectors' reviews and tags, the worker's keywords,
 * the aggregator's rollups), so a restore followed by the collectors' and the
 * aggregator's next runs converges to the current state.
 *
 * Restore. Before anything is written, every selected file is checked against the
 * manifest: size, then a full read (dump_scan_file) for the count and the SHA-256.
 * Then per collection (after a drop with --drop) the documents go in unordered
 * insert batches; an _id that exists already is replaced (replace by _id, upsert),
 * so a second restore changes nothing. restore.progress (in DIR when it is writable)
 * records the finished collections and the offset of the last acknowledged batch,
 * so an interrupted restore continues there. The count on the server is checked
 * after each collection, and the indexes are re-created by `revlens migrate` (the
 * code that applies mongo-indexes/), after the data as mongorestore does.
 *
 * Test hooks (t/integ/dump.t): REVLENS_DUMP_TEST_KILL=N makes dump write half a
 * document after its Nth checkpoint and SIGKILL itself; REVLENS_RESTORE_TEST_KILL=N
 * makes restore SIGKILL itself after its Nth batch.
 */
#include "cli/cmd_dump.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <sodium.h>

#include "cli/cmd_migrate.h"
#include "lib/file.h"
#include "lib/mongo.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130
#define DUMP_FORMAT "revlens-dump"
#define DUMP_FORMAT_VERSION 1
#define DUMP_DOC_MAX (16 * 1024 * 1024 + 16 * 1024)   /* BSON's 16 MiB and mongodump's slack */
#define BATCH_DEFAULT 1000              /* documents per checkpoint / insert batch */
#define BATCH_MAX 100000
#define DUMP_CKPT_BYTES (32L << 20)     /* a checkpoint at least every 32 MiB */
#define RESTORE_BATCH_BYTES (8L << 20)  /* one insert batch holds at most ~8 MiB (+1 doc) */
#define CURSOR_BATCH_MAX 1000           /* server batch size asked for */
#define JSON_MAX (1L << 20)             /* manifest and progress files */
#define MANIFEST "manifest.json"
#define DUMP_PROGRESS "dump.progress"
#define RESTORE_PROGRESS "restore.progress"
#define SNAPSHOT_WIRE 13                /* MongoDB 5.0: snapshot reads outside transactions */
#define ERR_DUPLICATE_KEY 11000
#define ERR_NS_NOT_FOUND 26
#define ERR_SNAPSHOT_TOO_OLD 239
#define TIME_MAX 32
#define ERR_MAX (2 * PATH_MAX + 512)    /* two paths and a reason */

/* Every collection of the design, in dump order (see "Consistency" above). */
static const char *const colls[DUMP_NCOLLS] = {
	"product_reviews_raw", "review_days", "coupang_keyword_tags", "keywords",
	"product_analysis_daily", "product_analysis_monthly", "realtime_sessions",
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;      /* no SA_RESTART: a blocked read returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int coll_index(const char *name, size_t len)
{
	for (int k = 0; k < DUMP_NCOLLS; k++)
		if (strlen(colls[k]) == len && memcmp(colls[k], name, len) == 0)
			return k;
	return -1;
}

/* "a,b,c" into sel[]; -1 with a message on an unknown or empty name. */
static int parse_collections(const char *me, const char *list, int sel[DUMP_NCOLLS])
{
	const char *p = list;

	memset(sel, 0, DUMP_NCOLLS * sizeof(*sel));
	for (;;) {
		size_t n = strcspn(p, ",");
		int k = coll_index(p, n);

		if (k < 0) {
			fprintf(stderr, "%s: unknown collection \"%.*s\"; the collections are:", me, (int)n, p);
			for (int j = 0; j < DUMP_NCOLLS; j++)
				fprintf(stderr, " %s", colls[j]);
			fputc('\n', stderr);
			return -1;
		}
		sel[k] = 1;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

static int parse_batch(const char *me, const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > BATCH_MAX) {
		fprintf(stderr, "%s: --batch takes a number of documents from 1 to %d\n", me, BATCH_MAX);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static void iso_now(char out[TIME_MAX])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int file_exists(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	return join(p, sizeof(p), dir, name) == 0 && stat(p, &st) == 0;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Write text to dir/name through dir/name.tmp (fsync, rename, fsync of dir). */
static int write_atomic(const char *dir, const char *name, const char *text, char *err,
    size_t errlen)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	size_t len = strlen(text), off = 0;
	int fd;

	if (join(dst, sizeof(dst), dir, name) != 0 ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp", dst) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		goto fail;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, dst) != 0)
		goto fail;
	fsync_dir(dir);
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
	unlink(tmp);
	return -1;
}

static void sha256_hex(const void *data, size_t len, char out[DUMP_SHA256_HEX])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, DUMP_SHA256_HEX, h, sizeof(h));
}

/* ---- reading dump files (untrusted) ---------------------------------------------- */

struct reader {
	FILE *f;
	uint8_t *buf;                   /* owned; the current document */
	size_t cap;
	uint64_t offset;                /* of the next document in the file */
};

/* The next document into *doc (valid until the next call): 1, 0 at a clean end of
 * file, -1 with "offset N: reason" in err. */
static int reader_next(struct reader *r, bson_t *doc, char *err, size_t errlen)
{
	uint8_t hdr[4];
	uint32_t len;
	size_t got;
	bson_error_t e;
	bson_iter_t it;

	got = fread(hdr, 1, sizeof(hdr), r->f);
	if (got == 0 && !ferror(r->f))
		return 0;
	if (got < sizeof(hdr)) {
		snprintf(err, errlen, "offset %llu: %s", (unsigned long long)r->offset,
		    ferror(r->f) ? strerror(errno) : "file ends inside a document's length");
		return -1;
	}
	len = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
	if (len < 5 || len > DUMP_DOC_MAX) {
		snprintf(err, errlen, "offset %llu: document length %lu is not a BSON document's",
		    (unsigned long long)r->offset, (unsigned long)len);
		return -1;
	}
	if (len > r->cap) {
		uint8_t *nb = realloc(r->buf, len);

		if (nb == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		r->buf = nb;
		r->cap = len;
	}
	memcpy(r->buf, hdr, sizeof(hdr));
	if (fread(r->buf + sizeof(hdr), 1, len - sizeof(hdr), r->f) != len - sizeof(hdr)) {
		snprintf(err, errlen, "offset %llu: %s", (unsigned long long)r->offset,
		    ferror(r->f) ? strerror(errno) : "file ends inside a document (truncated)");
		return -1;
	}
	if (r->buf[len - 1] != 0 || !bson_init_static(doc, r->buf, len) ||
	    !bson_validate_with_error(doc, BSON_VALIDATE_NONE, &e)) {
		snprintf(err, errlen, "offset %llu: not a valid BSON document",
		    (unsigned long long)r->offset);
		return -1;
	}
	if (!bson_iter_init_find(&it, doc, "_id")) {
		snprintf(err, errlen, "offset %llu: document without _id", (unsigned long long)r->offset);
		return -1;
	}
	r->offset += len;
	return 1;
}

int dump_scan_file(FILE *f, struct dump_scan *out, char *err, size_t errlen)
{
	struct reader r = { f, NULL, 0, 0 };
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];
	bson_t doc;
	int n;

	memset(out, 0, sizeof(*out));
	crypto_hash_sha256_init(&st);
	while ((n = reader_next(&r, &doc, err, errlen)) == 1) {
		crypto_hash_sha256_update(&st, bson_get_data(&doc), doc.len);
		out->documents++;
	}
	free(r.buf);
	if (n < 0)
		return -1;
	out->bytes = r.offset;
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out->sha256, sizeof(out->sha256), h, sizeof(h));
	return 0;
}

static int json_u64(json_object *o, const char *key, uint64_t *out)
{
	json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return -1;
	errno = 0;
	x = json_object_get_int64(v);
	if (x < 0 || errno != 0)
		return -1;
	*out = (uint64_t)x;
	return 0;
}

static const char *json_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int is_hex64(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 64;
}

/* Parse JSON text strictly (UTF-8, nothing after the value); NULL with err. */
static json_object *parse_json(const char *text, size_t len, char *err, size_t errlen)
{
	json_tokener *tok;
	json_object *o = NULL;
	size_t end;

	if (len > (size_t)JSON_MAX) {
		snprintf(err, errlen, "larger than %ld bytes", JSON_MAX);
		return NULL;
	}
	if ((tok = json_tokener_new_ex(16)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		snprintf(err, errlen, "not JSON (%s)", json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(o);
		o = NULL;
	} else {
		for (; end < len; end++)
			if (!strchr(" \t\r\n", text[end])) {
				snprintf(err, errlen, "not JSON (text after the value)");
				json_object_put(o);
				o = NULL;
				break;
			}
	}
	json_tokener_free(tok);
	return o;
}

int dump_manifest_parse(const char *text, size_t len, struct dump_manifest *m, char *err,
    size_t errlen)
{
	json_object *root, *arr, *v;
	const char *s;
	char file[128];
	size_t i, n;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	if ((root = parse_json(text, len, err, errlen)) == NULL)
		return -1;
	if (!json_object_is_type(root, json_type_object) || (s = json_str(root, "format")) == NULL ||
	    strcmp(s, DUMP_FORMAT) != 0) {
		snprintf(err, errlen, "not a revlens dump manifest (format is not \"%s\")", DUMP_FORMAT);
		goto out;
	}
	if (!json_object_object_get_ex(root, "version", &v) || !json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "no format version");
		goto out;
	}
	m->version = json_object_get_int(v);
	if (m->version != DUMP_FORMAT_VERSION) {
		snprintf(err, errlen, "format version %d; this revlens reads version %d%s", m->version,
		    DUMP_FORMAT_VERSION, m->version > DUMP_FORMAT_VERSION ? " (restore with the revlens "
		    "that made the dump, or a newer one)" : "");
		goto out;
	}
	if (!json_object_object_get_ex(root, "collections", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		snprintf(err, errlen, "no collections list");
		goto out;
	}
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(arr, i);
		struct dump_manifest_entry *e;
		const char *name, *f, *sum;
		int k;

		if (!json_object_is_type(c, json_type_object) || (name = json_str(c, "name")) == NULL) {
			snprintf(err, errlen, "collections[%zu]: no name", i);
			goto out;
		}
		if ((k = coll_index(name, strlen(name))) < 0) {
			snprintf(err, errlen, "collections[%zu]: unknown collection (a dump of another "
			    "revlens version?)", i);
			goto out;
		}
		e = &m->c[k];
		snprintf(file, sizeof(file), "%s.bson", colls[k]);
		if (e->present) {
			snprintf(err, errlen, "%s listed twice", colls[k]);
			goto out;
		}
		if ((f = json_str(c, "file")) == NULL || strcmp(f, file) != 0) {
			snprintf(err, errlen, "%s: its file must be %s", colls[k], file);
			goto out;
		}
		if (json_u64(c, "documents", &e->documents) != 0 || json_u64(c, "bytes", &e->bytes) != 0) {
			snprintf(err, errlen, "%s: documents and bytes must be non-negative integers", colls[k]);
			goto out;
		}
		if ((sum = json_str(c, "sha256")) == NULL || !is_hex64(sum)) {
			snprintf(err, errlen, "%s: sha256 must be 64 lower-case hex digits", colls[k]);
			goto out;
		}
		memcpy(e->sha256, sum, DUMP_SHA256_HEX);
		e->present = 1;
	}
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

/* ---- connecting ------------------------------------------------------------------ */

struct server {
	char hosts[512];                /* host:port,... from the URI (never its credentials) */
	char version[64];
	char topology[16];              /* standalone | replicaset | sharded */
	char set_name[128];
	int32_t max_wire;
};

static int connect_mongo(const struct config *cfg, const char *me, struct mongo_conn *m,
    int *opened)
{
	mongo_global_init();
	*opened = 1;
	if (mongo_open(m, cfg->mongo_uri, cfg->mongo_database, cfg->health_timeout_ms) != 0 ||
	    mongo_ping(m) != 0) {
		fprintf(stderr, "%s: MongoDB: %s (is it running? mongodb.uri in the configuration)\n",
		    me, m->err);
		return -1;
	}
	return 0;
}

static void close_mongo(struct mongo_conn *m, int opened)
{
	if (opened) {
		mongo_close(m);
		mongo_global_cleanup();
	}
}

static void server_info(struct mongo_conn *m, struct server *s)
{
	const mongoc_host_list_t *h;
	bson_t *cmd, reply;
	bson_iter_t it;
	size_t off = 0;

	memset(s, 0, sizeof(*s));
	for (h = mongoc_uri_get_hosts(mongoc_client_get_uri(m->client)); h != NULL; h = h->next) {
		int n = snprintf(s->hosts + off, sizeof(s->hosts) - off, "%s%s", off ? "," : "",
		    h->host_and_port);

		if (n < 0 || (size_t)n >= sizeof(s->hosts) - off)
			break;
		off += (size_t)n;
	}
	strcpy(s->topology, "standalone");
	strcpy(s->version, "unknown");
	cmd = BCON_NEW("isMaster", BCON_INT32(1));
	if (mongoc_client_command_simple(m->client, "admin", cmd, NULL, &reply, NULL)) {
		if (bson_iter_init_find(&it, &reply, "setName") && BSON_ITER_HOLDS_UTF8(&it)) {
			strcpy(s->topology, "replicaset");
			snprintf(s->set_name, sizeof(s->set_name), "%s", bson_iter_utf8(&it, NULL));
		}
		if (bson_iter_init_find(&it, &reply, "msg") && BSON_ITER_HOLDS_UTF8(&it) &&
		    strcmp(bson_iter_utf8(&it, NULL), "isdbgrid") == 0)
			strcpy(s->topology, "sharded");
		if (bson_iter_init_find(&it, &reply, "maxWireVersion") && BSON_ITER_HOLDS_INT32(&it))
			s->max_wire = bson_iter_int32(&it);
	}
	bson_destroy(&reply);
	bson_destroy(cmd);
	cmd = BCON_NEW("buildInfo", BCON_INT32(1));
	if (mongoc_client_command_simple(m->client, "admin", cmd, NULL, &reply, NULL) &&
	    bson_iter_init_find(&it, &reply, "version") && BSON_ITER_HOLDS_UTF8(&it))
		snprintf(s->version, sizeof(s->version), "%s", bson_iter_utf8(&it, NULL));
	bson_destroy(&reply);
	bson_destroy(cmd);
}

/* ================================================================== dump */

#define DUMP_ME "revlens dump"
#define DUMP_USAGE "usage: revlens [-c CONF] dump [--collections a,b,...] [--batch N] DIR\n"

struct coll_state {
	int selected, done, resumed;
	uint64_t documents, bytes;
	char sha256[DUMP_SHA256_HEX];
	char started[TIME_MAX], finished[TIME_MAX];
	uint32_t ct_t, ct_i;            /* cluster time of a snapshot read; 0 when none */
};

struct dump {
	const char *dir;
	int batch;
	char started[TIME_MAX];
	struct coll_state c[DUMP_NCOLLS];
	int cur;                        /* collection in progress, -1 none */
	uint64_t cur_offset, cur_docs;  /* as of the last checkpoint */
	char *cur_last;                 /* owned: {"_id": ...} (canonical extended JSON) */
	struct server srv;
	mongoc_client_session_t *session; /* snapshot reads; NULL when the server has none */
	int checkpoints, kill_after;    /* test hook REVLENS_DUMP_TEST_KILL */
	char err[ERR_MAX];
};

static json_object *coll_json(const struct coll_state *cs, int k, int with_file)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(colls[k]));
	if (with_file) {
		char file[128];

		snprintf(file, sizeof(file), "%s.bson", colls[k]);
		json_object_object_add(o, "file", json_object_new_string(file));
	}
	json_object_object_add(o, "documents", json_object_new_int64((int64_t)cs->documents));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)cs->bytes));
	json_object_object_add(o, "sha256", json_object_new_string(cs->sha256));
	json_object_object_add(o, "started_at", json_object_new_string(cs->started));
	json_object_object_add(o, "finished_at", json_object_new_string(cs->finished));
	json_object_object_add(o, "resumed", json_object_new_boolean(cs->resumed));
	if (cs->ct_t != 0) {
		json_object *t = json_object_new_object();

		json_object_object_add(t, "t", json_object_new_int64(cs->ct_t));
		json_object_object_add(t, "i", json_object_new_int64(cs->ct_i));
		json_object_object_add(o, "cluster_time", t);
	} else {
		json_object_object_add(o, "cluster_time", NULL);
	}
	return o;
}

static int save_json(const char *dir, const char *name, json_object *root, char *err, size_t errlen)
{
	const char *text = json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (text == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return write_atomic(dir, name, text, err, errlen);
}

static int dump_save_progress(struct dump *d)
{
	json_object *root = json_object_new_object(), *sel = json_object_new_array();
	json_object *done = json_object_new_array();
	int k, rc;

	json_object_object_add(root, "format", json_object_new_string(DUMP_FORMAT "-progress"));
	json_object_object_add(root, "version", json_object_new_int(DUMP_FORMAT_VERSION));
	json_object_object_add(root, "started_at", json_object_new_string(d->started));
	for (k = 0; k < DUMP_NCOLLS; k++) {
		if (d->c[k].selected)
			json_object_array_add(sel, json_object_new_string(colls[k]));
		if (d->c[k].done)
			json_object_array_add(done, coll_json(&d->c[k], k, 0));
	}
	json_object_object_add(root, "collections", sel);
	json_object_object_add(root, "done", done);
	if (d->cur >= 0) {
		json_object *cur = json_object_new_object();

		json_object_object_add(cur, "name", json_object_new_string(colls[d->cur]));
		json_object_object_add(cur, "offset", json_object_new_int64((int64_t)d->cur_offset));
		json_object_object_add(cur, "documents", json_object_new_int64((int64_t)d->cur_docs));
		json_object_object_add(cur, "last_id", d->cur_last ? json_object_new_string(d->cur_last) : NULL);
		json_object_object_add(cur, "started_at", json_object_new_string(d->c[d->cur].started));
		json_object_object_add(root, "current", cur);
	}
	rc = save_json(d->dir, DUMP_PROGRESS, root, d->err, sizeof(d->err));
	json_object_put(root);
	return rc;
}

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "");
}

/* Resume from DIR/dump.progress: the same collections, then what is done and where
 * the current one stopped. */
static int dump_load_progress(struct dump *d)
{
	char path[PATH_MAX], err[256];
	json_object *root = NULL, *arr, *cur, *v;
	char *text = NULL;
	size_t len, i;
	int sel[DUMP_NCOLLS] = { 0 }, k, rc = -1;
	const char *s;

	if (join(path, sizeof(path), d->dir, DUMP_PROGRESS) != 0 ||
	    (text = file_read_all(path, JSON_MAX, &len, err, sizeof(err))) == NULL ||
	    (root = parse_json(text, len, err, sizeof(err))) == NULL) {
		snprintf(d->err, sizeof(d->err), "%s: %s; delete the directory and dump again", path, err);
		goto out;
	}
	if ((s = json_str(root, "format")) == NULL || strcmp(s, DUMP_FORMAT "-progress") != 0 ||
	    !json_object_object_get_ex(root, "collections", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		goto bad;
	copy_str(d->started, sizeof(d->started), json_str(root, "started_at"));
	for (i = 0; i < json_object_array_length(arr); i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string) ||
		    (k = coll_index(json_object_get_string(v), strlen(json_object_get_string(v)))) < 0)
			goto bad;
		sel[k] = 1;
	}
	for (k = 0; k < DUMP_NCOLLS; k++)
		if (sel[k] != d->c[k].selected) {
			snprintf(d->err, sizeof(d->err), "%s holds an unfinished dump of other collections: "
			    "re-run with the same --collections as the first run to continue it, or dump "
			    "into a new directory", d->dir);
			goto out;
		}
	if (!json_object_object_get_ex(root, "done", &arr) || !json_object_is_type(arr, json_type_array))
		goto bad;
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *c = json_object_array_get_idx(arr, i), *t;
		struct coll_state *cs;

		if ((s = json_str(c, "name")) == NULL || (k = coll_index(s, strlen(s))) < 0)
			goto bad;
		cs = &d->c[k];
		if (json_u64(c, "documents", &cs->documents) != 0 || json_u64(c, "bytes", &cs->bytes) != 0 ||
		    (s = json_str(c, "sha256")) == NULL || !is_hex64(s))
			goto bad;
		memcpy(cs->sha256, s, DUMP_SHA256_HEX);
		copy_str(cs->started, sizeof(cs->started), json_str(c, "started_at"));
		copy_str(cs->finished, sizeof(cs->finished), json_str(c, "finished_at"));
		cs->resumed = json_object_object_get_ex(c, "resumed", &v) && json_object_get_boolean(v);
		if (json_object_object_get_ex(c, "cluster_time", &t) && json_object_is_type(t, json_type_object)) {
			uint64_t tt = 0, ti = 0;

			json_u64(t, "t", &tt);
			json_u64(t, "i", &ti);
			cs->ct_t = (uint32_t)tt;
			cs->ct_i = (uint32_t)ti;
		}
		cs->done = 1;
	}
	if (json_object_object_get_ex(root, "current", &cur) && json_object_is_type(cur, json_type_object)) {
		if ((s = json_str(cur, "name")) == NULL || (k = coll_index(s, strlen(s))) < 0 ||
		    d->c[k].done || json_u64(cur, "offset", &d->cur_offset) != 0 ||
		    json_u64(cur, "documents", &d->cur_docs) != 0)
			goto bad;
		d->cur = k;
		copy_str(d->c[k].started, sizeof(d->c[k].started), json_str(cur, "started_at"));
		if ((s = json_str(cur, "last_id")) != NULL && (d->cur_last = strdup(s)) == NULL)
			goto bad;
		if ((d->cur_last == NULL) != (d->cur_offset == 0))
			goto bad;
	}
	rc = 0;
	goto out;
bad:
	snprintf(d->err, sizeof(d->err), "%s is damaged; delete the directory and dump again", path);
out:
	json_object_put(root);
	free(text);
	return rc;
}

static void test_kill(FILE *f, const bson_t *doc)
{
	/* half of a document after the checkpoint: the tail a re-run must cut off */
	fwrite(bson_get_data(doc), 1, doc->len / 2, f);
	fflush(f);
	raise(SIGKILL);
}

static int checkpoint(struct dump *d, FILE *f, const bson_t *doc, uint64_t offset, uint64_t docs)
{
	bson_t id = BSON_INITIALIZER;
	bson_iter_t it;
	char *json;

	if (fflush(f) != 0 || fdatasync(fileno(f)) != 0) {
		snprintf(d->err, sizeof(d->err), "%s/%s.bson: %s", d->dir, colls[d->cur], strerror(errno));
		bson_destroy(&id);
		return -1;
	}
	if (!bson_iter_init_find(&it, doc, "_id") || !bson_append_iter(&id, "_id", 3, &it) ||
	    (json = bson_as_canonical_extended_json(&id, NULL)) == NULL) {
		snprintf(d->err, sizeof(d->err), "%s: a document without _id", colls[d->cur]);
		bson_destroy(&id);
		return -1;
	}
	bson_destroy(&id);
	free(d->cur_last);
	d->cur_last = strdup(json);
	bson_free(json);
	d->cur_offset = offset;
	d->cur_docs = docs;
	if (d->cur_last == NULL || dump_save_progress(d) != 0)
		return -1;
	if (++d->checkpoints == d->kill_after)
		test_kill(f, doc);
	return 0;
}

/* Finish a collection's file: read it back, record what it holds. */
static int dump_finish(struct dump *d, int k, uint64_t docs, uint64_t bytes)
{
	struct coll_state *cs = &d->c[k];
	struct dump_scan scan;
	char path[PATH_MAX], err[256];
	FILE *f;
	int rc;

	if (join(path, sizeof(path), d->dir, colls[k]) != 0 || strlen(path) + 6 > sizeof(path))
		return -1;
	strcat(path, ".bson");
	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(d->err, sizeof(d->err), "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = dump_scan_file(f, &scan, err, sizeof(err));
	fclose(f);
	if (rc != 0 || scan.documents != docs || scan.bytes != bytes) {
		snprintf(d->err, sizeof(d->err), "%s: reading it back found %s (wrote %llu documents, "
		    "%llu bytes); is the disk failing? delete the directory and dump again", path,
		    rc != 0 ? err : "another content", (unsigned long long)docs, (unsigned long long)bytes);
		return -1;
	}
	cs->documents = scan.documents;
	cs->bytes = scan.bytes;
	memcpy(cs->sha256, scan.sha256, sizeof(cs->sha256));
	iso_now(cs->finished);
	cs->done = 1;
	d->cur = -1;
	free(d->cur_last);
	d->cur_last = NULL;
	return dump_save_progress(d);
}

/* Dump collection k (from its checkpoint when it is the current one). 0 done, -1
 * failed (d->err), 1 interrupted after a checkpoint. */
static int dump_collection(struct dump *d, struct mongo_conn *m, int k)
{
	struct coll_state *cs = &d->c[k];
	mongoc_collection_t *coll = NULL;
	mongoc_cursor_t *cur = NULL;
	bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, *last = NULL, gt;
	const bson_t *doc;
	bson_error_t e;
	bson_iter_t it;
	char path[PATH_MAX];
	uint64_t offset, docs, since_docs = 0, since_bytes = 0;
	FILE *f = NULL;
	int fd = -1, rc = -1, first = 1;

	if (d->cur != k) {
		d->cur = k;
		d->cur_offset = d->cur_docs = 0;
		free(d->cur_last);
		d->cur_last = NULL;
		cs->resumed = 0;
		iso_now(cs->started);
		if (dump_save_progress(d) != 0)
			goto out;
	} else {
		cs->resumed = 1;
		printf("%s: %s: continuing after %llu documents\n", DUMP_ME, colls[k],
		    (unsigned long long)d->cur_docs);
	}
	offset = d->cur_offset;
	docs = d->cur_docs;
	if (join(path, sizeof(path), d->dir, colls[k]) != 0 || strlen(path) + 6 > sizeof(path))
		goto out;
	strcat(path, ".bson");
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0 ||
	    ftruncate(fd, (off_t)offset) != 0 || lseek(fd, (off_t)offset, SEEK_SET) < 0 ||
	    (f = fdopen(fd, "wb")) == NULL) {
		snprintf(d->err, sizeof(d->err), "%s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	if (d->cur_last != NULL) {
		if ((last = bson_new_from_json((const uint8_t *)d->cur_last, -1, &e)) == NULL ||
		    !bson_iter_init_find(&it, last, "_id")) {
			snprintf(d->err, sizeof(d->err), "%s/%s: bad last_id; delete the directory and dump "
			    "again", d->dir, DUMP_PROGRESS);
			goto out;
		}
		bson_append_document_begin(&filter, "_id", 3, &gt);
		bson_append_iter(&gt, "$gt", 3, &it);
		bson_append_document_end(&filter, &gt);
	}
	{
		bson_t sort;

		bson_append_document_begin(&opts, "sort", 4, &sort);
		BSON_APPEND_INT32(&sort, "_id", 1);
		bson_append_document_end(&opts, &sort);
	}
	BSON_APPEND_INT32(&opts, "batchSize", d->batch < CURSOR_BATCH_MAX ? d->batch : CURSOR_BATCH_MAX);
	if (d->session != NULL && !mongoc_client_session_append(d->session, &opts, &e)) {
		snprintf(d->err, sizeof(d->err), "MongoDB session: %s", e.message);
		goto out;
	}
	coll = mongoc_client_get_collection(m->client, m->dbname, colls[k]);
	cur = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
	while (!interrupted && mongoc_cursor_next(cur, &doc)) {
		if (first && d->session != NULL && cs->ct_t == 0)
			mongoc_client_session_get_operation_time(d->session, &cs->ct_t, &cs->ct_i);
		first = 0;
		if (fwrite(bson_get_data(doc), 1, doc->len, f) != doc->len) {
			snprintf(d->err, sizeof(d->err), "%s: %s", path, strerror(errno));
			goto out;
		}
		offset += doc->len;
		docs++;
		since_bytes += doc->len;
		if (++since_docs >= (uint64_t)d->batch || since_bytes >= (uint64_t)DUMP_CKPT_BYTES ||
		    interrupted) {
			if (checkpoint(d, f, doc, offset, docs) != 0)
				goto out;
			since_docs = since_bytes = 0;
		}
	}
	if (interrupted) {
		rc = 1;
		goto out;
	}
	if (mongoc_cursor_error(cur, &e)) {
		snprintf(d->err, sizeof(d->err), "MongoDB: reading %s: %s%s", colls[k], e.message,
		    e.code == ERR_SNAPSHOT_TOO_OLD ? " (the dump took longer than the server keeps "
		    "snapshots: raise minSnapshotHistoryWindowInSeconds, or use mongodump --oplog)" : "");
		goto out;
	}
	if (fflush(f) != 0 || fdatasync(fileno(f)) != 0 || fclose(f) != 0) {
		f = NULL;
		snprintf(d->err, sizeof(d->err), "%s: %s", path, strerror(errno));
		goto out;
	}
	f = NULL;
	rc = dump_finish(d, k, docs, offset);
out:
	if (f != NULL)
		fclose(f);
	if (fd >= 0)
		close(fd);
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(coll);
	if (last != NULL)
		bson_destroy(last);
	bson_destroy(&filter);
	bson_destroy(&opts);
	return rc;
}

static int dump_write_manifest(struct dump *d, const char *consistency)
{
	json_object *root = json_object_new_object(), *srv = json_object_new_object();
	json_object *arr = json_object_new_array();
	char finished[TIME_MAX];
	int k, rc;

	iso_now(finished);
	json_object_object_add(root, "format", json_object_new_string(DUMP_FORMAT));
	json_object_object_add(root, "version", json_object_new_int(DUMP_FORMAT_VERSION));
	json_object_object_add(root, "revlens", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(root, "started_at", json_object_new_string(d->started));
	json_object_object_add(root, "finished_at", json_object_new_string(finished));
	json_object_object_add(srv, "hosts", json_object_new_string(d->srv.hosts));
	json_object_object_add(srv, "version", json_object_new_string(d->srv.version));
	json_object_object_add(srv, "topology", json_object_new_string(d->srv.topology));
	if (d->srv.set_name[0] != '\0')
		json_object_object_add(srv, "set_name", json_object_new_string(d->srv.set_name));
	json_object_object_add(root, "server", srv);
	json_object_object_add(root, "consistency", json_object_new_string(consistency));
	for (k = 0; k < DUMP_NCOLLS; k++)
		if (d->c[k].selected)
			json_object_array_add(arr, coll_json(&d->c[k], k, 1));
	json_object_object_add(root, "collections", arr);
	rc = save_json(d->dir, MANIFEST, root, d->err, sizeof(d->err));
	json_object_put(root);
	return rc;
}

/* 1 when dir has entries, 0 when empty, -1 on error. */
static int dir_has_entries(const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	int found = 0;

	if (dh == NULL)
		return -1;
	while ((de = readdir(dh)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			found = 1;
	closedir(dh);
	return found;
}

static int dump_prepare_dir(struct dump *d, int *resume)
{
	struct stat st;
	int has;

	*resume = 0;
	if (stat(d->dir, &st) != 0) {
		if (errno != ENOENT || mkdir(d->dir, 0750) != 0) {
			fprintf(stderr, "%s: %s: %s (the parent directory must exist and be writable)\n",
			    DUMP_ME, d->dir, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: %s is not a directory\n", DUMP_ME, d->dir);
		return -1;
	}
	if (file_exists(d->dir, MANIFEST)) {
		fprintf(stderr, "%s: %s already holds a finished dump (%s); dump into a new "
		    "directory\n", DUMP_ME, d->dir, MANIFEST);
		return -1;
	}
	if (file_exists(d->dir, DUMP_PROGRESS)) {
		*resume = 1;
		return 0;
	}
	if ((has = dir_has_entries(d->dir)) != 0) {
		fprintf(stderr, "%s: %s: %s\n", DUMP_ME, d->dir, has < 0 ? strerror(errno) :
		    "not empty and not an unfinished dump; dump into a new or empty directory");
		return -1;
	}
	return 0;
}

int cmd_dump(const struct config *cfg, int argc, char **argv)
{
	struct dump d;
	struct mongo_conn m;
	const char *kill = getenv("REVLENS_DUMP_TEST_KILL");
	const char *consistency;
	int sel[DUMP_NCOLLS], have_sel = 0, i, k, opened = 0, resume, rc = EXIT_USAGE, r;
	uint64_t total = 0;
	bson_error_t e;

	memset(&d, 0, sizeof(d));
	memset(&m, 0, sizeof(m));
	d.cur = -1;
	d.batch = BATCH_DEFAULT;
	d.kill_after = kill != NULL ? atoi(kill) : 0;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(DUMP_USAGE, stdout);
			return 0;
		} else if (strcmp(argv[i], "--collections") == 0 && i + 1 < argc) {
			if (parse_collections(DUMP_ME, argv[++i], sel) != 0)
				return EXIT_USAGE;
			have_sel = 1;
		} else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
			if (parse_batch(DUMP_ME, argv[++i], &d.batch) != 0)
				return EXIT_USAGE;
		} else if (argv[i][0] == '-' || d.dir != NULL) {
			fprintf(stderr, "%s: unexpected argument \"%s\"\n" DUMP_USAGE, DUMP_ME, argv[i]);
			return EXIT_USAGE;
		} else {
			d.dir = argv[i];
		}
	}
	if (d.dir == NULL) {
		fprintf(stderr, "%s: which directory?\n" DUMP_USAGE, DUMP_ME);
		return EXIT_USAGE;
	}
	for (k = 0; k < DUMP_NCOLLS; k++)
		d.c[k].selected = have_sel ? sel[k] : 1;
	rc = EXIT_FAIL;
	if (sodium_init() < 0 || dump_prepare_dir(&d, &resume) != 0)
		goto out;
	if (resume && dump_load_progress(&d) != 0)
		goto fail;
	if (connect_mongo(cfg, DUMP_ME, &m, &opened) != 0)
		goto out;
	server_info(&m, &d.srv);
	if (strcmp(d.srv.topology, "standalone") != 0 && d.srv.max_wire >= SNAPSHOT_WIRE) {
		mongoc_session_opt_t *so = mongoc_session_opts_new();

		mongoc_session_opts_set_snapshot(so, true);
		d.session = mongoc_client_start_session(m.client, so, &e);
		mongoc_session_opts_destroy(so);
		if (d.session == NULL) {
			snprintf(d.err, sizeof(d.err), "MongoDB: starting a snapshot session: %s", e.message);
			goto fail;
		}
	}
	if (!resume) {
		iso_now(d.started);
		if (dump_save_progress(&d) != 0)
			goto fail;
	}
	printf("%s: %s from %s (MongoDB %s, %s, %s) into %s\n", DUMP_ME, resume ? "continuing" :
	    "dumping", d.srv.hosts, d.srv.version, d.srv.topology,
	    d.session != NULL ? "snapshot reads" : "no snapshot", d.dir);
	fflush(stdout);
	install_signals();
	for (k = 0; k < DUMP_NCOLLS; k++) {
		if (!d.c[k].selected || d.c[k].done)
			continue;
		if ((r = dump_collection(&d, &m, k)) < 0)
			goto fail;
		if (r > 0) {
			fprintf(stderr, "%s: interrupted in %s after %llu documents; run the same command "
			    "again to continue\n", DUMP_ME, colls[k], (unsigned long long)d.cur_docs);
			rc = EXIT_INTERRUPTED;
			goto out;
		}
		printf("%s: %s: %llu documents, %llu bytes\n", DUMP_ME, colls[k],
		    (unsigned long long)d.c[k].documents, (unsigned long long)d.c[k].bytes);
		fflush(stdout);
	}
	consistency = "none";
	if (d.session != NULL) {
		int same = 1, first = -1;

		for (k = 0; k < DUMP_NCOLLS; k++) {
			if (!d.c[k].selected)
				continue;
			if (first < 0)
				first = k;
			else if (d.c[k].ct_t != d.c[first].ct_t || d.c[k].ct_i != d.c[first].ct_i)
				same = 0;
		}
		consistency = same ? "snapshot" : "snapshot-per-collection";
	}
	if (dump_write_manifest(&d, consistency) != 0)
		goto fail;
	{
		char p[PATH_MAX];

		if (join(p, sizeof(p), d.dir, DUMP_PROGRESS) == 0)
			unlink(p);
		fsync_dir(d.dir);
	}
	for (k = 0; k < DUMP_NCOLLS; k++)
		total += d.c[k].selected ? d.c[k].documents : 0;
	printf("%s: done: %llu documents in %s (consistency: %s)\n", DUMP_ME,
	    (unsigned long long)total, d.dir, consistency);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "%s: %s\n", DUMP_ME, d.err);
out:
	if (d.session != NULL)
		mongoc_client_session_destroy(d.session);
	free(d.cur_last);
	close_mongo(&m, opened);
	return rc;
}

/* ================================================================== restore */

#define RESTORE_ME "revlens restore"
#define RESTORE_USAGE "usage: revlens [-c CONF] restore [--drop] [--collections a,b,...] " \
	"[--no-indexes] [--sql-dir DIR] [--mongo-dir DIR] DIR\n"

struct restore {
	const char *dir, *sql_dir, *mongo_dir;
	int drop, no_indexes, batch;
	int sel[DUMP_NCOLLS];
	struct dump_manifest man;
	char man_sha[DUMP_SHA256_HEX];
	char target[700];               /* hosts/database: the progress belongs to one target */
	int keep_progress;              /* DIR is writable */
	int done[DUMP_NCOLLS];
	int cur, cur_dropped;           /* collection in progress (-1 none), dropped already */
	uint64_t cur_offset, cur_docs;  /* as of the last acknowledged batch */
	int batches, kill_after;        /* test hook REVLENS_RESTORE_TEST_KILL */
	uint8_t *buf;                   /* owned: one batch of documents */
	size_t cap;
	size_t *offs;                   /* owned: batch + 1 offsets into buf */
	char err[ERR_MAX];
};

static int restore_save_progress(struct restore *r)
{
	json_object *root, *done;
	int k, rc;

	if (!r->keep_progress)
		return 0;
	root = json_object_new_object();
	done = json_object_new_array();
	json_object_object_add(root, "format", json_object_new_string(DUMP_FORMAT "-restore-progress"));
	json_object_object_add(root, "manifest_sha256", json_object_new_string(r->man_sha));
	json_object_object_add(root, "target", json_object_new_string(r->target));
	json_object_object_add(root, "drop", json_object_new_boolean(r->drop));
	for (k = 0; k < DUMP_NCOLLS; k++)
		if (r->done[k])
			json_object_array_add(done, json_object_new_string(colls[k]));
	json_object_object_add(root, "done", done);
	if (r->cur >= 0) {
		json_object *cur = json_object_new_object();

		json_object_object_add(cur, "name", json_object_new_string(colls[r->cur]));
		json_object_object_add(cur, "offset", json_object_new_int64((int64_t)r->cur_offset));
		json_object_object_add(cur, "documents", json_object_new_int64((int64_t)r->cur_docs));
		json_object_object_add(cur, "dropped", json_object_new_boolean(r->cur_dropped));
		json_object_object_add(root, "current", cur);
	}
	rc = save_json(r->dir, RESTORE_PROGRESS, root, r->err, sizeof(r->err));
	json_object_put(root);
	return rc;
}

/* Continue an earlier restore of this dump into this target with the same --drop;
 * anything else (or a damaged file) starts afresh, which is safe: restore is
 * idempotent. */
static void restore_load_progress(struct restore *r)
{
	char path[PATH_MAX], err[256];
	json_object *root = NULL, *arr, *cur, *v;
	char *text = NULL;
	const char *s;
	size_t len, i;
	int k, done[DUMP_NCOLLS] = { 0 };

	if (join(path, sizeof(path), r->dir, RESTORE_PROGRESS) != 0 ||
	    (text = file_read_all(path, JSON_MAX, &len, err, sizeof(err))) == NULL)
		goto out;
	if ((root = parse_json(text, len, err, sizeof(err))) == NULL ||
	    (s = json_str(root, "manifest_sha256")) == NULL || strcmp(s, r->man_sha) != 0 ||
	    (s = json_str(root, "target")) == NULL || strcmp(s, r->target) != 0 ||
	    !json_object_object_get_ex(root, "drop", &v) || json_object_get_boolean(v) != r->drop ||
	    !json_object_object_get_ex(root, "done", &arr) || !json_object_is_type(arr, json_type_array)) {
		printf("%s: %s is from another restore; starting from the beginning\n", RESTORE_ME, path);
		goto out;
	}
	for (i = 0; i < json_object_array_length(arr); i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string) ||
		    (k = coll_index(json_object_get_string(v), strlen(json_object_get_string(v)))) < 0)
			goto out;
		done[k] = 1;
	}
	if (json_object_object_get_ex(root, "current", &cur) && json_object_is_type(cur, json_type_object)) {
		uint64_t off, docs;

		if ((s = json_str(cur, "name")) == NULL || (k = coll_index(s, strlen(s))) < 0 ||
		    json_u64(cur, "offset", &off) != 0 || json_u64(cur, "documents", &docs) != 0 ||
		    off > r->man.c[k].bytes)
			goto out;
		r->cur = k;
		r->cur_offset = off;
		r->cur_docs = docs;
		r->cur_dropped = json_object_object_get_ex(cur, "dropped", &v) && json_object_get_boolean(v);
	}
	memcpy(r->done, done, sizeof(done));
	printf("%s: continuing an interrupted restore\n", RESTORE_ME);
out:
	json_object_put(root);
	free(text);
}

static int coll_path(char *out, size_t size, const char *dir, int k)
{
	int n = snprintf(out, size, "%s/%s.bson", dir, colls[k]);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Check every selected file against the manifest; nothing is written before. */
static int restore_verify(struct restore *r)
{
	char path[PATH_MAX], err[256];
	struct dump_scan scan;
	struct stat st;
	FILE *f;
	int k, rc;

	for (k = 0; k < DUMP_NCOLLS; k++) {
		const struct dump_manifest_entry *e = &r->man.c[k];

		if (!r->sel[k])
			continue;
		if (coll_path(path, sizeof(path), r->dir, k) != 0 || (f = fopen(path, "rb")) == NULL) {
			fprintf(stderr, "%s: %s: %s; the dump is incomplete: restore from another dump\n",
			    RESTORE_ME, path, strerror(errno));
			return -1;
		}
		if (fstat(fileno(f), &st) != 0 || (uint64_t)st.st_size != e->bytes) {
			fprintf(stderr, "%s: %s: %llu bytes, the manifest says %llu: the file was truncated "
			    "or altered; nothing was restored: restore from another dump\n", RESTORE_ME,
			    path, (unsigned long long)st.st_size, (unsigned long long)e->bytes);
			fclose(f);
			return -1;
		}
		rc = dump_scan_file(f, &scan, err, sizeof(err));
		fclose(f);
		if (rc != 0) {
			fprintf(stderr, "%s: %s: not a BSON dump file (%s); nothing was restored: restore "
			    "from another dump\n", RESTORE_ME, path, err);
			return -1;
		}
		if (scan.documents != e->documents || strcmp(scan.sha256, e->sha256) != 0) {
			fprintf(stderr, "%s: %s: %llu documents with SHA-256 %s, the manifest says %llu "
			    "and %s: the file was altered; nothing was restored: restore from another "
			    "dump\n", RESTORE_ME, path, (unsigned long long)scan.documents, scan.sha256,
			    (unsigned long long)e->documents, e->sha256);
			return -1;
		}
		printf("%s: %s: %llu documents, checksum ok\n", RESTORE_ME, colls[k],
		    (unsigned long long)scan.documents);
	}
	fflush(stdout);
	return 0;
}

/* Insert a batch unordered; the documents whose _id exists already are then
 * replaced by _id. Returns 0 or -1 with r->err. */
static int insert_batch(struct restore *r, mongoc_collection_t *coll, int n, uint64_t *replaced)
{
	mongoc_bulk_operation_t *bulk = NULL;
	bson_t *bopts = BCON_NEW("ordered", BCON_BOOL(false));
	bson_t *vopts = BCON_NEW("validate", BCON_BOOL(false));
	bson_t *uopts = BCON_NEW("validate", BCON_BOOL(false), "upsert", BCON_BOOL(true));
	bson_t reply, doc;
	bson_error_t e;
	bson_iter_t it, err_it;
	char *dup = NULL;
	int i, ndup = 0, rc = -1, have_reply = 0;

	if ((dup = calloc((size_t)n, 1)) == NULL) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		goto out;
	}
	bulk = mongoc_collection_create_bulk_operation_with_opts(coll, bopts);
	for (i = 0; i < n; i++) {
		bson_init_static(&doc, r->buf + r->offs[i], r->offs[i + 1] - r->offs[i]);
		if (!mongoc_bulk_operation_insert_with_opts(bulk, &doc, vopts, &e)) {
			snprintf(r->err, sizeof(r->err), "%s", e.message);
			goto out;
		}
	}
	have_reply = 1;
	if (!mongoc_bulk_operation_execute(bulk, &reply, &e)) {
		int others = 0;

		if (bson_iter_init_find(&it, &reply, "writeErrors") && BSON_ITER_HOLDS_ARRAY(&it) &&
		    bson_iter_recurse(&it, &err_it)) {
			while (bson_iter_next(&err_it)) {
				bson_t we;
				bson_iter_t f;
				const uint8_t *data;
				uint32_t len;
				int32_t code = 0, index = -1;

				bson_iter_document(&err_it, &len, &data);
				if (!bson_init_static(&we, data, len))
					continue;
				if (bson_iter_init_find(&f, &we, "code"))
					code = (int32_t)bson_iter_as_int64(&f);
				if (bson_iter_init_find(&f, &we, "index"))
					index = (int32_t)bson_iter_as_int64(&f);
				if (code == ERR_DUPLICATE_KEY && index >= 0 && index < n) {
					dup[index] = 1;
					ndup++;
				} else {
					others++;
				}
			}
		}
		if (bson_iter_init_find(&it, &reply, "writeConcernErrors") && BSON_ITER_HOLDS_ARRAY(&it) &&
		    bson_iter_recurse(&it, &err_it) && bson_iter_next(&err_it))
			others++;
		if (ndup == 0 || others > 0) {
			snprintf(r->err, sizeof(r->err), "MongoDB: inserting into %s: %s", colls[r->cur],
			    e.message);
			goto out;
		}
	}
	if (ndup > 0) {
		mongoc_bulk_operation_destroy(bulk);
		bson_destroy(&reply);
		have_reply = 0;
		bulk = mongoc_collection_create_bulk_operation_with_opts(coll, bopts);
		for (i = 0; i < n; i++) {
			bson_t sel = BSON_INITIALIZER;

			if (!dup[i])
				continue;
			bson_init_static(&doc, r->buf + r->offs[i], r->offs[i + 1] - r->offs[i]);
			bson_iter_init_find(&it, &doc, "_id");
			bson_append_iter(&sel, "_id", 3, &it);
			if (!mongoc_bulk_operation_replace_one_with_opts(bulk, &sel, &doc, uopts, &e)) {
				bson_destroy(&sel);
				snprintf(r->err, sizeof(r->err), "%s", e.message);
				goto out;
			}
			bson_destroy(&sel);
		}
		have_reply = 1;
		if (!mongoc_bulk_operation_execute(bulk, &reply, &e)) {
			snprintf(r->err, sizeof(r->err), "MongoDB: replacing in %s: %s%s", colls[r->cur],
			    e.message, e.code == ERR_DUPLICATE_KEY ? " (a document with another _id "
			    "holds the same unique key: restore with --drop)" : "");
			goto out;
		}
		*replaced += (uint64_t)ndup;
	}
	rc = 0;
out:
	if (have_reply)
		bson_destroy(&reply);
	mongoc_bulk_operation_destroy(bulk);
	bson_destroy(bopts);
	bson_destroy(vopts);
	bson_destroy(uopts);
	free(dup);
	return rc;
}

/* Restore collection k (from the progress offset when it is the current one). 0
 * done, -1 failed (r->err), 1 interrupted. */
static int restore_collection(struct restore *r, struct mongo_conn *m, int k)
{
	mongoc_collection_t *coll = mongoc_client_get_collection(m->client, m->dbname, colls[k]);
	struct reader rd = { NULL, NULL, 0, 0 };
	char path[PATH_MAX];
	uint64_t replaced = 0;
	bson_error_t e;
	bson_t doc;
	int64_t count;
	int n, got, rc = -1;

	if (r->cur != k) {
		r->cur = k;
		r->cur_offset = r->cur_docs = 0;
		r->cur_dropped = 0;
	} else if (r->cur_offset > 0) {
		printf("%s: %s: continuing after %llu documents\n", RESTORE_ME, colls[k],
		    (unsigned long long)r->cur_docs);
	}
	if (r->drop && !r->cur_dropped) {
		if (!mongoc_collection_drop_with_opts(coll, NULL, &e) && e.code != ERR_NS_NOT_FOUND &&
		    strstr(e.message, "ns not found") == NULL) {
			snprintf(r->err, sizeof(r->err), "MongoDB: dropping %s: %s", colls[k], e.message);
			goto out;
		}
		r->cur_dropped = 1;
		if (restore_save_progress(r) != 0)
			goto out;
	}
	if (coll_path(path, sizeof(path), r->dir, k) != 0 || (rd.f = fopen(path, "rb")) == NULL ||
	    fseeko(rd.f, (off_t)r->cur_offset, SEEK_SET) != 0) {
		snprintf(r->err, sizeof(r->err), "%s: %s", path, strerror(errno));
		goto out;
	}
	rd.offset = r->cur_offset;
	for (;;) {
		size_t used = 0;

		n = 0;
		got = 1;
		while (n < r->batch && used < (size_t)RESTORE_BATCH_BYTES &&
		    (got = reader_next(&rd, &doc, r->err, sizeof(r->err))) == 1) {
			if (used + doc.len > r->cap) {
				size_t cap = (used + doc.len) * 2;
				uint8_t *nb = realloc(r->buf, cap);

				if (nb == NULL) {
					snprintf(r->err, sizeof(r->err), "out of memory");
					goto out;
				}
				r->buf = nb;
				r->cap = cap;
			}
			memcpy(r->buf + used, bson_get_data(&doc), doc.len);
			r->offs[n++] = used;
			used += doc.len;
		}
		if (n < r->batch && used < (size_t)RESTORE_BATCH_BYTES && got < 0)
			goto out;       /* verified before: the file changed since */
		if (n == 0)
			break;
		r->offs[n] = used;
		if (insert_batch(r, coll, n, &replaced) != 0)
			goto out;
		r->cur_offset = rd.offset;
		r->cur_docs += (uint64_t)n;
		if (restore_save_progress(r) != 0)
			goto out;
		if (++r->batches == r->kill_after)
			raise(SIGKILL);
		if (interrupted) {
			rc = 1;
			goto out;
		}
	}
	{
		bson_t all = BSON_INITIALIZER;

		count = mongoc_collection_count_documents(coll, &all, NULL, NULL, NULL, &e);
		bson_destroy(&all);
	}
	if (count < 0) {
		snprintf(r->err, sizeof(r->err), "MongoDB: counting %s: %s", colls[k], e.message);
		goto out;
	}
	if (r->drop ? (uint64_t)count != r->man.c[k].documents : (uint64_t)count < r->man.c[k].documents) {
		snprintf(r->err, sizeof(r->err), "%s holds %lld documents after the restore, the dump "
		    "%llu: did something write or delete during the restore? stop the collectors and "
		    "restore again", colls[k], (long long)count, (unsigned long long)r->man.c[k].documents);
		goto out;
	}
	printf("%s: %s: %llu documents restored (%llu replaced an existing _id), %lld on the "
	    "server\n", RESTORE_ME, colls[k], (unsigned long long)r->man.c[k].documents,
	    (unsigned long long)replaced, (long long)count);
	fflush(stdout);
	r->done[k] = 1;
	r->cur = -1;
	r->cur_offset = r->cur_docs = 0;
	rc = restore_save_progress(r);
out:
	if (rd.f != NULL)
		fclose(rd.f);
	free(rd.buf);
	mongoc_collection_destroy(coll);
	return rc;
}

static int restore_indexes(const struct restore *r, const struct config *cfg)
{
	char *argv[6];
	int argc = 0;

	argv[argc++] = "migrate";
	if (r->sql_dir != NULL) {
		argv[argc++] = "--sql-dir";
		argv[argc++] = (char *)r->sql_dir;
	}
	if (r->mongo_dir != NULL) {
		argv[argc++] = "--mongo-dir";
		argv[argc++] = (char *)r->mongo_dir;
	}
	argv[argc] = NULL;
	if (cmd_migrate(cfg, argc, argv) != 0) {
		fprintf(stderr, "%s: the data is restored but the indexes are not: run revlens migrate "
		    "once PostgreSQL and MongoDB answer (it records the indexes in PostgreSQL)\n",
		    RESTORE_ME);
		return -1;
	}
	return 0;
}

static int restore_args(struct restore *r, int argc, char **argv)
{
	int i, have_sel = 0, sel[DUMP_NCOLLS];

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(RESTORE_USAGE, stdout);
			return 1;
		} else if (strcmp(argv[i], "--drop") == 0) {
			r->drop = 1;
		} else if (strcmp(argv[i], "--no-indexes") == 0) {
			r->no_indexes = 1;
		} else if (strcmp(argv[i], "--collections") == 0 && i + 1 < argc) {
			if (parse_collections(RESTORE_ME, argv[++i], sel) != 0)
				return -1;
			have_sel = 1;
		} else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
			if (parse_batch(RESTORE_ME, argv[++i], &r->batch) != 0)
				return -1;
		} else if (strcmp(argv[i], "--sql-dir") == 0 && i + 1 < argc) {
			r->sql_dir = argv[++i];
		} else if (strcmp(argv[i], "--mongo-dir") == 0 && i + 1 < argc) {
			r->mongo_dir = argv[++i];
		} else if (argv[i][0] == '-' || r->dir != NULL) {
			fprintf(stderr, "%s: unexpected argument \"%s\"\n" RESTORE_USAGE, RESTORE_ME, argv[i]);
			return -1;
		} else {
			r->dir = argv[i];
		}
	}
	if (r->dir == NULL) {
		fprintf(stderr, "%s: which dump directory?\n" RESTORE_USAGE, RESTORE_ME);
		return -1;
	}
	for (i = 0; i < DUMP_NCOLLS; i++)
		r->sel[i] = have_sel ? sel[i] : -1;     /* -1: whatever the manifest lists */
	return 0;
}

/* Read the manifest and settle the selection; -1 with a message. */
static int restore_manifest(struct restore *r)
{
	char path[PATH_MAX], err[256];
	struct stat st;
	char *text = NULL;
	size_t len;
	int k, rc = -1;

	if (stat(r->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: %s: %s\n", RESTORE_ME, r->dir, stat(r->dir, &st) != 0 ?
		    strerror(errno) : "not a directory");
		return -1;
	}
	if (!file_exists(r->dir, MANIFEST)) {
		if (file_exists(r->dir, DUMP_PROGRESS))
			fprintf(stderr, "%s: %s is an unfinished dump (%s, no %s): finish it by running "
			    "revlens dump %s again, or restore from another dump\n", RESTORE_ME, r->dir,
			    DUMP_PROGRESS, MANIFEST, r->dir);
		else
			fprintf(stderr, "%s: %s is not a revlens dump (no %s)\n", RESTORE_ME, r->dir,
			    MANIFEST);
		return -1;
	}
	if (join(path, sizeof(path), r->dir, MANIFEST) != 0 ||
	    (text = file_read_all(path, JSON_MAX, &len, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", RESTORE_ME, err);
		goto out;
	}
	if (dump_manifest_parse(text, len, &r->man, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s: %s; restore from another dump\n", RESTORE_ME, path, err);
		goto out;
	}
	sha256_hex(text, len, r->man_sha);
	for (k = 0; k < DUMP_NCOLLS; k++) {
		if (r->sel[k] > 0 && !r->man.c[k].present) {
			fprintf(stderr, "%s: %s is not in this dump (%s)\n", RESTORE_ME, colls[k], path);
			goto out;
		}
		r->sel[k] = r->sel[k] != 0 && r->man.c[k].present;
	}
	rc = 0;
out:
	free(text);
	return rc;
}

int cmd_restore(const struct config *cfg, int argc, char **argv)
{
	struct restore r;
	struct mongo_conn m;
	struct server srv;
	const char *kill = getenv("REVLENS_RESTORE_TEST_KILL");
	int k, opened = 0, rc = EXIT_USAGE, x;
	uint64_t total = 0;

	memset(&r, 0, sizeof(r));
	memset(&m, 0, sizeof(m));
	r.cur = -1;
	r.batch = BATCH_DEFAULT;
	r.kill_after = kill != NULL ? atoi(kill) : 0;
	if ((x = restore_args(&r, argc, argv)) != 0)
		return x > 0 ? 0 : EXIT_USAGE;
	rc = EXIT_FAIL;
	if (sodium_init() < 0 || restore_manifest(&r) != 0 || restore_verify(&r) != 0)
		goto out;
	if ((r.offs = calloc((size_t)r.batch + 1, sizeof(*r.offs))) == NULL)
		goto out;
	if (connect_mongo(cfg, RESTORE_ME, &m, &opened) != 0)
		goto out;
	server_info(&m, &srv);
	snprintf(r.target, sizeof(r.target), "%s/%s", srv.hosts, m.dbname);
	r.keep_progress = access(r.dir, W_OK) == 0;
	if (!r.keep_progress)
		printf("%s: %s is read-only: an interrupted restore starts again from the beginning\n",
		    RESTORE_ME, r.dir);
	if (r.keep_progress && file_exists(r.dir, RESTORE_PROGRESS))
		restore_load_progress(&r);
	printf("%s: restoring %s into %s%s\n", RESTORE_ME, r.dir, r.target,
	    r.drop ? " (each collection dropped first)" : "");
	fflush(stdout);
	install_signals();
	for (k = 0; k < DUMP_NCOLLS; k++) {
		if (!r.sel[k] || r.done[k])
			continue;
		if ((x = restore_collection(&r, &m, k)) < 0)
			goto fail;
		if (x > 0) {
			fprintf(stderr, "%s: interrupted in %s; run the same command again to continue\n",
			    RESTORE_ME, colls[k]);
			rc = EXIT_INTERRUPTED;
			goto out;
		}
	}
	if (!r.no_indexes && restore_indexes(&r, cfg) != 0)
		goto out;
	if (r.keep_progress) {
		char p[PATH_MAX];

		if (join(p, sizeof(p), r.dir, RESTORE_PROGRESS) == 0)
			unlink(p);
	}
	for (k = 0; k < DUMP_NCOLLS; k++)
		total += r.sel[k] ? r.man.c[k].documents : 0;
	printf("%s: done: %llu documents%s\n", RESTORE_ME, (unsigned long long)total,
	    r.no_indexes ? " (indexes left out: run revlens migrate)" : "");
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "%s: %s\n", RESTORE_ME, r.err);
out:
	free(r.buf);
	free(r.offs);
	close_mongo(&m, opened);
	return rc;
}
