-- 008_ingest.sql — ingest tokens, price observations and the crawl state of products
-- (docs/ingest.md).

-- Tokens of collectors (browser extension, crawlers, outside scripts). They carry only
-- the ingest scope; the token is never stored, only its SHA-256.
CREATE TABLE ingest_tokens (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name            text NOT NULL DEFAULT '' CHECK (length(name) <= 100),
	token_hash      bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
	-- May an item naming an unknown Coupang product create it?
	create_products boolean NOT NULL DEFAULT true,
	created_at      timestamptz NOT NULL DEFAULT now(),
	expires_at      timestamptz,            -- NULL: until revoked
	last_used_at    timestamptz,
	revoked_at      timestamptz,
	CONSTRAINT ingest_tokens_expiry_check CHECK (expires_at > created_at)
);
-- /me/tokens and `revlens token list`: a user's tokens, newest first.
CREATE INDEX ingest_tokens_user_created ON ingest_tokens (user_id, created_at DESC);

-- Prices as observed over time; products.price holds the newest.
CREATE TABLE price_observations (
	product_id      bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
	observed_at     timestamptz NOT NULL,
	source          text NOT NULL CHECK (source ~ '^[a-z0-9_-]{1,32}$'),  -- the collector
	price           integer NOT NULL CHECK (price >= 0),                 -- whole won
	ingested_at     timestamptz NOT NULL DEFAULT now(),
	-- Idempotent ingestion; also a product's price history by time range.
	PRIMARY KEY (product_id, observed_at, source)
);
-- The aggregator's pass over one day across products.
CREATE INDEX price_observations_observed ON price_observations (observed_at);

-- The latest crawl of each product, as its collector reported it.
CREATE TABLE product_crawl_status (
	product_id      bigint PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
	state           text NOT NULL CHECK (state IN ('running', 'done', 'blocked', 'failed')),
	message         text CHECK (length(message) <= 2000),
	collector       text NOT NULL CHECK (collector ~ '^[a-z0-9_-]{1,32}$'),
	request_id      bigint REFERENCES analysis_requests (id) ON DELETE SET NULL,
	pages           integer CHECK (pages >= 0),
	reviews         integer CHECK (reviews >= 0),
	updated_at      timestamptz NOT NULL DEFAULT now()
);
