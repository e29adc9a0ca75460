// The person's documents on the web (/account/documents): what the vault holds, each document to
// download or delete, the facts given with earlier cases (to forget), and a form to add a
// document with its kind, issuer and expiry. Every page works
// without JavaScript; a refused file or value comes back next to its field with the rest kept.
#include <algorithm>

#include "guichet/core/calendar.hpp"
#include "guichet/core/spoken_time.hpp"
#include "guichet/http/application.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/procedures/errors.hpp"
#include "guichet/procedures/web.hpp"
#include "presentation.hpp"

namespace guichet::procedures {
using http::PageData;
using http::Request;
using http::Response;

namespace {

std::optional<std::int64_t> id_of(const Request& request) {
  const std::string_view text = request.path_params.get("id").value_or("");
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  return std::stoll(std::string(text));
}

// What the add form sent back, with the problem of each field.
struct AddForm {
  std::string kind;
  std::string issuer;
  std::string expires_on;
  std::map<std::string, std::string> errors;  // field -> message
};

Response documents_page(const ProceduresContext& ctx, const Request& request, const AddForm& form, int status,
                        std::string_view notice_key = {}) {
  const std::string& lang = request.lang;
  auto documents = ctx.procedures.vault().list(request.principal->user_id);
  if (!documents) return ctx.pages.render_error(request, documents.error());
  const std::string today = format_iso_day(std::chrono::floor<std::chrono::days>(ctx.procedures.clock().now()));
  PageData items{PageData::type::list};
  for (const VaultDocument& d : *documents) {
    PageData item;
    item.set("id", std::to_string(d.id));
    item.set("name", d.name);
    item.set("kind", ctx.catalog.text(lang, "document_kind_" + d.kind));
    if (!d.issuer.empty()) item.set("issuer", d.issuer);
    if (!d.expires_on.empty()) item.set("expires", spoken_day(lang, d.expires_on));
    if (d.expired(today)) item.set("expired", true);
    item.set("size", file_size_text(d.size, lang, ctx.catalog));
    item.set("type", d.content_type == "application/pdf" ? "PDF" : d.content_type == "image/png" ? "PNG" : "JPEG");
    item.set("added", spoken_instant(lang, ctx.time_zone, d.created_at));
    items.push_back(item);
  }
  // The facts given with earlier cases, each as its field would show it.
  auto facts = ctx.procedures.vault().facts(request.principal->user_id);
  if (!facts) return ctx.pages.render_error(request, facts.error());
  PageData given{PageData::type::list};
  for (const Fact& f : *facts) {
    const std::string source = std::string(kVaultSourcePrefix) + f.name;
    Field shown;
    shown.type = source_type(source).value_or(FieldType::text);
    PageData item;
    item.set("fact_name", f.name);
    item.set("fact_label", ctx.catalog.text(lang, "fact_" + f.name));
    item.set("fact_value", display_answer(shown, f.value, lang, ctx.catalog));
    item.set("fact_case", f.case_reference);
    item.set("fact_updated", spoken_instant(lang, ctx.time_zone, f.updated_at));
    given.push_back(item);
  }
  PageData kinds{PageData::type::list};
  for (const std::string& kind : document_kinds()) {
    PageData k;
    k.set("value", kind);
    k.set("label", ctx.catalog.text(lang, "document_kind_" + kind));
    if (kind == form.kind) k.set("selected", true);
    kinds.push_back(k);
  }
  PageData data;
  if (!documents->empty()) data.set("documents", items);
  if (!facts->empty()) {
    data.set("facts", given);
    data.set("has_facts", true);
  }
  data.set("kinds", kinds);
  data.set("issuer", form.issuer);
  data.set("expires_on", form.expires_on);
  if (!form.errors.empty()) {
    PageData errors{PageData::type::list};
    // In the order of the form.
    for (const char* field : {"kind", "issuer", "expires_on", "file"}) {
      auto it = form.errors.find(field);
      if (it == form.errors.end()) continue;
      data.set(std::string(field) + "_error", it->second);
      PageData e;
      e.set("anchor", std::string("document-") + (std::string(field) == "expires_on" ? "expires" : field));
      e.set("message", it->second);
      errors.push_back(e);
    }
    data.set("errors", errors);
    data.set("has_errors", true);
  }
  if (!notice_key.empty()) data.set("notice", ctx.catalog.text(lang, notice_key));
  if (request.query.get("added")) data.set("notice", ctx.catalog.text(lang, "vault_added"));
  if (request.query.get("deleted")) data.set("notice", ctx.catalog.text(lang, "vault_deleted"));
  if (request.query.get("forgotten")) data.set("notice", ctx.catalog.text(lang, "vault_fact_forgotten"));
  return no_store(ctx.pages.render(request, "documents", "vault_title", data, status));
}

Response documents_get(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in(request.target);
  return documents_page(ctx, request, AddForm{}, 200);
}

// The field of the add form an error belongs to.
std::string field_of(const Error& error) {
  if (error.code == Errc::bad_document_kind) return "kind";
  if (error.code == Errc::bad_issuer) return "issuer";
  if (error.code == Errc::bad_expiry) return "expires_on";
  return "file";
}

Response documents_post(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in("/account/documents");
  AddForm form;
  form.kind = std::string(request.form.get("kind").value_or(""));
  form.issuer = std::string(request.form.get("issuer").value_or(""));
  form.expires_on = std::string(request.form.get("expires_on").value_or(""));
  const auto file = std::find_if(request.files.begin(), request.files.end(),
                                 [](const http::UploadedFile& f) { return f.field == "file"; });
  if (file == request.files.end() || (file->filename.empty() && file->content.empty())) {
    form.errors["file"] = ctx.catalog.text(request.lang, "vault_choose_file");
    if (!known_document_kind(form.kind)) form.errors["kind"] = ctx.catalog.text(request.lang, "vault_bad_kind");
    return documents_page(ctx, request, form, 400);
  }
  NewDocument document{form.kind, form.issuer, form.expires_on, file->filename, file->content};
  auto added = ctx.procedures.vault().add(request.principal->user_id, document);
  if (!added) {
    if (added.error().code.kind() == ErrorKind::internal || added.error().code.kind() == ErrorKind::unavailable) {
      return ctx.pages.render_error(request, added.error());
    }
    form.errors[field_of(added.error())] = ctx.catalog.text(request.lang, added.error().code.message_key());
    return documents_page(ctx, request, form, http::http_status(added.error().kind));
  }
  return Response::redirect("/account/documents?added=1", 303);
}

Response document_download(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in(request.target);
  const auto id = id_of(request);
  if (!id) return ctx.pages.render_error(request, make_error(Errc::no_such_document, "no such document"));
  Vault vault = ctx.procedures.vault();
  auto document = vault.find(request.principal->user_id, *id);
  if (!document) return ctx.pages.render_error(request, document.error());
  auto bytes = vault.content(request.principal->user_id, *id);
  if (!bytes) return ctx.pages.render_error(request, bytes.error());
  return file_response(document->name, document->content_type, std::move(bytes).value());
}

Response delete_get(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in(request.target);
  const auto id = id_of(request);
  if (!id) return ctx.pages.render_error(request, make_error(Errc::no_such_document, "no such document"));
  auto document = ctx.procedures.vault().find(request.principal->user_id, *id);
  if (!document) return ctx.pages.render_error(request, document.error());
  PageData data;
  data.set("id", std::to_string(document->id));
  data.set("name", document->name);
  return no_store(ctx.pages.render(request, "document_delete", "vault_delete_title", data));
}

Response delete_post(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in("/account/documents");
  const auto id = id_of(request);
  if (!id) return ctx.pages.render_error(request, make_error(Errc::no_such_document, "no such document"));
  auto removed = ctx.procedures.vault().remove(request.principal->user_id, *id);
  if (!removed) return ctx.pages.render_error(request, removed.error());
  return Response::redirect("/account/documents?deleted=1", 303);
}

// Forgets a fact: later forms ask it again, empty. Cases already sent keep their answers.
Response fact_forget_post(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in("/account/documents");
  const std::string name(request.path_params.get("name").value_or(""));
  if (!source_type(std::string(kVaultSourcePrefix) + name)) {
    return ctx.pages.render_error(request, make_error(Errc::no_such_document, "no such fact"));
  }
  auto forgotten = ctx.procedures.vault().forget(request.principal->user_id, name);
  if (!forgotten) return ctx.pages.render_error(request, forgotten.error());
  return Response::redirect("/account/documents?forgotten=1#facts", 303);
}

}  // namespace

http::Response file_response(std::string_view name, std::string_view content_type, std::string bytes) {
  Response response = Response::text(std::move(bytes));
  response.headers.set("Content-Type", std::string(content_type));
  // Always a download, never shown inline from this origin: a file is what the person sent.
  const std::string clean = clean_file_name(name);
  std::string ascii;
  for (char c : clean) ascii += static_cast<unsigned char>(c) < 0x80 ? c : '_';
  response.headers.set("Content-Disposition",
                       "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + http::url_encode(clean));
  response.headers.set("Cache-Control", "private, no-store");
  response.headers.set("X-Content-Type-Options", "nosniff");
  response.headers.set("Content-Security-Policy", "sandbox; default-src 'none'");
  return response;
}

http::Response attachment_download(const ProceduresContext& ctx, const http::Request& request, std::int64_t case_id) {
  const auto id = id_of(request);
  if (!id) return ctx.pages.render_error(request, make_error(Errc::no_such_document, "no such file"));
  auto file = attachment_content(ctx.procedures.db(), case_id, *id);
  if (!file) return ctx.pages.render_error(request, file.error());
  return file_response(file->first.name, file->first.content_type, std::move(file->second));
}

void register_vault_routes(http::Router& router, const ProceduresContext& context) {
  const ProceduresContext* ctx = &context;
  http::RouteOptions with_file;
  with_file.max_body_bytes = kMaxUploadBodyBytes / 4;
  router.get("/account/documents", [ctx](Request& request) { return documents_get(*ctx, request); });
  router.post(
      "/account/documents", [ctx](Request& request) { return documents_post(*ctx, request); }, with_file);
  router.get("/account/documents/{id}", [ctx](Request& request) { return document_download(*ctx, request); });
  router.get("/account/documents/{id}/delete", [ctx](Request& request) { return delete_get(*ctx, request); });
  router.post("/account/documents/{id}/delete", [ctx](Request& request) { return delete_post(*ctx, request); });
  router.post("/account/documents/facts/{name}/forget",
              [ctx](Request& request) { return fact_forget_post(*ctx, request); });
}

}  // namespace guichet::procedures
