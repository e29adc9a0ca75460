-- Signed-in sessions (identity module). The cookie holds a random token; only its SHA-256 is
-- stored, so a copy of the database does not let anyone sign in. Shared by every node.
CREATE TABLE sessions (
  id AUTO_ID,
  token_hash TEXT NOT NULL UNIQUE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  absolute_expires_at BIGINT NOT NULL,
  user_agent TEXT NOT NULL,
  remote_address TEXT NOT NULL,
  ended_at BIGINT
);
CREATE INDEX sessions_user ON sessions (user_id);
