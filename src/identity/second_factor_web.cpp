// Second-factor pages: the code asked after the password (or later, when a relying party asks
// for a higher level), enrolment with a QR code, recovery codes, and turning the factor off.
#include <optional>

#include "guichet/http/parsing.hpp"
#include "guichet/identity/errors.hpp"
#include "guichet/identity/second_factor.hpp"
#include "guichet/identity/staff.hpp"
#include "web_support.hpp"

namespace guichet::identity {
using http::PageData;
using http::Request;
using http::Response;

namespace {

constexpr std::size_t kFormLimit = 8 * 1024;
constexpr std::string_view kIssuer = "Guichet";

// The session behind the cookie, pending or not: the code page serves both.
Result<std::optional<SessionInfo>> cookie_session(const WebContext& ctx, const Request& request) {
  auto token = request.cookies.get(session_cookie_name(request.secure));
  if (!token) return std::optional<SessionInfo>();
  return resolve_session(ctx.db, *token, ctx.clock, ctx.policy);
}

std::string return_path_of(const Request& request) {
  return http::safe_return_path(request.query.get("return").value_or(request.form.get("return").value_or("/account")));
}

Response code_page(const WebContext& ctx, const Request& request, std::string_view error_key, int status) {
  PageData page;
  page.set("return", return_path_of(request));
  http::FormErrors errors;  // the one field: the code
  if (!error_key.empty()) errors.add("code", "code", ctx.catalog.text(request.lang, error_key));
  errors.show(page, ctx.catalog.text(request.lang, "form_error_prefix"), ctx.catalog.text(request.lang, "code_title"));
  Response response = ctx.pages.render(request, "sign_in_code", "code_title", page, status);
  response.headers.set("Cache-Control", "no-store");
  allow_form_targets(ctx, response, return_path_of(request));
  return response;
}

Response codes_page(const WebContext& ctx, const Request& request, const std::vector<std::string>& codes,
                    std::string_view notice_key) {
  PageData list{PageData::type::list};
  for (const auto& code : codes) list.push_back(PageData(code));
  PageData page;
  page.set("codes", list);
  page.set("notice", ctx.catalog.text(request.lang, notice_key));
  page.set("return", return_path_of(request));
  Response response = ctx.pages.render(request, "recovery_codes", "recovery_title", page, 200);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

Response second_factor_page(const WebContext& ctx, const Request& request, std::string_view error_key, int status) {
  const http::Principal& who = *request.principal;
  PageData page;
  auto enabled = has_second_factor(ctx.db, who.user_id);
  if (!enabled) return ctx.pages.render_error(request, enabled.error());
  // The page has one form at a time that can go wrong: turning it off (the password) once it is
  // on, confirming it (the code) before.
  http::FormErrors errors;
  if (!error_key.empty()) {
    const char* field = *enabled ? "disable_password" : "code";
    errors.add(field, field, ctx.catalog.text(request.lang, error_key));
  }
  errors.show(page, ctx.catalog.text(request.lang, "form_error_prefix"), ctx.catalog.text(request.lang, "twofa_title"));
  if (*enabled) {
    auto unused = unused_recovery_codes(ctx.db, who.user_id);
    if (!unused) return ctx.pages.render_error(request, unused.error());
    page.set("enabled", true);
    page.set("codes_left",
             http::fill_text(ctx.catalog.text(request.lang, "twofa_codes_left"), {{"count", std::to_string(*unused)}}));
  } else {
    auto pending = pending_totp_enrolment(ctx.db, who.user_id, who.email, kIssuer, ctx.secrets);
    if (!pending) return ctx.pages.render_error(request, pending.error());
    std::optional<TotpEnrolment> enrolment = std::move(pending).value();
    if (!enrolment) {
      auto started = begin_totp_enrolment(ctx.db, who.user_id, who.email, kIssuer, ctx.clock, ctx.secrets);
      if (!started) return ctx.pages.render_error(request, started.error());
      enrolment = std::move(started).value();
    }
    // The secret in groups of four, easier to type into an app by hand.
    std::string grouped;
    for (std::size_t i = 0; i < enrolment->secret.size(); i += 4) {
      if (i > 0) grouped += ' ';
      grouped += enrolment->secret.substr(i, 4);
    }
    page.set("secret", grouped);
    page.set("qr_svg", enrolment->qr_svg);
    page.set("return", return_path_of(request));
  }
  Response response = ctx.pages.render(request, "second_factor", "twofa_title", page, status);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

// On the code pages a throttled attempt has its own text (it names the code, not the password).
std::string_view code_error_key(const Error& error) {
  if (error.code == Errc::wrong_code) return error.code.message_key();
  if (error.code == Errc::sign_in_throttled) return "code_error_throttled";
  return "";
}

}  // namespace

jobs::EmailMessage security_notice(const WebContext& ctx, const std::string& lang, const std::string& to,
                                   std::string_view body_key) {
  return jobs::EmailMessage{to,
                            ctx.catalog.text(lang, "email_security_subject"),
                            fill(ctx.catalog.text(lang, body_key), ctx.public_url + "/account"),
                            {}};
}

std::variant<std::vector<RoleGrant>, Response> require_staff(
    storage::Database& db, const http::PageRenderer& pages, const Request& request, std::string_view return_path,
    const std::function<bool(const std::vector<RoleGrant>&)>& allowed, std::string_view refusal) {
  const std::string back = http::url_encode(return_path);
  if (!request.principal) return Response::redirect("/account/sign-in?return=" + back, 303);
  auto roles = roles_of(db, request.principal->user_id);
  if (!roles) return pages.render_error(request, roles.error());
  if (!allowed(*roles)) {
    return pages.render_error(request, make_error(Errc::forbidden, std::string(refusal)));
  }
  if (request.principal->acr == "low") {
    // Prove the second factor, or set one up first: sending someone without one to the code page
    // would send them straight back here.
    auto enrolled = has_second_factor(db, request.principal->user_id);
    if (!enrolled) return pages.render_error(request, enrolled.error());
    return Response::redirect((*enrolled ? "/account/sign-in/code?return=" : "/account/second-factor?return=") + back,
                              303);
  }
  return std::move(roles).value();
}

std::variant<std::vector<RoleGrant>, Response> require_staff(
    const WebContext& ctx, const Request& request, std::string_view return_path,
    const std::function<bool(const std::vector<RoleGrant>&)>& allowed, std::string_view refusal) {
  return require_staff(ctx.db, ctx.pages, request, return_path, allowed, refusal);
}

namespace {

Response code_form(const WebContext& ctx, Request& request) {
  auto session = cookie_session(ctx, request);
  if (!session) return ctx.pages.render_error(request, session.error());
  if (!*session) return Response::redirect("/account/sign-in?return=" + http::url_encode(return_path_of(request)));
  if (!(*session)->pending_second_factor) {
    auto enabled = has_second_factor(ctx.db, (*session)->user.id);
    if (!enabled) return ctx.pages.render_error(request, enabled.error());
    // Nothing to prove, or already proved: go on.
    if (!*enabled || (*session)->second_factor_at) return Response::redirect(return_path_of(request));
  }
  return code_page(ctx, request, "", 200);
}

Response code_submit(const WebContext& ctx, Request& request) {
  auto session = cookie_session(ctx, request);
  if (!session) return ctx.pages.render_error(request, session.error());
  if (!*session) {
    return Response::redirect("/account/sign-in?return=" + http::url_encode(return_path_of(request)));
  }
  std::string lang = request.lang;
  auto notice = [&ctx, lang](const std::string& to) {
    return security_notice(ctx, lang, to, "email_recovery_used_body");
  };
  auto proved =
      prove_second_factor(ctx.db, (*session)->user.id, (*session)->session_id, request.form.get("code").value_or(""),
                          request.remote_address, notice, ctx.clock, ctx.secrets);
  if (!proved) {
    std::string_view key = code_error_key(proved.error());
    if (key.empty()) return ctx.pages.render_error(request, proved.error());
    return code_page(ctx, request, key, http::http_status(proved.error().kind));
  }
  return Response::redirect(return_path_of(request));
}

Response second_factor_home(const WebContext& ctx, Request& request) {
  if (!request.principal) return redirect_to_sign_in();
  return second_factor_page(ctx, request, "", 200);
}

Response confirm_enrolment_submit(const WebContext& ctx, Request& request) {
  if (!request.principal) return redirect_to_sign_in();
  std::string lang = request.lang;
  auto notice = [&ctx, lang](const std::string& to) {
    return security_notice(ctx, lang, to, "email_2fa_enabled_body");
  };
  auto codes = confirm_totp_enrolment(ctx.db, request.principal->user_id, request.principal->session_id,
                                      request.form.get("code").value_or(""), request.remote_address, notice, ctx.clock,
                                      ctx.secrets);
  if (!codes) {
    if (codes.error().code == Errc::second_factor_exists || codes.error().code == Errc::no_enrolment) {
      return Response::redirect("/account/second-factor");
    }
    std::string_view key = code_error_key(codes.error());
    if (key.empty()) return ctx.pages.render_error(request, codes.error());
    return second_factor_page(ctx, request, key, codes.error().kind == ErrorKind::rate_limited ? 429 : 400);
  }
  Response response = codes_page(ctx, request, *codes, "twofa_enabled");
  return response;
}

Response new_recovery_codes_submit(const WebContext& ctx, Request& request) {
  if (!request.principal) return redirect_to_sign_in();
  // New codes are a second factor in themselves: only a session that proved one gets them.
  if (request.principal->acr == "low") {
    return Response::redirect("/account/sign-in/code?return=%2Faccount%2Fsecond-factor");
  }
  std::string lang = request.lang;
  auto notice = [&ctx, lang](const std::string& to) {
    return security_notice(ctx, lang, to, "email_recovery_replaced_body");
  };
  auto codes = regenerate_recovery_codes(ctx.db, request.principal->user_id, notice, ctx.clock);
  if (!codes) return ctx.pages.render_error(request, codes.error());
  return codes_page(ctx, request, *codes, "recovery_replaced");
}

Response disable_second_factor_submit(const WebContext& ctx, Request& request) {
  if (!request.principal) return redirect_to_sign_in();
  std::string lang = request.lang;
  auto notice = [&ctx, lang](const std::string& to) {
    return security_notice(ctx, lang, to, "email_2fa_disabled_body");
  };
  auto disabled = disable_second_factor(ctx.db, request.principal->user_id, request.form.get("password").value_or(""),
                                        request.remote_address, notice, ctx.clock);
  if (!disabled) {
    const Error& error = disabled.error();
    if (error.code == Errc::wrong_password)
      return second_factor_page(ctx, request, "account_error_wrong_password", 400);
    if (error.code == Errc::sign_in_throttled)
      return second_factor_page(ctx, request, error.code.message_key(), http::http_status(error.kind));
    if (error.code == Errc::no_second_factor) return Response::redirect("/account/second-factor");
    return ctx.pages.render_error(request, error);
  }
  return message_page(ctx, request, "twofa_disabled_title", "twofa_disabled_text", "/account", "account_heading");
}

}  // namespace

void register_second_factor_routes(http::Router& router, const WebContext& context) {
  const WebContext& ctx = context;

  router.get("/account/sign-in/code", [&ctx](Request& request) { return code_form(ctx, request); });

  router.post(
      "/account/sign-in/code", [&ctx](Request& request) { return code_submit(ctx, request); },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});

  router.get("/account/second-factor", [&ctx](Request& request) { return second_factor_home(ctx, request); });

  router.post(
      "/account/second-factor/confirm", [&ctx](Request& request) { return confirm_enrolment_submit(ctx, request); },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});

  router.post(
      "/account/second-factor/recovery-codes",
      [&ctx](Request& request) { return new_recovery_codes_submit(ctx, request); },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});

  router.post(
      "/account/second-factor/disable", [&ctx](Request& request) { return disable_second_factor_submit(ctx, request); },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});
}

}  // namespace guichet::identity
