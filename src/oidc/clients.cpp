#include "guichet/oidc/clients.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "guichet/core/digest.hpp"
#include "guichet/core/random.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/oidc/errors.hpp"

namespace guichet::oidc {
namespace json = boost::json;

namespace {

std::string json_array(const std::vector<std::string>& items) {
  json::array array;
  for (const auto& item : items) array.emplace_back(item);
  return json::serialize(array);
}

std::vector<std::string> string_array(std::string_view text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_array()) return out;
  for (const auto& item : parsed.as_array()) {
    if (item.is_string()) out.emplace_back(item.as_string());
  }
  return out;
}

// The "keys" of a JWKS document, each as its own JSON text.
Result<std::vector<std::string>> jwks_keys(std::string_view jwks) {
  boost::system::error_code ec;
  json::value parsed = json::parse(jwks, ec);
  if (ec || !parsed.is_object() || !parsed.as_object().contains("keys") || !parsed.at("keys").is_array()) {
    return make_error(Errc::jwks_invalid, "the JWKS must be a JSON object with a \"keys\" array");
  }
  std::vector<std::string> keys;
  for (const auto& key : parsed.at("keys").as_array()) {
    if (!key.is_object()) continue;
    const auto& object = key.as_object();
    if (object.contains("d")) {
      return make_error(Errc::jwks_private, "the JWKS must hold public keys only");
    }
    keys.push_back(json::serialize(key));
  }
  if (keys.empty()) return make_error(Errc::jwks_empty, "the JWKS holds no key");
  return keys;
}

bool is_loopback(std::string_view host) {
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]" || host == "::1";
}

}  // namespace

std::string_view to_string(ClientAuthMethod method) {
  switch (method) {
    case ClientAuthMethod::client_secret_basic:
      return "client_secret_basic";
    case ClientAuthMethod::client_secret_post:
      return "client_secret_post";
    case ClientAuthMethod::private_key_jwt:
      return "private_key_jwt";
  }
  return "client_secret_basic";
}

std::optional<ClientAuthMethod> parse_client_auth_method(std::string_view text) {
  if (text == "client_secret_basic") return ClientAuthMethod::client_secret_basic;
  if (text == "client_secret_post") return ClientAuthMethod::client_secret_post;
  if (text == "private_key_jwt") return ClientAuthMethod::private_key_jwt;
  return std::nullopt;
}

Result<void> check_redirect_uri(std::string_view uri) {
  auto parsed = boost::urls::parse_absolute_uri(uri);
  if (!parsed) return make_error(Errc::redirect_uri_invalid, "not an absolute URI: " + std::string(uri));
  if (parsed->has_fragment()) {
    return make_error(Errc::redirect_uri_invalid, "a redirect URI has no fragment");
  }
  std::string scheme(parsed->scheme());
  std::string host(parsed->encoded_host());
  if (scheme == "https" && !host.empty()) return {};
  if (scheme == "http" && is_loopback(host)) return {};
  return make_error(Errc::redirect_uri_insecure,
                    "a redirect URI must use https (http only on a loopback address): " + std::string(uri));
}

