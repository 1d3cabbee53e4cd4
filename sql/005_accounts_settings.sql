-- 005_accounts_settings.sql — notification preferences and the audit of runtime settings.

-- /me: what a user wants to hear about besides e-mail in general.
ALTER TABLE user_profiles
	ADD COLUMN notify_analysis_done boolean NOT NULL DEFAULT true,
	ADD COLUMN notify_price_drop    boolean NOT NULL DEFAULT true;

-- Every change an admin makes on /admin/config: who, when, from what to what.
-- system_config keeps the current value; this table is append-only.
CREATE TABLE system_config_audit (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	key         text NOT NULL,
	old_value   jsonb,                  -- NULL: the key had its built-in default
	new_value   jsonb NOT NULL,
	changed_by  bigint REFERENCES users (id) ON DELETE SET NULL,
	changed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX system_config_audit_key_time ON system_config_audit (key, changed_at DESC);
