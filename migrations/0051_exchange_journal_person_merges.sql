-- The index by person's merges, done a slice at a time.
--
-- A merge of 16 runs was one transaction: the largest (16 runs of 65,536 pairs into one of about a
-- million) took 2.2 s on SQLite, during which every journal write, so every exchange, waited
-- (docs/PERFORMANCE.md). A merge is now a row here: the job copies the sources' pairs into the new
-- run one range of people at a time, each slice its own short transaction, and the last one swaps
-- the runs (the new run listed, its sources not); searches only read listed runs, so they see the
-- sources up to the swap and the new run after it. A merge survives a restart, and on PostgreSQL any
-- node carries it on.
CREATE TABLE exchange_journal_person_merges (
  run_id BIGINT PRIMARY KEY,   -- the run being written (not listed in exchange_journal_person_runs yet)
  level INTEGER NOT NULL,
  first_seq BIGINT NOT NULL,
  last_seq BIGINT NOT NULL,
  after_person TEXT            -- the sources' pairs up to this person are copied; NULL: none yet
);
-- A run being merged names its merge.
ALTER TABLE exchange_journal_person_runs ADD COLUMN merging_into BIGINT;
-- Runs no longer listed (merged, or pruned with their lines) whose pairs are still to be deleted,
-- a slice at a time like the merges.
CREATE TABLE exchange_journal_person_dropped (
  run_id BIGINT PRIMARY KEY,
  after_person TEXT            -- its pairs up to this person are deleted; NULL: none yet
);
