#include "guichet/oidc/web.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <charconv>

#include "guichet/core/digest.hpp"
#include "guichet/core/encoding.hpp"
#include "guichet/core/random.hpp"
#include "guichet/http/application.hpp"
#include "guichet/http/headers.hpp"
#include "guichet/http/middleware.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/second_factor.hpp"
#include "guichet/identity/sessions.hpp"
#include "guichet/identity/web.hpp"
#include "guichet/oidc/errors.hpp"

namespace guichet::oidc {
namespace json = boost::json;
using http::PageData;
using http::Request;
using http::Response;

namespace {

constexpr std::size_t kFormLimit = 16 * 1024;
constexpr std::string_view kAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// The parameters of an authorization request that survive a detour through sign-in.
constexpr const char* kAuthorizeParams[] = {"client_id", "redirect_uri", "response_type",  "scope",
                                            "state",     "nonce",        "code_challenge", "code_challenge_method",
                                            "prompt",    "max_age",      "acr_values",     "login_after"};

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

Response oauth_error(std::string_view error, std::string_view description, int status = 400) {
  json::object body{{"error", error}, {"error_description", description}};
  return no_store(Response::json(json::serialize(body), status));
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

struct Authorize {
  std::map<std::string, std::string> params;
  Client client;
  std::set<std::string> scope;
  std::set<std::string> prompt;
  std::optional<std::int64_t> max_age;
  std::string required_acr;  // "" when the relying party asked for none
  std::int64_t login_after = 0;

  std::string get(const std::string& name) const {
    auto found = params.find(name);
    return found == params.end() ? std::string() : found->second;
  }
  // The same request, to come back to after signing in (with some parameters changed).
  std::string path(const std::map<std::string, std::string>& changes = {}) const {
    std::vector<std::pair<std::string, std::string>> query;
    for (const char* name : kAuthorizeParams) {
      auto changed = changes.find(name);
      query.emplace_back(name, changed != changes.end() ? changed->second : get(name));
    }
    return with_query("/oidc/authorize", query);
  }
};

// Either a checked request, or the response to send: an error page when the client or the
// redirect URI cannot be trusted, otherwise an error sent back to the relying party.
using Checked = std::variant<Authorize, Response>;

Response error_page(const ProviderContext& ctx, const Request& request, std::string_view detail) {
  PageData page;
  page.set("heading", ctx.catalog.text(request.lang, "oidc_error_title"));
  page.set("text", ctx.catalog.text(request.lang, "oidc_error_text") + " (" + std::string(detail) + ")");
  page.set("link", std::string("/"));
  page.set("link_text", ctx.catalog.text(request.lang, "error_back_home"));
  return no_store(ctx.pages.render(request, "message", "oidc_error_title", page, 400));
}

Response error_redirect(const ProviderContext& ctx, const Authorize& a, std::string_view error,
                        std::string_view description) {
  return no_store(Response::redirect(with_query(a.get("redirect_uri"), {{"error", std::string(error)},
                                                                        {"error_description", std::string(description)},
                                                                        {"state", a.get("state")},
                                                                        {"iss", ctx.issuer}}),
                                     303));
}

Checked check_authorize(const ProviderContext& ctx, const Request& request, const http::Params& source) {
  Authorize a;
  for (const char* name : kAuthorizeParams) {
    auto all = source.all(name);
    if (all.size() > 1) return error_page(ctx, request, std::string("repeated parameter ") + name);
    if (!all.empty()) a.params[name] = std::string(all[0]);
  }
  auto client = find_client(ctx.db, a.get("client_id"));
  if (!client) return ctx.pages.render_error(request, client.error());
  if (!*client) return error_page(ctx, request, "unknown client_id");
  a.client = **client;
  const std::string redirect_uri = a.get("redirect_uri");
  if (std::find(a.client.redirect_uris.begin(), a.client.redirect_uris.end(), redirect_uri) ==
      a.client.redirect_uris.end()) {
    return error_page(ctx, request, "redirect_uri is not registered for this client");
  }
  // From here the relying party is known and errors go back to it.
  if (source.get("request") || source.get("request_uri")) {
    return error_redirect(ctx, a, source.get("request") ? "request_not_supported" : "request_uri_not_supported",
                          "request objects are not supported");
  }
  if (a.get("response_type") != "code") {
    return error_redirect(ctx, a, "unsupported_response_type", "only the authorization code flow is offered");
  }
  a.scope = parse_scope(a.get("scope"));
  if (!a.scope.contains("openid")) return error_redirect(ctx, a, "invalid_scope", "the openid scope is required");
  const std::string challenge = a.get("code_challenge");
  if (challenge.empty()) return error_redirect(ctx, a, "invalid_request", "PKCE is required: send a code_challenge");
  if (a.get("code_challenge_method") != "S256") {
    return error_redirect(ctx, a, "invalid_request", "PKCE code_challenge_method must be S256");
  }
  if (challenge.size() != 43 || challenge.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                            "0123456789-_") != std::string::npos) {
    return error_redirect(ctx, a, "invalid_request", "code_challenge must be a base64url SHA-256");
  }
  if (a.get("state").size() > 1024 || a.get("nonce").size() > 1024) {
    return error_redirect(ctx, a, "invalid_request", "state and nonce are limited to 1024 characters");
  }
  std::string prompt = a.get("prompt");
  for (std::size_t at = 0; at < prompt.size();) {
    auto end = prompt.find(' ', at);
    if (end == std::string::npos) end = prompt.size();
    if (end > at) a.prompt.insert(prompt.substr(at, end - at));
    at = end + 1;
  }
  for (const auto& p : a.prompt) {
    if (p != "none" && p != "login" && p != "consent" && p != "select_account") {
      return error_redirect(ctx, a, "invalid_request", "unknown prompt value " + p);
    }
  }
  if (a.prompt.contains("none") && a.prompt.size() > 1) {
    return error_redirect(ctx, a, "invalid_request", "prompt=none cannot be combined with other values");
  }
  auto parse_integer = [](const std::string& text) -> std::optional<std::int64_t> {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
  };
  if (!a.get("max_age").empty()) {
    a.max_age = parse_integer(a.get("max_age"));
    if (!a.max_age) return error_redirect(ctx, a, "invalid_request", "max_age must be a number of seconds");
  }
  if (!a.get("login_after").empty()) a.login_after = parse_integer(a.get("login_after")).value_or(0);
  // acr_values lists acceptable levels; the lowest one listed is the level required.
  std::string acr_values = a.get("acr_values");
  int required = 0;
  for (std::size_t at = 0; at < acr_values.size();) {
    auto end = acr_values.find(' ', at);
    if (end == std::string::npos) end = acr_values.size();
    int rank = level_rank(acr_values.substr(at, end - at));
    if (rank > 0 && (required == 0 || rank < required)) required = rank;
    at = end + 1;
  }
  if (!acr_values.empty() && required == 0) {
    return error_redirect(ctx, a, "invalid_request", "acr_values must list low, substantial or high");
  }
  a.required_acr = required == 3 ? "high" : required == 2 ? "substantial" : required == 1 ? "low" : "";
  return a;
}

Result<bool> consent_covers(const ProviderContext& ctx, std::int64_t user_id, const Authorize& a) {
  auto connection = ctx.db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows =
      (*connection)
          ->query("SELECT scope FROM oidc_consents WHERE user_id = ? AND client_id = ?", {user_id, a.client.client_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return false;
  std::set<std::string> granted = parse_scope(rows->rows[0].text(0));
  for (const auto& s : a.scope) {
    if (s != "openid" && !granted.contains(s)) return false;
  }
  return true;
}

Response consent_page(const ProviderContext& ctx, const Request& request, const Authorize& a) {
  PageData scopes{PageData::type::list};
  for (const auto& s : a.scope) {
    if (s == "openid") continue;
    scopes.push_back(PageData(ctx.catalog.text(request.lang, "scope_" + s)));
  }
  PageData fields{PageData::type::list};
  for (const char* name : kAuthorizeParams) {
    PageData field;
    field.set("name", std::string(name));
    field.set("value", a.get(name));
    fields.push_back(field);
  }
  PageData page;
  page.set("client", a.client.name);
  page.set("scopes", scopes);
  page.set("fields", fields);
  page.set("email", request.principal->email);
  Response response = no_store(ctx.pages.render(request, "consent", "consent_title", page, 200));
  response.headers.set("Content-Security-Policy", http::content_security_policy(origins_of(a.client.redirect_uris)));
  return response;
}

// The authorization request once the person may be asked things: sign-in, fresh sign-in,
// second factor, consent, then the code.
Response continue_authorize(const ProviderContext& ctx, const Request& request, const Authorize& a,
                            bool consent_given) {
  const bool silent = a.prompt.contains("none");
  if (!request.principal) {
    if (silent) return error_redirect(ctx, a, "login_required", "no one is signed in");
    return Response::redirect("/account/sign-in?return=" + http::url_encode(a.path()), 303);
  }
  const http::Principal& who = *request.principal;
  const std::int64_t auth_time = who.auth_time_us / 1'000'000;
  const std::int64_t now = now_seconds(ctx.clock);
  bool fresh_needed = a.prompt.contains("login") || (a.max_age && now - auth_time > *a.max_age) ||
                      (a.login_after > 0 && auth_time < a.login_after);
  if (fresh_needed) {
    if (silent) return error_redirect(ctx, a, "login_required", "a fresh sign-in is needed");
    // prompt=login and max_age become "signed in after now", so coming back does not loop.
    std::string prompt = a.get("prompt");
    if (auto at = prompt.find("login"); at != std::string::npos) prompt.erase(at, 5);
    std::string back = a.path({{"prompt", prompt}, {"max_age", ""}, {"login_after", std::to_string(now)}});
    return Response::redirect("/account/sign-in?fresh=1&return=" + http::url_encode(back), 303);
  }
  if (!a.required_acr.empty() && level_rank(who.acr) < level_rank(a.required_acr)) {
    if (a.required_acr == "high" && who.assurance_level != "high") {
      return error_redirect(ctx, a, "access_denied",
                            "the high level needs an identity verified in person at a citizen shop");
    }
    if (silent) return error_redirect(ctx, a, "interaction_required", "the second factor must be given");
    auto enrolled = identity::has_second_factor(ctx.db, who.user_id);
    if (!enrolled) return ctx.pages.render_error(request, enrolled.error());
    if (!*enrolled) return Response::redirect("/account/second-factor?return=" + http::url_encode(a.path()), 303);
    return Response::redirect("/account/sign-in/code?return=" + http::url_encode(a.path()), 303);
  }
  if (!consent_given) {
    auto covered = consent_covers(ctx, who.user_id, a);
    if (!covered) return ctx.pages.render_error(request, covered.error());
    if (!*covered || a.prompt.contains("consent")) {
      if (silent) return error_redirect(ctx, a, "consent_required", "the person has not agreed to share this");
      return consent_page(ctx, request, a);
    }
  }
  CodeRequest code_request;
  code_request.client_id = a.client.client_id;
  code_request.user_id = who.user_id;
  code_request.session_id = who.session_id;
  code_request.redirect_uri = a.get("redirect_uri");
  code_request.scope = a.scope;
  code_request.nonce = a.get("nonce");
  code_request.code_challenge = a.get("code_challenge");
  code_request.authentication = GrantAuthentication{who.acr, who.amr, from_unix_micros(who.auth_time_us)};
  if (a.scope.contains("organisation")) code_request.organisation_id = who.organisation_id;
  auto code = issue_code(ctx.db, code_request, ctx.clock, ctx.policy);
  if (!code) return ctx.pages.render_error(request, code.error());
  return no_store(Response::redirect(
      with_query(a.get("redirect_uri"), {{"code", *code}, {"state", a.get("state")}, {"iss", ctx.issuer}}), 303));
}

Result<void> store_consent(const ProviderContext& ctx, std::int64_t user_id, const Authorize& a) {
  return ctx.db.transaction([&](storage::Connection& c) -> Result<void> {
    auto rows =
        c.query("SELECT scope FROM oidc_consents WHERE user_id = ? AND client_id = ?", {user_id, a.client.client_id});
    if (!rows) return std::move(rows).error();
    std::set<std::string> scope = a.scope;
    if (!rows->empty()) {
      for (const auto& s : parse_scope(rows->rows[0].text(0))) scope.insert(s);
    }
    const std::int64_t now = to_unix_micros(ctx.clock.now());
    auto stored =
        rows->empty()
            ? c.execute("INSERT INTO oidc_consents (user_id, client_id, scope, granted_at) VALUES (?, ?, ?, ?)",
                        {user_id, a.client.client_id, join_scope(scope), now})
            : c.execute("UPDATE oidc_consents SET scope = ?, granted_at = ? WHERE user_id = ? AND client_id = ?",
                        {join_scope(scope), now, user_id, a.client.client_id});
    if (!stored) return std::move(stored).error();
    json::object details{{"scope", join_scope(scope)}};
    auto audited =
        identity::record_audit(c,
                               identity::AuditEvent{"user:" + std::to_string(user_id), "consent.granted",
                                                    "client:" + a.client.client_id, json::serialize(details)},
                               ctx.clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

// --- Client authentication at the token, revocation and introspection endpoints ---

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

// --- RP-initiated logout ---

struct LogoutHint {
  std::optional<Client> client;
  std::string sid;
};

std::variant<LogoutHint, Response> read_logout_request(const ProviderContext& ctx, const Request& request,
                                                       const http::Params& params) {
  LogoutHint hint;
  std::string client_id(params.get("client_id").value_or(""));
  if (auto id_token = params.get("id_token_hint"); id_token && !id_token->empty()) {
    auto keys = ctx.keys.published_keys();
    if (!keys) return ctx.pages.render_error(request, keys.error());
    // An expired ID token is still a good hint; its signature is what matters.
    auto verified = verify_jws(*id_token, *keys, {SigningAlgorithm::es256, SigningAlgorithm::rs256});
    if (!verified) return error_page(ctx, request, "id_token_hint is not an ID token from this provider");
    boost::system::error_code ec;
    json::value claims = json::parse(verified->payload, ec);
    if (ec || !claims.is_object()) return error_page(ctx, request, "id_token_hint is malformed");
    const json::object& object = claims.as_object();
    auto text = [&](const char* name) -> std::string {
      auto found = object.find(name);
      return found != object.end() && found->value().is_string() ? std::string(found->value().as_string()) : "";
    };
    if (text("iss") != ctx.issuer) return error_page(ctx, request, "id_token_hint is from another issuer");
    if (!client_id.empty() && client_id != text("aud"))
      return error_page(ctx, request, "client_id differs from the hint");
    client_id = text("aud");
    hint.sid = text("sid");
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
      {"claims_supported", json::array{"sub",
                                       "iss",
                                       "aud",
                                       "exp",
                                       "iat",
                                       "auth_time",
                                       "acr",
                                       "amr",
                                       "nonce",
                                       "sid",
                                       "email",
                                       "email_verified",
                                       "given_name",
                                       "family_name",
                                       "birthdate",
                                       "birthplace",
                                       "gender",
                                       "phone_number",
                                       "phone_number_verified",
                                       "address",
                                       "organisation"}},
      {"claims_parameter_supported", false},
      {"request_parameter_supported", false},
      {"request_uri_parameter_supported", false},
      {"authorization_response_iss_parameter_supported", true},
      {"ui_locales_supported", json::array{"fr", "pt", "vi", "en"}},
  };
  return json::serialize(doc);
}

}  // namespace

std::string form_targets(storage::Database& db, std::string_view return_path) {
  constexpr std::string_view kPrefix = "/oidc/authorize?";
  if (!return_path.starts_with(kPrefix)) return {};
  auto query = http::parse_urlencoded(return_path.substr(kPrefix.size()));
  if (!query) return {};
  auto client = find_client(db, query->get("client_id").value_or(""));
  if (!client || !*client) return {};
  return origins_of((*client)->redirect_uris);
}

namespace {
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

void register_routes(http::Router& router, ProviderContext& context) {
  ProviderContext& ctx = context;
  const http::RouteOptions api{http::RouteKind::api, kFormLimit, false};
  // The relying party sends people here from its own site: no CSRF token can exist yet, and
  // nothing is changed that the person has not already agreed to.
  const http::RouteOptions cross_site_page{http::RouteKind::page, kFormLimit, false};

  const std::string discovery = discovery_document(ctx);
  router.get(
      "/.well-known/openid-configuration",
      [discovery](Request&) {
        Response response = Response::json(discovery);
        response.headers.set("Cache-Control", "public, max-age=3600");
        response.headers.set("Access-Control-Allow-Origin", "*");
        return response;
      },
      api);

  router.get(
      "/oidc/jwks",
      [&ctx](Request& request) {
        // The first key is made on first use, so a fresh install publishes one at once.
        if (auto made = ctx.keys.signing_key(SigningAlgorithm::es256); !made)
          return http::json_error(request, made.error());
        auto keys = ctx.keys.published_keys();
        if (!keys) return http::json_error(request, keys.error());
        json::array published;
        for (const auto& key : *keys) published.push_back(json::parse(key));
        Response response = Response::json(json::serialize(json::object{{"keys", std::move(published)}}));
        response.headers.set("Cache-Control", "public, max-age=300");
        response.headers.set("Access-Control-Allow-Origin", "*");
        return response;
      },
      api);

  auto authorize = [&ctx](Request& request, const http::Params& params) {
    Checked checked = check_authorize(ctx, request, params);
    if (auto* response = std::get_if<Response>(&checked)) return std::move(*response);
    return continue_authorize(ctx, request, std::get<Authorize>(checked), false);
  };
  router.get(
      "/oidc/authorize", [authorize](Request& request) { return authorize(request, request.query); }, cross_site_page);
  router.post(
      "/oidc/authorize", [authorize](Request& request) { return authorize(request, request.form); }, cross_site_page);

  router.post(
      "/oidc/authorize/decision",
      [&ctx](Request& request) {
        Checked checked = check_authorize(ctx, request, request.form);
        if (auto* response = std::get_if<Response>(&checked)) return std::move(*response);
        const Authorize& a = std::get<Authorize>(checked);
        if (!request.principal) return continue_authorize(ctx, request, a, false);
        if (request.form.get("decision").value_or("") != "allow") {
          return error_redirect(ctx, a, "access_denied", "the person declined");
        }
        if (auto stored = store_consent(ctx, request.principal->user_id, a); !stored) {
          return ctx.pages.render_error(request, stored.error());
        }
        return continue_authorize(ctx, request, a, true);
      },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});

  router.post(
      "/oidc/token",
      [&ctx](Request& request) {
        auto authenticated = authenticate_client(ctx, request);
        if (auto* failure = std::get_if<Response>(&authenticated)) return std::move(*failure);
        const Client& client = std::get<Client>(authenticated);
        for (const auto& [name, value] : request.form.items()) {
          if (request.form.all(name).size() > 1) return oauth_error("invalid_request", "repeated parameter " + name);
        }
        std::string grant_type(request.form.get("grant_type").value_or(""));
        Issuer issuer{ctx.issuer, ctx.keys, ctx.clock, ctx.policy};
        if (grant_type == "authorization_code") {
          auto code = request.form.get("code");
          auto verifier = request.form.get("code_verifier");
          if (!code || code->empty()) return oauth_error("invalid_request", "code is required");
          if (!verifier || verifier->empty()) return oauth_error("invalid_request", "code_verifier is required (PKCE)");
          auto tokens =
              redeem_code(ctx.db, issuer, client, *code, request.form.get("redirect_uri").value_or(""), *verifier);
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
      },
      api);

  auto userinfo = [&ctx](Request& request) {
    auto grant = require_bearer(ctx, request, "openid");
    if (auto* failure = std::get_if<Response>(&grant)) return std::move(*failure);
    const AccessGrant& g = std::get<AccessGrant>(grant);
    auto client = find_client(ctx.db, g.client_id);
    if (!client || !*client) return bearer_error("invalid_token", "the client of this token is gone", 401);
    auto subject = pairwise_subject(ctx.db, (*client)->sector, g.user_id);
    auto claims = user_claims(ctx.db, g.user_id, g.scope, g.organisation_id);
    if (!subject || !claims) return oauth_error("server_error", "the claims could not be read", 503);
    json::value parsed = json::parse(*claims);
    parsed.as_object()["sub"] = *subject;
    return no_store(Response::json(json::serialize(parsed)));
  };
  router.get("/oidc/userinfo", userinfo, api);
  router.post("/oidc/userinfo", userinfo, api);

  router.post(
      "/oidc/revoke",
      [&ctx](Request& request) {
        auto authenticated = authenticate_client(ctx, request);
        if (auto* failure = std::get_if<Response>(&authenticated)) return std::move(*failure);
        auto token = request.form.get("token");
        if (!token) return oauth_error("invalid_request", "token is required");
        auto revoked = revoke_token(ctx.db, std::get<Client>(authenticated), *token, ctx.clock);
        if (!revoked) return oauth_error("server_error", "the token could not be revoked", 503);
        return no_store(Response::text("", 200));
      },
      api);

  router.post(
      "/oidc/introspect",
      [&ctx](Request& request) {
        auto authenticated = authenticate_client(ctx, request);
        if (auto* failure = std::get_if<Response>(&authenticated)) return std::move(*failure);
        auto token = request.form.get("token");
        if (!token) return oauth_error("invalid_request", "token is required");
        auto state = introspect_token(ctx.db, std::get<Client>(authenticated), *token, ctx.clock);
        if (!state) return oauth_error("server_error", "the token could not be read", 503);
        return no_store(Response::json(std::move(state).value()));
      },
      api);

  router.get(
      "/oidc/logout",
      [&ctx](Request& request) {
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
      },
      cross_site_page);

  router.post(
      "/oidc/logout",
      [&ctx](Request& request) {
        auto read = read_logout_request(ctx, request, request.form);
        if (auto* failure = std::get_if<Response>(&read)) return std::move(*failure);
        return sign_out(ctx, request, after_logout(ctx, request, request.form));
      },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});

  router.get("/account/connected-services", [&ctx](Request& request) {
    if (!request.principal) return Response::redirect("/account/sign-in?return=%2Faccount%2Fconnected-services", 303);
    auto connection = ctx.db.acquire();
    if (!connection) return ctx.pages.render_error(request, connection.error());
    auto rows = (*connection)
                    ->query(
                        "SELECT c.client_id, c.name, o.scope, o.granted_at FROM oidc_consents o JOIN oidc_clients c ON "
                        "c.client_id = o.client_id WHERE o.user_id = ? ORDER BY c.name",
                        {request.principal->user_id});
    if (!rows) return ctx.pages.render_error(request, rows.error());
    PageData list{PageData::type::list};
    for (const auto& row : rows->rows) {
      PageData item;
      item.set("client_id", row.text(0));
      item.set("name", row.text(1));
      std::string scopes;
      for (const auto& s : parse_scope(row.text(2))) {
        if (s == "openid") continue;
        if (!scopes.empty()) scopes += ", ";
        scopes += ctx.catalog.text(request.lang, "scope_" + s);
      }
      item.set("scopes", scopes);
      item.set("granted", format_rfc3339(from_unix_micros(row.integer(3))).substr(0, 10));
      list.push_back(item);
    }
    PageData page;
    page.set("services", list);
    page.set("none", rows->empty());
    if (request.query.get("withdrawn")) page.set("notice", ctx.catalog.text(request.lang, "connected_withdrawn"));
    return no_store(ctx.pages.render(request, "connected_services", "connected_title", page, 200));
  });

  router.post(
      "/account/connected-services/{client_id}/withdraw",
      [&ctx](Request& request) {
        if (!request.principal) return Response::redirect("/account/sign-in", 303);
        std::string client_id(request.path_params.get("client_id").value_or(""));
        const std::int64_t user_id = request.principal->user_id;
        auto withdrawn = ctx.db.transaction([&](storage::Connection& c) -> Result<std::int64_t> {
          auto removed =
              c.execute("DELETE FROM oidc_consents WHERE user_id = ? AND client_id = ?", {user_id, client_id});
          if (!removed) return removed;
          if (*removed == 0) return std::int64_t{0};
          const std::int64_t now = to_unix_micros(ctx.clock.now());
          // Withdrawing consent also ends what the service still holds: its tokens stop working.
          auto revoked = c.execute(
              "UPDATE oidc_tokens SET revoked_at = ? WHERE user_id = ? AND client_id = ? AND revoked_at IS NULL",
              {now, user_id, client_id});
          if (!revoked) return std::move(revoked).error();
          auto audited = identity::record_audit(
              c,
              identity::AuditEvent{"user:" + std::to_string(user_id), "consent.withdrawn", "client:" + client_id, "{}"},
              ctx.clock);
          if (!audited) return std::move(audited).error();
          return *removed;
        });
        if (!withdrawn) return ctx.pages.render_error(request, withdrawn.error());
        if (*withdrawn == 0) {
          return ctx.pages.render_error(request, make_error(Errc::no_such_consent, "no such consent"));
        }
        return Response::redirect("/account/connected-services?withdrawn=1", 303);
      },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});
}

}  // namespace guichet::oidc
