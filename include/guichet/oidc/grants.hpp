#pragma once
// Authorization codes, tokens and claims: what the authorize and token endpoints hand out.
// Codes and tokens are opaque random strings of which only the SHA-256 is stored.
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/core/secrets.hpp"
#include "guichet/identity/sessions.hpp"
#include "guichet/oidc/clients.hpp"
#include "guichet/oidc/keys.hpp"
#include "guichet/storage/database.hpp"
#include "guichet/storage/sealed.hpp"

namespace guichet::oidc {

struct GrantPolicy {
  std::chrono::seconds code_lifetime{60};
  std::chrono::seconds access_token_lifetime{600};
  std::chrono::seconds id_token_lifetime{300};
  std::chrono::hours refresh_token_lifetime{24 * 30};
};

// Scopes this provider knows; others in a request are ignored, as OpenID Connect asks.
const std::vector<std::string>& supported_scopes();
// Scopes only an operator grants (`guichet admin tokens issue`), never a relying party: `cases`,
// an agent processing their administrations' cases through the API (procedures/web.hpp).
const std::vector<std::string>& staff_scopes();
// "openid profile" → the known scopes, sorted, without duplicates; staff scopes kept only when
// `with_staff` (an operator's request, or a token an operator was issued).
std::set<std::string> parse_scope(std::string_view scope, bool with_staff = false);
std::string join_scope(const std::set<std::string>& scope);

// The authentication a grant was issued under, carried unchanged into every token of the grant.
struct GrantAuthentication {
  std::string acr;
  std::vector<std::string> amr;
  Instant auth_time;
};

struct CodeRequest {
  std::string client_id;
  std::int64_t user_id = 0;
  std::int64_t session_id = 0;
  std::string redirect_uri;
  std::set<std::string> scope;
  std::string nonce;
  std::string code_challenge;  // S256 only
  GrantAuthentication authentication;
  std::int64_t organisation_id = 0;  // the organisation the session acted for (0: none)
};
Result<std::string> issue_code(storage::Database& db, const CodeRequest& request, const Clock& clock,
                               const GrantPolicy& policy = {});

struct TokenResponse {
  std::string access_token;
  std::string refresh_token;
  std::string id_token;  // empty without the openid scope
  std::int64_t expires_in = 0;
  std::string scope;
};

// Everything the token endpoint needs beside the database.
struct Issuer {
  std::string url;  // the issuer identifier, the public base URL
  KeyStore& keys;
  const Clock& clock;
  GrantPolicy policy;
};

// authorization_code: the code must be unused and unexpired, for this client, with the same
// redirect URI, and the verifier must hash to the challenge. A code shown twice revokes every
// token it produced.
Result<TokenResponse> redeem_code(storage::Database& db, Issuer& issuer, const Client& client, std::string_view code,
                                  std::string_view redirect_uri, std::string_view code_verifier);
// refresh_token: rotation, and reuse detection that revokes the whole family. Without
// offline_access a grant's tokens live only as long as the session it came from: signing out
// of Guichet ends them too.
Result<TokenResponse> refresh_tokens(storage::Database& db, Issuer& issuer, const Client& client,
                                     std::string_view refresh_token, std::string_view scope);

// An access token presented to userinfo or to Guichet's API.
struct AccessGrant {
  std::int64_t user_id = 0;
  std::string client_id;
  std::set<std::string> scope;
  GrantAuthentication authentication;
  Instant issued_at;
  Instant expires_at;
  std::int64_t organisation_id = 0;
};
Result<std::optional<AccessGrant>> resolve_access_token(storage::Database& db, std::string_view token,
                                                        const Clock& clock);

// Issued by an operator (`guichet admin tokens issue`), for scripts; audited.
Result<std::string> issue_operator_token(storage::Database& db, std::int64_t user_id,
                                         const std::set<std::string>& scope, std::chrono::seconds lifetime,
                                         const Clock& clock);

// RFC 7009: a client revokes one of its own tokens (a refresh token takes its family with it).
// Unknown tokens and other clients' tokens are silently ignored.
Result<void> revoke_token(storage::Database& db, const Client& client, std::string_view token, const Clock& clock);
// RFC 7662: the token's state as JSON, "active": false for anything not live or not the client's.
Result<std::string> introspect_token(storage::Database& db, const Client& client, std::string_view token,
                                     const Clock& clock);

// The subject identifier for a user at a sector: stable, and unlinkable across sectors.
Result<std::string> pairwise_subject(storage::Database& db, std::string_view sector, std::int64_t user_id);
// What GET /oidc/userinfo answers for a bearer token, read in one snapshot (token, session,
// client, account): the claims of the token's scopes as a JSON object text with the pairwise
// `sub`. With the `organisation` scope and a grant made while acting for an organisation the
// person still belongs to, an `organisation` claim (id, name, country, registration_number,
// role). Reads only, so it may run on a network thread when the database's reads never wait.
// Makes the provider-wide secrets (pairwise subjects, sid) if they do not exist yet: at start-up,
// so that readers on a network thread, which may not write, always find them. With `secrets`
// (the node's key-encryption key, which must outlive the process's use of `db`), they are sealed
// at rest and every later read of this database's provider secrets opens them with it.
Result<void> ensure_provider_secrets(storage::Database& db, const SecretKey* secrets = nullptr);
struct UserInfo {
  enum class Outcome { answered, token_not_live, lacks_openid, client_gone } outcome;
  std::string claims;  // when answered
};
Result<UserInfo> read_userinfo(storage::Database& db, std::string_view token, const Clock& clock);
// The session id as relying parties see it (the `sid` claim): not the database row id.
Result<std::string> session_claim(storage::Database& db, std::int64_t session_id);

// The services a person allowed to sign them in, with what each may read (oidc_consents), by name.
struct Consent {
  std::string client_id;
  std::string client_name;
  std::string scope;
  Instant granted_at;
};
Result<std::vector<Consent>> consents_of(storage::Database& db, std::int64_t user_id);

// The same, as the "consents" section of the person's data export (identity::PersonalDataSection).
Result<std::string> consents_export(storage::Database& db, std::int64_t user_id);

// The provider-wide HMAC secrets (pairwise subjects, sid), sealed at rest.
inline constexpr storage::SealedColumn kSealedProviderSecrets{"oidc_secrets", "name", false, "value",
                                                              "oidc_secrets.value:"};

}  // namespace guichet::oidc
