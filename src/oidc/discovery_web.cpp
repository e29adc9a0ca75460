#include <boost/json.hpp>

#include "guichet/http/application.hpp"
#include "guichet/oidc/errors.hpp"
#include "web_support.hpp"

namespace guichet::oidc {
namespace json = boost::json;
using http::PageData;
using http::Request;
using http::Response;
namespace {

std::string discovery_document(const ProviderContext& ctx) {
  const std::string& base = ctx.issuer;
  json::array scopes;
  for (const auto& s : supported_scopes()) scopes.emplace_back(s);
  json::object doc{
      {"issuer", base},
      {"authorization_endpoint", base + "/oidc/authorize"},
      {"token_endpoint", base + "/oidc/token"},
      {"userinfo_endpoint", base + "/oidc/userinfo"},
      {"jwks_uri", base + "/oidc/jwks"},
      {"end_session_endpoint", base + "/oidc/logout"},
      {"revocation_endpoint", base + "/oidc/revoke"},
      {"introspection_endpoint", base + "/oidc/introspect"},
      {"scopes_supported", scopes},
      {"response_types_supported", json::array{"code"}},
      {"response_modes_supported", json::array{"query"}},
      {"grant_types_supported", json::array{"authorization_code", "refresh_token"}},
      {"subject_types_supported", json::array{"pairwise"}},
      {"id_token_signing_alg_values_supported", json::array{"ES256", "RS256"}},
      {"token_endpoint_auth_methods_supported",
       json::array{"client_secret_basic", "client_secret_post", "private_key_jwt"}},
      {"token_endpoint_auth_signing_alg_values_supported", json::array{"ES256", "RS256"}},
      {"revocation_endpoint_auth_methods_supported",
       json::array{"client_secret_basic", "client_secret_post", "private_key_jwt"}},
      {"introspection_endpoint_auth_methods_supported",
       json::array{"client_secret_basic", "client_secret_post", "private_key_jwt"}},
      {"code_challenge_methods_supported", json::array{"S256"}},
      {"acr_values_supported", json::array{"low", "substantial", "high"}},
      {"prompt_values_supported", json::array{"none", "login", "consent"}},
      {"claims_supported",
       json::array{"sub",        "iss",         "aud",         "exp",       "iat",        "auth_time",
                   "acr",        "amr",         "nonce",       "sid",       "email",      "email_verified",
                   "name",       "given_name",  "family_name", "birthdate", "birthplace", "gender",
                   "updated_at", "organisation"}},
      {"claims_parameter_supported", false},
      {"request_parameter_supported", false},
      {"request_uri_parameter_supported", false},
      {"authorization_response_iss_parameter_supported", true},
      {"ui_locales_supported", json::array{"fr", "pt", "vi", "en"}},
  };
  return json::serialize(doc);
}

Response published_keys(const ProviderContext& ctx, Request& request) {
  // Every algorithm's key exists before anything is signed with it: a key is made here at the
  // latest, so the JWKS a relying party fetched (and caches for 300 s) already holds the key of the
  // first RS256 ID token it receives (OIDC Core §10.1.1). Later keys are published
  // `publish_ahead` before they sign (keys.hpp).
  for (SigningAlgorithm alg : {SigningAlgorithm::es256, SigningAlgorithm::rs256}) {
    if (auto made = ctx.keys.signing_key(alg); !made) return http::json_error(request, made.error());
  }
  auto keys = ctx.keys.published_keys();
  if (!keys) return http::json_error(request, keys.error());
  json::array published;
  for (const auto& key : *keys) published.push_back(json::parse(key));
  Response response = Response::json(json::serialize(json::object{{"keys", std::move(published)}}));
  response.headers.set("Cache-Control", "public, max-age=300");
  response.headers.set("Access-Control-Allow-Origin", "*");
  return response;
}

}  // namespace

void register_discovery_routes(http::Router& router, const ProviderContext& ctx) {
  std::string discovery = discovery_document(ctx);
  router.get(
      "/.well-known/openid-configuration",
      [discovery = std::move(discovery)](Request&) {
        Response response = Response::json(discovery);
        response.headers.set("Cache-Control", "public, max-age=3600");
        response.headers.set("Access-Control-Allow-Origin", "*");
        return response;
      },
      kApiRoute);
  router.get(
      "/oidc/jwks", [&ctx](Request& request) { return published_keys(ctx, request); }, kApiRoute);
}

}  // namespace guichet::oidc
