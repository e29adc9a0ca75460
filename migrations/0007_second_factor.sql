-- Second factor (identity module): a TOTP credential per account, ten single-use recovery codes,
-- and what each session proved, so that `acr` and `auth_time` are tied to the authentication
-- that earned them.
CREATE TABLE totp_credentials (
  user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  secret TEXT NOT NULL,                     -- base32, RFC 4648
  confirmed_at BIGINT,                      -- NULL while the enrolment awaits its first code
  last_step BIGINT NOT NULL DEFAULT 0,      -- the newest time step accepted: a code is never used twice
  created_at BIGINT NOT NULL
);

CREATE TABLE recovery_codes (
  id AUTO_ID,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_hash TEXT NOT NULL,                  -- SHA-256 of the user id and the code
  used_at BIGINT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- A session opened by a password on an account with a second factor stays pending (it signs no
-- one in) until the code is given. second_factor_at is when the second factor was last proved in
-- this session; the password was proved at created_at.
ALTER TABLE sessions ADD COLUMN pending_second_factor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN second_factor_at BIGINT;
ALTER TABLE sessions ADD COLUMN second_factor_method TEXT;
