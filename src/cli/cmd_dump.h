/* cmd_dump.h — `revlens dump` and `revlens restore`: MongoDB backups through the C
 * driver (docs/backup.md, "MongoDB").
 *
 * A dump is a directory: one <collection>.bson per collection of the design
 * (concatenated BSON documents in _id order, the format of mongodump's .bson files)
 * and manifest.json, written last, with each file's document count, byte size and
 * SHA-256, the times, the server and the format version. A directory without a
 * manifest is not a dump (an unfinished one holds dump.progress instead).
 */
#ifndef REVLENS_CMD_DUMP_H
#define REVLENS_CMD_DUMP_H

#include <stdint.h>
#include <stdio.h>

#include "lib/config.h"

#define DUMP_NCOLLS 7                  /* collections of the design (cmd_dump.c lists them) */
#define DUMP_SHA256_HEX 65             /* 64 hex digits and the NUL */

/* revlens -c CONF dump [--collections a,b,...] [--batch N] DIR
 * argv[0] is "dump". Exit status: 0 done, 1 failed (or interrupted: re-run with the
 * same DIR to continue), 2 usage error. */
int cmd_dump(const struct config *cfg, int argc, char **argv);

/* revlens -c CONF restore [--drop] [--collections a,b,...] [--no-indexes]
 *     [--sql-dir DIR] [--mongo-dir DIR] DIR
 * argv[0] is "restore". Verifies every file against the manifest before writing
 * anything, then inserts (an existing _id is replaced), then re-creates the indexes
 * through `revlens migrate`. Exit status as for cmd_dump. */
int cmd_restore(const struct config *cfg, int argc, char **argv);

/* ---- the readers of untrusted dump files (fuzz/dump_read_fuzz.c) ---------------- */

struct dump_scan {
	uint64_t documents;
	uint64_t bytes;
	char sha256[DUMP_SHA256_HEX];
};

/* Read f to its end as concatenated BSON documents: each one well formed (length
 * 5..16 MiB + 16 KiB, NUL-terminated, valid structure) with an _id. Returns 0 with
 * *out filled, -1 with the offset and the reason in err. */
int dump_scan_file(FILE *f, struct dump_scan *out, char *err, size_t errlen);

struct dump_manifest_entry {
	int present;                   /* listed in the manifest */
	uint64_t documents;
	uint64_t bytes;
	char sha256[DUMP_SHA256_HEX];
};

/* What restore needs of manifest.json, by the position of the collection in the
 * design's list. */
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

#endif
