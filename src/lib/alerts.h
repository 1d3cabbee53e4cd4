/* alerts.h — price alerts (docs/aggregator.md "Price alerts"): decide the crossings,
 * publish each new notification to its user's live channel, and (in PostgreSQL, in
 * the same statement) queue a webhook delivery for users with a webhook.
 *
 * The decision is revlens_price_alerts(product_ids) in sql/012: it locks the watch
 * entries, so concurrent callers over the same crossing fire it once. Called by
 * ingestion after it stores prices, and by revlens-aggregator (all products) at the
 * end of a run. Publishing is best effort: a notification that could not be pushed
 * live is still on /watchlist on the next load.
 */
#ifndef REVLENS_ALERTS_H
#define REVLENS_ALERTS_H

#include <stddef.h>

#include "lib/pg.h"

/* Decide the crossings of product_ids[0..n) (n == 0: every watched product) and publish
 * the notifications made to nchan channel "user-<id>" over the publisher socket
 * publish_socket (NULL or "": none). Returns the number of notifications made (>= 0),
 * or -1 with the reason in err when PostgreSQL failed (nothing was fired then).
 * Publishing failures are logged, not returned. */
int alerts_check(struct pg_conn *pg, const char *publish_socket, const long long *product_ids,
    size_t n, char *err, size_t errlen);

/* The JSON of one notification, as pushed live and posted to webhooks:
 * {"id","type":"price_alert","created_at","product":{"id","name","url"},"price",
 * "target_price"}. A heap string the caller frees, NULL on no memory. */
char *alerts_json(long long id, const char *created_at, long long product_id, const char *name,
    const char *url, long long price, long long target_price);

#endif
