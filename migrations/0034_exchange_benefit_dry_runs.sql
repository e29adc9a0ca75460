-- A benefit's last dry run (exchange module), kept so that its administrators read it on
-- /admin/benefits and so that enabling needs one: JSON {"at", "by", "people", "granted",
-- "not_granted", "unknown", "unknown_reasons"}, of the definition current when it ran (a new
-- definition clears it). `dry_run_requested_at`: one is queued and has not finished.
ALTER TABLE exchange_benefits ADD COLUMN dry_run TEXT;
ALTER TABLE exchange_benefits ADD COLUMN dry_run_requested_at BIGINT;
