-- A change of e-mail address waits for the new address to be confirmed by a single-use link
-- (identity module). Only the SHA-256 of the token is stored.
CREATE TABLE email_changes (
  token_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  new_email TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE INDEX email_changes_user ON email_changes (user_id);
