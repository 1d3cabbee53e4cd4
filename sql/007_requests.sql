-- 007_requests.sql — one analysis job per product at a time, shared by every user who
-- asks for it, with the stage it is in and its transitions enforced by the database.

-- What a running job is doing now ("collect", "analyze", "save"; NULL before it starts).
ALTER TABLE analysis_requests
	ADD COLUMN stage text CHECK (stage ~ '^[a-z_]{1,32}$');

-- Who asked for a request: its creator and every user who joined it. A user who
-- cancels leaves (cancelled_at); the request itself is cancelled when nobody is left.
CREATE TABLE analysis_request_users (
	request_id    bigint NOT NULL REFERENCES analysis_requests (id) ON DELETE CASCADE,
	user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	joined_at     timestamptz NOT NULL DEFAULT now(),
	cancelled_at  timestamptz,
	PRIMARY KEY (request_id, user_id)
);
-- /requests: a user's requests, newest first; per-user limits count them.
CREATE INDEX analysis_request_users_user_joined
	ON analysis_request_users (user_id, joined_at DESC);
INSERT INTO analysis_request_users (request_id, user_id, joined_at)
	SELECT id, user_id, requested_at FROM analysis_requests;

-- At most one queued or running request per product (was: per user and product): a
-- second user's request joins the running one instead of doing the work twice. Where
-- several were active for one product, their users move to the oldest and the others
-- are cancelled.
INSERT INTO analysis_request_users (request_id, user_id, joined_at)
	SELECT keep.id, aru.user_id, aru.joined_at
	FROM analysis_requests dup
	JOIN analysis_request_users aru ON aru.request_id = dup.id
	JOIN LATERAL (SELECT k.id FROM analysis_requests k WHERE k.product_id = dup.product_id
		AND k.status IN ('queued', 'running') ORDER BY k.requested_at, k.id LIMIT 1) keep ON true
	WHERE dup.status IN ('queued', 'running') AND dup.id <> keep.id
	ON CONFLICT (request_id, user_id) DO NOTHING;
UPDATE analysis_requests dup SET status = 'cancelled', finished_at = now()
	WHERE dup.status IN ('queued', 'running') AND EXISTS (SELECT 1 FROM analysis_requests k
		WHERE k.product_id = dup.product_id AND k.status IN ('queued', 'running')
		AND (k.requested_at, k.id) < (dup.requested_at, dup.id));
DROP INDEX analysis_requests_one_active;
CREATE UNIQUE INDEX analysis_requests_one_active_product
	ON analysis_requests (product_id) WHERE status IN ('queued', 'running');

-- The one place the life of a request is decided: queued -> running -> done | failed |
-- cancelled, queued -> failed | cancelled, running -> queued (a retry); done, failed and
-- cancelled are final. Any other change of status is refused, whoever writes it.
CREATE FUNCTION revlens_request_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.status = OLD.status THEN
		RETURN NEW;
	END IF;
	IF NOT ((OLD.status = 'queued' AND NEW.status IN ('running', 'failed', 'cancelled'))
	     OR (OLD.status = 'running' AND NEW.status IN ('done', 'failed', 'cancelled', 'queued'))) THEN
		RAISE EXCEPTION 'analysis request %: % -> % is not allowed', OLD.id, OLD.status, NEW.status
			USING ERRCODE = 'check_violation';
	END IF;
	IF NEW.status IN ('done', 'failed', 'cancelled') AND NEW.finished_at IS NULL THEN
		NEW.finished_at := now();
	END IF;
	IF NEW.status = 'running' AND NEW.started_at IS NULL THEN
		NEW.started_at := now();
	END IF;
	RETURN NEW;
END;
$$;
CREATE TRIGGER analysis_requests_transition BEFORE UPDATE OF status ON analysis_requests
	FOR EACH ROW EXECUTE FUNCTION revlens_request_transition();
