#pragma once
// The OpenID Connect provider's endpoints: discovery, JWKS, authorize (with the consent page),
// token, userinfo, RP-initiated logout, revocation and introspection, the page where a person sees
// and withdraws consents, and the bearer-token check for Guichet's own JSON API.
#include <string>
#include <variant>

#include "guichet/core/clock.hpp"
#include "guichet/http/i18n.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/http/router.hpp"
#include "guichet/oidc/grants.hpp"
#include "guichet/oidc/keys.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::oidc {

struct ProviderContext {
  storage::Database& db;
  const Clock& clock;
  const http::PageRenderer& pages;
  const http::Catalog& catalog;
  std::string issuer;  // the public base URL, without a trailing slash
  KeyStore& keys;
  GrantPolicy policy;
};

// For a sign-in page returning to an authorization request: the origins of that client's
// redirect URIs (see http::content_security_policy); empty for any other return path.
std::string form_targets(storage::Database& db, std::string_view return_path);

// Registers every provider route; `context` must outlive the router.
void register_routes(http::Router& router, ProviderContext& context);

// The grant behind "Authorization: Bearer <token>" when it is live and carries `scope`; otherwise
// the 401 (no or bad token) or 403 (scope missing) JSON response to send, with WWW-Authenticate.
std::variant<AccessGrant, http::Response> require_bearer(const ProviderContext& context, const http::Request& request,
                                                         std::string_view scope);

}  // namespace guichet::oidc
