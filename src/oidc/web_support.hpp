#pragma once
// What the provider's endpoint files share; private to the oidc module.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "guichet/http/router.hpp"
#include "guichet/oidc/web.hpp"

namespace guichet::oidc {

inline constexpr std::size_t kFormLimit = 16 * 1024;

// Routes answered in OAuth's JSON shape.
inline const http::RouteOptions kApiRoute{http::RouteKind::api, kFormLimit, false};
// The relying party sends people here from its own site: no CSRF token can exist yet, and
// nothing is changed that the person has not already agreed to.
inline const http::RouteOptions kCrossSitePage{http::RouteKind::page, kFormLimit, false};
// A page form of ours, CSRF-checked.
inline const http::RouteOptions kOwnForm{http::RouteKind::page, kFormLimit, true};

int level_rank(std::string_view level);
std::int64_t now_seconds(const Clock& clock);
// "scheme://host[:port]" of each URI, space-separated (for Content-Security-Policy form-action).
std::string origins_of(const std::vector<std::string>& uris);
http::Response no_store(http::Response response);
// RFC 6749 section 5.2: {error, error_description}, never cached.
http::Response oauth_error(std::string_view error, std::string_view description, int status = 400);
// The page shown when the relying party cannot be trusted with an error redirect.
http::Response error_page(const ProviderContext& ctx, const http::Request& request, std::string_view detail);
// `uri` with each non-empty parameter appended, URL-encoded.
std::string with_query(std::string uri, const std::vector<std::pair<std::string, std::string>>& params);

// What an id_token_hint says, once its signature is checked against the keys this provider
// publishes (an expired token is still a good hint: only who it names matters) and its issuer is
// this provider: the client it was issued to, the subject and the session id. nullopt when the
// hint is not such a token; an error when the keys cannot be read.
struct IdTokenHint {
  std::string audience;
  std::string subject;
  std::string sid;
};
Result<std::optional<IdTokenHint>> read_id_token_hint(const ProviderContext& ctx, std::string_view token);

// One register function per capability, each in its own file.
void register_discovery_routes(http::Router& router, const ProviderContext& ctx);           // discovery_web.cpp
void register_authorize_routes(http::Router& router, const ProviderContext& ctx);           // authorize_web.cpp
void register_token_routes(http::Router& router, const ProviderContext& ctx);               // token_web.cpp
void register_userinfo_routes(http::Router& router, const ProviderContext& ctx);            // userinfo_web.cpp
void register_logout_routes(http::Router& router, const ProviderContext& ctx);              // logout_web.cpp
void register_connected_services_routes(http::Router& router, const ProviderContext& ctx);  // consents_web.cpp

}  // namespace guichet::oidc
