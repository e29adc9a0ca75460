#include <boost/json.hpp>

#include "guichet/http/application.hpp"
#include "guichet/http/headers.hpp"
#include "guichet/oidc/errors.hpp"
#include "web_support.hpp"

namespace guichet::oidc {
namespace json = boost::json;
using http::PageData;
using http::Request;
using http::Response;
namespace {

std::optional<std::string> bearer_token(const Request& request) {
  auto authorization = request.header("Authorization");
  if (!authorization || authorization->size() < 8) return std::nullopt;
  if (!http::iequals(authorization->substr(0, 7), "Bearer ")) return std::nullopt;
  return std::string(authorization->substr(7));
}

Response bearer_error(std::string_view error, std::string_view description, int status, std::string_view scope = "") {
  Response response = oauth_error(error, description, status);
  std::string challenge = "Bearer realm=\"guichet\"";
  if (!error.empty()) challenge += ", error=\"" + std::string(error) + "\"";
  if (!scope.empty()) challenge += ", scope=\"" + std::string(scope) + "\"";
  response.headers.set("WWW-Authenticate", challenge);
  return response;
}

// Guichet's own API (/api/...) answers every failure in its one shape, {error, message,
// request_id}; the OpenID endpoints keep OAuth's {error, error_description}. Both carry the
// RFC 6750 challenge.
Response refuse_bearer(const Request& request, const Error& error, std::string_view oauth_code,
                       std::string_view scope = "") {
  if (!request.path.starts_with("/api/")) {
    if (error.kind == ErrorKind::unavailable || error.kind == ErrorKind::internal) {
      Response failed = oauth_error("server_error", "the token could not be checked", http::http_status(error.kind));
      failed.failure_cause = std::string(error.code.name()) + ": " + error.message;
      return failed;
    }
    return bearer_error(oauth_code, error.message, http::http_status(error.kind), scope);
  }
  Response response = http::json_error(request, error);
  if (error.kind == ErrorKind::unauthenticated || error.kind == ErrorKind::forbidden) {
    std::string challenge = "Bearer realm=\"guichet\"";
    if (!oauth_code.empty()) challenge += ", error=\"" + std::string(oauth_code) + "\"";
    if (!scope.empty()) challenge += ", scope=\"" + std::string(scope) + "\"";
    response.headers.set("WWW-Authenticate", challenge);
  }
  return response;
}
Response userinfo(const ProviderContext& ctx, Request& request) {
  auto token = bearer_token(request);
  if (!token) {
    return refuse_bearer(request, make_error(Errc::token_required, "a bearer access token is required"), "");
  }
  auto read = read_userinfo(ctx.db, *token, ctx.clock);
  if (!read) return refuse_bearer(request, read.error(), "server_error");
  switch (read->outcome) {
    case UserInfo::Outcome::answered:
      return no_store(Response::json(std::move(read->claims)));
    case UserInfo::Outcome::token_not_live:
      return refuse_bearer(request, make_error(Errc::invalid_token, "the access token is unknown, expired or revoked"),
                           "invalid_token");
    case UserInfo::Outcome::lacks_openid:
      return refuse_bearer(request, make_error(Errc::insufficient_scope, "the access token lacks the scope openid"),
                           "insufficient_scope", "openid");
    case UserInfo::Outcome::client_gone:
      return bearer_error("invalid_token", "the client of this token is gone", 401);
  }
  return oauth_error("server_error", "the claims could not be read", 503);
}

}  // namespace

std::variant<AccessGrant, Response> require_bearer(const ProviderContext& ctx, const Request& request,
                                                   std::string_view scope) {
  auto token = bearer_token(request);
  if (!token) {
    return refuse_bearer(request, make_error(Errc::token_required, "a bearer access token is required"), "");
  }
  auto grant = resolve_access_token(ctx.db, *token, ctx.clock);
  if (!grant) return refuse_bearer(request, grant.error(), "server_error");
  if (!*grant) {
    return refuse_bearer(request, make_error(Errc::invalid_token, "the access token is unknown, expired or revoked"),
                         "invalid_token");
  }
  if (!scope.empty() && !(*grant)->scope.contains(std::string(scope))) {
    return refuse_bearer(request,
                         make_error(Errc::insufficient_scope, "the access token lacks the scope " + std::string(scope)),
                         "insufficient_scope", scope);
  }
  return **grant;
}

void register_userinfo_routes(http::Router& router, const ProviderContext& ctx) {
  // Every relying party calls it for every sign-in, and it only reads: on SQLite it is answered
  // on the network thread, sparing the hand-over to the worker pool and back (docs/PERFORMANCE.md).
  // The secret of pairwise subjects is made now, as the network thread may not write; should that
  // fail, the route stays on the worker pool, which can.
  http::RouteOptions options = kApiRoute;
  // Called on every engine: it also tells the module which key seals these secrets at rest.
  const bool secrets_ready = ensure_provider_secrets(ctx.db, ctx.keys.secrets()).ok();
  options.on_network_thread = ctx.db.reads_never_wait() && secrets_ready;
  router.get(
      "/oidc/userinfo", [&ctx](Request& request) { return userinfo(ctx, request); }, options);
  router.post(
      "/oidc/userinfo", [&ctx](Request& request) { return userinfo(ctx, request); }, options);
}

}  // namespace guichet::oidc
