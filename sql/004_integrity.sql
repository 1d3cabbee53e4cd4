-- 004_integrity.sql — keys and indexes the first review found missing.

-- The expiry sweep looks for open sessions by expires_at.
CREATE INDEX user_sessions_open_expiry ON user_sessions (expires_at) WHERE ended_at IS NULL;

-- A result belongs to the product of its own request: enforce it with a
-- composite key instead of trusting every writer.
ALTER TABLE analysis_requests
	ADD CONSTRAINT analysis_requests_id_product_key UNIQUE (id, product_id);
ALTER TABLE analysis_results
	ADD CONSTRAINT analysis_results_request_product_fkey
	FOREIGN KEY (request_id, product_id) REFERENCES analysis_requests (id, product_id)
	ON DELETE CASCADE;
