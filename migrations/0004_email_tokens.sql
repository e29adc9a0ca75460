-- Single-use links sent by e-mail (identity module): address verification, password reset.
-- Only the SHA-256 of the token is stored.
CREATE TABLE email_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE INDEX email_tokens_user ON email_tokens (user_id);
