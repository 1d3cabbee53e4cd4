-- 002_products.sql — products (Coupang ids, current price), watch_list, search_history.

CREATE TABLE products (
	id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	-- Coupang's three ids; item/vendor item are absent from some URLs.
	coupang_product_id      bigint NOT NULL CHECK (coupang_product_id > 0),
	coupang_item_id         bigint CHECK (coupang_item_id > 0),
	coupang_vendor_item_id  bigint CHECK (coupang_vendor_item_id > 0),
	url                     text NOT NULL UNIQUE CHECK (url ~ '^https://'),  -- canonical form
	name                    text NOT NULL CHECK (length(name) BETWEEN 1 AND 500),
	price                   integer CHECK (price >= 0),   -- current price, whole won
	currency                text NOT NULL DEFAULT 'KRW' CHECK (currency ~ '^[A-Z]{3}$'),
	price_updated_at        timestamptz,
	image_url               text CHECK (image_url ~ '^https?://'),
	category                text,
	added_by                bigint REFERENCES users (id) ON DELETE SET NULL,
	created_at              timestamptz NOT NULL DEFAULT now(),
	updated_at              timestamptz NOT NULL DEFAULT now(),
	-- NULLS NOT DISTINCT (PostgreSQL 15): a URL without item ids still names one product.
	CONSTRAINT products_coupang_ids_key UNIQUE NULLS NOT DISTINCT
		(coupang_product_id, coupang_item_id, coupang_vendor_item_id)
);
CREATE INDEX products_added_by ON products (added_by) WHERE added_by IS NOT NULL;
CREATE INDEX products_created ON products (created_at DESC);
CREATE TRIGGER products_touch BEFORE UPDATE ON products
	FOR EACH ROW EXECUTE FUNCTION revlens_touch_updated_at();

-- The seed's name; absorbs the old interest_products. target_price NULL = just watching.
CREATE TABLE watch_list (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	product_id      bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
	target_price    integer CHECK (target_price > 0),   -- whole won
	notify          boolean NOT NULL DEFAULT true,
	last_notified_at timestamptz,
	created_at      timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT watch_list_user_product_key UNIQUE (user_id, product_id)
);
-- Price-drop fan-out: who watches this product.
CREATE INDEX watch_list_product ON watch_list (product_id);

CREATE TABLE search_history (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	query           text NOT NULL CHECK (length(query) BETWEEN 1 AND 200),
	result_count    integer NOT NULL DEFAULT 0 CHECK (result_count >= 0),
	created_at      timestamptz NOT NULL DEFAULT now()
);
-- /history: a user's searches, newest first.
CREATE INDEX search_history_user_created ON search_history (user_id, created_at DESC);
