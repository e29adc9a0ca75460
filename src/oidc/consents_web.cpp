#include <boost/json.hpp>

#include "guichet/http/application.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/oidc/errors.hpp"
#include "web_support.hpp"

namespace guichet::oidc {
namespace json = boost::json;
using http::PageData;
using http::Request;
using http::Response;
namespace {

Response connected_services(const ProviderContext& ctx, Request& request) {
  if (!request.principal) return Response::redirect("/account/sign-in?return=%2Faccount%2Fconnected-services", 303);
  auto consents = consents_of(ctx.db, request.principal->user_id);
  if (!consents) return ctx.pages.render_error(request, consents.error());
  PageData list{PageData::type::list};
  for (const Consent& consent : *consents) {
    PageData item;
    item.set("client_id", consent.client_id);
    item.set("name", consent.client_name);
    std::string scopes;
    for (const auto& s : parse_scope(consent.scope)) {
      if (s == "openid") continue;
      if (!scopes.empty()) scopes += ", ";
      scopes += ctx.catalog.text(request.lang, "scope_" + s);
    }
    item.set("scopes", scopes);
    item.set("granted", format_rfc3339(consent.granted_at).substr(0, 10));
    list.push_back(item);
  }
  PageData page;
  page.set("services", list);
  page.set("none", consents->empty());
  if (request.query.get("withdrawn")) page.set("notice", ctx.catalog.text(request.lang, "connected_withdrawn"));
  return no_store(ctx.pages.render(request, "connected_services", "connected_title", page, 200));
}

Response withdraw_consent(const ProviderContext& ctx, Request& request) {
  if (!request.principal) return Response::redirect("/account/sign-in", 303);
  std::string client_id(request.path_params.get("client_id").value_or(""));
  const std::int64_t user_id = request.principal->user_id;
  auto withdrawn = ctx.db.transaction([&](storage::Connection& c) -> Result<std::int64_t> {
    auto removed = c.execute("DELETE FROM oidc_consents WHERE user_id = ? AND client_id = ?", {user_id, client_id});
    if (!removed) return removed;
    if (*removed == 0) return std::int64_t{0};
    const std::int64_t now = to_unix_micros(ctx.clock.now());
    // Withdrawing consent also ends what the service still holds: its tokens stop working.
    auto revoked =
        c.execute("UPDATE oidc_tokens SET revoked_at = ? WHERE user_id = ? AND client_id = ? AND revoked_at IS NULL",
                  {now, user_id, client_id});
    if (!revoked) return std::move(revoked).error();
    auto audited = identity::record_audit(
        c, identity::AuditEvent{"user:" + std::to_string(user_id), "consent.withdrawn", "client:" + client_id, "{}"},
        ctx.clock);
    if (!audited) return std::move(audited).error();
    return *removed;
  });
  if (!withdrawn) return ctx.pages.render_error(request, withdrawn.error());
  if (*withdrawn == 0) {
    return ctx.pages.render_error(request, make_error(Errc::no_such_consent, "no such consent"));
  }
  return Response::redirect("/account/connected-services?withdrawn=1", 303);
}

}  // namespace

void register_connected_services_routes(http::Router& router, const ProviderContext& ctx) {
  router.get("/account/connected-services", [&ctx](Request& request) { return connected_services(ctx, request); });
  router.post(
      "/account/connected-services/{client_id}/withdraw",
      [&ctx](Request& request) { return withdraw_consent(ctx, request); }, kOwnForm);
}

}  // namespace guichet::oidc
