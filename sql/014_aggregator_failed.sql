-- 014_aggregator_failed.sql — how many products a run of revlens-aggregator could not
-- roll up (they stay pending for the next run). revlens-web's /metrics exports it with
-- the rest of the last nightly run (docs/monitoring.md); runs recorded before this
-- migration read 0.
ALTER TABLE aggregator_runs
	ADD COLUMN products_failed integer NOT NULL DEFAULT 0 CHECK (products_failed >= 0);
