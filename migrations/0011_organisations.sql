-- Business accounts (identity module): organisations identified by their national registration
-- number, the persons who may act for them, and which one a session is acting for.
CREATE TABLE organisations (
  id AUTO_ID,
  country TEXT NOT NULL CHECK (country IN ('FR', 'PT', 'VN')),
  registration_number TEXT NOT NULL,        -- SIREN, NIPC or MST, digits only (MST branches: 13)
  name TEXT NOT NULL,
  created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (country, registration_number)
);

CREATE TABLE organisation_members (
  organisation_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('owner', 'representative', 'staff')),
  added_at BIGINT NOT NULL,
  PRIMARY KEY (organisation_id, user_id)
);
CREATE INDEX organisation_members_user ON organisation_members (user_id);

ALTER TABLE sessions ADD COLUMN acting_for BIGINT;
ALTER TABLE oidc_codes ADD COLUMN organisation_id BIGINT;
ALTER TABLE oidc_tokens ADD COLUMN organisation_id BIGINT;
