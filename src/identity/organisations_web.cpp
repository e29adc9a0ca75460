// Business accounts: declare an organisation, manage who may act for it, and switch the session
// between acting for oneself and for an organisation.
#include <charconv>

#include "guichet/identity/errors.hpp"
#include "guichet/identity/organisations.hpp"
#include "web_support.hpp"

namespace guichet::identity {
using http::PageData;
using http::Request;
using http::Response;

namespace {

constexpr std::size_t kFormLimit = 8 * 1024;

std::optional<std::int64_t> id_param(const Request& request, std::string_view name) {
  std::string_view text = request.path_params.get(name).value_or(request.form.get(name).value_or(""));
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

Response not_found(const WebContext& ctx, const Request& request) {
  return ctx.pages.render_error(request, make_error(Errc::no_such_organisation, "no such organisation"));
}

std::string role_text(const WebContext& ctx, const Request& request, OrganisationRole role) {
  return ctx.catalog.text(request.lang, "org_role_" + std::string(to_string(role)));
}

// `field`: the id of the field a mistake belongs to (org-country, org-number, org-name).
Response organisations_page(const WebContext& ctx, const Request& request, std::string_view field,
                            const std::string& error_key, int status,
                            const std::map<std::string, std::string>& typed = {}) {
  auto memberships = memberships_of(ctx.db, request.principal->user_id);
  if (!memberships) return ctx.pages.render_error(request, memberships.error());
  PageData list{PageData::type::list};
  for (const auto& m : *memberships) {
    PageData item;
    item.set("id", std::to_string(m.organisation.id));
    item.set("name", m.organisation.name);
    item.set("country", m.organisation.country);
    item.set("number", m.organisation.registration_number);
    item.set("role", role_text(ctx, request, m.role));
    item.set("owner", m.role == OrganisationRole::owner);
    item.set("current", m.organisation.id == request.principal->organisation_id);
    list.push_back(item);
  }
  PageData page;
  page.set("organisations", list);
  page.set("none", memberships->empty());
  page.set("acting_for_self", request.principal->organisation_id == 0);
  for (const auto& [k, v] : typed) page.set("v_" + k, v);
  page.set("country_" + (typed.contains("country") ? typed.at("country") : std::string("FR")), true);
  http::FormErrors errors;
  if (!error_key.empty()) errors.add_at(std::string(field), ctx.catalog.text(request.lang, error_key));
  errors.show(page, ctx.catalog.text(request.lang, "form_error_prefix"), ctx.catalog.text(request.lang, "org_title"));
  Response response = ctx.pages.render(request, "organisations", "org_title", page, status);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

// `field`: the id of what a mistake belongs to (member-email, member-role, or members: the list).
Response members_page(const WebContext& ctx, const Request& request, std::int64_t organisation_id,
                      std::string_view field, std::string_view error_key, int status) {
  auto members = members_of(ctx.db, request.principal->user_id, organisation_id);
  if (!members) {
    if (members.error().kind == ErrorKind::not_found) return not_found(ctx, request);
    return ctx.pages.render_error(request, members.error());
  }
  auto mine = membership(ctx.db, request.principal->user_id, organisation_id);
  if (!mine || !*mine) return not_found(ctx, request);
  PageData list{PageData::type::list};
  for (const auto& m : *members) {
    PageData item;
    item.set("user_id", std::to_string(m.user_id));
    item.set("email", m.email);
    item.set("role", role_text(ctx, request, m.role));
    item.set("self", m.user_id == request.principal->user_id);
    list.push_back(item);
  }
  PageData page;
  page.set("id", std::to_string(organisation_id));
  page.set("name", (*mine)->organisation.name);
  page.set("country", (*mine)->organisation.country);
  page.set("number", (*mine)->organisation.registration_number);
  page.set("members", list);
  http::FormErrors errors;
  if (!error_key.empty()) errors.add_at(std::string(field), ctx.catalog.text(request.lang, error_key));
  errors.show(page, ctx.catalog.text(request.lang, "form_error_prefix"),
              ctx.catalog.text(request.lang, "org_members_title"));
  Response response = ctx.pages.render(request, "organisation_members", "org_members_title", page, status);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

Response organisations_list(const WebContext& ctx, Request& request) {
  if (!request.principal) return redirect_to_sign_in();
  return organisations_page(ctx, request, "", "", 200);
}

Response declare_organisation(const WebContext& ctx, Request& request) {
  if (!request.principal) return redirect_to_sign_in();
  std::map<std::string, std::string> typed{{"country", std::string(request.form.get("country").value_or(""))},
                                           {"number", std::string(request.form.get("number").value_or(""))},
                                           {"name", std::string(request.form.get("name").value_or(""))}};
  auto created = create_organisation(ctx.db, request.principal->user_id, typed["country"], typed["number"],
                                     typed["name"], ctx.clock);
  if (!created) {
    const Error& error = created.error();
    if (error.code == Errc::registration_number_invalid) {
      return organisations_page(ctx, request, "org-number", "org_error_number_" + typed["country"], 400, typed);
    }
    if (error.code == Errc::country_invalid) {
      return organisations_page(ctx, request, "org-country", std::string(error.code.message_key()), 400, typed);
    }
    if (error.code == Errc::organisation_name_invalid) {
      return organisations_page(ctx, request, "org-name", std::string(error.code.message_key()), 400, typed);
    }
    if (error.kind == ErrorKind::conflict) {
      return organisations_page(ctx, request, "org-number", "org_error_exists", 409, typed);
    }
    return ctx.pages.render_error(request, error);
  }
  return Response::redirect("/account/organisations/" + std::to_string(created->id), 303);
}

Response organisation_page_of(const WebContext& ctx, Request& request) {
  if (!request.principal) return redirect_to_sign_in();
  auto id = id_param(request, "id");
  if (!id) return not_found(ctx, request);
  return members_page(ctx, request, *id, "", "", 200);
}

Response set_organisation_member(const WebContext& ctx, Request& request) {
  if (!request.principal) return redirect_to_sign_in();
  auto id = id_param(request, "id");
  if (!id) return not_found(ctx, request);
  auto role = parse_organisation_role(request.form.get("role").value_or(""));
  if (!role) return members_page(ctx, request, *id, "member-role", "org_error_role", 400);
  auto set =
      set_member(ctx.db, request.principal->user_id, *id, request.form.get("email").value_or(""), *role, ctx.clock);
  if (!set) {
    const Error& error = set.error();
    if (error.code == Errc::no_such_organisation) return not_found(ctx, request);
    if (error.code == Errc::no_such_person || error.code == Errc::email_invalid ||
        error.code == Errc::email_not_ascii) {
      return members_page(ctx, request, *id, "member-email", "org_error_person", 400);
    }
    if (error.code == Errc::last_owner)
      return members_page(ctx, request, *id, "member-role", error.code.message_key(), http::http_status(error.kind));
    return ctx.pages.render_error(request, error);
  }
  return Response::redirect("/account/organisations/" + std::to_string(*id), 303);
}

Response remove_organisation_member(const WebContext& ctx, Request& request) {
  if (!request.principal) return redirect_to_sign_in();
  auto id = id_param(request, "id");
  auto user = id_param(request, "user");
  if (!id || !user) return not_found(ctx, request);
  auto removed = remove_member(ctx.db, request.principal->user_id, *id, *user, ctx.clock);
  if (!removed) {
    if (removed.error().kind == ErrorKind::not_found) return not_found(ctx, request);
    if (removed.error().code == Errc::last_owner)
      return members_page(ctx, request, *id, "members", removed.error().code.message_key(),
                          http::http_status(removed.error().kind));
    return ctx.pages.render_error(request, removed.error());
  }
  return Response::redirect("/account/organisations/" + std::to_string(*id), 303);
}

Response switch_acting_as(const WebContext& ctx, Request& request) {
  if (!request.principal) return redirect_to_sign_in();
  std::optional<std::int64_t> organisation;
  if (request.form.get("organisation").value_or("self") != "self") {
    organisation = id_param(request, "organisation");
    if (!organisation) return not_found(ctx, request);
  }
  auto switched = act_for(ctx.db, request.principal->user_id, request.principal->session_id, organisation, ctx.clock);
  if (!switched) {
    if (switched.error().kind == ErrorKind::not_found) return not_found(ctx, request);
    return ctx.pages.render_error(request, switched.error());
  }
  return Response::redirect("/account/organisations", 303);
}

}  // namespace

void register_organisation_routes(http::Router& router, const WebContext& context) {
  const WebContext& ctx = context;
  const http::RouteOptions form{http::RouteKind::page, kFormLimit, true};

  router.get("/account/organisations", [&ctx](Request& request) { return organisations_list(ctx, request); });

  router.post(
      "/account/organisations", [&ctx](Request& request) { return declare_organisation(ctx, request); }, form);

  router.get("/account/organisations/{id}", [&ctx](Request& request) { return organisation_page_of(ctx, request); });

  router.post(
      "/account/organisations/{id}/members", [&ctx](Request& request) { return set_organisation_member(ctx, request); },
      form);

  router.post(
      "/account/organisations/{id}/members/{user}/remove",
      [&ctx](Request& request) { return remove_organisation_member(ctx, request); }, form);

  router.post(
      "/account/acting-as", [&ctx](Request& request) { return switch_acting_as(ctx, request); }, form);
}

}  // namespace guichet::identity
