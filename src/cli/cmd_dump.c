/* cmd_dump.c — `revlens dump`: MongoDB collections to a dump directory through the C
 * driver (cmd_dump.h, dumpfile.h; the operator's side is docs/backup.md, "MongoDB").
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
 * Test hook (t/integ/dump.t): REVLENS_DUMP_TEST_KILL=N makes dump write half a
 * document after its Nth checkpoint and SIGKILL itself.
 */
#include "cli/cmd_dump.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/dumpfile.h"
#include "lib/file.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130
#define DUMP_CKPT_BYTES (32L << 20)     /* a checkpoint at least every 32 MiB */
#define CURSOR_BATCH_MAX 1000           /* server batch size asked for */
#define SNAPSHOT_WIRE 13                /* MongoDB 5.0: snapshot reads outside transactions */
#define ERR_SNAPSHOT_TOO_OLD 239

#define DUMP_ME "revlens dump"
#define DUMP_USAGE "usage: revlens [-c CONF] dump [--collections a,b,...] [--batch N] DIR\n"

struct coll_state {
	int selected, done, resumed;
	uint64_t documents, bytes;
	char sha256[DUMP_SHA256_HEX];
	char started[DUMP_TIME_MAX], finished[DUMP_TIME_MAX];
	uint32_t ct_t, ct_i;            /* cluster time of a snapshot read; 0 when none */
};

struct dump {
	const char *dir;
	int batch;
	char started[DUMP_TIME_MAX];
	struct coll_state c[DUMP_NCOLLS];
	int cur;                        /* collection in progress, -1 none */
	uint64_t cur_offset, cur_docs;  /* as of the last checkpoint */
	char *cur_last;                 /* owned: {"_id": ...} (canonical extended JSON) */
	struct dump_server srv;
	mongoc_client_session_t *session; /* snapshot reads; NULL when the server has none */
	int checkpoints, kill_after;    /* test hook REVLENS_DUMP_TEST_KILL */
	char err[DUMP_ERR_MAX];
};

