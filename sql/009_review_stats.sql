-- 009_review_stats.sql — what is stored of each product's reviews, kept by ingestion
-- (docs/ingest.md), so that the product page and crawl requests need not count
-- MongoDB documents.

CREATE TABLE product_review_stats (
	product_id       bigint PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
	reviews          bigint NOT NULL DEFAULT 0 CHECK (reviews >= 0),  -- documents ingestion created
	first_review_at  timestamptz,            -- the oldest and newest written date among them
	last_review_at   timestamptz,
	last_ingested_at timestamptz NOT NULL DEFAULT now(),  -- the last batch that named the product
	CONSTRAINT product_review_stats_dates_check CHECK (first_review_at <= last_review_at)
);
