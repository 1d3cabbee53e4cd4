/* deliver.h — one webhook delivery of revlens-notifier (docs/aggregator.md "Webhooks").
 *
 * deliver_one() takes the oldest due pending delivery with FOR UPDATE SKIP LOCKED in
 * a transaction that stays open while it posts (so several notifiers never send the
 * same one, and a notifier killed mid-post leaves it pending: at-least-once), posts
 * the signed body to the user's current URL and records the outcome in the same
 * transaction: a 2xx is delivered; anything else (another status, no answer within
 * webhook.timeout_ms, a refused address, a redirect — never followed) is a failed
 * attempt, retried DELIVER_ATTEMPTS - 1 times after the waits of deliver_backoff_s[],
 * then abandoned. A delivery whose user has no webhook any more is abandoned.
 *
 * The address is checked on the very socket libcurl opens (webhook_addr_allowed), so
 * a name that resolves to a private address at delivery time is refused even if it
 * resolved to a public one when it was saved.
 */
#ifndef REVLENS_DELIVER_H
#define REVLENS_DELIVER_H

#include "lib/config.h"
#include "lib/pg.h"

#define DELIVER_ATTEMPTS 6      /* the first attempt and five retries */

/* Seconds to wait after failed attempt k (1-based) before attempt k + 1. */
extern const int deliver_backoff_s[DELIVER_ATTEMPTS - 1];

/* 1: one delivery was attempted (whatever its outcome); 0: none is due; -1:
 * PostgreSQL failed (logged). */
int deliver_one(struct pg_conn *pg, const struct config *cfg);

/* Milliseconds until the next pending delivery is due (0 when one is due now,
 * -1 when none is pending or PostgreSQL failed). */
long deliver_next_ms(struct pg_conn *pg);

#endif
