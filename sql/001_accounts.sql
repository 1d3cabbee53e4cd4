-- 001_accounts.sql — users, their profiles, login sessions (audit/revocation), system_config.
--
-- Applied by `revlens migrate` inside one transaction, statement by statement.
-- Conventions for every migration: bigint identity keys, timestamptz in UTC,
-- text + CHECK instead of enum types (adding a value is one ALTER ... CHECK, no
-- ALTER TYPE outside a transaction), no extensions (works on a managed PostgreSQL).

-- Keeps updated_at honest without every UPDATE having to remember it.
CREATE FUNCTION revlens_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.updated_at := now();
	RETURN NEW;
END;
$$;

CREATE TABLE users (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email          text NOT NULL
	               CHECK (length(email) BETWEEN 3 AND 254 AND position('@' IN email) > 1),
	password_hash  text NOT NULL,            -- libsodium crypto_pwhash_str (Argon2id) string
	display_name   text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
	role           text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
	status         text NOT NULL DEFAULT 'active'
	               CHECK (status IN ('active', 'suspended', 'deleted')),
	last_login_at  timestamptz,
	created_at     timestamptz NOT NULL DEFAULT now(),
	updated_at     timestamptz NOT NULL DEFAULT now()
);
-- Email is unique case-insensitively; look-ups must use lower(email) = lower($1).
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE TRIGGER users_touch BEFORE UPDATE ON users
	FOR EACH ROW EXECUTE FUNCTION revlens_touch_updated_at();

-- 1:1 with users; created lazily (a user without a row has the defaults).
CREATE TABLE user_profiles (
	user_id        bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	bio            text NOT NULL DEFAULT '' CHECK (length(bio) <= 2000),
	avatar_url     text CHECK (avatar_url ~ '^https?://'),
	locale         text NOT NULL DEFAULT 'ko-KR',
	timezone       text NOT NULL DEFAULT 'Asia/Seoul',
	notify_email   boolean NOT NULL DEFAULT true,
	created_at     timestamptz NOT NULL DEFAULT now(),
	updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER user_profiles_touch BEFORE UPDATE ON user_profiles
	FOR EACH ROW EXECUTE FUNCTION revlens_touch_updated_at();

-- Audit trail and revocation list of logins. The live session is in Redis under the
-- same hash; the token itself is never stored anywhere.
CREATE TABLE user_sessions (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	token_hash     bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),  -- SHA-256
	kind           text NOT NULL DEFAULT 'web' CHECK (kind IN ('web', 'api')),
	created_at     timestamptz NOT NULL DEFAULT now(),
	last_seen_at   timestamptz NOT NULL DEFAULT now(),
	expires_at     timestamptz NOT NULL,
	ended_at       timestamptz,
	ended_reason   text CHECK (ended_reason IN
	               ('logout', 'expired', 'revoked', 'password_changed', 'admin')),
	ip             inet,
	user_agent     text CHECK (length(user_agent) <= 512),
	CONSTRAINT user_sessions_expiry_check CHECK (expires_at > created_at),
	CONSTRAINT user_sessions_ended_check CHECK ((ended_at IS NULL) = (ended_reason IS NULL))
);
-- /me/sessions: a user's sessions, newest first.
CREATE INDEX user_sessions_user_created ON user_sessions (user_id, created_at DESC);
-- "end all my sessions" and the expiry sweep touch only sessions still open.
CREATE INDEX user_sessions_open ON user_sessions (user_id) WHERE ended_at IS NULL;

-- Runtime settings an admin may change from /admin/config (values are JSON).
CREATE TABLE system_config (
	key            text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$'),
	value          jsonb NOT NULL,
	description    text NOT NULL DEFAULT '',
	updated_by     bigint REFERENCES users (id) ON DELETE SET NULL,
	updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER system_config_touch BEFORE UPDATE ON system_config
	FOR EACH ROW EXECUTE FUNCTION revlens_touch_updated_at();
