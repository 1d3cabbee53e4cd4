/* cmd_restore.c — `revlens restore`: a dump directory back into MongoDB (cmd_dump.h,
 * dumpfile.h; the operator's side is docs/backup.md, "MongoDB").
 *
 * Before anything is written, every selected file is checked against the
 * manifest: size, then a full read (dump_scan_file) for the count and the SHA-256.
 * Then per collection (after a drop with --drop) the documents go in unordered
 * insert batches; an _id that exists already is replaced (replace by _id, upsert),
 * so a second restore changes nothing. restore.progress (in DIR when it is writable)
 * records the finished collections and the offset of the last acknowledged batch,
 * so an interrupted restore continues there. The count on the server is checked
 * after each collection, and the indexes are re-created by `revlens migrate` (the
 * code that applies mongo-indexes/), after the data as mongorestore does.
 *
 * Test hook (t/integ/dump.t): REVLENS_RESTORE_TEST_KILL=N makes restore SIGKILL
 * itself after its Nth batch.
 */
#include "cli/cmd_dump.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cmd_migrate.h"
#include "cli/dumpfile.h"
#include "lib/file.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130
#define RESTORE_BATCH_BYTES (8L << 20)  /* one insert batch holds at most ~8 MiB (+1 doc) */
#define RESTORE_PROGRESS "restore.progress"
#define ERR_DUPLICATE_KEY 11000
#define ERR_NS_NOT_FOUND 26

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
	char err[DUMP_ERR_MAX];
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
			json_object_array_add(done, json_object_new_string(dump_colls[k]));
	json_object_object_add(root, "done", done);
	if (r->cur >= 0) {
		json_object *cur = json_object_new_object();

		json_object_object_add(cur, "name", json_object_new_string(dump_colls[r->cur]));
		json_object_object_add(cur, "offset", json_object_new_int64((int64_t)r->cur_offset));
		json_object_object_add(cur, "documents", json_object_new_int64((int64_t)r->cur_docs));
		json_object_object_add(cur, "dropped", json_object_new_boolean(r->cur_dropped));
		json_object_object_add(root, "current", cur);
	}
	rc = dump_save_json(r->dir, RESTORE_PROGRESS, root, r->err, sizeof(r->err));
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

	if (dump_join(path, sizeof(path), r->dir, RESTORE_PROGRESS) != 0 ||
	    (text = file_read_all(path, DUMP_JSON_MAX, &len, err, sizeof(err))) == NULL)
		goto out;
	if ((root = dump_parse_json(text, len, err, sizeof(err))) == NULL ||
	    (s = dump_json_str(root, "manifest_sha256")) == NULL || strcmp(s, r->man_sha) != 0 ||
	    (s = dump_json_str(root, "target")) == NULL || strcmp(s, r->target) != 0 ||
	    !json_object_object_get_ex(root, "drop", &v) || json_object_get_boolean(v) != r->drop ||
	    !json_object_object_get_ex(root, "done", &arr) || !json_object_is_type(arr, json_type_array)) {
		printf("%s: %s is from another restore; starting from the beginning\n", RESTORE_ME, path);
		goto out;
	}
	for (i = 0; i < json_object_array_length(arr); i++) {
		v = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(v, json_type_string) ||
		    (k = dump_coll_index(json_object_get_string(v), strlen(json_object_get_string(v)))) < 0)
			goto out;
		done[k] = 1;
	}
	if (json_object_object_get_ex(root, "current", &cur) && json_object_is_type(cur, json_type_object)) {
		uint64_t off, docs;

		if ((s = dump_json_str(cur, "name")) == NULL || (k = dump_coll_index(s, strlen(s))) < 0 ||
		    dump_json_u64(cur, "offset", &off) != 0 || dump_json_u64(cur, "documents", &docs) != 0 ||
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
	int n = snprintf(out, size, "%s/%s.bson", dir, dump_colls[k]);

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
		printf("%s: %s: %llu documents, checksum ok\n", RESTORE_ME, dump_colls[k],
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
			snprintf(r->err, sizeof(r->err), "MongoDB: inserting into %s: %s", dump_colls[r->cur],
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
			snprintf(r->err, sizeof(r->err), "MongoDB: replacing in %s: %s%s", dump_colls[r->cur],
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
 * done, -1 failed (r->err), 1 dump_interrupted. */
/* The documents of collection k on the server, or -1 (r->err). */
static int64_t server_count(struct restore *r, struct mongo_conn *m, int k)
{
	mongoc_collection_t *coll = mongoc_client_get_collection(m->client, m->dbname, dump_colls[k]);
	bson_t all = BSON_INITIALIZER;
	bson_error_t e;
	int64_t count = mongoc_collection_count_documents(coll, &all, NULL, NULL, NULL, &e);

	if (count < 0)
		snprintf(r->err, sizeof(r->err), "MongoDB: counting %s: %s", dump_colls[k], e.message);
	bson_destroy(&all);
	mongoc_collection_destroy(coll);
	return count;
}

/* A resumed restore trusts its progress file only as far as the server agrees: a
 * collection marked restored that holds fewer documents than the dump (the server's
 * data was replaced or emptied since, as when its data file was moved aside), or the
 * collection in progress holding fewer than the batches acknowledged, is restored
 * again from its beginning. 0, or -1 (r->err). */
static int restore_recheck(struct restore *r, struct mongo_conn *m)
{
	for (int k = 0; k < DUMP_NCOLLS; k++) {
		int64_t count;
		if (!r->sel[k] || (!r->done[k] && r->cur != k))
			continue;
		if ((count = server_count(r, m, k)) < 0)
			return -1;
		if (r->done[k] && (uint64_t)count < r->man.c[k].documents) {
			printf("%s: %s was restored before but the server holds %lld of its %llu documents: "
			    "restoring it again\n", RESTORE_ME, dump_colls[k], (long long)count,
			    (unsigned long long)r->man.c[k].documents);
			r->done[k] = 0;
		} else if (!r->done[k] && (uint64_t)count < r->cur_docs) {
			printf("%s: %s: the server holds %lld of the %llu documents restored before: "
			    "restoring it from the beginning\n", RESTORE_ME, dump_colls[k], (long long)count,
			    (unsigned long long)r->cur_docs);
			r->cur = -1;
		}
	}
	return 0;
}

static int restore_collection(struct restore *r, struct mongo_conn *m, int k)
{
	mongoc_collection_t *coll = mongoc_client_get_collection(m->client, m->dbname, dump_colls[k]);
	struct dump_reader rd = { NULL, NULL, 0, 0 };
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
		printf("%s: %s: continuing after %llu documents\n", RESTORE_ME, dump_colls[k],
		    (unsigned long long)r->cur_docs);
	}
	if (r->drop && !r->cur_dropped) {
		if (!mongoc_collection_drop_with_opts(coll, NULL, &e) && e.code != ERR_NS_NOT_FOUND &&
		    strstr(e.message, "ns not found") == NULL) {
			snprintf(r->err, sizeof(r->err), "MongoDB: dropping %s: %s", dump_colls[k], e.message);
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
		    (got = dump_reader_next(&rd, &doc, r->err, sizeof(r->err))) == 1) {
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
		if (dump_interrupted) {
			rc = 1;
			goto out;
		}
	}
	if ((count = server_count(r, m, k)) < 0)
		goto out;
	if (r->drop ? (uint64_t)count != r->man.c[k].documents : (uint64_t)count < r->man.c[k].documents) {
		snprintf(r->err, sizeof(r->err), "%s holds %lld documents after the restore, the dump "
		    "%llu: did something write or delete during the restore? stop the collectors and "
		    "restore again", dump_colls[k], (long long)count, (unsigned long long)r->man.c[k].documents);
		goto out;
	}
	printf("%s: %s: %llu documents restored (%llu replaced an existing _id), %lld on the "
	    "server\n", RESTORE_ME, dump_colls[k], (unsigned long long)r->man.c[k].documents,
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
			if (dump_parse_collections(RESTORE_ME, argv[++i], sel) != 0)
				return -1;
			have_sel = 1;
		} else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
			if (dump_parse_batch(RESTORE_ME, argv[++i], &r->batch) != 0)
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
	if (!dump_file_exists(r->dir, DUMP_MANIFEST)) {
		if (dump_file_exists(r->dir, DUMP_PROGRESS))
			fprintf(stderr, "%s: %s is an unfinished dump (%s, no %s): finish it by running "
			    "revlens dump %s again, or restore from another dump\n", RESTORE_ME, r->dir,
			    DUMP_PROGRESS, DUMP_MANIFEST, r->dir);
		else
			fprintf(stderr, "%s: %s is not a revlens dump (no %s)\n", RESTORE_ME, r->dir,
			    DUMP_MANIFEST);
		return -1;
	}
	if (dump_join(path, sizeof(path), r->dir, DUMP_MANIFEST) != 0 ||
	    (text = file_read_all(path, DUMP_JSON_MAX, &len, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", RESTORE_ME, err);
		goto out;
	}
	if (dump_manifest_parse(text, len, &r->man, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s: %s; restore from another dump\n", RESTORE_ME, path, err);
		goto out;
	}
	dump_sha256_hex(text, len, r->man_sha);
	for (k = 0; k < DUMP_NCOLLS; k++) {
		if (r->sel[k] > 0 && !r->man.c[k].present) {
			fprintf(stderr, "%s: %s is not in this dump (%s)\n", RESTORE_ME, dump_colls[k], path);
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
	struct dump_server srv;
	const char *kill = getenv("REVLENS_RESTORE_TEST_KILL");
	int k, opened = 0, rc = EXIT_USAGE, x;
	uint64_t total = 0;

	memset(&r, 0, sizeof(r));
	memset(&m, 0, sizeof(m));
	r.cur = -1;
	r.batch = DUMP_BATCH_DEFAULT;
	r.kill_after = kill != NULL ? atoi(kill) : 0;
	if ((x = restore_args(&r, argc, argv)) != 0)
		return x > 0 ? 0 : EXIT_USAGE;
	rc = EXIT_FAIL;
	if (sodium_init() < 0 || restore_manifest(&r) != 0 || restore_verify(&r) != 0)
		goto out;
	if ((r.offs = calloc((size_t)r.batch + 1, sizeof(*r.offs))) == NULL)
		goto out;
	if (dump_connect(cfg, RESTORE_ME, &m, &opened) != 0)
		goto out;
	dump_server_info(&m, &srv);
	snprintf(r.target, sizeof(r.target), "%s/%s", srv.hosts, m.dbname);
	r.keep_progress = access(r.dir, W_OK) == 0;
	if (!r.keep_progress)
		printf("%s: %s is read-only: an interrupted restore starts again from the beginning\n",
		    RESTORE_ME, r.dir);
	if (r.keep_progress && dump_file_exists(r.dir, RESTORE_PROGRESS)) {
		restore_load_progress(&r);
		if (restore_recheck(&r, &m) != 0)
			goto fail;
	}
	printf("%s: restoring %s into %s%s\n", RESTORE_ME, r.dir, r.target,
	    r.drop ? " (each collection dropped first)" : "");
	fflush(stdout);
	dump_install_signals();
	for (k = 0; k < DUMP_NCOLLS; k++) {
		if (!r.sel[k] || r.done[k])
			continue;
		if ((x = restore_collection(&r, &m, k)) < 0)
			goto fail;
		if (x > 0) {
			fprintf(stderr, "%s: interrupted in %s; run the same command again to continue\n",
			    RESTORE_ME, dump_colls[k]);
			rc = EXIT_INTERRUPTED;
			goto out;
		}
	}
	if (!r.no_indexes && restore_indexes(&r, cfg) != 0)
		goto out;
	if (r.keep_progress) {
		char p[PATH_MAX];

		if (dump_join(p, sizeof(p), r.dir, RESTORE_PROGRESS) == 0)
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
	dump_close(&m, opened);
	return rc;
}
