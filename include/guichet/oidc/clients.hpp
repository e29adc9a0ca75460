#pragma once
// Relying parties: the administrations' websites that sign people in through Guichet.
#include <optional>
#include <string>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/oidc/jose.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::oidc {

enum class ClientAuthMethod { client_secret_basic, client_secret_post, private_key_jwt };
std::string_view to_string(ClientAuthMethod method);
std::optional<ClientAuthMethod> parse_client_auth_method(std::string_view text);

struct Client {
  std::string client_id;
  std::string name;
  ClientAuthMethod auth_method = ClientAuthMethod::client_secret_basic;
  std::string secret_hash;               // SHA-256 hex of the secret
  std::vector<std::string> public_jwks;  // for private_key_jwt
  std::vector<std::string> redirect_uris;
  std::vector<std::string> post_logout_uris;
  SigningAlgorithm id_token_alg = SigningAlgorithm::es256;
  std::string sector;  // pairwise subjects are computed per sector
  // PKCE is required unless the operator made it optional for this client (every client here is
  // confidential: it authenticates at the token endpoint).
  bool pkce_required = true;
};

struct NewClient {
  std::string name;
  std::vector<std::string> redirect_uris;
  std::vector<std::string> post_logout_uris;
  ClientAuthMethod auth_method = ClientAuthMethod::client_secret_basic;
  std::string jwks;  // a JWKS document, required for private_key_jwt
  SigningAlgorithm id_token_alg = SigningAlgorithm::es256;
  std::string sector;  // empty: the host of the first redirect URI
  bool pkce_required = true;
  std::string actor = "cli";
};

struct RegisteredClient {
  Client client;
  std::optional<std::string> secret;  // shown once; only its hash is stored
};

// Checks the URIs (absolute, no fragment; https, or http on a loopback address for development)
// and the keys, stores the client and records `client.added`.
Result<RegisteredClient> add_client(storage::Database& db, const NewClient& client, const Clock& clock);
Result<std::optional<Client>> find_client(storage::Database& db, std::string_view client_id);
// The sector of an enabled client, on a connection the caller already holds (userinfo reads it inside its snapshot);
// nothing when the client is unknown or disabled.
Result<std::optional<std::string>> client_sector(storage::Connection& c, std::string_view client_id);
// The client as JSON for the CLI: client_id, name, auth method, URIs, client_secret when given.
std::string client_json(const RegisteredClient& registered);

// Whether a URI may be registered as a redirect target.
Result<void> check_redirect_uri(std::string_view uri);

}  // namespace guichet::oidc
