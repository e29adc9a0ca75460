-- Devices a person signed in from successfully (identity module): the browser keeps a random
-- token in a cookie, the database its SHA-256. Presenting it lets its holder past the per-account
-- sign-in throttle that a stranger's failures may have set, so nobody can lock the owner out of
-- their own browser (the OWASP "device cookie"); its own failures are counted under its key.
CREATE TABLE trusted_devices (
  token_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL
);
CREATE INDEX trusted_devices_user ON trusted_devices (user_id);
