-- A person's national identification number (identity module), recorded by an identity verifier
-- from the document checked in person: "PT:123456789" (NIF), "FR:1234567890123" (numéro fiscal),
-- "VN:001234567890" (CCCD). It is the key administrations' registries know a person by, so the
-- exchange module asks for their data with it; only a verified identity has one, and one account
-- at most holds each.
ALTER TABLE users ADD COLUMN national_id TEXT;
CREATE UNIQUE INDEX users_national_id ON users (national_id);
