-- A person's own signature, and seals an administration imports (documents module). Guichet's
-- CA now also issues personal certificates (role 'person', `owner` 'user:<id>'), so the role
-- check widens: PostgreSQL replaces the constraint, SQLite rebuilds the table (it cannot alter a
-- CHECK). An imported seal (PKCS#12) has no issuer_id and keeps its own chain in `chain_pem`
-- (PEM certificates, nearest first); for Guichet's own, the chain is the issuing CA's row.
-- @postgresql
ALTER TABLE documents_certificates DROP CONSTRAINT documents_certificates_role_check;
ALTER TABLE documents_certificates ADD CONSTRAINT documents_certificates_role_check
  CHECK (role IN ('root', 'issuing', 'seal', 'tsa', 'person'));
ALTER TABLE documents_certificates ADD COLUMN chain_pem TEXT NOT NULL DEFAULT '';
-- @sqlite
CREATE TABLE documents_certificates_rebuilt (
  id AUTO_ID,
  role TEXT NOT NULL CHECK (role IN ('root', 'issuing', 'seal', 'tsa', 'person')),
  owner TEXT NOT NULL DEFAULT '',
  serial TEXT NOT NULL UNIQUE,
  subject TEXT NOT NULL,
  issuer_id BIGINT REFERENCES documents_certificates_rebuilt (id),
  certificate_pem TEXT NOT NULL,
  sealed_key TEXT NOT NULL,
  not_before BIGINT NOT NULL,
  not_after BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT,
  revocation_reason TEXT,
  chain_pem TEXT NOT NULL DEFAULT ''
);
INSERT INTO documents_certificates_rebuilt (id, role, owner, serial, subject, issuer_id, certificate_pem, sealed_key,
  not_before, not_after, created_at, revoked_at, revocation_reason)
SELECT id, role, owner, serial, subject, issuer_id, certificate_pem, sealed_key, not_before, not_after, created_at,
  revoked_at, revocation_reason FROM documents_certificates;
DROP TABLE documents_certificates;
ALTER TABLE documents_certificates_rebuilt RENAME TO documents_certificates;
CREATE UNIQUE INDEX documents_certificates_current ON documents_certificates (role, owner) WHERE revoked_at IS NULL;
-- @all

-- The pairwise serial number a person's certificates carry in their subject (ETSI EN 319 412-1
-- semantics: not their national number, not their account number, the same across renewals).
CREATE TABLE documents_signers (
  user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  serial_number TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL
);

-- A document a person signs: uploaded (pending, the PDF sealed with the secrets key until it is
-- signed or 15 minutes pass), being signed (a fresh second-factor code over its SHA-256 was
-- spent), then signed (the signed copy kept, sealed, for a week; the record for as long as the
-- account). `token` is the random name in its URLs.
CREATE TABLE documents_signatures (
  id AUTO_ID,
  token TEXT NOT NULL UNIQUE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  file_name TEXT NOT NULL,
  size BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'signing', 'signed')),
  sealed_pdf TEXT,
  signed_size BIGINT,
  signed_sha256 TEXT,
  certificate_serial TEXT,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  signed_at BIGINT
);
CREATE INDEX documents_signatures_user ON documents_signatures (user_id, created_at);
CREATE INDEX documents_signatures_expiry ON documents_signatures (status, expires_at);
