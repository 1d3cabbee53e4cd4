/* dumpfile.h — what `revlens dump` and `revlens restore` share (cmd_dump.c,
 * cmd_restore.c; docs/backup.md, "MongoDB"): the collections of the design, the
 * readers of the untrusted dump files, JSON and file helpers, the connection.
 *
 * A dump is a directory: one <collection>.bson per collection of the design
 * (concatenated BSON documents in _id order, the format of mongodump's .bson files)
 * and manifest.json, written last, with each file's document count, byte size and
 * SHA-256, the times, the server and the format version. A directory without a
 * manifest is not a dump (an unfinished one holds dump.progress instead).
 */
#ifndef REVLENS_DUMPFILE_H
#define REVLENS_DUMPFILE_H

#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "lib/config.h"
#include "lib/mongo.h"

#define DUMP_NCOLLS 7                  /* collections of the design (dump_colls) */
#define DUMP_SHA256_HEX 65             /* 64 hex digits and the NUL */
#define DUMP_FORMAT "revlens-dump"
#define DUMP_FORMAT_VERSION 1
#define DUMP_BATCH_DEFAULT 1000        /* documents per checkpoint / insert batch */
#define DUMP_BATCH_MAX 100000
#define DUMP_JSON_MAX (1L << 20)       /* bytes: manifest and progress files */
#define DUMP_MANIFEST "manifest.json"
#define DUMP_PROGRESS "dump.progress"
#define DUMP_TIME_MAX 32               /* "2026-11-30T12:00:00Z" and the NUL */
#define DUMP_ERR_MAX (2 * PATH_MAX + 512)  /* two paths and a reason */

/* Every collection of the design, in dump order (see cmd_dump.c, "Consistency"). */
extern const char *const dump_colls[DUMP_NCOLLS];

/* Set by SIGINT and SIGTERM once dump_install_signals() ran (no SA_RESTART). */
extern volatile sig_atomic_t dump_interrupted;
void dump_install_signals(void);

/* Position of the collection named by name[0..len) in dump_colls, or -1. */
int dump_coll_index(const char *name, size_t len);
/* "a,b,c" into sel[] (1 selected, 0 not); -1 after a message naming the known
 * collections when a name is unknown or empty. */
int dump_parse_collections(const char *me, const char *list, int sel[DUMP_NCOLLS]);
/* --batch's value, 1..DUMP_BATCH_MAX; -1 after a message. */
int dump_parse_batch(const char *me, const char *s, int *out);

void dump_iso_now(char out[DUMP_TIME_MAX]);
/* dir "/" name into out; -1 when it does not fit. */
int dump_join(char *out, size_t size, const char *dir, const char *name);
int dump_file_exists(const char *dir, const char *name);
void dump_fsync_dir(const char *dir);
void dump_sha256_hex(const void *data, size_t len, char out[DUMP_SHA256_HEX]);

/* ---- the readers of untrusted dump files (fuzz/dump_read_fuzz.c) ---------------- */

struct dump_reader {
	FILE *f;
	uint8_t *buf;                   /* owned (free it); the current document */
	size_t cap;
	uint64_t offset;                /* of the next document in the file */
};

/* The next document of r->f into *doc (valid until the next call): 1; 0 at a clean
 * end of file; -1 with "offset N: reason" in err. A document is well formed (length
 * 5..16 MiB + 16 KiB, NUL-terminated, valid structure) and has an _id. */
int dump_reader_next(struct dump_reader *r, bson_t *doc, char *err, size_t errlen);

struct dump_scan {
	uint64_t documents;
	uint64_t bytes;
	char sha256[DUMP_SHA256_HEX];
};

/* Read f to its end with dump_reader_next. Returns 0 with *out filled, -1 with the
 * offset and the reason in err. */
int dump_scan_file(FILE *f, struct dump_scan *out, char *err, size_t errlen);

struct dump_manifest_entry {
	int present;                   /* listed in the manifest */
	uint64_t documents;
	uint64_t bytes;
	char sha256[DUMP_SHA256_HEX];
};

/* What restore needs of manifest.json, by the position of the collection in
 * dump_colls. */
struct dump_manifest {
	int version;
	struct dump_manifest_entry c[DUMP_NCOLLS];
};

/* Parse and check manifest text (len bytes, need not be NUL-terminated): the format
 * name and version, every collection known and listed once, its file named
 * <collection>.bson, counts and sizes non-negative integers, checksums 64 hex digits.
 * Returns 0, or -1 with the reason in err. */
int dump_manifest_parse(const char *text, size_t len, struct dump_manifest *m, char *err,
    size_t errlen);

/* ---- JSON ------------------------------------------------------------------------ */

/* Strict JSON (UTF-8, nothing after the value, at most DUMP_JSON_MAX bytes); the
 * caller puts the result. NULL with the reason in err. */
json_object *dump_parse_json(const char *text, size_t len, char *err, size_t errlen);
/* o[key] as a non-negative integer: 0, else -1. */
int dump_json_u64(json_object *o, const char *key, uint64_t *out);
/* o[key] as a string, or NULL. */
const char *dump_json_str(json_object *o, const char *key);
int dump_is_hex64(const char *s);
/* root, pretty-printed, to dir/name atomically (temporary file, fsync, rename, fsync
 * of dir). 0, or -1 with the reason in err. */
int dump_save_json(const char *dir, const char *name, json_object *root, char *err, size_t errlen);

/* ---- the server ------------------------------------------------------------------ */

struct dump_server {
	char hosts[512];                /* host:port,... from the URI (never its credentials) */
	char version[64];
	char topology[16];              /* standalone | replicaset | sharded */
	char set_name[128];
	int32_t max_wire;
};

/* mongo_global_init, mongo_open and a ping (*opened = 1 from the start, for
 * dump_close); -1 after a message. */
int dump_connect(const struct config *cfg, const char *me, struct mongo_conn *m, int *opened);
void dump_close(struct mongo_conn *m, int opened);
/* What the server says of itself (isMaster, buildInfo); "unknown" where it does not. */
void dump_server_info(struct mongo_conn *m, struct dump_server *s);

#endif
