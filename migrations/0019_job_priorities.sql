-- Job priorities (jobs module): security mails (a reset link that lapses in 30 minutes, a
-- verification link, a new-device warning) go before booking confirmations, and those before
-- reminders, offers and webhooks, so a backlog of bulk work never delays them.
-- 0 urgent, 1 normal, 2 background; workers claim the lowest number first, then the oldest due.
ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 1 CHECK (priority IN (0, 1, 2));
DROP INDEX jobs_due;
CREATE INDEX jobs_due ON jobs (status, priority, run_at);
