/* dumpfile.c — what `revlens dump` and `revlens restore` share (dumpfile.h). */
#include "cli/dumpfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#define DUMP_DOC_MAX (16 * 1024 * 1024 + 16 * 1024)   /* BSON's 16 MiB and mongodump's slack */

const char *const dump_colls[DUMP_NCOLLS] = {
	"product_reviews_raw", "review_days", "coupang_keyword_tags", "keywords",
	"product_analysis_daily", "product_analysis_monthly", "realtime_sessions",
};

volatile sig_atomic_t dump_interrupted;

static void on_signal(int sig)
{
	(void)sig;
	dump_interrupted = 1;
}

void dump_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;      /* no SA_RESTART: a blocked read returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int dump_coll_index(const char *name, size_t len)
{
	for (int k = 0; k < DUMP_NCOLLS; k++)
		if (strlen(dump_colls[k]) == len && memcmp(dump_colls[k], name, len) == 0)
			return k;
	return -1;
}

/* "a,b,c" into sel[]; -1 with a message on an unknown or empty name. */
int dump_parse_collections(const char *me, const char *list, int sel[DUMP_NCOLLS])
{
	const char *p = list;

	memset(sel, 0, DUMP_NCOLLS * sizeof(*sel));
	for (;;) {
		size_t n = strcspn(p, ",");
		int k = dump_coll_index(p, n);

		if (k < 0) {
			fprintf(stderr, "%s: unknown collection \"%.*s\"; the collections are:", me, (int)n, p);
			for (int j = 0; j < DUMP_NCOLLS; j++)
				fprintf(stderr, " %s", dump_colls[j]);
			fputc('\n', stderr);
			return -1;
		}
		sel[k] = 1;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

int dump_parse_batch(const char *me, const char *s, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > DUMP_BATCH_MAX) {
		fprintf(stderr, "%s: --batch takes a number of documents from 1 to %d\n", me, DUMP_BATCH_MAX);
		return -1;
	}
	*out = (int)v;
	return 0;
}

void dump_iso_now(char out[DUMP_TIME_MAX])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, DUMP_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int dump_join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int dump_file_exists(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	return dump_join(p, sizeof(p), dir, name) == 0 && stat(p, &st) == 0;
}

void dump_fsync_dir(const char *dir)
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

	if (dump_join(dst, sizeof(dst), dir, name) != 0 ||
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
	dump_fsync_dir(dir);
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
	unlink(tmp);
	return -1;
}

void dump_sha256_hex(const void *data, size_t len, char out[DUMP_SHA256_HEX])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, DUMP_SHA256_HEX, h, sizeof(h));
}

/* ---- reading dump files (untrusted) ---------------------------------------------- */


/* The next document into *doc (valid until the next call): 1, 0 at a clean end of
 * file, -1 with "offset N: reason" in err. */
int dump_reader_next(struct dump_reader *r, bson_t *doc, char *err, size_t errlen)
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
	struct dump_reader r = { f, NULL, 0, 0 };
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];
	bson_t doc;
	int n;

	memset(out, 0, sizeof(*out));
	crypto_hash_sha256_init(&st);
	while ((n = dump_reader_next(&r, &doc, err, errlen)) == 1) {
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

int dump_json_u64(json_object *o, const char *key, uint64_t *out)
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

const char *dump_json_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int dump_is_hex64(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 64;
}

/* Parse JSON text strictly (UTF-8, nothing after the value); NULL with err. */
json_object *dump_parse_json(const char *text, size_t len, char *err, size_t errlen)
{
	json_tokener *tok;
	json_object *o = NULL;
	size_t end;

	if (len > (size_t)DUMP_JSON_MAX) {
		snprintf(err, errlen, "larger than %ld bytes", DUMP_JSON_MAX);
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
			if (text[end] == '\0' || !strchr(" \t\r\n", text[end])) {
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
	if ((root = dump_parse_json(text, len, err, errlen)) == NULL)
		return -1;
	if (!json_object_is_type(root, json_type_object) || (s = dump_json_str(root, "format")) == NULL ||
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

		if (!json_object_is_type(c, json_type_object) || (name = dump_json_str(c, "name")) == NULL) {
			snprintf(err, errlen, "collections[%zu]: no name", i);
			goto out;
		}
		if ((k = dump_coll_index(name, strlen(name))) < 0) {
			snprintf(err, errlen, "collections[%zu]: unknown collection (a dump of another "
			    "revlens version?)", i);
			goto out;
		}
		e = &m->c[k];
		snprintf(file, sizeof(file), "%s.bson", dump_colls[k]);
		if (e->present) {
			snprintf(err, errlen, "%s listed twice", dump_colls[k]);
			goto out;
		}
		if ((f = dump_json_str(c, "file")) == NULL || strcmp(f, file) != 0) {
			snprintf(err, errlen, "%s: its file must be %s", dump_colls[k], file);
			goto out;
		}
		if (dump_json_u64(c, "documents", &e->documents) != 0 || dump_json_u64(c, "bytes", &e->bytes) != 0) {
			snprintf(err, errlen, "%s: documents and bytes must be non-negative integers", dump_colls[k]);
			goto out;
		}
		if ((sum = dump_json_str(c, "sha256")) == NULL || !dump_is_hex64(sum)) {
			snprintf(err, errlen, "%s: sha256 must be 64 lower-case hex digits", dump_colls[k]);
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

int dump_connect(const struct config *cfg, const char *me, struct mongo_conn *m,
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

void dump_close(struct mongo_conn *m, int opened)
{
	if (opened) {
		mongo_close(m);
		mongo_global_cleanup();
	}
}

void dump_server_info(struct mongo_conn *m, struct dump_server *s)
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

int dump_save_json(const char *dir, const char *name, json_object *root, char *err, size_t errlen)
{
	const char *text = json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (text == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return write_atomic(dir, name, text, err, errlen);
}
