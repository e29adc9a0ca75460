-- The journal's index by person, kept as sorted runs instead of one b-tree written line by line.
--
-- Requests name people in no particular order, so each journal line went into a random leaf of
-- the (person_id, seq) index. A journal commit of a dozen lines dirtied a dozen scattered pages,
-- and SQLite's WAL writes every dirtied page whole at each commit: 4 KB per answer for a 40-byte
-- index entry, most of what a busy registry wrote (docs/PERFORMANCE.md). The index is now filled
-- by the journal's writer every few thousand lines (the "fold"): those lines' (person_id, seq)
-- pairs are inserted sorted, as one run with a run id above every other, so they land at the
-- b-tree's right edge and fill its pages one after the other. Runs are merged into larger ones by
-- a periodic job (the "compaction"), so a person's search seeks into a bounded number of runs; the
-- lines not folded yet (the tail) are found by scanning them, a few thousand at most. A person's
-- lines are exactly those of the runs plus those of the tail: src/exchange/journal.cpp.
CREATE TABLE exchange_journal_person_runs (
  run_id BIGINT PRIMARY KEY,   -- ascending: a new run is written after every other
  level INTEGER NOT NULL,      -- 0: folded from the tail; n + 1: merged from runs of level n
  first_seq BIGINT NOT NULL,
  last_seq BIGINT NOT NULL     -- the runs cover the journal's lines up to the highest last_seq
);
-- @sqlite
CREATE TABLE exchange_journal_person_index (
  run_id BIGINT NOT NULL,
  person_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  PRIMARY KEY (run_id, person_id, seq)
) WITHOUT ROWID;
-- @postgresql
CREATE TABLE exchange_journal_person_index (
  run_id BIGINT NOT NULL,
  person_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  PRIMARY KEY (run_id, person_id, seq)
);
-- @all
-- The lines journaled so far become one run of the highest level.
INSERT INTO exchange_journal_person_runs (run_id, level, first_seq, last_seq)
SELECT 1, 2, (SELECT MIN(seq) FROM exchange_journal), (SELECT MAX(seq) FROM exchange_journal)
WHERE EXISTS (SELECT 1 FROM exchange_journal);
INSERT INTO exchange_journal_person_index (run_id, person_id, seq)
SELECT 1, person_id, seq FROM exchange_journal ORDER BY person_id, seq;
DROP INDEX exchange_journal_person;
