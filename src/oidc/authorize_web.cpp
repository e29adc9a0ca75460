#include <boost/json.hpp>
#include <charconv>

#include "guichet/http/application.hpp"
#include "guichet/http/headers.hpp"
#include "guichet/http/middleware.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/second_factor.hpp"
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

// The parameters of an authorization request that survive a detour through sign-in.
constexpr const char* kAuthorizeParams[] = {"client_id",     "redirect_uri", "response_type",  "scope",
                                            "state",         "nonce",        "code_challenge", "code_challenge_method",
                                            "prompt",        "max_age",      "acr_values",     "login_after",
                                            "id_token_hint", "login_hint",   "ui_locales"};

struct Authorize {
  std::map<std::string, std::string> params;
  Client client;
  std::set<std::string> scope;
  std::set<std::string> prompt;
  std::optional<std::int64_t> max_age;
  std::string required_acr;  // "" when the relying party asked for none
  std::int64_t login_after = 0;
  std::string hinted_subject;  // the `sub` of a valid id_token_hint ("" without one)

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
  std::string repeated;
  for (const char* name : kAuthorizeParams) {
    auto all = source.all(name);
    if (all.size() > 1) {
      // The client and where to answer must be certain before an error goes back to it.
      if (std::string_view(name) == "client_id" || std::string_view(name) == "redirect_uri") {
        return error_page(ctx, request, std::string("repeated parameter ") + name);
      }
      if (repeated.empty()) repeated = name;
    }
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
  // RFC 6749 §3.1: a parameter sent twice is an invalid request, answered to the relying party.
  if (!repeated.empty()) return error_redirect(ctx, a, "invalid_request", "a parameter is repeated: " + repeated);
  if (a.get("response_type") != "code") {
    return error_redirect(ctx, a, "unsupported_response_type", "only the authorization code flow is offered");
  }
  // The answer always comes in the redirect's query: fragment and form_post are refused, not ignored.
  if (auto mode = source.get("response_mode"); mode && *mode != "query") {
    return error_redirect(ctx, a, "invalid_request", "response_mode: only query is supported");
  }
  a.scope = parse_scope(a.get("scope"));
  if (!a.scope.contains("openid")) return error_redirect(ctx, a, "invalid_scope", "the openid scope is required");
  const std::string challenge = a.get("code_challenge");
  if (challenge.empty()) {
    // A silent request with no one signed in is answered login_required whatever else it lacks,
    // as the certification plan's prompt=none test expects.
    if (source.get("prompt").value_or("") == "none" && !request.principal) {
      return error_redirect(ctx, a, "login_required", "no one is signed in");
    }
    if (a.client.pkce_required) {
      return error_redirect(ctx, a, "invalid_request", "PKCE is required: send a code_challenge");
    }
    if (!a.get("code_challenge_method").empty()) {
      return error_redirect(ctx, a, "invalid_request", "code_challenge_method without a code_challenge");
    }
  } else {
    if (a.get("code_challenge_method") != "S256") {
      return error_redirect(ctx, a, "invalid_request", "PKCE code_challenge_method must be S256");
    }
    if (challenge.size() != 43 || challenge.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                              "0123456789-_") != std::string::npos) {
      return error_redirect(ctx, a, "invalid_request", "code_challenge must be a base64url SHA-256");
    }
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
      // Never the value itself: error_description is limited to printable ASCII (RFC 6749 §4.1.2.1).
      return error_redirect(ctx, a, "invalid_request", "unknown prompt value");
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
  if (const std::string hint = a.get("id_token_hint"); !hint.empty()) {
    auto read = read_id_token_hint(ctx, hint);
    if (!read) return ctx.pages.render_error(request, read.error());
    if (!*read || (*read)->audience != a.client.client_id) {
      return error_redirect(ctx, a, "invalid_request", "id_token_hint is not an ID token issued to this client");
    }
    a.hinted_subject = (*read)->subject;
  }
  if (a.get("login_hint").size() > 254 || a.get("ui_locales").size() > 256) {
    return error_redirect(ctx, a, "invalid_request", "login_hint or ui_locales is too long");
  }
  return a;
}

// Where to sign in: the form pre-filled with the relying party's login_hint, in the language its
// ui_locales asks for, coming back to this request.
std::string sign_in_path(const Authorize& a, std::string_view fresh, const std::string& back) {
  return with_query("/account/sign-in", {{"fresh", std::string(fresh)},
                                         {"login_hint", a.get("login_hint")},
                                         {"ui_locales", a.get("ui_locales")},
                                         {"return", back}});
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
    return Response::redirect(sign_in_path(a, "", a.path()), 303);
  }
  const http::Principal& who = *request.principal;
  const std::int64_t auth_time = who.auth_time_us / 1'000'000;
  const std::int64_t now = now_seconds(ctx.clock);
  // OIDC Core §3.1.2.1: the hint names who the relying party expects; someone else being signed in
  // here is not silently answered for them.
  bool someone_else = false;
  if (!a.hinted_subject.empty()) {
    auto subject = pairwise_subject(ctx.db, a.client.sector, who.user_id);
    if (!subject) return ctx.pages.render_error(request, subject.error());
    someone_else = *subject != a.hinted_subject;
  }
  if (someone_else && silent) {
    return error_redirect(ctx, a, "login_required", "the person signed in is not the one id_token_hint names");
  }
  bool fresh_needed = someone_else || a.prompt.contains("login") || (a.max_age && now - auth_time > *a.max_age) ||
                      (a.login_after > 0 && auth_time < a.login_after);
  if (fresh_needed) {
    if (silent) return error_redirect(ctx, a, "login_required", "a fresh sign-in is needed");
    // prompt=login and max_age become "signed in after now", and the hint is asked about once
    // (whoever then signs in is who the person chose to be), so coming back does not loop.
    std::string prompt = a.get("prompt");
    if (auto at = prompt.find("login"); at != std::string::npos) prompt.erase(at, 5);
    std::string back =
        a.path({{"prompt", prompt}, {"max_age", ""}, {"login_after", std::to_string(now)}, {"id_token_hint", ""}});
    return Response::redirect(sign_in_path(a, "1", back), 303);
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

Response authorize(const ProviderContext& ctx, Request& request, const http::Params& params) {
  Checked checked = check_authorize(ctx, request, params);
  if (auto* response = std::get_if<Response>(&checked)) return std::move(*response);
  return continue_authorize(ctx, request, std::get<Authorize>(checked), false);
}

Response authorize_decision(const ProviderContext& ctx, Request& request) {
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
}

}  // namespace

void register_authorize_routes(http::Router& router, const ProviderContext& ctx) {
  router.get(
      "/oidc/authorize", [&ctx](Request& request) { return authorize(ctx, request, request.query); }, kCrossSitePage);
  router.post(
      "/oidc/authorize", [&ctx](Request& request) { return authorize(ctx, request, request.form); }, kCrossSitePage);
  router.post(
      "/oidc/authorize/decision", [&ctx](Request& request) { return authorize_decision(ctx, request); }, kOwnForm);
}

}  // namespace guichet::oidc
