-- 010_request_retry.sql — a dead-lettered request can be re-queued by an operator.
--
-- sql/007's trigger made failed final. `revlens jobs retry ID` (src/cli/cmd_jobs.c) is
-- the only writer of failed -> queued: it sets the transaction-local setting
-- revlens.retry to 'on' just for that UPDATE, and the trigger refuses the transition
-- from anyone who does not (the web, the worker, a stray UPDATE by hand). Everything
-- else sql/007 enforced stays: queued -> running -> done | failed | cancelled,
-- queued -> failed | cancelled, running -> queued (a worker's retry); done and
-- cancelled are final. A retried request is the same row: the one-active-request-per-
-- product index still holds (the UPDATE fails with 23505 when another request of the
-- product is queued or running), and the retry clears finished_at, started_at, stage,
-- error_message and attempts itself so it runs as if new.
CREATE OR REPLACE FUNCTION revlens_request_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.status = OLD.status THEN
		RETURN NEW;
	END IF;
	IF NOT ((OLD.status = 'queued' AND NEW.status IN ('running', 'failed', 'cancelled'))
	     OR (OLD.status = 'running' AND NEW.status IN ('done', 'failed', 'cancelled', 'queued'))
	     OR (OLD.status = 'failed' AND NEW.status = 'queued'
	         AND coalesce(current_setting('revlens.retry', true), '') = 'on')) THEN
		-- (coalesce: an unset setting is NULL, and IF NOT NULL would let the change pass)
		IF OLD.status = 'failed' AND NEW.status = 'queued' THEN
			RAISE EXCEPTION 'analysis request %: % -> % is not allowed', OLD.id, OLD.status, NEW.status
				USING ERRCODE = 'check_violation',
				      HINT = 'a failed request is re-queued only by revlens jobs retry';
		END IF;
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
