-- Idempotency keys (http module): the first answer to an unsafe request that carried an
-- `Idempotency-Key` header (or a page form's `idempotency_key` field), kept a day, so a client
-- that lost the answer and sends the same request again gets the same answer instead of a
-- second booking. `scope` keeps one client's keys apart from another's: a hash of the
-- Authorization header, or the signed-in account for a page.
CREATE TABLE idempotency_keys (
  id AUTO_ID,
  scope TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,          -- SHA-256 of the method, target and body
  status INTEGER,                     -- NULL while the first request is being handled
  content_type TEXT,
  location TEXT,
  body TEXT,
  created_at BIGINT NOT NULL,
  CONSTRAINT idempotency_keys_unique UNIQUE (scope, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
