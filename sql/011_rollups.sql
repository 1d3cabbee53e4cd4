-- 011_rollups.sql — what revlens-aggregator still has to roll up, and its run log
-- (docs/aggregator.md).

-- Days of a product that received data (a review created or changed, a price, a survey
-- snapshot) since they were last rolled up. Ingestion adds them (or moves queued_at to
-- now); a run takes those queued before it started and deletes exactly those whose
-- queued_at has not moved since, so data arriving during a run stays pending.
CREATE TABLE rollup_pending (
	product_id      bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
	day             date NOT NULL,
	queued_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
	PRIMARY KEY (product_id, day)
);

-- One row per run of revlens-aggregator.
CREATE TABLE aggregator_runs (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	started_at      timestamptz NOT NULL DEFAULT now(),
	finished_at     timestamptz,
	host            text NOT NULL CHECK (length(host) BETWEEN 1 AND 255),
	pid             integer NOT NULL,
	mode            text NOT NULL CHECK (mode IN ('pending', 'range', 'dry-run')),
	range_from      date,
	range_to        date,
	product_id      bigint,
	shard           text CHECK (shard ~ '^[0-9]{1,4}/[0-9]{1,4}$'),
	products        integer NOT NULL DEFAULT 0,
	days_written    integer NOT NULL DEFAULT 0,
	days_unchanged  integer NOT NULL DEFAULT 0,
	days_deleted    integer NOT NULL DEFAULT 0,
	months_written  integer NOT NULL DEFAULT 0,
	months_unchanged integer NOT NULL DEFAULT 0,
	months_deleted  integer NOT NULL DEFAULT 0,
	reviews         bigint NOT NULL DEFAULT 0,
	prices          bigint NOT NULL DEFAULT 0,
	outcome         text CHECK (outcome IN ('ok', 'nothing', 'partial', 'interrupted', 'failed')),
	message         text CHECK (length(message) <= 2000),
	CHECK ((outcome IS NULL) = (finished_at IS NULL))
);
-- The latest runs first (the log, retention by age).
CREATE INDEX aggregator_runs_started ON aggregator_runs (started_at DESC);
