#include "web_support.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "guichet/http/pages.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/oidc/jose.hpp"
#include "guichet/oidc/keys.hpp"

namespace guichet::oidc {
namespace json = boost::json;
using http::Response;

int level_rank(std::string_view level) {
  if (level == "high") return 3;
  if (level == "substantial") return 2;
  if (level == "low") return 1;
  return 0;
}

std::int64_t now_seconds(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
}

std::string origins_of(const std::vector<std::string>& uris) {
  std::set<std::string> origins;
  for (const auto& uri : uris) {
    auto parsed = boost::urls::parse_absolute_uri(uri);
    if (!parsed) continue;
    std::string origin = std::string(parsed->scheme()) + "://" + std::string(parsed->encoded_host());
    if (parsed->has_port()) origin += ":" + std::string(parsed->port());
    origins.insert(origin);
  }
  std::string out;
  for (const auto& origin : origins) out += (out.empty() ? "" : " ") + origin;
  return out;
}

Response no_store(Response response) {
  response.headers.set("Cache-Control", "no-store");
  response.headers.set("Pragma", "no-cache");
  return response;
}

Response oauth_error(std::string_view error, std::string_view description, int status) {
  json::object body{{"error_description", description}};
  // RFC 6750 §3.1: a request that carried no token gets no error code, in the body as in the
  // challenge (an empty "error" is no code either).
  if (!error.empty()) body["error"] = error;
  return no_store(Response::json(json::serialize(body), status));
}

Result<std::optional<IdTokenHint>> read_id_token_hint(const ProviderContext& ctx, std::string_view token) {
  auto keys = ctx.keys.published_keys();
  if (!keys) return std::move(keys).error();
  auto verified = verify_jws(token, *keys, {SigningAlgorithm::es256, SigningAlgorithm::rs256});
  if (!verified) return std::optional<IdTokenHint>();
  boost::system::error_code ec;
  json::value claims = json::parse(verified->payload, ec);
  if (ec || !claims.is_object()) return std::optional<IdTokenHint>();
  const json::object& object = claims.as_object();
  auto text = [&](const char* name) -> std::string {
    auto found = object.find(name);
    return found != object.end() && found->value().is_string() ? std::string(found->value().as_string()) : "";
  };
  if (text("iss") != ctx.issuer || text("sub").empty()) return std::optional<IdTokenHint>();
  return std::optional<IdTokenHint>(IdTokenHint{text("aud"), text("sub"), text("sid")});
}

std::string with_query(std::string uri, const std::vector<std::pair<std::string, std::string>>& params) {
  char separator = uri.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    uri += separator;
    uri += name + "=" + http::url_encode(value);
    separator = '&';
  }
  return uri;
}

Response error_page(const ProviderContext& ctx, const http::Request& request, std::string_view detail) {
  http::PageData page;
  page.set("heading", ctx.catalog.text(request.lang, "oidc_error_title"));
  page.set("text", ctx.catalog.text(request.lang, "oidc_error_text") + " (" + std::string(detail) + ")");
  page.set("link", std::string("/"));
  page.set("link_text", ctx.catalog.text(request.lang, "error_back_home"));
  return no_store(ctx.pages.render(request, "message", "oidc_error_title", page, 400));
}

}  // namespace guichet::oidc
