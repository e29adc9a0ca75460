-- Files people give (procedures module). The vault keeps a person's documents (an identity
-- document's scan, a proof of address...) with their kind, issuer and expiry, to be offered in one
-- click in any later form that asks for that kind; deleting the account deletes them. A case's
-- attachments are copies made when it is submitted (or a message is sent), so they stay with the
-- administration's record whatever the person later deletes from the vault. Contents are base64,
-- in the database so that every node serves them; `content_type` is what libmagic read from the
-- bytes, never what the browser claimed.
CREATE TABLE procedures_vault (
  id AUTO_ID,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  issuer TEXT NOT NULL,
  expires_on TEXT,                          -- YYYY-MM-DD
  name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size_bytes BIGINT NOT NULL CHECK (size_bytes > 0),
  sha256 TEXT NOT NULL,
  content TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX procedures_vault_user ON procedures_vault (user_id, kind);

-- `field` is the question a file answers; `note_id` the message it came with. Neither for a
-- file the person answered with is impossible: one of the two is always set.
CREATE TABLE procedures_attachments (
  id AUTO_ID,
  case_id BIGINT NOT NULL REFERENCES procedures_cases (id) ON DELETE CASCADE,
  field TEXT,
  note_id BIGINT REFERENCES procedures_notes (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size_bytes BIGINT NOT NULL CHECK (size_bytes > 0),
  sha256 TEXT NOT NULL,
  content TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  CHECK (field IS NOT NULL OR note_id IS NOT NULL)
);
CREATE INDEX procedures_attachments_case ON procedures_attachments (case_id, id);
