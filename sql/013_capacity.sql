-- 013_capacity.sql — daily capacity samples (docs/capacity.md): the rows and bytes of
-- every PostgreSQL table, MongoDB collection and Redis server on one day. revlens-aggregator
-- records one sample a day at the end of a run (src/lib/capacity.c; recording a day again
-- replaces that day's rows), keeps 400 days, and `revlens stats` reads the growth per
-- day and the projection of a full disk from them.
CREATE TABLE capacity_samples (
	day             date NOT NULL,
	store           text NOT NULL CHECK (store IN ('postgres', 'mongodb', 'redis')),
	-- a table, a collection, or the Redis roles one server holds ("sessions+cache")
	object          text NOT NULL CHECK (length(object) BETWEEN 1 AND 200),
	rows            bigint NOT NULL CHECK (rows >= 0),     -- rows, documents or keys
	bytes           bigint NOT NULL CHECK (bytes >= 0),    -- on disk with indexes; Redis: memory
	rows_exact      boolean NOT NULL DEFAULT true,         -- false: the planner's estimate
	taken_at        timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (day, store, object)
);