Result<RegisteredClient> add_client(storage::Database& db, const NewClient& client, const Clock& clock) {
  if (client.name.empty() || client.name.size() > 200) {
    return make_error(Errc::client_name_invalid, "a client needs a name of 1 to 200 characters");
  }
  if (client.redirect_uris.empty()) {
    return make_error(Errc::redirect_uri_missing, "a client needs at least one redirect URI");
  }
  for (const auto& uri : client.redirect_uris) {
    if (auto ok = check_redirect_uri(uri); !ok) return std::move(ok).error();
  }
  for (const auto& uri : client.post_logout_uris) {
    if (auto ok = check_redirect_uri(uri); !ok) return std::move(ok).error();
  }
  RegisteredClient registered;
  Client& c = registered.client;
  c.client_id = random_token(16);
  c.name = client.name;
  c.auth_method = client.auth_method;
  c.redirect_uris = client.redirect_uris;
  c.post_logout_uris = client.post_logout_uris;
  c.id_token_alg = client.id_token_alg;
  c.sector = client.sector;
  c.pkce_required = client.pkce_required;
  if (c.sector.empty()) {
    auto parsed = boost::urls::parse_absolute_uri(client.redirect_uris.front());
    c.sector = std::string(parsed->encoded_host());
  }
  std::optional<std::string> jwks;
  if (client.auth_method == ClientAuthMethod::private_key_jwt) {
    auto keys = jwks_keys(client.jwks);
    if (!keys) return std::move(keys).error();
    c.public_jwks = *keys;
    jwks = client.jwks;
  } else {
    registered.secret = random_token(32);
    c.secret_hash = sha256_hex(*registered.secret);
  }
  auto stored = db.transaction([&](storage::Connection& conn) -> Result<void> {
    storage::Value secret_hash = c.secret_hash.empty() ? storage::Value(nullptr) : storage::Value(c.secret_hash);
    storage::Value jwks_value = jwks ? storage::Value(*jwks) : storage::Value(nullptr);
    auto inserted = conn.execute(
        "INSERT INTO oidc_clients (client_id, name, secret_hash, auth_method, jwks, redirect_uris, post_logout_uris, "
        "id_token_alg, sector, pkce_required, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {c.client_id, c.name, secret_hash, std::string(to_string(c.auth_method)), jwks_value,
         json_array(c.redirect_uris), json_array(c.post_logout_uris), std::string(to_string(c.id_token_alg)), c.sector,
         std::int64_t{c.pkce_required ? 1 : 0}, to_unix_micros(clock.now())});
    if (!inserted) return std::move(inserted).error();
    json::object details{{"name", c.name},
                         {"auth_method", to_string(c.auth_method)},
                         {"pkce", c.pkce_required ? "required" : "optional"}};
    auto audited = identity::record_audit(
        conn, identity::AuditEvent{client.actor, "client.added", "client:" + c.client_id, json::serialize(details)},
        clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
  if (!stored) return std::move(stored).error();
  return registered;
}

Result<std::optional<Client>> find_client(storage::Database& db, std::string_view client_id) {
  if (client_id.empty() || client_id.size() > 128) return std::optional<Client>();
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows = (*connection)
                  ->query(
                      "SELECT client_id, name, auth_method, secret_hash, jwks, redirect_uris, post_logout_uris, "
                      "id_token_alg, sector, pkce_required FROM oidc_clients WHERE client_id = ? AND disabled_at IS "
                      "NULL",
                      {std::string(client_id)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<Client>();
  const auto& row = rows->rows[0];
  Client c;
  c.client_id = row.text(0);
  c.name = row.text(1);
  c.auth_method = parse_client_auth_method(row.text(2)).value_or(ClientAuthMethod::client_secret_basic);
  if (!row.is_null(3)) c.secret_hash = row.text(3);
  if (!row.is_null(4)) {
    if (auto keys = jwks_keys(row.text(4))) c.public_jwks = *keys;
  }
  c.redirect_uris = string_array(row.text(5));
  c.post_logout_uris = string_array(row.text(6));
  c.id_token_alg = parse_signing_algorithm(row.text(7)).value_or(SigningAlgorithm::es256);
  c.sector = row.text(8);
  c.pkce_required = row.integer(9) != 0;
  return std::optional<Client>(std::move(c));
}

Result<std::optional<std::string>> client_sector(storage::Connection& c, std::string_view client_id) {
  auto rows =
      c.query("SELECT sector FROM oidc_clients WHERE client_id = ? AND disabled_at IS NULL", {std::string(client_id)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows->rows[0].text(0));
}

std::string client_json(const RegisteredClient& registered) {
  const Client& c = registered.client;
  json::array redirect_uris(c.redirect_uris.begin(), c.redirect_uris.end());
  json::array post_logout_uris(c.post_logout_uris.begin(), c.post_logout_uris.end());
  json::object out{{"client_id", c.client_id},
                   {"client_name", c.name},
                   {"token_endpoint_auth_method", to_string(c.auth_method)},
                   {"redirect_uris", redirect_uris},
                   {"post_logout_redirect_uris", post_logout_uris},
                   {"id_token_signed_response_alg", to_string(c.id_token_alg)},
                   {"sector_identifier", c.sector},
                   {"pkce", c.pkce_required ? "required" : "optional"}};
  if (registered.secret) out["client_secret"] = *registered.secret;
  return json::serialize(out);
}

}  // namespace guichet::oidc
