-- Data exchanged between administrations (exchange module). Every Guichet process is a node with
-- an id ("guichet", "at", "ss"); the portal and each administration's registry node keep these
-- tables in their own database.

-- This node's signing keys (ES256). The private JWK is sealed with the secrets key; a key signs
-- from active_from, and is accepted by peers until not_after.
CREATE TABLE exchange_keys (
  kid TEXT PRIMARY KEY,
  private_jwk TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  active_from BIGINT NOT NULL,
  not_after BIGINT NOT NULL
);

-- The node registry: the other nodes this one talks to, and their keys pinned by key id. A key is
-- pinned by the operator (`guichet exchange peers add --kid`) or, when the peer rotates, taken
-- from the peer's key set only if a key already pinned signed it.
CREATE TABLE exchange_peers (
  node_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  url TEXT NOT NULL,
  added_at BIGINT NOT NULL,
  keys_checked_at BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE exchange_peer_keys (
  node_id TEXT NOT NULL REFERENCES exchange_peers (node_id) ON DELETE CASCADE,
  kid TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  not_after BIGINT NOT NULL,
  pinned_at BIGINT NOT NULL,
  pinned_by TEXT NOT NULL,  -- "operator" or the kid of the key that signed the key set
  PRIMARY KEY (node_id, kid)
);

-- A registry's dataset: its attributes (name, type, meaning in each language) and its versions.
-- An import writes a whole version, then makes it current in one statement, so readers see the
-- old version or the new one, never half of one.
CREATE TABLE exchange_datasets (
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL,  -- the dataset's description as JSON (attributes, types, meaning)
  current_version BIGINT
);
CREATE TABLE exchange_dataset_versions (
  id AUTO_ID,
  dataset TEXT NOT NULL REFERENCES exchange_datasets (name),
  imported_at BIGINT NOT NULL,
  source_sha256 TEXT NOT NULL,
  records BIGINT NOT NULL,
  complete INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE exchange_records (
  version_id BIGINT NOT NULL REFERENCES exchange_dataset_versions (id) ON DELETE CASCADE,
  person_id TEXT NOT NULL,
  attributes TEXT NOT NULL,  -- JSON object, typed as the description says
  PRIMARY KEY (version_id, person_id)
);

-- Entitlements, deny by default: a consumer node may read these attributes of this dataset for
-- this purpose, under this legal basis, until it expires or is revoked.
CREATE TABLE exchange_entitlements (
  id AUTO_ID,
  consumer TEXT NOT NULL,
  purpose TEXT NOT NULL,
  dataset TEXT NOT NULL,
  attributes TEXT NOT NULL,  -- JSON array of names
  legal_basis_kind TEXT NOT NULL CHECK (legal_basis_kind IN ('law', 'consent')),
  legal_basis TEXT NOT NULL,
  granted_by TEXT NOT NULL,
  granted_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE INDEX exchange_entitlements_consumer ON exchange_entitlements (consumer, purpose);

-- Requests already answered, by issuer and jti, until they could no longer be fresh: a replay is
-- refused.
CREATE TABLE exchange_seen_requests (
  issuer TEXT NOT NULL,
  jti TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (issuer, jti)
);
CREATE INDEX exchange_seen_requests_expiry ON exchange_seen_requests (expires_at);

-- The journal: every exchange, answered or refused, on both sides, hash-chained like the audit
-- log (hash over the previous hash and the entry's length-prefixed fields). Entries are never
-- changed; the oldest are removed only past the retention period, and only up to the anchor the
-- pruning records first (the chain then starts from the anchor's hash).
CREATE TABLE exchange_journal (
  seq BIGINT PRIMARY KEY,
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
CREATE INDEX exchange_journal_person ON exchange_journal (person_id, seq);
CREATE INDEX exchange_journal_user ON exchange_journal (user_id, seq);
CREATE INDEX exchange_journal_at ON exchange_journal (at);
CREATE TABLE exchange_journal_anchor (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  through_seq BIGINT NOT NULL,
  hash TEXT NOT NULL,
  pruned_at BIGINT NOT NULL
);
-- @sqlite
CREATE TRIGGER exchange_journal_no_update BEFORE UPDATE ON exchange_journal
BEGIN SELECT RAISE(ABORT, 'the exchange journal is append-only'); END;
CREATE TRIGGER exchange_journal_no_delete BEFORE DELETE ON exchange_journal
WHEN old.seq > COALESCE((SELECT through_seq FROM exchange_journal_anchor WHERE id = 1), 0)
BEGIN SELECT RAISE(ABORT, 'the exchange journal is append-only'); END;
-- @postgresql
CREATE FUNCTION exchange_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND OLD.seq <= COALESCE((SELECT through_seq FROM exchange_journal_anchor WHERE id = 1), 0) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'the exchange journal is append-only';
END;
$$;
CREATE TRIGGER exchange_journal_no_change BEFORE UPDATE OR DELETE ON exchange_journal
FOR EACH ROW EXECUTE FUNCTION exchange_journal_append_only();
-- @all
