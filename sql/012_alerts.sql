-- 012_alerts.sql — price alerts (docs/aggregator.md "Price alerts"): the alert state of
-- watch-list entries, in-app notifications, users' webhooks and their deliveries, and
-- revlens_price_alerts(), where every crossing is decided.

-- A watch entry with a target and notify on is armed while the product's price is
-- above the target; it fires once when a price at or below the target is seen, and
-- re-arms only when the price rises at least 1 % above the target.
ALTER TABLE watch_list
	ADD COLUMN alert_armed       boolean NOT NULL DEFAULT true,
	ADD COLUMN alert_fired_at    timestamptz,
	ADD COLUMN alert_fired_price integer CHECK (alert_fired_price >= 0);

-- Entries that exist before this migration: armed exactly when the price is above the
-- target now, so that upgrading does not fire for targets reached long ago.
UPDATE watch_list w SET alert_armed = (p.price IS NULL OR w.target_price IS NULL OR p.price > w.target_price)
	FROM products p WHERE p.id = w.product_id;

-- Setting a target (or turning notify on) arms the entry by the same rule: a target
-- the price is already at or below is shown as reached on /watchlist, not alerted.
CREATE FUNCTION revlens_watch_arm() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	cur integer;
BEGIN
	IF TG_OP = 'UPDATE' AND NEW.target_price IS NOT DISTINCT FROM OLD.target_price
	   AND NEW.notify = OLD.notify THEN
		RETURN NEW;
	END IF;
	SELECT price INTO cur FROM products WHERE id = NEW.product_id;
	NEW.alert_armed := cur IS NULL OR NEW.target_price IS NULL OR cur > NEW.target_price;
	RETURN NEW;
END;
$$;
CREATE TRIGGER watch_list_arm BEFORE INSERT OR UPDATE OF target_price, notify ON watch_list
	FOR EACH ROW EXECUTE FUNCTION revlens_watch_arm();

-- In-app notifications, newest first on /watchlist; unread until the user marks them.
CREATE TABLE notifications (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	kind            text NOT NULL DEFAULT 'price_alert' CHECK (kind IN ('price_alert')),
	product_id      bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
	price           integer NOT NULL CHECK (price >= 0),        -- whole won
	target_price    integer NOT NULL CHECK (target_price > 0),  -- the target when it fired
	created_at      timestamptz NOT NULL DEFAULT now(),
	read_at         timestamptz
);
CREATE INDEX notifications_user_created ON notifications (user_id, created_at DESC);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- One webhook per user. The secret signs every delivery (HMAC-SHA256), so it is kept
-- as it was shown once to the user.
CREATE TABLE user_webhooks (
	user_id         bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	url             text NOT NULL CHECK (length(url) BETWEEN 8 AND 2000 AND url ~ '^https?://'),
	secret          text NOT NULL CHECK (length(secret) BETWEEN 32 AND 128),
	created_at      timestamptz NOT NULL DEFAULT now(),
	updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER user_webhooks_touch BEFORE UPDATE ON user_webhooks
	FOR EACH ROW EXECUTE FUNCTION revlens_touch_updated_at();

-- One delivery per notification of a user with a webhook. revlens-notifier takes the
-- due ones (FOR UPDATE SKIP LOCKED), posts them to the user's current URL and
-- records the outcome: delivered on a 2xx, else the next attempt after 1 min, 5 min,
-- 30 min, 2 h, 12 h, then abandoned (attempts = 6).
CREATE TABLE webhook_deliveries (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	notification_id bigint NOT NULL UNIQUE REFERENCES notifications (id) ON DELETE CASCADE,
	user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'abandoned')),
	attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	next_attempt_at timestamptz NOT NULL DEFAULT now(),
	last_attempt_at timestamptz,
	last_status     integer,                                    -- HTTP status of the last answer
	last_error      text CHECK (length(last_error) <= 500),     -- why the last attempt failed
	delivered_at    timestamptz,
	created_at      timestamptz NOT NULL DEFAULT now(),
	CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);
-- The notifier's question: what is due now.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
-- Retention: finished deliveries by age.
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (created_at) WHERE status <> 'pending';

-- Decide the crossings of the watched products in product_ids (NULL: every watched
-- product) against each product's current price (products.price): re-arm the entries
-- whose price is at least 1 % above their target, fire the armed ones whose price is at
-- or below it (one notification each, and a webhook delivery for a user with a
-- webhook), and return the new notifications. Entries without a target or with notify
-- off never fire. The entries are locked (in id order) before anything is decided, so
-- calls racing over the same crossing fire it once: the second sees it disarmed.
CREATE FUNCTION revlens_price_alerts(product_ids bigint[])
RETURNS TABLE (notification_id bigint, user_id bigint, product_id bigint, price integer,
	target_price integer, created_at timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
	PERFORM 1 FROM watch_list w
	WHERE w.target_price IS NOT NULL AND w.notify
	  AND (product_ids IS NULL OR w.product_id = ANY (product_ids))
	ORDER BY w.id FOR UPDATE;

	UPDATE watch_list w SET alert_armed = true
	FROM products p
	WHERE p.id = w.product_id AND NOT w.alert_armed
	  AND w.target_price IS NOT NULL AND w.notify AND p.price IS NOT NULL
	  AND p.price::bigint * 100 >= w.target_price::bigint * 101
	  AND (product_ids IS NULL OR w.product_id = ANY (product_ids));

	RETURN QUERY
	WITH f AS (
		UPDATE watch_list w SET alert_armed = false, alert_fired_at = now(),
			alert_fired_price = p.price, last_notified_at = now()
		FROM products p
		WHERE p.id = w.product_id AND w.alert_armed
		  AND w.target_price IS NOT NULL AND w.notify AND p.price IS NOT NULL
		  AND p.price <= w.target_price
		  AND (product_ids IS NULL OR w.product_id = ANY (product_ids))
		RETURNING w.id AS wid, w.user_id AS uid, w.product_id AS pid, p.price AS pr,
			w.target_price AS tp
	), n AS (
		INSERT INTO notifications AS x (user_id, kind, product_id, price, target_price)
		SELECT f.uid, 'price_alert', f.pid, f.pr, f.tp FROM f ORDER BY f.wid
		RETURNING x.id, x.user_id, x.product_id, x.price, x.target_price, x.created_at
	), d AS (
		INSERT INTO webhook_deliveries (notification_id, user_id)
		SELECT n.id, n.user_id FROM n
		WHERE EXISTS (SELECT 1 FROM user_webhooks h WHERE h.user_id = n.user_id)
	)
	SELECT n.id, n.user_id, n.product_id, n.price, n.target_price, n.created_at
	FROM n ORDER BY n.id;
END;
$$;
