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

namespace {

std::string when(Instant instant) {
  std::string text = format_rfc3339(instant);  // 2026-11-23T12:09:52.123456Z
  return text.substr(0, 10) + " " + text.substr(11, 5) + " UTC";
}

std::string_view level_key(std::string_view level) {
  if (level == "high") return "level_high";
  if (level == "substantial") return "level_substantial";
  return "level_low";
}

Response sign_in_page(const WebContext& ctx, const Request& request, std::string_view email, std::string_view error_key,
                      int status) {
  PageData page;
  page.set("email", std::string(email));
  std::string return_path =
      http::safe_return_path(request.query.get("return").value_or(request.form.get("return").value_or("/account")));
  page.set("return", return_path);
  if (!error_key.empty()) page.set("error", ctx.catalog.text(request.lang, error_key));
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

Response register_page(const WebContext& ctx, const Request& request, std::string_view email,
                       std::string_view error_key, int status) {
  PageData page;
  page.set("email", std::string(email));
  if (!error_key.empty()) page.set("error", ctx.catalog.text(request.lang, error_key));
  return ctx.pages.render(request, "register", "register_title", page, status);
}

}  // namespace

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
          if (!info.pending_second_factor) {
            Authentication proved = authentication_of(info);
            request.principal = http::Principal{info.user.id,
                                                info.session_id,
                                                info.user.email,
                                                std::string(to_string(info.user.level)),
                                                std::string(to_string(proved.acr)),
                                                to_unix_micros(proved.auth_time),
                                                proved.amr};
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
  const WebContext& ctx = context;
  constexpr std::size_t kFormLimit = 8 * 1024;
  register_second_factor_routes(router, context);
  register_verification_routes(router, context);
  register_organisation_routes(router, context);
  register_admin_routes(router, context);

  router.get("/account/register", [&ctx](Request& request) {
    if (request.principal) return Response::redirect("/account");
    return register_page(ctx, request, "", "", 200);
  });

  router.post(
      "/account/register",
      [&ctx](Request& request) {
        std::string email(request.form.get("email").value_or(""));
        std::string password(request.form.get("password").value_or(""));
        auto registered =
            register_account(ctx.db, email, password, ctx.public_url, mail_in(ctx, request.lang), ctx.clock);
        if (!registered) {
          const Error& error = registered.error();
          // Two registrations racing for one address: answered like any registration.
          if (error.code == storage::Errc::unique_violation) return Response::redirect("/account/register/sent");
          std::string_view key = registration_error_key(error);
          if (key.empty()) return ctx.pages.render_error(request, error);
          return register_page(ctx, request, email, key, http::http_status(error.kind));
        }
        return Response::redirect("/account/register/sent");
      },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});

  router.get("/account/register/sent", [&ctx](Request& request) {
    return ctx.pages.render(request, "register_sent", "register_sent_title", PageData{});
  });

  router.get("/account/verify", [&ctx](Request& request) {
    auto verified = verify_email(ctx.db, request.query.get("token").value_or(""), ctx.clock);
    PageData page;
    page.set("verified", verified.ok());
    if (!verified && verified.error().code != Errc::link_invalid)
      return ctx.pages.render_error(request, verified.error());
    Response response = ctx.pages.render(request, "verified", verified ? "verify_done_title" : "verify_failed_title",
                                         page, verified ? 200 : 400);
    response.headers.set("Cache-Control", "no-store");
    response.headers.set("Referrer-Policy", "no-referrer");  // the token is in this page's address
    return response;
  });

  router.get("/account/forgot", [&ctx](Request& request) {
    PageData page;
    return ctx.pages.render(request, "forgot", "forgot_title", page);
  });

