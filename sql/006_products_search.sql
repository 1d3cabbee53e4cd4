-- 006_products_search.sql — one row per Coupang product, whose name is unknown until
-- ingestion fills it, and product search by name.
--
-- pg_trgm is a trusted extension (PostgreSQL 13+): the database owner creates it, and
-- every managed PostgreSQL offers it; it is the one extension revlens uses.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- A Coupang product is its productId: the item and vendor item ids of the URL it was
-- registered with are kept as information, not as part of its identity.
ALTER TABLE products DROP CONSTRAINT products_coupang_ids_key;
ALTER TABLE products ADD CONSTRAINT products_coupang_product_id_key UNIQUE (coupang_product_id);

-- Registered by URL before anything about it is known: name, price and image come
-- with ingestion (the pages say "아직 수집되지 않음" until then).
ALTER TABLE products ALTER COLUMN name DROP NOT NULL;

-- Search by any part of the name, Korean or Latin, any case: LIKE '%…%' on the name in
-- lower case, kept beside it (ILIKE lower-cases every row it reads, 4x slower on Hangul),
-- over a trigram index (queries of three characters or more; a two-syllable Korean word
-- still reads the table, about 40 ms at 100,000 products: bench/search.sh).
ALTER TABLE products ADD COLUMN name_lc text GENERATED ALWAYS AS (lower(name)) STORED;
CREATE INDEX products_name_lc_trgm ON products USING gin (name_lc gin_trgm_ops);
