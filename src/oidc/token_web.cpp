#include <boost/json.hpp>

#include "guichet/core/digest.hpp"
#include "guichet/core/encoding.hpp"
#include "guichet/core/random.hpp"
#include "guichet/http/application.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/oidc/errors.hpp"
#include "web_support.hpp"

namespace guichet::oidc {
namespace json = boost::json;
using http::PageData;
using http::Request;
using http::Response;
namespace {

constexpr std::string_view kAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// --- client authentication (RFC 6749 2.3: Basic or form secret; RFC 7523: private_key_jwt)

struct ClientAuthFailure {
  Response response;
};

Response invalid_client(std::string_view description, bool basic_attempted) {
  Response response = oauth_error("invalid_client", description, 401);
  if (basic_attempted) response.headers.set("WWW-Authenticate", "Basic realm=\"guichet\"");
  return response;
}

Result<bool> assertion_is_fresh(const ProviderContext& ctx, const std::string& client_id, const std::string& jti,
                                std::int64_t expires_at_s) {
  return ctx.db.transaction([&](storage::Connection& c) -> Result<bool> {
    const std::int64_t now = to_unix_micros(ctx.clock.now());
    if (auto purged = c.execute("DELETE FROM oidc_assertions WHERE expires_at < ?", {now}); !purged) {
      return std::move(purged).error();
    }
    auto inserted =
        c.execute("INSERT INTO oidc_assertions (jti_hash, expires_at) VALUES (?, ?) ON CONFLICT (jti_hash) DO NOTHING",
                  {sha256_hex(client_id + "\n" + jti), expires_at_s * 1'000'000});
    if (!inserted) return std::move(inserted).error();
    return *inserted == 1;
  });
}

std::variant<Client, Response> authenticate_client(const ProviderContext& ctx, const Request& request) {
  std::string basic_id;
  std::string basic_secret;
  bool basic = false;
  if (auto authorization = request.header("Authorization"); authorization && authorization->starts_with("Basic ")) {
    basic = true;
    // RFC 7617: standard base64 with padding of the form-encoded id ":" secret (RFC 6749 2.3.1).
    auto credentials = base64_decode(authorization->substr(6));
    if (!credentials) return invalid_client("malformed Basic credentials", true);
    const std::string& decoded = *credentials;
    auto colon = decoded.find(':');
    if (colon == std::string::npos) return invalid_client("malformed Basic credentials", true);
    auto id = http::parse_urlencoded("a=" + decoded.substr(0, colon) + "&b=" + decoded.substr(colon + 1));
    if (!id) return invalid_client("malformed Basic credentials", true);
    basic_id = std::string(id->get("a").value_or(""));
    basic_secret = std::string(id->get("b").value_or(""));
  }
  const auto form_secret = request.form.get("client_secret");
  const auto assertion = request.form.get("client_assertion");
  const int methods = (basic ? 1 : 0) + (form_secret ? 1 : 0) + (assertion ? 1 : 0);
  if (methods == 0) return invalid_client("client authentication is required", false);
  if (methods > 1) return invalid_client("use exactly one client authentication method", basic);

  if (assertion) {
    if (request.form.get("client_assertion_type").value_or("") != kAssertionType) {
      return invalid_client("unsupported client_assertion_type", false);
    }
    auto payload_text = peek_jws_payload(*assertion);
    if (!payload_text) return invalid_client("malformed client_assertion", false);
    boost::system::error_code ec;
    json::value payload = json::parse(*payload_text, ec);
    if (ec || !payload.is_object()) return invalid_client("malformed client_assertion", false);
    const json::object& claims = payload.as_object();
    auto text = [&](const char* name) -> std::string {
      auto found = claims.find(name);
      return found != claims.end() && found->value().is_string() ? std::string(found->value().as_string()) : "";
    };
    const std::string client_id = text("iss");
    if (client_id.empty() || text("sub") != client_id)
      return invalid_client("iss and sub must be the client_id", false);
    if (auto form_id = request.form.get("client_id"); form_id && *form_id != client_id) {
      return invalid_client("client_id differs from the assertion", false);
    }
    auto client = find_client(ctx.db, client_id);
    if (!client || !*client || (*client)->auth_method != ClientAuthMethod::private_key_jwt) {
      return invalid_client("unknown client or wrong authentication method", false);
    }
    auto verified = verify_jws(*assertion, (*client)->public_jwks, {SigningAlgorithm::es256, SigningAlgorithm::rs256});
    if (!verified) return invalid_client("the client_assertion signature is invalid", false);
    bool audience_ok = false;
    const std::string token_endpoint = ctx.issuer + "/oidc/token";
    if (auto aud = claims.find("aud"); aud != claims.end()) {
      auto matches = [&](const json::value& v) {
        return v.is_string() && (v.as_string() == ctx.issuer || v.as_string() == token_endpoint);
      };
      if (aud->value().is_array()) {
        for (const auto& v : aud->value().as_array()) audience_ok = audience_ok || matches(v);
      } else {
        audience_ok = matches(aud->value());
      }
    }
    if (!audience_ok)
      return invalid_client("the client_assertion audience must be the issuer or token endpoint", false);
    const std::int64_t now = now_seconds(ctx.clock);
    auto exp = claims.find("exp");
    if (exp == claims.end() || !exp->value().is_int64() || exp->value().as_int64() <= now ||
        exp->value().as_int64() > now + 600) {
      return invalid_client("the client_assertion must expire within ten minutes", false);
    }
    const std::string jti = text("jti");
    if (jti.empty()) return invalid_client("the client_assertion needs a jti", false);
    auto fresh = assertion_is_fresh(ctx, client_id, jti, exp->value().as_int64());
    if (!fresh || !*fresh) return invalid_client("this client_assertion has already been used", false);
    return **client;
  }

  const std::string client_id = basic ? basic_id : std::string(request.form.get("client_id").value_or(""));
  const std::string secret = basic ? basic_secret : std::string(*form_secret);
  if (basic) {
    if (auto form_id = request.form.get("client_id"); form_id && *form_id != client_id) {
      return invalid_client("client_id differs from the Basic credentials", true);
    }
  }
  auto client = find_client(ctx.db, client_id);
  if (!client) return oauth_error("server_error", "the client could not be looked up", 500);
  // Compare a hash even for unknown clients, so timing does not reveal which ids exist.
  const std::string presented = sha256_hex(secret);
  const std::string expected = *client ? (*client)->secret_hash : std::string(64, '0');
  if (!*client || !secure_equals(presented, expected)) return invalid_client("wrong client credentials", basic);
  const ClientAuthMethod used = basic ? ClientAuthMethod::client_secret_basic : ClientAuthMethod::client_secret_post;
  if ((*client)->auth_method != used) {
    return invalid_client("this client is registered for " + std::string(to_string((*client)->auth_method)), basic);
  }
  return **client;
}

Response token_response(const TokenResponse& tokens) {
  json::object body{{"access_token", tokens.access_token},
                    {"token_type", "Bearer"},
                    {"expires_in", tokens.expires_in},
                    {"scope", tokens.scope}};
  if (!tokens.refresh_token.empty()) body["refresh_token"] = tokens.refresh_token;
  if (!tokens.id_token.empty()) body["id_token"] = tokens.id_token;
  return no_store(Response::json(json::serialize(body)));
}

Response grant_error(const Error& error) {
  if (error.code == Errc::invalid_grant || error.code == Errc::invalid_scope)
    return oauth_error(error.code.name(), error.message);
  return oauth_error("server_error", "the request could not be completed", 500);
}

// --- endpoints

Response token_endpoint(const ProviderContext& ctx, Request& request) {
  auto authenticated = authenticate_client(ctx, request);
  if (auto* failure = std::get_if<Response>(&authenticated)) return std::move(*failure);
  const Client& client = std::get<Client>(authenticated);
  for (const auto& [name, value] : request.form.items()) {
    if (request.form.all(name).size() > 1) return oauth_error("invalid_request", "repeated parameter " + name);
  }
  std::string grant_type(request.form.get("grant_type").value_or(""));
  // RFC 6749 §5.2: a missing parameter is invalid_request; unsupported_grant_type is for a value.
  if (grant_type.empty()) return oauth_error("invalid_request", "grant_type is required");
  Issuer issuer{ctx.issuer, ctx.keys, ctx.clock, ctx.policy};
  if (grant_type == "authorization_code") {
    auto code = request.form.get("code");
    auto verifier = request.form.get("code_verifier");
    if (!code || code->empty()) return oauth_error("invalid_request", "code is required");
    if ((!verifier || verifier->empty()) && client.pkce_required) {
      return oauth_error("invalid_request", "code_verifier is required (PKCE)");
    }
    auto tokens = redeem_code(ctx.db, issuer, client, *code, request.form.get("redirect_uri").value_or(""),
                              verifier.value_or(""));
    if (!tokens) return grant_error(tokens.error());
    return token_response(*tokens);
  }
  if (grant_type == "refresh_token") {
    auto refresh = request.form.get("refresh_token");
    if (!refresh || refresh->empty()) return oauth_error("invalid_request", "refresh_token is required");
    auto tokens = refresh_tokens(ctx.db, issuer, client, *refresh, request.form.get("scope").value_or(""));
    if (!tokens) return grant_error(tokens.error());
    return token_response(*tokens);
  }
  return oauth_error("unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
}

// Revocation (RFC 7009) and introspection (RFC 7662) both take an authenticated client and a
// `token` parameter.
struct TokenRequest {
  Client client;
  std::string token;
};

std::variant<TokenRequest, Response> read_token_request(const ProviderContext& ctx, const Request& request) {
  auto authenticated = authenticate_client(ctx, request);
  if (auto* failure = std::get_if<Response>(&authenticated)) return std::move(*failure);
  auto token = request.form.get("token");
  if (!token) return oauth_error("invalid_request", "token is required");
  return TokenRequest{std::get<Client>(std::move(authenticated)), std::string(*token)};
}

Response revocation_endpoint(const ProviderContext& ctx, Request& request) {
  auto read = read_token_request(ctx, request);
  if (auto* failure = std::get_if<Response>(&read)) return std::move(*failure);
  const auto& [client, token] = std::get<TokenRequest>(read);
  auto revoked = revoke_token(ctx.db, client, token, ctx.clock);
  if (!revoked) return oauth_error("server_error", "the token could not be revoked", 503);
  return no_store(Response::text("", 200));
}

Response introspection_endpoint(const ProviderContext& ctx, Request& request) {
  auto read = read_token_request(ctx, request);
  if (auto* failure = std::get_if<Response>(&read)) return std::move(*failure);
  const auto& [client, token] = std::get<TokenRequest>(read);
  auto state = introspect_token(ctx.db, client, token, ctx.clock);
  if (!state) return oauth_error("server_error", "the token could not be read", 503);
  return no_store(Response::json(std::move(state).value()));
}

}  // namespace

void register_token_routes(http::Router& router, const ProviderContext& ctx) {
  router.post(
      "/oidc/token", [&ctx](Request& request) { return token_endpoint(ctx, request); }, kApiRoute);
  router.post(
      "/oidc/revoke", [&ctx](Request& request) { return revocation_endpoint(ctx, request); }, kApiRoute);
  router.post(
      "/oidc/introspect", [&ctx](Request& request) { return introspection_endpoint(ctx, request); }, kApiRoute);
}

}  // namespace guichet::oidc
