#include "guichet/identity/web.hpp"

#include <charconv>

#include "guichet/http/middleware.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/identity/account.hpp"
#include "guichet/identity/errors.hpp"
#include "guichet/identity/organisations.hpp"
#include "guichet/identity/registration.hpp"
#include "guichet/storage/errors.hpp"
#include "web_support.hpp"

namespace guichet::identity {
using http::Cookie;
using http::PageData;
using http::Request;
using http::Response;

std::string_view session_cookie_name(bool secure) { return secure ? "__Host-guichet_session" : "guichet_session"; }

Cookie session_cookie(const Request& request, std::string value, std::int64_t max_age) {
  return Cookie{
      std::string(session_cookie_name(request.secure)), std::move(value), "/", max_age, true, request.secure, "Lax"};
}

Response redirect_to_sign_in() { return Response::redirect("/account/sign-in?return=%2Faccount", 303); }

std::string fill(const std::string& text, std::string_view link) {
  return http::fill_text(text, {{"link", std::string(link)}});
}

// A short page with a heading, a sentence and one link, in the request's language.
Response message_page(const WebContext& ctx, const Request& request, std::string_view title_key,
                      std::string_view text_key, std::string_view link, std::string_view link_key, int status) {
  PageData page;
  page.set("heading", ctx.catalog.text(request.lang, title_key));
  page.set("text", ctx.catalog.text(request.lang, text_key));
  if (!link.empty()) {
    page.set("link", std::string(link));
    page.set("link_text", ctx.catalog.text(request.lang, link_key));
  }
  Response response = ctx.pages.render(request, "message", title_key, page, status);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

void allow_form_targets(const WebContext& ctx, http::Response& response, std::string_view return_path) {
  if (!ctx.form_targets) return;
  std::string targets = ctx.form_targets(return_path);
  if (!targets.empty()) response.headers.set("Content-Security-Policy", http::content_security_policy(targets));
}

std::string when(Instant instant) {
  std::string text = format_rfc3339(instant);  // 2026-11-23T12:09:52.123456Z
  return text.substr(0, 10) + " " + text.substr(11, 5) + " UTC";
}

std::string_view level_key(std::string_view level) {
  if (level == "high") return "level_high";
  if (level == "substantial") return "level_substantial";
  return "level_low";
}

namespace {
// The sign-in and registration forms' refusals in the GOV.UK error pattern: each next to the
// field it is about (a password's to the password, the rest to the address), a missing field each
// its own message, all in the summary.
void show_form_errors(const WebContext& ctx, const Request& request, PageData& page, std::string_view error_key,
                      std::string_view title_key) {
  http::FormErrors errors;
  auto t = [&](std::string_view key) { return ctx.catalog.text(request.lang, key); };
  if (error_key == "signin_error_missing") {
    if (request.form.get("email").value_or("").empty()) errors.add("email", "email", t("signin_error_email_missing"));
    if (request.form.get("password").value_or("").empty()) {
      errors.add("password", "password", t("signin_error_password_missing"));
    }
  } else if (!error_key.empty()) {
    const bool about_password = error_key.find("password") != std::string_view::npos;
    errors.add(about_password ? "password" : "email", about_password ? "password" : "email", t(error_key));
  }
  errors.show(page, t("form_error_prefix"), t(title_key));
}
}  // namespace

Response sign_in_page(const WebContext& ctx, const Request& request, std::string_view email, std::string_view error_key,
                      int status) {
  PageData page;
  page.set("email", std::string(email));
  std::string return_path =
      http::safe_return_path(request.query.get("return").value_or(request.form.get("return").value_or("/account")));
  page.set("return", return_path);
  // "Create an account" keeps where the person was going (a booking being confirmed).
  page.set("register_link", return_path == "/account" ? std::string("/account/register")
                                                      : "/account/register?return=" + http::url_encode(return_path));
  show_form_errors(ctx, request, page, error_key, "signin_title");
  Response response = ctx.pages.render(request, "sign_in", "signin_title", page, status);
  allow_form_targets(ctx, response, return_path);
  return response;
}

RegistrationMail mail_in(const WebContext& ctx, const std::string& lang) {
  return RegistrationMail{[&ctx, lang](const std::string& to, const std::string& link) {
                            return jobs::EmailMessage{to,
                                                      ctx.catalog.text(lang, "email_verify_subject"),
                                                      fill(ctx.catalog.text(lang, "email_verify_body"), link),
                                                      {}};
                          },
                          [&ctx, lang](const std::string& to, const std::string& link) {
                            return jobs::EmailMessage{to,
                                                      ctx.catalog.text(lang, "email_exists_subject"),
                                                      fill(ctx.catalog.text(lang, "email_exists_body"), link),
                                                      {}};
                          }};
}

EmailChangeMail email_change_mail_in(const WebContext& ctx, const std::string& lang) {
  return EmailChangeMail{
      [&ctx, lang](const std::string& to, const std::string& link) {
        return jobs::EmailMessage{to,
                                  ctx.catalog.text(lang, "email_change_confirm_subject"),
                                  fill(ctx.catalog.text(lang, "email_change_confirm_body"), link),
                                  {}};
      },
      [&ctx, lang](const std::string& to, const std::string& link) {
        return jobs::EmailMessage{to,
                                  ctx.catalog.text(lang, "email_exists_subject"),
                                  fill(ctx.catalog.text(lang, "email_exists_body"), link),
                                  {}};
      },
      [&ctx, lang](const std::string& to) { return security_notice(ctx, lang, to, "email_change_requested_body"); },
      [&ctx, lang](const std::string& to, const std::string& new_address) {
        jobs::EmailMessage message = security_notice(ctx, lang, to, "email_change_done_body");
        message.text = http::fill_text(message.text, {{"address", new_address}});
        return message;
      }};
}

ResetMail reset_mail_in(const WebContext& ctx, const std::string& lang) {
  return ResetMail{[&ctx, lang](const std::string& to, const std::string& link) {
                     return jobs::EmailMessage{to,
                                               ctx.catalog.text(lang, "email_reset_subject"),
                                               fill(ctx.catalog.text(lang, "email_reset_body"), link),
                                               {}};
                   },
                   [&ctx, lang](const std::string& to) {
                     return jobs::EmailMessage{to,
                                               ctx.catalog.text(lang, "email_password_changed_subject"),
                                               fill(ctx.catalog.text(lang, "email_password_changed_body"),
                                                    ctx.public_url + "/account/forgot"),
                                               {}};
                   }};
}

// The text a form shows next to what was typed, from the code's message key (errors.def); empty when
// the refusal is not about the input and gets the error page instead.
std::string_view registration_error_key(const Error& error) {
  return error.kind == ErrorKind::invalid_input ? error.code.message_key() : std::string_view();
}

std::string registration_return(const Request& request) {
  auto given = request.query.get("return");
  if (!given) given = request.form.get("return");
  if (!given || given->empty()) return {};
  const std::string path = http::safe_return_path(*given);
  return path == "/account" ? std::string() : path;
}

Response register_page(const WebContext& ctx, const Request& request, std::string_view email,
                       std::string_view error_key, int status) {
  PageData page;
  page.set("email", std::string(email));
  const std::string return_path = registration_return(request);
  if (!return_path.empty()) {
    page.set("return", return_path);
    page.set("sign_in_link", "/account/sign-in?return=" + http::url_encode(return_path));
  } else {
    page.set("sign_in_link", std::string("/account/sign-in"));
  }
  show_form_errors(ctx, request, page, error_key, "register_title");
  return ctx.pages.render(request, "register", "register_title", page, status);
}

std::optional<Response> refused_by_limits(const WebContext& ctx, const Request& request,
                                          const std::vector<Allowance>& allowances,
                                          const std::function<Response(std::string_view error_key, int status)>& page) {
  auto wait = take_allowances(ctx.db, allowances, ctx.clock);
  if (!wait) return ctx.pages.render_error(request, wait.error());
  if (!*wait) return std::nullopt;
  Response response = page("limited_too_often", 429);
  response.headers.set("Retry-After", std::to_string((*wait)->count()));
  return response;
}

http::Middleware session_middleware(const WebContext& context) {
  return [&context](const http::Route& route, http::Handler next) -> http::Handler {
    if (route.options.kind != http::RouteKind::page) return next;
    return [&context, next = std::move(next)](Request& request) {
      if (request.on_network_thread) return next(request);  // never a database call there
      auto token = request.cookies.get(session_cookie_name(request.secure));
      bool stale = false;
      if (token) {
        auto session = resolve_session(context.db, *token, context.clock, context.policy);
        if (session && session->has_value()) {
          const SessionInfo& info = **session;
          request.csrf_binding = std::string(*token);  // pending a second factor too: its form is bound
          if (!info.pending_second_factor) {
            Authentication proved = authentication_of(info);
            http::Principal principal;
            principal.user_id = info.user.id;
            principal.session_id = info.session_id;
            principal.email = info.user.email;
            principal.assurance_level = std::string(to_string(info.user.level));
            principal.acr = std::string(to_string(proved.acr));
            principal.auth_time_us = to_unix_micros(proved.auth_time);
            principal.amr = proved.amr;
            if (info.has_roles) {
              // Staff only (few, and one query more): the links of the header's staff navigation.
              if (auto roles = roles_of(context.db, info.user.id)) principal.staff_links = staff_pages(*roles);
            }
            request.principal = std::move(principal);
            if (info.acting_for) {
              auto acting = acting_for(context.db, info.session_id);
              if (acting && *acting) {
                request.principal->organisation_id = (*acting)->organisation.id;
                request.principal->organisation_name = (*acting)->organisation.name;
                request.principal->organisation_role = std::string(to_string((*acting)->role));
              }
            }
          }
        } else {
          stale = session.ok();  // unknown or expired: forget it; a database error keeps it
        }
      }
      Response response = next(request);
      if (stale) response.set_cookie(session_cookie(request, "", 0));
      return response;
    };
  };
}

void register_routes(http::Router& router, const WebContext& context) {
  register_registration_routes(router, context);
  register_recovery_routes(router, context);
  register_sign_in_routes(router, context);
  register_account_routes(router, context);
  register_second_factor_routes(router, context);
  register_verification_routes(router, context);
  register_organisation_routes(router, context);
  register_admin_routes(router, context);
}

}  // namespace guichet::identity
