-- Accesses reported by registries (exchange module). A registry answers other administrations'
-- systems too, not only the portal; so that a person's own page lists every access to their
-- data, a registry tells the portal (the peers marked `reports_accesses`) of each exchange it
-- journaled about a person for another consumer, signed, and the portal keeps them here.
ALTER TABLE exchange_peers ADD COLUMN reports_accesses INTEGER NOT NULL DEFAULT 0;
ALTER TABLE exchange_peers ADD COLUMN reported_seq BIGINT NOT NULL DEFAULT 0;  -- journal seq told so far

CREATE TABLE exchange_reported_accesses (
  id AUTO_ID,
  provider TEXT NOT NULL,          -- the registry that journaled the exchange and reports it
  provider_seq BIGINT NOT NULL,    -- its journal's entry
  at BIGINT NOT NULL,
  consumer TEXT NOT NULL,
  consumer_name TEXT NOT NULL,     -- as the registry knows it: the portal may not
  purpose TEXT NOT NULL,
  legal_basis_kind TEXT NOT NULL CHECK (legal_basis_kind IN ('law', 'consent')),
  legal_basis TEXT NOT NULL,
  person_id TEXT NOT NULL,
  attributes TEXT NOT NULL,        -- JSON array of names asked
  released TEXT NOT NULL,          -- JSON array of names given
  outcome TEXT NOT NULL,
  reason TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  UNIQUE (provider, provider_seq)
);
CREATE INDEX exchange_reported_accesses_person ON exchange_reported_accesses (person_id, at, id);
CREATE INDEX exchange_reported_accesses_at ON exchange_reported_accesses (at);
