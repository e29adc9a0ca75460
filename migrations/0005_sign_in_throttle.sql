-- Failed sign-ins per account and per client address (identity module), shared by every node.
CREATE TABLE sign_in_throttle (
  key TEXT PRIMARY KEY,             -- "account:<email>" or "address:<ip>"
  failures INTEGER NOT NULL,
  last_failure_at BIGINT NOT NULL,
  blocked_until BIGINT NOT NULL
);
