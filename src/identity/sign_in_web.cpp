// Signing in (password, then a second factor when the account has one) and out.
#include <algorithm>
#include <charconv>

#include "guichet/http/middleware.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/identity/account.hpp"
#include "guichet/identity/errors.hpp"
#include "guichet/identity/registration.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/identity/sessions.hpp"
#include "guichet/identity/throttle.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/storage/errors.hpp"
#include "web_support.hpp"

namespace guichet::identity {
using http::PageData;
using http::Request;
using http::Response;
namespace {

Response sign_in_form(const WebContext& ctx, Request& request) {
  // `fresh=1`: a relying party asked for a new sign-in (prompt=login, max_age), so the form is
  // shown even to someone signed in.
  if (request.principal && request.query.get("fresh").value_or("") != "1")
    return Response::redirect(http::safe_return_path(request.query.get("return").value_or("/account")));
  // A relying party's login_hint (OIDC Core §3.1.2.1) pre-fills the address when it is one; any
  // other hint (a phone number, a subject) says nothing this form can use.
  std::string hinted;
  if (auto hint = request.query.get("login_hint"); hint && normalise_email(*hint)) hinted = std::string(*hint);
  return sign_in_page(ctx, request, hinted, "", 200);
}

Response sign_in_submit(const WebContext& ctx, Request& request) {
  std::string email(request.form.get("email").value_or(""));
  std::string password(request.form.get("password").value_or(""));
  if (email.empty() || password.empty()) return sign_in_page(ctx, request, email, "signin_error_missing", 400);
  auto user_agent = request.header("User-Agent").value_or("");
  std::string lang = request.lang;
  auto notice = [&ctx, lang](const std::string& to, const std::string& device, const std::string& address) {
    std::string body =
        http::fill_text(ctx.catalog.text(lang, "email_new_device_body"),
                        {{"link", ctx.public_url + "/account"}, {"device", device}, {"address", address}});
    return jobs::EmailMessage{to, ctx.catalog.text(lang, "email_new_device_subject"), body, {}};
  };
  const std::string device_token(request.cookies.get(kDeviceCookie).value_or(""));
  auto signed_in = sign_in(ctx.db, email, password, user_agent, request.remote_address, ctx.clock, ctx.policy, notice,
                           lang, device_token);
  if (!signed_in) {
    const Error& error = signed_in.error();
    if (error.code == Errc::bad_credentials || error.code == Errc::email_unverified ||
        error.code == Errc::sign_in_throttled) {
      Response page = sign_in_page(ctx, request, email, error.code.message_key(), http::http_status(error.kind));
      if (error.code == Errc::sign_in_throttled) {
        // At least the wait of an untrusted client (this one had no trusted device cookie, or
        // the device's own failures were spent).
        auto wait = sign_in_wait(ctx.db, email, request.remote_address, ctx.clock);
        page.headers.set("Retry-After", std::to_string(wait && wait->count() > 0 ? wait->count() : 30));
      }
      return page;
    }
    return ctx.pages.render_error(request, error);
  }
  // Signing in again (a relying party asked for a fresh sign-in) replaces the old session.
  if (request.principal) {
    auto ended = end_session(ctx.db, request.principal->user_id, request.principal->session_id, ctx.clock);
    if (!ended && ended.error().kind != ErrorKind::not_found) return ctx.pages.render_error(request, ended.error());
  }
  std::string return_path = http::safe_return_path(request.form.get("return").value_or("/account"));
  if (return_path == "/account") {
    // An agent signing in with nowhere else to go starts at the day's agenda.
    auto roles = roles_of(ctx.db, signed_in->session.user.id);
    if (!roles) return ctx.pages.render_error(request, roles.error());
    const bool agent =
        std::any_of(roles->begin(), roles->end(), [](const RoleGrant& g) { return g.role == Role::agent; });
    if (agent) return_path = "/agent/agenda";
  }
  Response response = Response::redirect(signed_in->session.pending_second_factor
                                             ? "/account/sign-in/code?return=" + http::url_encode(return_path)
                                             : return_path);
  response.set_cookie(session_cookie(request, signed_in->token,
                                     std::chrono::duration_cast<std::chrono::seconds>(ctx.policy.absolute).count()));
  // The device cookie: this browser is trusted by the sign-in throttle for a year (throttle.hpp).
  http::Cookie device =
      session_cookie(request, signed_in->device_token,
                     std::chrono::duration_cast<std::chrono::seconds>(kTrustedDeviceLifetime).count());
  device.name = std::string(kDeviceCookie);
  device.path = "/account/sign-in";
  response.set_cookie(device);
  return response;
}

Response sign_out(const WebContext& ctx, Request& request) {
  Response response = Response::redirect("/");
  if (request.principal) {
    auto ended = end_session(ctx.db, request.principal->user_id, request.principal->session_id, ctx.clock);
    if (!ended && ended.error().kind != ErrorKind::not_found) return ctx.pages.render_error(request, ended.error());
  }
  response.set_cookie(session_cookie(request, "", 0));
  return response;
}

}  // namespace

void register_sign_in_routes(http::Router& router, const WebContext& ctx) {
  router.get("/account/sign-in", [&ctx](Request& request) { return sign_in_form(ctx, request); });
  router.post(
      "/account/sign-in", [&ctx](Request& request) { return sign_in_submit(ctx, request); }, kAccountForm);
  router.post(
      "/account/sign-out", [&ctx](Request& request) { return sign_out(ctx, request); }, kAccountForm);
}

}  // namespace guichet::identity
