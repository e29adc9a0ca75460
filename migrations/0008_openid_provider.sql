-- The OpenID Connect provider (oidc module). Every table is shared by all nodes.

-- Signing keys, private parts included, so every node signs with the same keys. A new key is
-- published in the JWKS before it signs anything (active_from), stops signing at retire_at and
-- leaves the JWKS at publish_until, once nothing it signed can still be valid.
CREATE TABLE oidc_signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL CHECK (alg IN ('ES256', 'RS256')),
  private_jwk TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  active_from BIGINT NOT NULL,
  retire_at BIGINT NOT NULL,
  publish_until BIGINT NOT NULL
);

-- Secrets the provider needs on every node (the pairwise-subject key).
CREATE TABLE oidc_secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Relying parties, registered by platform administrators.
CREATE TABLE oidc_clients (
  id AUTO_ID,
  client_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  secret_hash TEXT,                         -- SHA-256 of a 256-bit random secret; NULL for private_key_jwt
  auth_method TEXT NOT NULL CHECK (auth_method IN ('client_secret_basic', 'client_secret_post', 'private_key_jwt')),
  jwks TEXT,                                -- the client's public keys, for private_key_jwt
  redirect_uris TEXT NOT NULL,              -- JSON array, matched exactly
  post_logout_uris TEXT NOT NULL,           -- JSON array, matched exactly
  id_token_alg TEXT NOT NULL DEFAULT 'ES256' CHECK (id_token_alg IN ('ES256', 'RS256')),
  sector TEXT NOT NULL,                     -- pairwise subjects are shared within a sector
  created_at BIGINT NOT NULL,
  disabled_at BIGINT
);

-- Authorization codes: single use, a minute to live, bound to the client, the redirect URI and
-- the PKCE challenge.
CREATE TABLE oidc_codes (
  code_hash TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  session_id BIGINT NOT NULL,
  redirect_uri TEXT NOT NULL,
  scope TEXT NOT NULL,
  nonce TEXT,
  code_challenge TEXT NOT NULL,
  acr TEXT NOT NULL,
  amr TEXT NOT NULL,
  auth_time BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT
);

-- Access and refresh tokens, opaque: only their SHA-256 is stored, so revocation and
-- introspection are immediate. A refresh token is spent when used; each grant starts a family,
-- and showing a spent refresh token again revokes the whole family.
CREATE TABLE oidc_tokens (
  id AUTO_ID,
  token_hash TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
  client_id TEXT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  session_id BIGINT,
  family TEXT NOT NULL,
  code_hash TEXT,                           -- the code that started the family
  scope TEXT NOT NULL,
  acr TEXT NOT NULL,
  amr TEXT NOT NULL,
  auth_time BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX oidc_tokens_family ON oidc_tokens (family);
CREATE INDEX oidc_tokens_user ON oidc_tokens (user_id);

-- What a person agreed to share with a relying party.
CREATE TABLE oidc_consents (
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  client_id TEXT NOT NULL,
  scope TEXT NOT NULL,                      -- space-separated, sorted
  granted_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, client_id)
);

-- private_key_jwt assertions seen, so that none is accepted twice before it expires.
CREATE TABLE oidc_assertions (
  jti_hash TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);

-- Claims for the `profile`, `phone` and `address` scopes.
ALTER TABLE users ADD COLUMN given_name TEXT;
ALTER TABLE users ADD COLUMN family_name TEXT;
ALTER TABLE users ADD COLUMN birthdate TEXT;             -- YYYY-MM-DD
ALTER TABLE users ADD COLUMN birthplace TEXT;
ALTER TABLE users ADD COLUMN gender TEXT;
ALTER TABLE users ADD COLUMN phone_number TEXT;          -- E.164
ALTER TABLE users ADD COLUMN address TEXT;               -- JSON, OpenID Connect address claim
