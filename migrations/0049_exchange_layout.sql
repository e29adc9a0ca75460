-- How a registry's records, its replay guard and the exchange journal are stored: fewer b-trees
-- written and walked for each request a registry answers.
--
-- SQLite: a record was a row of a row-id table found through a separate (version_id, person_id)
-- index: two b-trees walked for every request a registry answers, and after every commit by
-- another connection SQLite re-reads each page it walks. Kept in its key's own b-tree (WITHOUT
-- ROWID), a record is found in one walk.
--
-- SQLite: a journal line's seq was a BIGINT PRIMARY KEY, which in SQLite is an index beside the
-- row id, not the row id itself: every line was written into two b-trees. As INTEGER PRIMARY KEY,
-- seq is the row id.
--
-- SQLite: the replay guard (issuer, jti) likewise lives in its key's b-tree, beside the expiry
-- index.
--
-- Both: the journal's index by account holds only the lines that name one: a registry's lines
-- never do (the person is named by their identifier), so it wrote a useless index entry per line.
-- Reading by account (user_id = ?) implies user_id IS NOT NULL, so the index serves the same
-- queries.
--
-- SQLite cannot change a table's key in place, so each table is rebuilt: created anew, filled,
-- the old one dropped, the new one renamed (no other table refers to these three).
-- @sqlite
CREATE TABLE exchange_seen_requests_by_key (
  issuer TEXT NOT NULL,
  jti TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (issuer, jti)
) WITHOUT ROWID;
INSERT INTO exchange_seen_requests_by_key (issuer, jti, expires_at)
SELECT issuer, jti, expires_at FROM exchange_seen_requests;
DROP TABLE exchange_seen_requests;
ALTER TABLE exchange_seen_requests_by_key RENAME TO exchange_seen_requests;
CREATE INDEX exchange_seen_requests_expiry ON exchange_seen_requests (expires_at);

CREATE TABLE exchange_records_by_key (
  version_id BIGINT NOT NULL REFERENCES exchange_dataset_versions (id) ON DELETE CASCADE,
  person_id TEXT NOT NULL,
  attributes TEXT NOT NULL,  -- JSON object, typed as the description says
  PRIMARY KEY (version_id, person_id)
) WITHOUT ROWID;
INSERT INTO exchange_records_by_key (version_id, person_id, attributes)
SELECT version_id, person_id, attributes FROM exchange_records;
DROP TABLE exchange_records;
ALTER TABLE exchange_records_by_key RENAME TO exchange_records;

CREATE TABLE exchange_journal_by_seq (
  seq INTEGER PRIMARY KEY,
  at BIGINT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('consumer', 'provider')),
  consumer TEXT NOT NULL,
  provider TEXT NOT NULL,
  purpose TEXT NOT NULL,
  legal_basis_kind TEXT NOT NULL,
  legal_basis TEXT NOT NULL,
  person_id TEXT NOT NULL,
  user_id BIGINT,            -- the portal's account, when the consumer knows it
  attributes TEXT NOT NULL,  -- JSON array asked
  released TEXT NOT NULL,    -- JSON array given (empty when refused)
  outcome TEXT NOT NULL,     -- answered, not_found, refused, failed
  reason TEXT NOT NULL,      -- the error code when not answered
  request_hash TEXT NOT NULL,
  request_jws TEXT NOT NULL, -- the signed request (names no value), kept as proof
  response_hash TEXT NOT NULL,
  response_signature TEXT NOT NULL,
  previous_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO exchange_journal_by_seq
SELECT seq, at, side, consumer, provider, purpose, legal_basis_kind, legal_basis, person_id,
  user_id, attributes, released, outcome, reason, request_hash, request_jws, response_hash,
  response_signature, previous_hash, hash
FROM exchange_journal;
-- Dropping a table drops its triggers first, so the append-only triggers do not fire here.
DROP TABLE exchange_journal;
ALTER TABLE exchange_journal_by_seq RENAME TO exchange_journal;
CREATE INDEX exchange_journal_person ON exchange_journal (person_id, seq);
CREATE INDEX exchange_journal_user ON exchange_journal (user_id, seq) WHERE user_id IS NOT NULL;
CREATE INDEX exchange_journal_at ON exchange_journal (at);
CREATE TRIGGER exchange_journal_no_update BEFORE UPDATE ON exchange_journal
BEGIN SELECT RAISE(ABORT, 'the exchange journal is append-only'); END;
CREATE TRIGGER exchange_journal_no_delete BEFORE DELETE ON exchange_journal
WHEN old.seq > COALESCE((SELECT through_seq FROM exchange_journal_anchor WHERE id = 1), 0)
BEGIN SELECT RAISE(ABORT, 'the exchange journal is append-only'); END;
-- @postgresql
DROP INDEX exchange_journal_user;
CREATE INDEX exchange_journal_user ON exchange_journal (user_id, seq) WHERE user_id IS NOT NULL;
-- @all
