-- In-person identity checks (identity module): an identity verifier at a citizen shop checks a
-- document and raises the person to the `high` level. Only a hint of the document number is kept.
CREATE TABLE identity_verifications (
  id AUTO_ID,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  verifier_id BIGINT REFERENCES users (id) ON DELETE SET NULL,  -- kept in the audit log if the account goes
  document_type TEXT NOT NULL CHECK (document_type IN ('passport', 'identity_card', 'residence_permit')),
  document_country TEXT NOT NULL,           -- ISO 3166-1 alpha-2
  document_number_hint TEXT NOT NULL,       -- the last four characters
  place TEXT NOT NULL,                      -- where it was done (the citizen shop)
  verified_at BIGINT NOT NULL
);
CREATE INDEX identity_verifications_user ON identity_verifications (user_id);
