// The identity verifier's page: find a person by e-mail address, check their document in person,
// record it. Only identity verifiers (and platform administrators) reach it, and only from a
// session that proved a second factor.
#include "guichet/identity/errors.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/identity/verification.hpp"
#include "web_support.hpp"

namespace guichet::identity {
using http::PageData;
using http::Request;
using http::Response;

namespace {

constexpr std::size_t kFormLimit = 8 * 1024;

// A page for verifiers only: the response to send when `request` may not see it.
std::optional<Response> refuse_unless_verifier(const WebContext& ctx, const Request& request) {
  auto staff = require_staff(
      ctx, request, "/agent/identity",
      [](const std::vector<RoleGrant>& roles) {
        return std::any_of(roles.begin(), roles.end(), [](const RoleGrant& grant) {
          return grant.role == Role::identity_verifier || grant.role == Role::platform_admin;
        });
      },
      "this page is for identity verifiers");
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  return std::nullopt;
}

Response verification_page(const WebContext& ctx, const Request& request, const IdentityCheck& typed,
                           std::string_view email, std::string_view error_field, std::string_view error_key,
                           int status) {
  PageData page;
  page.set("email", std::string(email));
  if (!email.empty()) {
    auto user = find_user_by_email(ctx.db, email);
    if (!user) return ctx.pages.render_error(request, user.error());
    if (!*user) {
      page.set("not_found", true);
    } else {
      page.set("person", true);
      page.set("person_email", (*user)->email);
      page.set("person_level", ctx.catalog.text(request.lang, "level_" + std::string(to_string((*user)->level))));
      page.set("self", (*user)->id == request.principal->user_id);
    }
  }
  for (const auto& [name, value] : {std::pair{"document_type", typed.document_type},
                                    {"document_country", typed.document_country},
                                    {"given_name", typed.given_name},
                                    {"family_name", typed.family_name},
                                    {"birthdate", typed.birthdate},
                                    {"birthplace", typed.birthplace},
                                    {"place", typed.place},
                                    {"national_id", typed.national_id}}) {
    page.set(std::string("v_") + name, value);
  }
  page.set("type_" + (typed.document_type.empty() ? std::string("identity_card") : typed.document_type), true);
  page.set("gender_" + (typed.gender.empty() ? std::string("unset") : typed.gender), true);
  if (!error_key.empty()) {
    page.set("error", ctx.catalog.text(request.lang, error_key));
    page.set("err_" + std::string(error_field), true);
  }
  Response response = ctx.pages.render(request, "agent_identity", "verify_identity_title", page, status);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

}  // namespace

namespace {

Response identity_check_form(const WebContext& ctx, Request& request) {
  if (auto refused = refuse_unless_verifier(ctx, request)) return std::move(*refused);
  return verification_page(ctx, request, IdentityCheck{}, request.query.get("email").value_or(""), "", "", 200);
}

Response identity_check_submit(const WebContext& ctx, Request& request) {
  if (auto refused = refuse_unless_verifier(ctx, request)) return std::move(*refused);
  auto field = [&](const char* name) { return std::string(request.form.get(name).value_or("")); };
  IdentityCheck check{field("document_type"), field("document_country"), field("document_number"), field("given_name"),
                      field("family_name"),   field("birthdate"),        field("birthplace"),      field("gender"),
                      field("place"),         field("national_id")};
  for (auto& ch : check.document_country) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const std::string email = field("email");
  auto user = find_user_by_email(ctx.db, email);
  if (!user) return ctx.pages.render_error(request, user.error());
  if (!*user) return verification_page(ctx, request, check, email, "email", "verify_error_not_found", 404);
  if (field("confirm") != "yes") {
    return verification_page(ctx, request, check, email, "confirm", "verify_error_confirm", 400);
  }
  std::string lang = request.lang;
  auto notice = [&ctx, lang](const std::string& to) {
    return security_notice(ctx, lang, to, "email_identity_verified_body");
  };
  auto recorded = record_identity_check(ctx.db, request.principal->user_id, (*user)->id, check, notice, ctx.clock);
  if (!recorded) {
    const Error& error = recorded.error();
    if (error.code == Errc::identity_field_invalid) {
      return verification_page(ctx, request, check, email, error.field, "verify_error_" + error.field, 400);
    }
    if (error.code == Errc::national_id_taken) {
      return verification_page(ctx, request, check, email, "national_id", "verify_error_national_id_taken", 409);
    }
    if (error.code == Errc::self_verification) {
      return verification_page(ctx, request, check, email, "email", "verify_error_self", 403);
    }
    return ctx.pages.render_error(request, error);
  }
  return message_page(ctx, request, "verify_identity_done_title", "verify_identity_done_text", "/agent/identity",
                      "verify_identity_next");
}

}  // namespace

void register_verification_routes(http::Router& router, const WebContext& context) {
  const WebContext& ctx = context;
  router.get("/agent/identity", [&ctx](Request& request) { return identity_check_form(ctx, request); });

  router.post(
      "/agent/identity", [&ctx](Request& request) { return identity_check_submit(ctx, request); },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});
}

}  // namespace guichet::identity