  router.post(
      "/account/forgot",
      [&ctx](Request& request) {
        std::string email(request.form.get("email").value_or(""));
        auto requested =
            request_password_reset(ctx.db, email, ctx.public_url, reset_mail_in(ctx, request.lang), ctx.clock);
        if (!requested) {
          if (requested.error().code != Errc::email_invalid) return ctx.pages.render_error(request, requested.error());
          PageData page;
          page.set("email", email);
          page.set("error", ctx.catalog.text(request.lang, "register_error_email"));
          return ctx.pages.render(request, "forgot", "forgot_title", page, 400);
        }
        return Response::redirect("/account/forgot/sent");
      },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});

  router.get("/account/forgot/sent", [&ctx](Request& request) {
    return message_page(ctx, request, "forgot_sent_title", "forgot_sent_text", "", "");
  });

  auto reset_form = [&ctx](const Request& request, std::string_view token, std::string_view error_key, int status) {
    PageData page;
    page.set("token", std::string(token));
    if (!error_key.empty()) page.set("error", ctx.catalog.text(request.lang, error_key));
    Response response = ctx.pages.render(request, "reset", "reset_title", page, status);
    response.headers.set("Cache-Control", "no-store");
    response.headers.set("Referrer-Policy", "no-referrer");  // the token is in this page's address
    return response;
  };

  router.get("/account/reset", [&ctx, reset_form](Request& request) {
    std::string token(request.query.get("token").value_or(""));
    auto usable = reset_link_usable(ctx.db, token, ctx.clock);
    if (!usable) return ctx.pages.render_error(request, usable.error());
    if (!*usable) {
      return message_page(ctx, request, "verify_failed_title", "reset_failed_text", "/account/forgot", "forgot_heading",
                          400);
    }
    return reset_form(request, token, "", 200);
  });

  router.post(
      "/account/reset",
      [&ctx, reset_form](Request& request) {
        std::string token(request.form.get("token").value_or(""));
        auto reset = reset_password(ctx.db, token, request.form.get("password").value_or(""),
                                    reset_mail_in(ctx, request.lang), ctx.clock);
        if (!reset) {
          const Error& error = reset.error();
          if (error.code == Errc::link_invalid) {
            return message_page(ctx, request, "verify_failed_title", "reset_failed_text", "/account/forgot",
                                "forgot_heading", 400);
          }
          std::string_view key = registration_error_key(error);
          if (key.empty()) return ctx.pages.render_error(request, error);
          return reset_form(request, token, key, http::http_status(error.kind));
        }
        Response done =
            message_page(ctx, request, "reset_done_title", "reset_done_text", "/account/sign-in", "nav_sign_in");
        if (request.principal) done.set_cookie(session_cookie(request, "", 0));
        return done;
      },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});

  router.get("/account/sign-in", [&ctx](Request& request) {
    // `fresh=1`: a relying party asked for a new sign-in (prompt=login, max_age), so the form is
    // shown even to someone signed in.
    if (request.principal && request.query.get("fresh").value_or("") != "1")
      return Response::redirect(http::safe_return_path(request.query.get("return").value_or("/account")));
    return sign_in_page(ctx, request, "", "", 200);
  });

  router.post(
      "/account/sign-in",
      [&ctx](Request& request) {
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
        auto signed_in =
            sign_in(ctx.db, email, password, user_agent, request.remote_address, ctx.clock, ctx.policy, notice);
        if (!signed_in) {
          const Error& error = signed_in.error();
          if (error.code == Errc::bad_credentials || error.code == Errc::email_unverified ||
              error.code == Errc::sign_in_throttled) {
            return sign_in_page(ctx, request, email, error.code.message_key(), http::http_status(error.kind));
          }
          return ctx.pages.render_error(request, error);
        }
        // Signing in again (a relying party asked for a fresh sign-in) replaces the old session.
        if (request.principal) {
          auto ended = end_session(ctx.db, request.principal->user_id, request.principal->session_id, ctx.clock);
          if (!ended && ended.error().kind != ErrorKind::not_found)
            return ctx.pages.render_error(request, ended.error());
        }
        std::string return_path = http::safe_return_path(request.form.get("return").value_or("/account"));
        Response response = Response::redirect(signed_in->session.pending_second_factor
                                                   ? "/account/sign-in/code?return=" + http::url_encode(return_path)
                                                   : return_path);
        response.set_cookie(session_cookie(
            request, signed_in->token, std::chrono::duration_cast<std::chrono::seconds>(ctx.policy.absolute).count()));
        return response;
      },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});

  router.post(
      "/account/sign-out",
      [&ctx](Request& request) {
        Response response = Response::redirect("/");
        if (request.principal) {
          auto ended = end_session(ctx.db, request.principal->user_id, request.principal->session_id, ctx.clock);
          if (!ended && ended.error().kind != ErrorKind::not_found)
            return ctx.pages.render_error(request, ended.error());
        }
        response.set_cookie(session_cookie(request, "", 0));
        return response;
      },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});

  // The account page, optionally with a notice (something done) or an error (a form to redo).
  auto account_page = [&ctx](const Request& request, std::string_view notice_key, std::string_view error_key,
                             int status) {
    auto sessions = active_sessions(ctx.db, request.principal->user_id, ctx.clock, ctx.policy);
    if (!sessions) return ctx.pages.render_error(request, sessions.error());
    PageData list{PageData::type::list};
    for (const auto& s : *sessions) {
      PageData item;
      item.set("id", std::to_string(s.session_id));
      item.set("device", s.user_agent.empty() ? std::string("—") : s.user_agent);
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
    page.set("session_level", ctx.catalog.text(request.lang, level_key(request.principal->acr)));
    if (!notice_key.empty()) page.set("notice", ctx.catalog.text(request.lang, notice_key));
    if (!error_key.empty()) page.set("error", ctx.catalog.text(request.lang, error_key));
    Response response = ctx.pages.render(request, "account", "account_title", page, status);
    response.headers.set("Cache-Control", "no-store");
    return response;
  };

  router.get("/account", [account_page](Request& request) {
    if (!request.principal) return redirect_to_sign_in();
    bool changed = request.query.get("changed").value_or("") == "password";
    return account_page(request, changed ? "account_password_changed" : "", "", 200);
  });

  router.post(
      "/account/password",
      [&ctx, account_page](Request& request) {
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
                            request.form.get("current_password").value_or(""),
                            request.form.get("new_password").value_or(""), request.remote_address, notice, ctx.clock);
        if (!changed) {
          const Error& error = changed.error();
          if (error.code == Errc::wrong_password) return account_page(request, "", error.code.message_key(), 400);
          if (error.code == Errc::sign_in_throttled) {
            return account_page(request, "", error.code.message_key(), http::http_status(error.kind));
          }
          std::string_view key = registration_error_key(error);
          if (key.empty()) return ctx.pages.render_error(request, error);
          return account_page(request, "", key, http::http_status(error.kind));
        }
        return Response::redirect("/account?changed=password");
      },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});

  router.post(
      "/account/email",
      [&ctx, account_page](Request& request) {
        if (!request.principal) return redirect_to_sign_in();
        auto requested =
            request_email_change(ctx.db, request.principal->user_id, request.form.get("password").value_or(""),
                                 request.form.get("new_email").value_or(""), request.remote_address, ctx.public_url,
                                 email_change_mail_in(ctx, request.lang), ctx.clock);
        if (!requested) {
          const Error& error = requested.error();
          if (error.code == Errc::wrong_password) return account_page(request, "", error.code.message_key(), 400);
          if (error.code == Errc::sign_in_throttled) {
            return account_page(request, "", error.code.message_key(), http::http_status(error.kind));
          }
          if (error.code == Errc::email_invalid || error.code == Errc::email_same) {
            return account_page(request, "", error.code.message_key(), http::http_status(error.kind));
          }
          return ctx.pages.render_error(request, error);
        }
        return message_page(ctx, request, "email_change_sent_title", "email_change_sent_text", "/account",
                            "twofa_back");
      },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});

  router.get("/account/email/confirm", [&ctx](Request& request) {
    auto confirmed = confirm_email_change(ctx.db, request.query.get("token").value_or(""),
                                          email_change_mail_in(ctx, request.lang), ctx.clock);
    Response response = [&] {
      if (confirmed) {
        return message_page(ctx, request, "email_change_done_title", "email_change_done_text", "/account",
                            "twofa_back");
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
  });

  router.get("/account/data.json", [&ctx](Request& request) {
    if (!request.principal) return redirect_to_sign_in();
    auto data = export_personal_data(ctx.db, request.principal->user_id, ctx.clock);
    if (!data) return ctx.pages.render_error(request, data.error());
    Response response = Response::json(std::move(data).value());
    response.headers.set("Content-Disposition", "attachment; filename=\"guichet-my-data.json\"");
    response.headers.set("Cache-Control", "no-store");
    return response;
  });

  router.post(
      "/account/delete",
      [&ctx, account_page](Request& request) {
        if (!request.principal) return redirect_to_sign_in();
        auto deleted = delete_account(ctx.db, request.principal->user_id, request.form.get("password").value_or(""),
                                      request.remote_address, ctx.clock);
        if (!deleted) {
          const Error& error = deleted.error();
          if (error.code == Errc::wrong_password) return account_page(request, "", error.code.message_key(), 400);
          if (error.code == Errc::sign_in_throttled) {
            return account_page(request, "", error.code.message_key(), http::http_status(error.kind));
          }
          return ctx.pages.render_error(request, error);
        }
        Response response = Response::redirect("/account/deleted");
        response.set_cookie(session_cookie(request, "", 0));
        return response;
      },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});

  router.get("/account/deleted", [&ctx](Request& request) {
    return message_page(ctx, request, "account_deleted_title", "account_deleted_text", "/", "error_back_home");
  });

  router.post(
      "/account/sessions/{id}/end",
      [&ctx](Request& request) {
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
      },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});
}

}  // namespace guichet::identity
