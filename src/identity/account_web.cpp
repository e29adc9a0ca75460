// The signed-in person's account: password, address, sessions, their data and deletion.
#include <charconv>

#include "guichet/http/middleware.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/identity/account.hpp"
#include "guichet/identity/errors.hpp"
#include "guichet/identity/registration.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/identity/sessions.hpp"
#include "guichet/storage/errors.hpp"
#include "web_support.hpp"

namespace guichet::identity {
using http::PageData;
using http::Request;
using http::Response;
namespace {

// A browser's User-Agent as people name their devices: "Chrome on Android", "Safari on iPhone".
// Only the families people know; the raw string explains nothing to them. Order matters: Edge and
// Opera also say Chrome, Chrome also says Safari, Android also says Linux.
std::string device_name(const WebContext& ctx, const std::string& lang, std::string_view agent) {
  auto has = [&](std::string_view part) { return agent.find(part) != std::string_view::npos; };
  const char* browser = has("Edg/")                         ? "Edge"
                        : has("OPR/")                       ? "Opera"
                        : has("Firefox/")                   ? "Firefox"
                        : has("Chrome/")                    ? "Chrome"
                        : has("Safari/") && has("Version/") ? "Safari"
                                                            : nullptr;
  const char* system = has("Android")                        ? "Android"
                       : has("iPhone")                       ? "iPhone"
                       : has("iPad")                         ? "iPad"
                       : has("Windows")                      ? "Windows"
                       : has("CrOS")                         ? "ChromeOS"
                       : has("Mac OS X") || has("Macintosh") ? "macOS"
                       : has("Linux")                        ? "Linux"
                                                             : nullptr;
  if (browser == nullptr && system == nullptr) return ctx.catalog.text(lang, "account_device_unknown");
  if (browser == nullptr) return system;
  if (system == nullptr) return browser;
  return http::fill_text(ctx.catalog.text(lang, "account_device"), {{"browser", browser}, {"system", system}});
}

// A mistake in one of the account page's forms: the field it belongs to (its id, which is also the
// page data's `error_<field>`) and the message key.
struct Mistake {
  std::string_view field;
  std::string_view key;
};

Response account_page(const WebContext& ctx, const Request& request, std::string_view notice_key,
                      const Mistake& mistake, int status) {
  auto sessions = active_sessions(ctx.db, request.principal->user_id, ctx.clock, ctx.policy);
  if (!sessions) return ctx.pages.render_error(request, sessions.error());
  PageData list{PageData::type::list};
  for (const auto& s : *sessions) {
    PageData item;
    item.set("id", std::to_string(s.session_id));
    item.set("device", device_name(ctx, request.lang, s.user_agent));
    item.set("agent", s.user_agent);  // as the browser said it, folded away, for who asks
    item.set("address", s.remote_address);
    item.set("started", when(s.created_at));
    item.set("last_seen", when(s.last_seen_at));
    item.set("current", s.session_id == request.principal->session_id);
    list.push_back(item);
  }
  PageData page;
  page.set("email", request.principal->email);
  page.set("level", ctx.catalog.text(request.lang, level_key(request.principal->assurance_level)));
  page.set("sessions", list);
  page.set("session_level",
           ctx.catalog.text(request.lang, "session_" + std::string(level_key(request.principal->acr))));
  auto roles = roles_of(ctx.db, request.principal->user_id);
  if (!roles) return ctx.pages.render_error(request, roles.error());
  PageData work{PageData::type::list};
  for (const auto& [path, title] : staff_pages(*roles)) {
    PageData link;
    link.set("href", path);
    link.set("title", ctx.catalog.text(request.lang, title));
    work.push_back(link);
  }
  page.set("has_work", !work.is_empty_list());
  page.set("work", work);
  if (!notice_key.empty()) page.set("notice", ctx.catalog.text(request.lang, notice_key));
  http::FormErrors errors;
  if (!mistake.key.empty()) {
    errors.add(std::string(mistake.field), std::string(mistake.field), ctx.catalog.text(request.lang, mistake.key));
  }
  errors.show(page, ctx.catalog.text(request.lang, "form_error_prefix"),
              ctx.catalog.text(request.lang, "account_title"));
  Response response = ctx.pages.render(request, "account", "account_title", page, status);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

Response account_home(const WebContext& ctx, Request& request) {
  if (!request.principal) return redirect_to_sign_in();
  bool changed = request.query.get("changed").value_or("") == "password";
  return account_page(ctx, request, changed ? "account_password_changed" : "", {}, 200);
}

Response change_password_submit(const WebContext& ctx, Request& request) {
  if (!request.principal) return redirect_to_sign_in();
  std::string lang = request.lang;
  auto notice = [&ctx, lang](const std::string& to) {
    return jobs::EmailMessage{
        to,
        ctx.catalog.text(lang, "email_password_change_subject"),
        fill(ctx.catalog.text(lang, "email_password_change_body"), ctx.public_url + "/account/forgot"),
        {}};
  };
  auto changed =
      change_password(ctx.db, request.principal->user_id, request.principal->session_id,
                      request.form.get("current_password").value_or(""), request.form.get("new_password").value_or(""),
                      request.remote_address, notice, ctx.clock);
  if (!changed) {
    const Error& error = changed.error();
    if (error.code == Errc::wrong_password || error.code == Errc::sign_in_throttled) {
      return account_page(ctx, request, "", {"current_password", error.code.message_key()},
                          error.code == Errc::wrong_password ? 400 : http::http_status(error.kind));
    }
    std::string_view key = registration_error_key(error);
    if (key.empty()) return ctx.pages.render_error(request, error);
    return account_page(ctx, request, "", {"new_password", key}, http::http_status(error.kind));
  }
  return Response::redirect("/account?changed=password");
}

Response change_email_submit(const WebContext& ctx, Request& request) {
  if (!request.principal) return redirect_to_sign_in();
  const std::string new_email(request.form.get("new_email").value_or(""));
  if (auto refused = refused_by_limits(ctx, request,
                                       email_change_allowances(ctx.mail_limits, request.principal->user_id, new_email),
                                       [&](std::string_view key, int status) {
                                         return account_page(ctx, request, "", {"new_email", key}, status);
                                       })) {
    return std::move(*refused);
  }
  auto requested = request_email_change(ctx.db, request.principal->user_id, request.form.get("password").value_or(""),
                                        request.form.get("new_email").value_or(""), request.remote_address,
                                        ctx.public_url, email_change_mail_in(ctx, request.lang), ctx.clock);
  if (!requested) {
    const Error& error = requested.error();
    if (error.code == Errc::wrong_password || error.code == Errc::sign_in_throttled) {
      return account_page(ctx, request, "", {"email_password", error.code.message_key()},
                          error.code == Errc::wrong_password ? 400 : http::http_status(error.kind));
    }
    if (error.code == Errc::email_invalid || error.code == Errc::email_not_ascii || error.code == Errc::email_same) {
      return account_page(ctx, request, "", {"new_email", error.code.message_key()}, http::http_status(error.kind));
    }
    return ctx.pages.render_error(request, error);
  }
  return message_page(ctx, request, "email_change_sent_title", "email_change_sent_text", "/account", "twofa_back");
}

Response confirm_email_change(const WebContext& ctx, Request& request) {
  auto confirmed = confirm_email_change(ctx.db, request.query.get("token").value_or(""),
                                        email_change_mail_in(ctx, request.lang), ctx.clock);
  Response response = [&] {
    if (confirmed) {
      return message_page(ctx, request, "email_change_done_title", "email_change_done_text", "/account", "twofa_back");
    }
    if (confirmed.error().code == Errc::link_invalid) {
      return message_page(ctx, request, "verify_failed_title", "email_change_failed_text", "/account", "twofa_back",
                          400);
    }
    if (confirmed.error().kind == ErrorKind::conflict) {
      return message_page(ctx, request, "verify_failed_title", "email_change_taken_text", "/account", "twofa_back",
                          409);
    }
    return ctx.pages.render_error(request, confirmed.error());
  }();
  response.headers.set("Referrer-Policy", "no-referrer");  // the token is in this page's address
  return response;
}

Response download_account_data(const WebContext& ctx, Request& request) {
  if (!request.principal) return redirect_to_sign_in();
  auto data = export_personal_data(ctx.db, request.principal->user_id, ctx.clock, ctx.personal_data);
  if (!data) return ctx.pages.render_error(request, data.error());
  Response response = Response::json(std::move(data).value());
  response.headers.set("Content-Disposition", "attachment; filename=\"guichet-my-data.json\"");
  response.headers.set("Cache-Control", "no-store");
  return response;
}

Response delete_account_submit(const WebContext& ctx, Request& request) {
  if (!request.principal) return redirect_to_sign_in();
  auto deleted = delete_account(ctx.db, request.principal->user_id, request.form.get("password").value_or(""),
                                request.remote_address, ctx.clock);
  if (!deleted) {
    const Error& error = deleted.error();
    if (error.code == Errc::wrong_password || error.code == Errc::sign_in_throttled) {
      return account_page(ctx, request, "", {"delete_password", error.code.message_key()},
                          error.code == Errc::wrong_password ? 400 : http::http_status(error.kind));
    }
    return ctx.pages.render_error(request, error);
  }
  Response response = Response::redirect("/account/deleted");
  response.set_cookie(session_cookie(request, "", 0));
  return response;
}

Response account_deleted(const WebContext& ctx, Request& request) {
  return message_page(ctx, request, "account_deleted_title", "account_deleted_text", "/", "error_back_home");
}

Response end_other_session(const WebContext& ctx, Request& request) {
  if (!request.principal) return redirect_to_sign_in();
  std::string_view text = request.path_params.get("id").value_or("");
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
    return ctx.pages.render_error(request, make_error(Errc::no_such_session, "no such session"));
  }
  auto ended = end_session(ctx.db, request.principal->user_id, id, ctx.clock);
  if (!ended) return ctx.pages.render_error(request, ended.error());
  Response response = Response::redirect(id == request.principal->session_id ? "/" : "/account");
  if (id == request.principal->session_id) response.set_cookie(session_cookie(request, "", 0));
  return response;
}

}  // namespace

void register_account_routes(http::Router& router, const WebContext& ctx) {
  router.get("/account", [&ctx](Request& request) { return account_home(ctx, request); });
  router.post(
      "/account/password", [&ctx](Request& request) { return change_password_submit(ctx, request); }, kAccountForm);
  router.post(
      "/account/email", [&ctx](Request& request) { return change_email_submit(ctx, request); }, kAccountForm);
  router.get("/account/email/confirm", [&ctx](Request& request) { return confirm_email_change(ctx, request); });
  router.get("/account/data.json", [&ctx](Request& request) { return download_account_data(ctx, request); });
  router.post(
      "/account/delete", [&ctx](Request& request) { return delete_account_submit(ctx, request); }, kAccountForm);
  router.get("/account/deleted", [&ctx](Request& request) { return account_deleted(ctx, request); });
  router.post(
      "/account/sessions/{id}/end", [&ctx](Request& request) { return end_other_session(ctx, request); }, kAccountForm);
}

}  // namespace guichet::identity
