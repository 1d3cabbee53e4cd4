/* cmd_ingest.h — `revlens import`, `revlens crawl`, `revlens reviews` (docs/ingest.md),
 * `revlens keywords` (docs/worker.md). */
#ifndef REVLENS_CMD_INGEST_H
#define REVLENS_CMD_INGEST_H

#include "lib/config.h"

/* revlens -c CONF import [--collector NAME] [--no-create-products] [--dry-run] FILE|-
 * JSON lines, each with "kind" review|price|tag; stores in batches of 1,000 and
 * reports every bad line by number on standard error. Exit 0 every line stored, 1
 * some lines rejected, 2 could not run (usage, a store down). --dry-run checks the
 * lines without storing (no store is contacted). */
int cmd_import(const struct config *cfg, int argc, char **argv);

/* revlens -c CONF crawl [--deadline SECONDS] [--request ID] PRODUCT_ID
 * Puts a crawl request for the product on the stream. Exit 0, 1 failed, 2 usage. */
int cmd_crawl(const struct config *cfg, int argc, char **argv);

/* revlens -c CONF reviews [--limit N] PRODUCT_ID | --coupang COUPANG_ID
 * The stored reviews of a product, newest first, as JSON lines. Exit 0, 1, 2. */
int cmd_reviews(const struct config *cfg, int argc, char **argv);

/* revlens -c CONF keywords [--limit N] PRODUCT_ID | --coupang COUPANG_ID
 * The product's keyword documents (what revlens-worker wrote), most frequent first,
 * as JSON lines. Exit 0, 1, 2. */
int cmd_keywords(const struct config *cfg, int argc, char **argv);

/* revlens -c CONF rollups [--month] [--limit N] PRODUCT_ID | --coupang COUPANG_ID
 * The product's daily (or, with --month, monthly) rollup documents that
 * revlens-aggregator wrote (docs/aggregator.md), newest first, as JSON lines.
 * Exit 0, 1, 2. */
int cmd_rollups(const struct config *cfg, int argc, char **argv);

#endif
