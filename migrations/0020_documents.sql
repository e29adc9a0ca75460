-- Documents (documents module): Guichet's certification authority and the certificates it
-- issues. `role` is root, issuing, seal (an administration's electronic seal, `owner` its
-- code) or tsa (the time-stamping unit); the CA's own have owner ''. The private key is sealed with the operator's secrets key
-- (core/secrets.hpp), never stored in clear. At most one unrevoked certificate per role and owner:
-- a renewal revokes the one it replaces, and two nodes issuing at once cannot both win.
CREATE TABLE documents_certificates (
  id AUTO_ID,
  role TEXT NOT NULL CHECK (role IN ('root', 'issuing', 'seal', 'tsa')),
  owner TEXT NOT NULL DEFAULT '',
  serial TEXT NOT NULL UNIQUE,
  subject TEXT NOT NULL,
  issuer_id BIGINT REFERENCES documents_certificates (id),
  certificate_pem TEXT NOT NULL,
  sealed_key TEXT NOT NULL,
  not_before BIGINT NOT NULL,
  not_after BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT,
  revocation_reason TEXT
);
CREATE UNIQUE INDEX documents_certificates_current ON documents_certificates (role, owner) WHERE revoked_at IS NULL;
