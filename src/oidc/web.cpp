#include "guichet/oidc/web.hpp"

#include "guichet/http/parsing.hpp"
#include "web_support.hpp"

// The provider's endpoints, one file per capability: discovery and keys (discovery_web.cpp), the
// authorization request and consent (authorize_web.cpp), tokens with client authentication,
// revocation and introspection (token_web.cpp), userinfo and bearer checks (userinfo_web.cpp),
// RP-initiated logout (logout_web.cpp) and the person's connected services (consents_web.cpp).
namespace guichet::oidc {

std::string form_targets(storage::Database& db, std::string_view return_path) {
  constexpr std::string_view kPrefix = "/oidc/authorize?";
  if (!return_path.starts_with(kPrefix)) return {};
  auto query = http::parse_urlencoded(return_path.substr(kPrefix.size()));
  if (!query) return {};
  auto client = find_client(db, query->get("client_id").value_or(""));
  if (!client || !*client) return {};
  return origins_of((*client)->redirect_uris);
}

void register_routes(http::Router& router, ProviderContext& context) {
  const ProviderContext& ctx = context;
  register_discovery_routes(router, ctx);
  register_authorize_routes(router, ctx);
  register_token_routes(router, ctx);
  register_userinfo_routes(router, ctx);
  register_logout_routes(router, ctx);
  register_connected_services_routes(router, ctx);
}

}  // namespace guichet::oidc
