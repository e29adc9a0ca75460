-- Acts that send mail or hash a password, counted per client address, per recipient and per
-- account in fixed windows (identity module), shared by every node: registrations, password
-- reset requests, address changes. A key is "register:address:<ip>", "mail:to:<address>"...;
-- a window's row is forgotten a day after it ends.
CREATE TABLE action_counts (
  key TEXT NOT NULL,
  window_start BIGINT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (key, window_start)
);
