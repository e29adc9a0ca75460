// The administrators' side of online procedures: /admin/procedures lists their administrations'
// procedures with their figures (started, submitted, completion rate, median processing time,
// share decided in time, the "Dites-le-nous une fois" count), and /admin/procedures/{service}
// edits a definition as JSON: "Check" lists every problem the publication check finds, "Publish"
// makes it the next version (audited as the administrator's).
#include <boost/json.hpp>

#include <optional>
#include <set>
#include <variant>

#include "guichet/catalogue/reads.hpp"
#include "guichet/http/application.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/procedures/errors.hpp"
#include "guichet/procedures/exports.hpp"
#include "guichet/procedures/web.hpp"
#include "presentation.hpp"

namespace guichet::procedures {
namespace json = boost::json;
using http::PageData;
using http::Request;
using http::Response;

namespace {

// The administrations the account administers; `everywhere` for a platform administrator.
struct Administered {
  bool everywhere = false;
  std::set<std::string> codes;
  bool allows(const std::string& code) const { return everywhere || codes.contains(code); }
  bool any() const { return everywhere || !codes.empty(); }
};

Result<Administered> administered_by(storage::Database& db, std::int64_t user_id) {
  auto roles = identity::roles_of(db, user_id);
  if (!roles) return std::move(roles).error();
  Administered out;
  for (const identity::RoleGrant& grant : *roles) {
    if (grant.role == identity::Role::platform_admin) out.everywhere = true;
    if (grant.role == identity::Role::administration_admin) out.codes.insert(grant.administration);
  }
  return out;
}

std::string duration_text(const http::Catalog& catalog, const std::string& lang, std::chrono::seconds s) {
  const auto hours = s.count() / 3600;
  if (hours < 48) return http::fill_text(catalog.text(lang, "admin_procedures_hours"), {{"n", std::to_string(hours)}});
  return http::fill_text(catalog.text(lang, "admin_procedures_days"), {{"n", std::to_string(hours / 24)}});
}

std::string percent(std::int64_t part, std::int64_t whole) {
  if (whole == 0) return "–";
  return std::to_string((part * 100 + whole / 2) / whole) + " %";
}

Response list_page(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in("/admin/procedures");
  const std::string& lang = request.lang;
  auto administered = administered_by(ctx.procedures.db(), request.principal->user_id);
  if (!administered) return ctx.pages.render_error(request, administered.error());
  if (!administered->any())
    return ctx.pages.render_error(request, make_error(Errc::not_allowed, "administrators only"));
  auto all = ctx.procedures.catalogue();
  if (!all) return ctx.pages.render_error(request, all.error());
  auto figures = ctx.procedures.metrics(administered->everywhere ? std::set<std::string>{} : administered->codes);
  if (!figures) return ctx.pages.render_error(request, figures.error());
  std::map<std::string, ProcedureMetrics> by_code;
  for (ProcedureMetrics& m : *figures) by_code[m.service_code] = std::move(m);
  PageData items{PageData::type::list};
  for (const PublishedProcedure& p : *all) {
    if (!administered->allows(p.administration)) continue;
    const ProcedureMetrics& m = by_code[p.service_code];
    PageData item;
    item.set("code", p.service_code);
    item.set("title", title_of(ctx.procedures, p, lang));
    item.set("version", std::to_string(p.version));
    item.set("level", std::to_string(service_level(*p.definition)));
    item.set("asked_but_known", std::to_string(asked_but_known_count(*p.definition)));
    item.set("started", std::to_string(m.started));
    item.set("submitted", std::to_string(m.submitted));
    item.set("completion", percent(m.submitted, m.started));
    item.set("median", m.median_processing ? duration_text(ctx.catalog, lang, *m.median_processing) : "–");
    item.set("in_time", percent(m.decided_within_deadline, m.decided));
    items.push_back(item);
  }
  PageData data;
  data.set("procedures", items);
  if (auto published = request.query.get("published")) {
    data.set("notice", http::fill_text(ctx.catalog.text(lang, "admin_procedures_published"),
                                       {{"service", std::string(*published)}}));
  }
  return no_store(ctx.pages.render(request, "admin_procedures", "admin_procedures_title", data));
}

Response edit_page(const ProceduresContext& ctx, const Request& request, const std::string& text,
                   const std::vector<DefinitionProblem>& problems, int status) {
  const std::string code(request.path_params.get("service").value_or(""));
  PageData data;
  data.set("code", code);
  data.set("definition", text);
  auto latest = ctx.procedures.published(code);
  if (latest && *latest) {
    data.set("version", std::to_string((*latest)->version));
    data.set("title", title_of(ctx.procedures, **latest, request.lang));
  }
  if (!problems.empty()) {
    PageData list{PageData::type::list};
    for (const DefinitionProblem& p : problems) {
      // The place stays as written in the JSON; what is wrong is said in the reader's language.
      const std::string what =
          p.key.empty()
              ? p.what
              : http::fill_text(ctx.catalog.text(request.lang, "definition_problem_" + p.key),
                                std::vector<std::pair<std::string, std::string>>(p.params.begin(), p.params.end()));
      list.push_back(PageData((p.where.empty() ? "" : p.where + " ") + what));
    }
    data.set("problems", list);
    data.set("has_problems", true);
  } else if (status == 200 && request.method == http::Method::post) {
    data.set("checked", true);
  }
  return no_store(ctx.pages.render(request, "admin_procedure", "admin_procedure_title", data, status));
}

// The administration of the service a definition names, if the account administers it.
Result<bool> may_publish(const ProceduresContext& ctx, std::int64_t user_id, const std::string& service) {
  auto administered = administered_by(ctx.procedures.db(), user_id);
  if (!administered) return std::move(administered).error();
  auto administration = ctx.procedures.db().read([&](storage::Connection& c) -> Result<std::optional<std::string>> {
    auto id = catalogue::service_id_of(c, service);
    if (!id) return std::move(id).error();
    if (!*id) return std::optional<std::string>();
    auto records = catalogue::service_records(c, {**id}, std::nullopt);
    if (!records) return std::move(records).error();
    if (records->empty()) return std::optional<std::string>();
    return std::optional<std::string>(records->begin()->second.administration);
  });
  if (!administration) return std::move(administration).error();
  return *administration && administered->allows(**administration);
}

// The edit page's gate: a signed-in administrator of the service's administration, or the
// response to give instead.
std::optional<Response> refused(const ProceduresContext& ctx, const Request& request, const std::string& code) {
  if (!request.principal) return to_sign_in("/admin/procedures/" + code);
  auto allowed = may_publish(ctx, request.principal->user_id, code);
  if (!allowed) return ctx.pages.render_error(request, allowed.error());
  if (!*allowed) return ctx.pages.render_error(request, make_error(Errc::not_allowed, "not your administration's"));
  return std::nullopt;
}

Response edit_get(const ProceduresContext& ctx, Request& request) {
  const std::string code(request.path_params.get("service").value_or(""));
  if (auto response = refused(ctx, request, code)) return std::move(*response);
  auto latest = ctx.procedures.published(code);
  if (!latest) return ctx.pages.render_error(request, latest.error());
  std::string text;
  if (*latest) {
    text = pretty_json(json::parse((*latest)->json));
  } else {
    // A first page to start from.
    text = pretty_json(json::object{{"format", 1}, {"service", code}, {"pages", json::array{}}});
  }
  return edit_page(ctx, request, text, {}, 200);
}

Response edit_post(const ProceduresContext& ctx, Request& request) {
  const std::string code(request.path_params.get("service").value_or(""));
  if (auto response = refused(ctx, request, code)) return std::move(*response);
  const std::string text(request.form.get("definition").value_or(""));
  std::vector<DefinitionProblem> problems;
  auto parsed = parse_definition(text, &problems);
  if (parsed && parsed->service != code) {
    const std::map<std::string, std::string> params{{"code", code}};
    problems.push_back({"service", english_problem("wrong_service", params), "wrong_service", params});
  }
  if (!problems.empty()) return edit_page(ctx, request, text, problems, 400);
  if (request.form.get("action").value_or("") != "publish") return edit_page(ctx, request, text, {}, 200);
  auto published = ctx.procedures.publish(text, "user:" + std::to_string(request.principal->user_id));
  if (!published) {
    if (published.error().code == Errc::bad_definition || published.error().code == Errc::no_such_service) {
      return edit_page(ctx, request, text, {DefinitionProblem{"", published.error().message, "", {}}}, 400);
    }
    return ctx.pages.render_error(request, published.error());
  }
  return Response::redirect("/admin/procedures?published=" + http::url_encode(code), 303);
}

Response export_post(const ProceduresContext& ctx, Request& request) {
  const std::string code(request.path_params.get("service").value_or(""));
  if (auto response = refused(ctx, request, code)) return std::move(*response);
  auto latest = ctx.procedures.published(code);
  if (!latest) return ctx.pages.render_error(request, latest.error());
  if (!*latest) return ctx.pages.render_error(request, make_error(Errc::no_procedure, "nothing published"));
  auto format = parse_export_format(request.form.get("format").value_or(""));
  if (!format) {
    Error error = make_error(Errc::bad_request_body, "choose CSV, XLSX or JSON");
    error.field = "format";
    return ctx.pages.render_error(request, error);
  }
  auto requested = request_export(ctx.procedures.db(), ctx.procedures.clock(), (*latest)->administration, code, *format,
                                  request.principal->user_id);
  if (!requested) return ctx.pages.render_error(request, requested.error());
  return Response::redirect("/admin/procedures/" + code + "/exports/" + requested->token, 303);
}

// An export of the page's service, for an administrator of its administration, or the response to give.
std::variant<CaseExport, Response> export_of_request(const ProceduresContext& ctx, const Request& request) {
  const std::string code(request.path_params.get("service").value_or(""));
  if (auto response = refused(ctx, request, code)) return std::move(*response);
  auto found = find_export(ctx.procedures.db(), request.path_params.get("token").value_or(""));
  if (!found || found->service_code != code) {
    return ctx.pages.render_error(request, make_error(Errc::no_such_export, "no such export"));
  }
  return std::move(found).value();
}

// The export's progress; without JavaScript the page refreshes itself until the file is ready.
Response export_get(const ProceduresContext& ctx, Request& request) {
  auto found = export_of_request(ctx, request);
  if (auto* response = std::get_if<Response>(&found)) return std::move(*response);
  const CaseExport& e = std::get<CaseExport>(found);
  const std::string& lang = request.lang;
  PageData data;
  data.set("code", e.service_code);
  data.set("format", std::string(to_string(e.format)));
  data.set("format_name", e.format == ExportFormat::xlsx ? "XLSX" : e.format == ExportFormat::json ? "JSON" : "CSV");
  data.set("done_rows", std::to_string(e.done_rows));
  data.set("total_rows", std::to_string(std::max<std::int64_t>(e.total_rows, 1)));
  data.set("progress",
           http::fill_text(ctx.catalog.text(lang, "export_progress"),
                           {{"done", std::to_string(e.done_rows)}, {"total", std::to_string(e.total_rows)}}));
  data.set("status_" + std::string(to_string(e.status)), true);
  if (e.status == ExportStatus::queued || e.status == ExportStatus::running) data.set("working", true);
  if (e.status == ExportStatus::done) {
    data.set("download", "/admin/procedures/" + e.service_code + "/exports/" + e.token + "/download");
    data.set("file_name", e.file_name());
    data.set("size", file_size_text(e.size_bytes, lang, ctx.catalog));
  }
  Response response = no_store(ctx.pages.render(request, "admin_export", "export_title", data));
  if (e.status == ExportStatus::queued || e.status == ExportStatus::running) response.headers.set("Refresh", "3");
  return response;
}

Response export_download(const ProceduresContext& ctx, Request& request) {
  auto found = export_of_request(ctx, request);
  if (auto* response = std::get_if<Response>(&found)) return std::move(*response);
  const CaseExport& e = std::get<CaseExport>(found);
  if (e.status != ExportStatus::done) {
    return ctx.pages.render_error(request, make_error(Errc::export_not_ready, "the export is not finished"));
  }
  Response response;
  response.stream = export_stream(ctx.procedures.db(), e);
  response.headers.set("Content-Type", std::string(content_type_of(e.format)));
  response.headers.set("Content-Disposition", "attachment; filename=\"" + e.file_name() + "\"");
  response.headers.set("Cache-Control", "private, no-store");
  response.headers.set("X-Content-Type-Options", "nosniff");
  return response;
}

}  // namespace

void register_admin_routes(http::Router& router, const ProceduresContext& context) {
  const ProceduresContext* ctx = &context;
  router.get("/admin/procedures", [ctx](Request& request) { return list_page(*ctx, request); });
  router.get("/admin/procedures/{service}", [ctx](Request& request) { return edit_get(*ctx, request); });
  router.post(
      "/admin/procedures/{service}", [ctx](Request& request) { return edit_post(*ctx, request); },
      http::RouteOptions{http::RouteKind::page, 512 * 1024, true});
  router.post("/admin/procedures/{service}/exports", [ctx](Request& request) { return export_post(*ctx, request); });
  router.get("/admin/procedures/{service}/exports/{token}",
             [ctx](Request& request) { return export_get(*ctx, request); });
  router.get("/admin/procedures/{service}/exports/{token}/download",
             [ctx](Request& request) { return export_download(*ctx, request); });
}

}  // namespace guichet::procedures
