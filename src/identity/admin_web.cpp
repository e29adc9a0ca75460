// Administrators' page for roles: a platform administrator grants and revokes any role; an
// administration administrator manages the agents and administrators of their own administration.
// Only from a session that proved a second factor.
#include <charconv>

#include "guichet/identity/errors.hpp"
#include "guichet/identity/roles.hpp"
#include "web_support.hpp"

namespace guichet::identity {
using http::PageData;
using http::Request;
using http::Response;

namespace {

constexpr std::size_t kFormLimit = 8 * 1024;

struct Administrator {
  std::vector<RoleGrant> roles;
};

// The administrator's roles, or the response to send to anyone else.
std::variant<Administrator, Response> administrator(const WebContext& ctx, const Request& request) {
  auto staff = require_staff(
      ctx, request, "/admin/roles",
      [](const std::vector<RoleGrant>& roles) {
        return std::any_of(roles.begin(), roles.end(), [](const RoleGrant& g) {
          return g.role == Role::platform_admin || g.role == Role::administration_admin;
        });
      },
      "this page is for administrators");
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  return Administrator{std::get<std::vector<RoleGrant>>(std::move(staff))};
}

// `field`: the id of the grant form's field a mistake belongs to (grant-email, grant-role,
// grant-administration); without one the mistake is about the page (revoking oneself).
Response roles_page(const WebContext& ctx, const Request& request, const Administrator& admin,
                    std::string_view notice_key, std::string_view error_key, int status, std::string_view field = {}) {
  auto assignments = list_role_assignments(ctx.db);
  if (!assignments) return ctx.pages.render_error(request, assignments.error());
  PageData list{PageData::type::list};
  for (const auto& a : *assignments) {
    if (!may_manage(admin.roles, a.grant)) continue;  // only what this administrator may change
    PageData item;
    item.set("id", std::to_string(a.id));
    item.set("email", a.email);
    item.set("role", ctx.catalog.text(request.lang, "role_" + std::string(to_string(a.grant.role))));
    item.set("administration", a.grant.administration.empty() ? std::string("—") : a.grant.administration);
    list.push_back(item);
  }
  PageData page;
  page.set("assignments", list);
  page.set("platform_admin", std::any_of(admin.roles.begin(), admin.roles.end(),
                                         [](const RoleGrant& g) { return g.role == Role::platform_admin; }));
  if (!notice_key.empty()) page.set("notice", ctx.catalog.text(request.lang, notice_key));
  http::FormErrors errors;
  if (!error_key.empty() && !field.empty()) {
    errors.add_at(std::string(field), ctx.catalog.text(request.lang, error_key));
  } else if (!error_key.empty()) {
    page.set("error", ctx.catalog.text(request.lang, error_key));
  }
  errors.show(page, ctx.catalog.text(request.lang, "form_error_prefix"),
              ctx.catalog.text(request.lang, "admin_roles_title"));
  Response response = ctx.pages.render(request, "admin_roles", "admin_roles_title", page, status);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

}  // namespace

namespace {

Response roles_page_for(const WebContext& ctx, Request& request) {
  auto admin = administrator(ctx, request);
  if (auto* refused = std::get_if<Response>(&admin)) return std::move(*refused);
  std::string_view done = request.query.get("done").value_or("");
  return roles_page(ctx, request, std::get<Administrator>(admin),
                    done == "granted"   ? "admin_roles_granted"
                    : done == "revoked" ? "admin_roles_revoked"
                                        : "",
                    "", 200);
}

Response grant_role_submit(const WebContext& ctx, Request& request) {
  auto admin = administrator(ctx, request);
  if (auto* refused = std::get_if<Response>(&admin)) return std::move(*refused);
  const Administrator& who = std::get<Administrator>(admin);
  auto role = parse_role(request.form.get("role").value_or(""));
  if (!role) return roles_page(ctx, request, who, "", "admin_roles_error_role", 400, "grant-role");
  RoleGrant grant{*role, std::string(request.form.get("administration").value_or(""))};
  if (*role == Role::platform_admin || *role == Role::identity_verifier) grant.administration.clear();
  if (!may_manage(who.roles, grant))
    return roles_page(ctx, request, who, "", "admin_roles_error_scope", 403, "grant-administration");
  auto user = find_user_by_email(ctx.db, request.form.get("email").value_or(""));
  if (!user) {
    if (user.error().kind == ErrorKind::invalid_input) {
      return roles_page(ctx, request, who, "", "admin_roles_error_person", 400, "grant-email");
    }
    return ctx.pages.render_error(request, user.error());
  }
  if (!*user) return roles_page(ctx, request, who, "", "admin_roles_error_person", 400, "grant-email");
  auto granted =
      grant_role(ctx.db, (*user)->id, grant, "user:" + std::to_string(request.principal->user_id), ctx.clock);
  if (!granted) {
    if (granted.error().code == Errc::bad_role) {
      return roles_page(ctx, request, who, "", "admin_roles_error_administration", 400, "grant-administration");
    }
    return ctx.pages.render_error(request, granted.error());
  }
  return Response::redirect("/admin/roles?done=granted", 303);
}

Response revoke_role_submit(const WebContext& ctx, Request& request) {
  auto admin = administrator(ctx, request);
  if (auto* refused = std::get_if<Response>(&admin)) return std::move(*refused);
  const Administrator& who = std::get<Administrator>(admin);
  std::string_view text = request.path_params.get("id").value_or("");
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  const Error missing = make_error(Errc::no_such_role, "no such role assignment");
  if (ec != std::errc() || end != text.data() + text.size()) return ctx.pages.render_error(request, missing);
  // Checked before revoking: an assignment this administrator may not manage looks absent.
  auto assignments = list_role_assignments(ctx.db);
  if (!assignments) return ctx.pages.render_error(request, assignments.error());
  auto found =
      std::find_if(assignments->begin(), assignments->end(), [id](const RoleAssignment& a) { return a.id == id; });
  if (found == assignments->end() || !may_manage(who.roles, found->grant)) {
    return ctx.pages.render_error(request, missing);
  }
  if (found->user_id == request.principal->user_id && found->grant.role == Role::platform_admin) {
    return roles_page(ctx, request, who, "", "admin_roles_error_self", 409);
  }
  auto revoked = revoke_role(ctx.db, id, "user:" + std::to_string(request.principal->user_id), ctx.clock);
  if (!revoked) return ctx.pages.render_error(request, revoked.error());
  return Response::redirect("/admin/roles?done=revoked", 303);
}

}  // namespace

void register_admin_routes(http::Router& router, const WebContext& context) {
  const WebContext& ctx = context;

  router.get("/admin/roles", [&ctx](Request& request) { return roles_page_for(ctx, request); });

  router.post(
      "/admin/roles", [&ctx](Request& request) { return grant_role_submit(ctx, request); },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});

  router.post(
      "/admin/roles/{id}/revoke", [&ctx](Request& request) { return revoke_role_submit(ctx, request); },
      http::RouteOptions{http::RouteKind::page, kFormLimit, true});
}

}  // namespace guichet::identity
