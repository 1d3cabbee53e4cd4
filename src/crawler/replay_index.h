/* replay_index.h — a JSON-lines file of ingest items (the `revlens import` format),
 * indexed once by Coupang product id so each crawl request reads only its own lines.
 *
 * The index holds (product id, kind, offset, length) per line, sorted by product and
 * then file order: 24 bytes a line, the file itself stays on disk. Lines that are not
 * a JSON object with a known "kind" and a positive integer "product_id" are counted
 * and logged (by line number) at indexing, and never sent.
 */
#ifndef REVLENS_REPLAY_INDEX_H
#define REVLENS_REPLAY_INDEX_H

#include <json-c/json.h>
#include <stdio.h>
#include <sys/types.h>

#define REPLAY_LINE_MAX (1024 * 1024)   /* bytes of one line; a review is at most ~25 KiB */

enum replay_kind { REPLAY_REVIEW, REPLAY_PRICE, REPLAY_TAG, REPLAY_NKINDS };

struct replay_line {
	long long product_id;
	off_t offset;
	unsigned len;               /* without the newline */
	unsigned char kind;         /* enum replay_kind */
};

struct replay_index {
	FILE *f;
	struct replay_line *lines;  /* sorted by (product_id, offset) */
	size_t n;
	size_t lines_read;          /* every line of the file, empty ones included */
	size_t bad;                 /* lines left out */
	char *buf;                  /* REPLAY_LINE_MAX + 1 bytes for reading a line back */
};

/* Read and index path. Returns 0, or -1 with "path: reason" in err (an unreadable
 * file; bad lines are not an error). */
int replay_index_open(struct replay_index *ix, const char *path, char *err, size_t errlen);

/* The lines of product_id: *first is the index of the first in ix->lines; returns how
 * many there are (0: none). */
size_t replay_index_find(const struct replay_index *ix, long long product_id, size_t *first);

/* Line i read back and parsed, with its "kind" member removed: an ingest item the
 * caller owns (json_object_put), or NULL with err set when the file changed under us. */
json_object *replay_index_item(struct replay_index *ix, size_t i, char *err, size_t errlen);

/* The kind's name in a JSON line ("review", "price", "tag"). */
const char *replay_kind_name(enum replay_kind k);

void replay_index_close(struct replay_index *ix);

#endif
