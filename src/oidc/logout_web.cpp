#include <boost/json.hpp>

#include "guichet/http/application.hpp"
#include "guichet/http/middleware.hpp"
#include "guichet/identity/sessions.hpp"
#include "guichet/identity/web.hpp"
#include "guichet/oidc/errors.hpp"
#include "web_support.hpp"

namespace guichet::oidc {
namespace json = boost::json;
using http::PageData;
using http::Request;
using http::Response;
namespace {

struct LogoutHint {
  std::optional<Client> client;
  std::string sid;
};

std::variant<LogoutHint, Response> read_logout_request(const ProviderContext& ctx, const Request& request,
                                                       const http::Params& params) {
  LogoutHint hint;
  std::string client_id(params.get("client_id").value_or(""));
  if (auto id_token = params.get("id_token_hint"); id_token && !id_token->empty()) {
    auto read = read_id_token_hint(ctx, *id_token);
    if (!read) return ctx.pages.render_error(request, read.error());
    if (!*read) return error_page(ctx, request, "id_token_hint is not an ID token from this provider");
    if (!client_id.empty() && client_id != (*read)->audience)
      return error_page(ctx, request, "client_id differs from the hint");
    client_id = (*read)->audience;
    hint.sid = (*read)->sid;
  }
  if (!client_id.empty()) {
    auto client = find_client(ctx.db, client_id);
    if (!client) return ctx.pages.render_error(request, client.error());
    if (!*client) return error_page(ctx, request, "unknown client_id");
    hint.client = **client;
  }
  if (auto uri = params.get("post_logout_redirect_uri"); uri && !uri->empty()) {
    if (!hint.client) return error_page(ctx, request, "post_logout_redirect_uri needs id_token_hint or client_id");
    const auto& allowed = hint.client->post_logout_uris;
    if (std::find(allowed.begin(), allowed.end(), *uri) == allowed.end()) {
      return error_page(ctx, request, "post_logout_redirect_uri is not registered for this client");
    }
  }
  return hint;
}

Response after_logout(const ProviderContext& ctx, const Request& request, const http::Params& params) {
  std::string uri(params.get("post_logout_redirect_uri").value_or(""));
  if (!uri.empty()) {
    return no_store(
        Response::redirect(with_query(uri, {{"state", std::string(params.get("state").value_or(""))}}), 303));
  }
  PageData page;
  page.set("heading", ctx.catalog.text(request.lang, "logout_done_title"));
  page.set("text", ctx.catalog.text(request.lang, "logout_done_text"));
  page.set("link", std::string("/"));
  page.set("link_text", ctx.catalog.text(request.lang, "error_back_home"));
  return no_store(ctx.pages.render(request, "message", "logout_done_title", page, 200));
}

Response sign_out(const ProviderContext& ctx, const Request& request, Response response) {
  if (request.principal) {
    auto ended = identity::end_session(ctx.db, request.principal->user_id, request.principal->session_id, ctx.clock);
    if (!ended && ended.error().kind != ErrorKind::not_found) return ctx.pages.render_error(request, ended.error());
  }
  response.set_cookie(http::Cookie{std::string(identity::session_cookie_name(request.secure)), "", "/", 0, true,
                                   request.secure, "Lax"});
  return response;
}

Response logout_page(const ProviderContext& ctx, Request& request) {
  auto read = read_logout_request(ctx, request, request.query);
  if (auto* failure = std::get_if<Response>(&read)) return std::move(*failure);
  const LogoutHint& hint = std::get<LogoutHint>(read);
  if (!request.principal) return after_logout(ctx, request, request.query);
  // The hint names this very session: the relying party's word is enough.
  if (!hint.sid.empty()) {
    auto sid = session_claim(ctx.db, request.principal->session_id);
    if (sid && *sid == hint.sid) return sign_out(ctx, request, after_logout(ctx, request, request.query));
  }
  PageData page;
  page.set("client", hint.client ? hint.client->name : std::string());
  page.set("post_logout_redirect_uri", std::string(request.query.get("post_logout_redirect_uri").value_or("")));
  page.set("state", std::string(request.query.get("state").value_or("")));
  page.set("client_id", hint.client ? hint.client->client_id : std::string());
  Response response = no_store(ctx.pages.render(request, "logout", "logout_title", page, 200));
  if (hint.client) {
    response.headers.set("Content-Security-Policy",
                         http::content_security_policy(origins_of(hint.client->post_logout_uris)));
  }
  return response;
}

Response logout_confirmed(const ProviderContext& ctx, Request& request) {
  auto read = read_logout_request(ctx, request, request.form);
  if (auto* failure = std::get_if<Response>(&read)) return std::move(*failure);
  return sign_out(ctx, request, after_logout(ctx, request, request.form));
}

}  // namespace

void register_logout_routes(http::Router& router, const ProviderContext& ctx) {
  router.get(
      "/oidc/logout", [&ctx](Request& request) { return logout_page(ctx, request); }, kCrossSitePage);
  router.post(
      "/oidc/logout", [&ctx](Request& request) { return logout_confirmed(ctx, request); }, kOwnForm);
}

}  // namespace guichet::oidc
