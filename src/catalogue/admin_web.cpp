// The catalogue's administration page: import a document, download the current one.
#include "guichet/catalogue/catalogue.hpp"
#include "guichet/catalogue/errors.hpp"
#include "guichet/catalogue/web.hpp"
#include "guichet/identity/staff.hpp"

namespace guichet::catalogue {
using http::PageData;
using http::Request;
using http::Response;

namespace {

bool manages_catalogue(const std::vector<identity::RoleGrant>& roles) {
  return std::any_of(roles.begin(), roles.end(), [](const identity::RoleGrant& g) {
    return g.role == identity::Role::platform_admin || g.role == identity::Role::administration_admin;
  });
}

Response admin_page(storage::Database& db, const http::PageRenderer& pages, const http::Catalog& catalog,
                    const Request& request, const std::vector<identity::RoleGrant>& roles, const std::string& notice,
                    const std::string& error, int status) {
  auto connection = db.acquire();
  if (!connection) return pages.render_error(request, connection.error());
  auto counts = (*connection)
                    ->query(
                        "SELECT (SELECT COUNT(*) FROM administrations), (SELECT COUNT(*) FROM services), "
                        "(SELECT COUNT(*) FROM shops), (SELECT COUNT(*) FROM counters)");
  if (!counts) return pages.render_error(request, counts.error());
  PageData data;
  data.set("administrations", std::to_string(counts->rows[0].integer(0)));
  data.set("services", std::to_string(counts->rows[0].integer(1)));
  data.set("shops", std::to_string(counts->rows[0].integer(2)));
  data.set("counters", std::to_string(counts->rows[0].integer(3)));
  data.set("may_import", identity::allows(roles, identity::Role::platform_admin));
  if (!notice.empty()) data.set("notice", notice);
  if (!error.empty()) data.set("error", error);
  (void)catalog;
  Response response = pages.render(request, "admin_catalogue", "admin_catalogue_title", data, status);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

struct AdminContext {
  storage::Database& db;
  const http::PageRenderer& pages;
  const http::Catalog& catalog;
  const Clock& clock;
};

// The person's roles when they may use these pages (a role, then a second factor), or the page
// that says why not.
std::variant<std::vector<identity::RoleGrant>, Response> admin_staff(const AdminContext& ctx, const Request& request) {
  return identity::require_staff(ctx.db, ctx.pages, request, "/admin/catalogue", manages_catalogue,
                                 "this page is for administrators");
}

Response admin_catalogue_page(const AdminContext& ctx, Request& request) {
  auto staff = admin_staff(ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  return admin_page(ctx.db, ctx.pages, ctx.catalog, request, std::get<std::vector<identity::RoleGrant>>(staff), {}, {},
                    200);
}

Response export_catalogue_file(const AdminContext& ctx, Request& request) {
  auto staff = admin_staff(ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  auto exported = export_catalogue(ctx.db);
  if (!exported) return ctx.pages.render_error(request, exported.error());
  Response response = Response::json(*exported);
  response.headers.set("Content-Disposition", "attachment; filename=\"catalogue.json\"");
  response.headers.set("Cache-Control", "no-store");
  return response;
}

Response import_catalogue_file(const AdminContext& ctx, Request& request) {
  auto staff = admin_staff(ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& roles = std::get<std::vector<identity::RoleGrant>>(staff);
  if (!identity::allows(roles, identity::Role::platform_admin)) {
    return ctx.pages.render_error(request,
                                  make_error(Errc::forbidden, "only platform administrators import a catalogue"));
  }
  auto file = std::find_if(request.files.begin(), request.files.end(),
                           [](const http::UploadedFile& f) { return f.field == "catalogue"; });
  if (file == request.files.end() || file->content.empty()) {
    return admin_page(ctx.db, ctx.pages, ctx.catalog, request, roles, {},
                      ctx.catalog.text(request.lang, "admin_catalogue_no_file"), 400);
  }
  auto imported =
      import_catalogue(ctx.db, file->content, "user:" + std::to_string(request.principal->user_id), ctx.clock);
  if (!imported) {
    // The import names the first problem by its place in the document; nothing was written.
    return admin_page(ctx.db, ctx.pages, ctx.catalog, request, roles, {},
                      ctx.catalog.text(request.lang, "admin_catalogue_refused") + " " + imported.error().message,
                      http::http_status(imported.error().kind));
  }
  std::string notice = ctx.catalog.text(request.lang, "admin_catalogue_imported");
  notice += " " + std::to_string(imported->administrations) + " / " + std::to_string(imported->services) + " / " +
            std::to_string(imported->shops);
  return admin_page(ctx.db, ctx.pages, ctx.catalog, request, roles, notice, {}, 200);
}

}  // namespace

void register_admin_routes(http::Router& router, storage::Database& db, const http::PageRenderer& pages,
                           const http::Catalog& catalog, const Clock& clock) {
  auto ctx = std::make_shared<const AdminContext>(AdminContext{db, pages, catalog, clock});
  router.get("/admin/catalogue", [ctx](Request& request) { return admin_catalogue_page(*ctx, request); });

  router.get("/admin/catalogue/export", [ctx](Request& request) { return export_catalogue_file(*ctx, request); });

  router.post(
      "/admin/catalogue/import", [ctx](Request& request) { return import_catalogue_file(*ctx, request); },
      http::RouteOptions{http::RouteKind::page, 16 * 1024 * 1024, true});
}

}  // namespace guichet::catalogue
