-- Accounts and the security audit log (identity module).
CREATE TABLE users (
  id AUTO_ID,
  email TEXT NOT NULL UNIQUE,               -- stored lowercased
  password_hash TEXT,                       -- argon2id, PHC string; NULL for accounts without one
  email_verified_at BIGINT,
  assurance_level TEXT NOT NULL DEFAULT 'low' CHECK (assurance_level IN ('low', 'substantial', 'high')),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- Append-only and hash-chained: each event's hash covers the previous event's hash, so editing or
-- deleting an event breaks the chain (`guichet admin audit verify`).
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,                   -- 1, 2, 3... with no gaps
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,                      -- "user:42", "cli", "system"
  action TEXT NOT NULL,                     -- "user.created", "session.started"...
  subject TEXT NOT NULL,
  details TEXT NOT NULL,                    -- JSON
  previous_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);

-- @sqlite
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
-- @postgresql
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
-- @all
