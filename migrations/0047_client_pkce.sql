-- PKCE stays required for every relying party unless an operator registered it with
-- `admin clients add --pkce optional` (a confidential client that must pass the OpenID
-- Foundation's unmodified certification plan). 1: required, 0: optional.
ALTER TABLE oidc_clients ADD COLUMN pkce_required INTEGER NOT NULL DEFAULT 1;