static json_object *coll_json(const struct coll_state *cs, int k, int with_file)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(dump_colls[k]));
	if (with_file) {
		char file[128];

		snprintf(file, sizeof(file), "%s.bson", dump_colls[k]);
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
			json_object_array_add(sel, json_object_new_string(dump_colls[k]));
		if (d->c[k].done)
			json_object_array_add(done, coll_json(&d->c[k], k, 0));
	}
	json_object_object_add(root, "collections", sel);
	json_object_object_add(root, "done", done);
	if (d->cur >= 0) {
		json_object *cur = json_object_new_object();

		json_object_object_add(cur, "name", json_object_new_string(dump_colls[d->cur]));
		json_object_object_add(cur, "offset", json_object_new_int64((int64_t)d->cur_offset));
		json_object_object_add(cur, "documents", json_object_new_int64((int64_t)d->cur_docs));
		json_object_object_add(cur, "last_id", d->cur_last ? json_object_new_string(d->cur_last) : NULL);
		json_object_object_add(cur, "started_at", json_object_new_string(d->c[d->cur].started));
		json_object_object_add(root, "current", cur);
	}
	rc = dump_save_json(d->dir, DUMP_PROGRESS, root, d->err, sizeof(d->err));
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

	if (dump_join(path, sizeof(path), d->dir, DUMP_PROGRESS) != 0 ||
	    (text = file_read_all(path, DUMP_JSON_MAX, &len, err, sizeof(err))) == NULL ||
	    (root = dump_parse_json(text, len, err, sizeof(err))) == NULL) {
		snprintf(d->err, sizeof(d->err), "%s: %s; delete the directory and dump again", path, err);
		goto out;
	}
	if ((s = dump_json_str(root, "format")) == NULL || strcmp(s, DUMP_FORMAT "-progress") != 0 ||
	    !json_object_object_get_ex(root, "collections", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		goto bad;
	copy_str(d->started, sizeof(d->started), dump_json_str(root, "started_at"));
	for (i = 0; i < json_object_array_length(arr); i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string) ||
		    (k = dump_coll_index(json_object_get_string(v), strlen(json_object_get_string(v)))) < 0)
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

		if ((s = dump_json_str(c, "name")) == NULL || (k = dump_coll_index(s, strlen(s))) < 0)
			goto bad;
		cs = &d->c[k];
		if (dump_json_u64(c, "documents", &cs->documents) != 0 || dump_json_u64(c, "bytes", &cs->bytes) != 0 ||
		    (s = dump_json_str(c, "sha256")) == NULL || !dump_is_hex64(s))
			goto bad;
		memcpy(cs->sha256, s, DUMP_SHA256_HEX);
		copy_str(cs->started, sizeof(cs->started), dump_json_str(c, "started_at"));
		copy_str(cs->finished, sizeof(cs->finished), dump_json_str(c, "finished_at"));
		cs->resumed = json_object_object_get_ex(c, "resumed", &v) && json_object_get_boolean(v);
		if (json_object_object_get_ex(c, "cluster_time", &t) && json_object_is_type(t, json_type_object)) {
			uint64_t tt = 0, ti = 0;

			dump_json_u64(t, "t", &tt);
			dump_json_u64(t, "i", &ti);
			cs->ct_t = (uint32_t)tt;
			cs->ct_i = (uint32_t)ti;
		}
		cs->done = 1;
	}
	if (json_object_object_get_ex(root, "current", &cur) && json_object_is_type(cur, json_type_object)) {
		if ((s = dump_json_str(cur, "name")) == NULL || (k = dump_coll_index(s, strlen(s))) < 0 ||
		    d->c[k].done || dump_json_u64(cur, "offset", &d->cur_offset) != 0 ||
		    dump_json_u64(cur, "documents", &d->cur_docs) != 0)
			goto bad;
		d->cur = k;
		copy_str(d->c[k].started, sizeof(d->c[k].started), dump_json_str(cur, "started_at"));
		if ((s = dump_json_str(cur, "last_id")) != NULL && (d->cur_last = strdup(s)) == NULL)
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
		snprintf(d->err, sizeof(d->err), "%s/%s.bson: %s", d->dir, dump_colls[d->cur], strerror(errno));
		bson_destroy(&id);
		return -1;
	}
	if (!bson_iter_init_find(&it, doc, "_id") || !bson_append_iter(&id, "_id", 3, &it) ||
	    (json = bson_as_canonical_extended_json(&id, NULL)) == NULL) {
		snprintf(d->err, sizeof(d->err), "%s: a document without _id", dump_colls[d->cur]);
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

	if (dump_join(path, sizeof(path), d->dir, dump_colls[k]) != 0 || strlen(path) + 6 > sizeof(path))
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
	dump_iso_now(cs->finished);
	cs->done = 1;
	d->cur = -1;
	free(d->cur_last);
	d->cur_last = NULL;
	return dump_save_progress(d);
}

