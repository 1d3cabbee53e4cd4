-- 003_analysis.sql — analysis_requests (queue state of each request) and analysis_results.

CREATE TABLE analysis_requests (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	product_id      bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
	status          text NOT NULL DEFAULT 'queued'
	                CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
	progress        smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
	error_message   text CHECK (length(error_message) <= 2000),
	attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	requested_at    timestamptz NOT NULL DEFAULT now(),
	started_at      timestamptz,
	finished_at     timestamptz,
	-- A failed request always says why; a finished one says when.
	CONSTRAINT analysis_requests_failed_reason_check
		CHECK (status <> 'failed' OR error_message IS NOT NULL),
	CONSTRAINT analysis_requests_finished_check
		CHECK (status NOT IN ('done', 'failed', 'cancelled') OR finished_at IS NOT NULL)
);
-- /requests: a user's requests, newest first.
CREATE INDEX analysis_requests_user_requested
	ON analysis_requests (user_id, requested_at DESC);
-- A product's request history.
CREATE INDEX analysis_requests_product_requested
	ON analysis_requests (product_id, requested_at DESC);
-- Workers' and the reaper's view of what is still in flight (small by construction).
CREATE INDEX analysis_requests_active
	ON analysis_requests (requested_at) WHERE status IN ('queued', 'running');
-- One active request per (user, product): a double-clicked "analyse" gets 23505 and
-- the handler redirects to the request already running.
CREATE UNIQUE INDEX analysis_requests_one_active
	ON analysis_requests (user_id, product_id) WHERE status IN ('queued', 'running');

-- The summary of one finished analysis. Honest samples: every result says how many
-- reviews it is based on and their date range.
CREATE TABLE analysis_results (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	request_id      bigint NOT NULL UNIQUE REFERENCES analysis_requests (id) ON DELETE CASCADE,
	product_id      bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
	review_count    integer NOT NULL CHECK (review_count >= 0),
	positive_count  integer NOT NULL CHECK (positive_count >= 0),
	negative_count  integer NOT NULL CHECK (negative_count >= 0),
	neutral_count   integer NOT NULL CHECK (neutral_count >= 0),
	positive_ratio  numeric(5, 4) CHECK (positive_ratio BETWEEN 0 AND 1),  -- NULL when no reviews
	avg_rating      numeric(3, 2) CHECK (avg_rating BETWEEN 1 AND 5),      -- NULL when unrated
	date_from       date,
	date_to         date,
	summary         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(summary) = 'object'),
	model_version   text NOT NULL CHECK (length(model_version) BETWEEN 1 AND 100),
	created_at      timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT analysis_results_counts_check
		CHECK (positive_count + negative_count + neutral_count = review_count),
	CONSTRAINT analysis_results_sample_range_check
		CHECK (review_count = 0 OR (date_from IS NOT NULL AND date_to IS NOT NULL)),
	CONSTRAINT analysis_results_dates_check CHECK (date_from <= date_to)
);
-- A product's latest result.
CREATE INDEX analysis_results_product_created
	ON analysis_results (product_id, created_at DESC);
