-- The durable outbox shared by every module (jobs module). A module writes its change and
-- the job that change causes in one transaction; workers on every node claim due jobs.
CREATE TABLE jobs (
  id AUTO_ID,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'failed')),
  run_at BIGINT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
  -- Optional idempotency key: enqueuing the same key twice keeps one job.
  dedupe_key TEXT UNIQUE,
  locked_by TEXT,
  locked_until BIGINT,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE INDEX jobs_due ON jobs (status, run_at);