/* Dump collection k (from its checkpoint when it is the current one). 0 done, -1
 * failed (d->err), 1 dump_interrupted after a checkpoint. */
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
	struct stat st;
	FILE *f = NULL;
	int fd = -1, rc = -1, first = 1;

	if (d->cur != k) {
		d->cur = k;
		d->cur_offset = d->cur_docs = 0;
		free(d->cur_last);
		d->cur_last = NULL;
		cs->resumed = 0;
		dump_iso_now(cs->started);
		if (dump_save_progress(d) != 0)
			goto out;
	} else {
		cs->resumed = 1;
		printf("%s: %s: continuing after %llu documents\n", DUMP_ME, dump_colls[k],
		    (unsigned long long)d->cur_docs);
	}
	offset = d->cur_offset;
	docs = d->cur_docs;
	if (dump_join(path, sizeof(path), d->dir, dump_colls[k]) != 0 || strlen(path) + 6 > sizeof(path))
		goto out;
	strcat(path, ".bson");
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0 || fstat(fd, &st) != 0) {
		snprintf(d->err, sizeof(d->err), "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((uint64_t)st.st_size < offset) {
		snprintf(d->err, sizeof(d->err), "%s is shorter than %s says (%llu bytes): delete the "
		    "directory and dump again", path, DUMP_PROGRESS, (unsigned long long)offset);
		goto out;
	}
	/* cut what was written after the checkpoint (a partial document, perhaps) */
	if (ftruncate(fd, (off_t)offset) != 0 || lseek(fd, (off_t)offset, SEEK_SET) < 0 ||
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
	coll = mongoc_client_get_collection(m->client, m->dbname, dump_colls[k]);
	cur = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
	while (!dump_interrupted && mongoc_cursor_next(cur, &doc)) {
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
		    dump_interrupted) {
			if (checkpoint(d, f, doc, offset, docs) != 0)
				goto out;
			since_docs = since_bytes = 0;
		}
	}
	if (dump_interrupted) {
		rc = 1;
		goto out;
	}
	if (mongoc_cursor_error(cur, &e)) {
		snprintf(d->err, sizeof(d->err), "MongoDB: reading %s: %s%s", dump_colls[k], e.message,
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
	char finished[DUMP_TIME_MAX];
	int k, rc;

	dump_iso_now(finished);
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
	rc = dump_save_json(d->dir, DUMP_MANIFEST, root, d->err, sizeof(d->err));
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
	if (dump_file_exists(d->dir, DUMP_MANIFEST)) {
		fprintf(stderr, "%s: %s already holds a finished dump (%s); dump into a new "
		    "directory\n", DUMP_ME, d->dir, DUMP_MANIFEST);
		return -1;
	}
	if (dump_file_exists(d->dir, DUMP_PROGRESS)) {
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
	d.batch = DUMP_BATCH_DEFAULT;
	d.kill_after = kill != NULL ? atoi(kill) : 0;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(DUMP_USAGE, stdout);
			return 0;
		} else if (strcmp(argv[i], "--collections") == 0 && i + 1 < argc) {
			if (dump_parse_collections(DUMP_ME, argv[++i], sel) != 0)
				return EXIT_USAGE;
			have_sel = 1;
		} else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
			if (dump_parse_batch(DUMP_ME, argv[++i], &d.batch) != 0)
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
	if (dump_connect(cfg, DUMP_ME, &m, &opened) != 0)
		goto out;
	dump_server_info(&m, &d.srv);
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
		dump_iso_now(d.started);
		if (dump_save_progress(&d) != 0)
			goto fail;
	}
	printf("%s: %s from %s (MongoDB %s, %s, %s) into %s\n", DUMP_ME, resume ? "continuing" :
	    "dumping", d.srv.hosts, d.srv.version, d.srv.topology,
	    d.session != NULL ? "snapshot reads" : "no snapshot", d.dir);
	fflush(stdout);
	dump_install_signals();
	for (k = 0; k < DUMP_NCOLLS; k++) {
		if (!d.c[k].selected || d.c[k].done)
			continue;
		if ((r = dump_collection(&d, &m, k)) < 0)
			goto fail;
		if (r > 0) {
			fprintf(stderr, "%s: interrupted in %s after %llu documents; run the same command "
			    "again to continue\n", DUMP_ME, dump_colls[k], (unsigned long long)d.cur_docs);
			rc = EXIT_INTERRUPTED;
			goto out;
		}
		printf("%s: %s: %llu documents, %llu bytes\n", DUMP_ME, dump_colls[k],
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

		if (dump_join(p, sizeof(p), d.dir, DUMP_PROGRESS) == 0)
			unlink(p);
		dump_fsync_dir(d.dir);
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
	dump_close(&m, opened);
	return rc;
}
