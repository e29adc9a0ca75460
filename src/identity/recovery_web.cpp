// A forgotten password: the reset link and the new password.
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

Response reset_form(const WebContext& ctx, const Request& request, std::string_view token, std::string_view error_key,
                    int status) {
  PageData page;
  page.set("token", std::string(token));
  http::FormErrors errors;  // the one field: the new password
  if (!error_key.empty()) errors.add("password", "password", ctx.catalog.text(request.lang, error_key));
  errors.show(page, ctx.catalog.text(request.lang, "form_error_prefix"), ctx.catalog.text(request.lang, "reset_title"));
  Response response = ctx.pages.render(request, "reset", "reset_title", page, status);
  response.headers.set("Cache-Control", "no-store");
  response.headers.set("Referrer-Policy", "no-referrer");  // the token is in this page's address
  return response;
}

Response forgot_form(const WebContext& ctx, Request& request) {
  PageData page;
  return ctx.pages.render(request, "forgot", "forgot_title", page);
}

Response forgot_submit(const WebContext& ctx, Request& request) {
  std::string email(request.form.get("email").value_or(""));
  auto forgot_page = [&](std::string_view key, int status) {
    PageData page;
    page.set("email", email);
    http::FormErrors errors;  // the one field: the address
    errors.add("email", "email", ctx.catalog.text(request.lang, key));
    errors.show(page, ctx.catalog.text(request.lang, "form_error_prefix"),
                ctx.catalog.text(request.lang, "forgot_title"));
    return ctx.pages.render(request, "forgot", "forgot_title", page, status);
  };
  if (auto refused = refused_by_limits(ctx, request, reset_allowances(ctx.mail_limits, request.remote_address, email),
                                       forgot_page)) {
    return std::move(*refused);
  }
  auto requested = request_password_reset(ctx.db, email, ctx.public_url, reset_mail_in(ctx, request.lang), ctx.clock);
  if (!requested) {
    const Error& error = requested.error();
    if (error.code != Errc::email_invalid && error.code != Errc::email_not_ascii) {
      return ctx.pages.render_error(request, error);
    }
    return forgot_page(error.code.message_key(), 400);
  }
  return Response::redirect("/account/forgot/sent");
}

Response forgot_sent(const WebContext& ctx, Request& request) {
  return message_page(ctx, request, "forgot_sent_title", "forgot_sent_text", "", "");
}

Response reset_link(const WebContext& ctx, Request& request) {
  std::string token(request.query.get("token").value_or(""));
  auto usable = reset_link_usable(ctx.db, token, ctx.clock);
  if (!usable) return ctx.pages.render_error(request, usable.error());
  if (!*usable) {
    return message_page(ctx, request, "verify_failed_title", "reset_failed_text", "/account/forgot", "forgot_heading",
                        400);
  }
  return reset_form(ctx, request, token, "", 200);
}

Response reset_submit(const WebContext& ctx, Request& request) {
  std::string token(request.form.get("token").value_or(""));
  auto reset = reset_password(ctx.db, token, request.form.get("password").value_or(""),
                              reset_mail_in(ctx, request.lang), ctx.clock);
  if (!reset) {
    const Error& error = reset.error();
    if (error.code == Errc::link_invalid) {
      return message_page(ctx, request, "verify_failed_title", "reset_failed_text", "/account/forgot", "forgot_heading",
                          400);
    }
    std::string_view key = registration_error_key(error);
    if (key.empty()) return ctx.pages.render_error(request, error);
    return reset_form(ctx, request, token, key, http::http_status(error.kind));
  }
  Response done = message_page(ctx, request, "reset_done_title", "reset_done_text", "/account/sign-in", "nav_sign_in");
  if (request.principal) done.set_cookie(session_cookie(request, "", 0));
  return done;
}

}  // namespace

void register_recovery_routes(http::Router& router, const WebContext& ctx) {
  router.get("/account/forgot", [&ctx](Request& request) { return forgot_form(ctx, request); });
  router.post(
      "/account/forgot", [&ctx](Request& request) { return forgot_submit(ctx, request); }, kAccountForm);
  router.get("/account/forgot/sent", [&ctx](Request& request) { return forgot_sent(ctx, request); });
  router.get("/account/reset", [&ctx](Request& request) { return reset_link(ctx, request); });
  router.post(
      "/account/reset", [&ctx](Request& request) { return reset_submit(ctx, request); }, kAccountForm);
}

}  // namespace guichet::identity
