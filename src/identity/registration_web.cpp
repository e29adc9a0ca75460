// Creating an account and verifying its address.
#include <charconv>

#include "guichet/http/middleware.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/identity/account.hpp"
#include "guichet/identity/errors.hpp"
#include "guichet/identity/registration.hpp"
#include "guichet/identity/sessions.hpp"
#include "guichet/storage/errors.hpp"
#include "web_support.hpp"

namespace guichet::identity {
using http::PageData;
using http::Request;
using http::Response;
namespace {

Response register_form(const WebContext& ctx, Request& request) {
  if (request.principal) return Response::redirect("/account");
  return register_page(ctx, request, "", "", 200);
}

Response register_submit(const WebContext& ctx, Request& request) {
  std::string email(request.form.get("email").value_or(""));
  std::string password(request.form.get("password").value_or(""));
  // Before any hashing or mail: registrations from this client, mails to this address.
  if (auto refused = refused_by_limits(
          ctx, request, registration_allowances(ctx.mail_limits, request.remote_address, email),
          [&](std::string_view key, int status) { return register_page(ctx, request, email, key, status); })) {
    return std::move(*refused);
  }
  auto registered = register_account(ctx.db, email, password, ctx.public_url, mail_in(ctx, request.lang), ctx.clock,
                                     registration_return(request));
  if (!registered) {
    const Error& error = registered.error();
    // Two registrations racing for one address: answered like any registration.
    if (error.code == storage::Errc::unique_violation) return Response::redirect("/account/register/sent");
    std::string_view key = registration_error_key(error);
    if (key.empty()) return ctx.pages.render_error(request, error);
    return register_page(ctx, request, email, key, http::http_status(error.kind));
  }
  return Response::redirect("/account/register/sent");
}

Response register_sent(const WebContext& ctx, Request& request) {
  return ctx.pages.render(request, "register_sent", "register_sent_title", PageData{});
}

Response verification_page(const WebContext& ctx, const Request& request, std::string_view state,
                           std::string_view token, int status) {
  PageData page;
  page.set(std::string(state), true);
  page.set("token", std::string(token));
  // Signing in after confirming leads back to where the person was going when they registered.
  const std::string return_path = registration_return(request);
  page.set("return", return_path);
  page.set("sign_in_link", return_path.empty() ? std::string("/account/sign-in")
                                               : "/account/sign-in?return=" + http::url_encode(return_path));
  if (!return_path.empty()) page.set("continues", true);
  const char* title = state == "verified"  ? "verify_done_title"
                      : state == "confirm" ? "verify_confirm_title"
                                           : "verify_failed_title";
  Response response = ctx.pages.render(request, "verified", title, page, status);
  response.headers.set("Cache-Control", "no-store");
  response.headers.set("Referrer-Policy", "no-referrer");  // the token is in this page's address
  return response;
}

// The link's page: a button that confirms, nothing more. A GET changes nothing, so the mail
// scanners and link previews that fetch every link in a message cannot confirm an address.
Response verify_address_page(const WebContext& ctx, Request& request) {
  const std::string token(request.query.get("token").value_or(""));
  auto usable = verification_link_usable(ctx.db, token, ctx.clock);
  if (!usable) return ctx.pages.render_error(request, usable.error());
  if (!*usable) return verification_page(ctx, request, "failed", "", 400);
  return verification_page(ctx, request, "confirm", token, 200);
}

Response verify_address(const WebContext& ctx, Request& request) {
  const std::string token(request.form.get("token").value_or(""));
  auto verified = verify_email(ctx.db, token, ctx.clock);
  if (!verified && verified.error().code != Errc::link_invalid) {
    return ctx.pages.render_error(request, verified.error());
  }
  return verification_page(ctx, request, verified ? "verified" : "failed", "", verified ? 200 : 400);
}

}  // namespace

void register_registration_routes(http::Router& router, const WebContext& ctx) {
  router.get("/account/register", [&ctx](Request& request) { return register_form(ctx, request); });
  router.post(
      "/account/register", [&ctx](Request& request) { return register_submit(ctx, request); }, kAccountForm);
  router.get("/account/register/sent", [&ctx](Request& request) { return register_sent(ctx, request); });
  router.get("/account/verify", [&ctx](Request& request) { return verify_address_page(ctx, request); });
  router.post(
      "/account/verify", [&ctx](Request& request) { return verify_address(ctx, request); }, kAccountForm);
}

}  // namespace guichet::identity
