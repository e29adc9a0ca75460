// The procedures JSON API: published definitions for anyone, a person's cases for bearer tokens
// with the `procedures` scope. Answers are checked as on the pages; refused ones come back with
// 422, each naming its field, while the draft keeps every valid answer. Agents process their
// administrations' cases with the staff scope `cases` (an operator issues it; no relying party
// can ask for it), under exactly the reach and rules of the agents' pages (CaseProcessing).
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

#include "guichet/catalogue/reads.hpp"
#include "guichet/http/application.hpp"
#include "guichet/procedures/errors.hpp"
#include "guichet/procedures/processing.hpp"
#include "guichet/procedures/web.hpp"
#include "presentation.hpp"

namespace guichet::procedures {
namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kScope = "procedures";
constexpr std::string_view kStaffScope = "cases";

json::value time_or_null(const std::optional<Instant>& at) {
  return at ? json::value(format_rfc3339(*at)) : json::value(nullptr);
}

// A service named by its id ("12") or its code ("address-change"), as its code.
Result<std::string> service_code_of(const ProceduresContext& ctx, std::string_view named) {
  if (named.empty() || named.size() > 100) return make_error(Errc::no_procedure, "no such service");
  if (!std::all_of(named.begin(), named.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return std::string(named);
  }
  if (named.size() > 18) return make_error(Errc::no_procedure, "no such service");
  const std::int64_t id = std::stoll(std::string(named));
  auto services = ctx.procedures.db().read(
      [&](storage::Connection& c) { return catalogue::service_records(c, {id}, std::nullopt); });
  if (!services) return std::move(services).error();
  if (services->empty()) return make_error(Errc::no_procedure, "no such service");
  return services->begin()->second.code;
}

json::array problems_json(const ProceduresContext& ctx, const Definition* definition,
                          const std::vector<FieldProblem>& problems) {
  json::array out;
  for (const FieldProblem& fp : problems) {
    out.push_back(
        json::object{{"field", fp.field},
                     {"problem", to_string(fp.problem)},
                     {"message", definition != nullptr ? problem_text_at(*definition, fp, "en", ctx.catalog)
                                                       : problem_text(nullptr, fp.problem, "en", ctx.catalog)}});
  }
  return out;
}

json::object case_json(const ProceduresContext& ctx, const Case& c, const PublishedProcedure& p, bool with_history) {
  json::object out{{"reference", c.reference},
                   {"service", c.service_code},
                   {"version", p.version},
                   {"status", to_string(c.status)},
                   {"answers", c.answers},
                   {"prefilled", c.prefilled},
                   {"created_at", format_rfc3339(c.created_at)},
                   {"updated_at", format_rfc3339(c.updated_at)},
                   {"submitted_at", time_or_null(c.submitted_at)},
                   {"expires_at", time_or_null(c.expires_at)}};
  json::object documents;
  documents["receipt"] = c.receipt_ready ? json::value(ctx.public_url + "/api/v1/cases/" + c.reference + "/receipt")
                                         : json::value(nullptr);
  documents["decision"] = c.decision_ready ? json::value(ctx.public_url + "/api/v1/cases/" + c.reference + "/decision")
                                           : json::value(nullptr);
  out["documents"] = documents;
  if (with_history) {
    auto history = ctx.procedures.history(c);
    json::array events;
    if (history) {
      for (const CaseEvent& e : *history) {
        events.push_back(json::object{{"at", format_rfc3339(e.at)},
                                      {"status", to_string(e.to)},
                                      {"from", e.from ? json::value(to_string(*e.from)) : json::value(nullptr)},
                                      {"note", e.note}});
      }
    }
    out["history"] = events;
  }
  return out;
}

Response case_response(const ProceduresContext& ctx, const Request& request, const Case& c, int status = 200) {
  auto p = ctx.procedures.version(c.procedure_id);
  if (!p) return http::json_error(request, p.error());
  return no_store(Response::json(json::serialize(case_json(ctx, c, *p, true)), status));
}

Response unprocessable(const ProceduresContext& ctx, const Request& request, const Error& error, const Case& c,
                       const std::vector<FieldProblem>& problems) {
  auto p = ctx.procedures.version(c.procedure_id);
  json::object body{{"error", error.code.name()}, {"message", error.message}};
  if (!request.request_id.empty()) body["request_id"] = request.request_id;
  body["errors"] = problems_json(ctx, p ? p->definition.get() : nullptr, problems);
  if (p) body["case"] = case_json(ctx, c, *p, false);
  return no_store(Response::json(json::serialize(body), http::http_status(error.kind)));
}

Result<json::object> body_object(const Request& request) {
  boost::system::error_code ec;
  json::value parsed = json::parse(request.body, ec);
  if (ec || !parsed.is_object()) return make_error(Errc::bad_request_body, "the body must be a JSON object");
  return std::move(parsed.as_object());
}

Response procedure_get(const ProceduresContext& ctx, Request& request) {
  auto code = service_code_of(ctx, request.path_params.get("service").value_or(""));
  if (!code) return http::json_error(request, code.error());
  auto p = ctx.procedures.published(*code);
  if (!p) return http::json_error(request, p.error());
  if (!*p) return http::json_error(request, make_error(Errc::no_procedure, "this service has no online procedure"));
  const Definition& d = *(*p)->definition;
  json::object body{{"service", (*p)->service_code},
                    {"service_id", (*p)->service_id},
                    {"administration", (*p)->administration},
                    {"version", (*p)->version},
                    {"published_at", format_rfc3339((*p)->published_at)},
                    {"level", service_level(d)},
                    {"asked_but_known", asked_but_known_count(d)},
                    {"definition", json::parse((*p)->json)}};
  Response response = Response::json(json::serialize(body));
  // A version never changes, but a newer one may be published: caches check back within a minute.
  response.headers.set("Cache-Control", "public, max-age=60");
  return response;
}

Response case_create(const ProceduresContext& ctx, Request& request) {
  auto who = ctx.bearer(request, kScope);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto body = body_object(request);
  if (!body) return http::json_error(request, body.error());
  const json::value* service = body->if_contains("service");
  std::string named;
  if (service != nullptr && service->is_int64()) named = std::to_string(service->as_int64());
  if (service != nullptr && service->is_string()) named = std::string(service->as_string());
  if (named.empty()) {
    Error error = make_error(Errc::bad_request_body, "service must be a service id or code");
    error.field = "service";
    return http::json_error(request, error);
  }
  auto code = service_code_of(ctx, named);
  if (!code) return http::json_error(request, code.error());
  const json::value* consent = body->if_contains("consent");
  if (consent != nullptr && !consent->is_bool()) {
    Error error = make_error(Errc::bad_request_body, "consent is true or false");
    error.field = "consent";
    return http::json_error(request, error);
  }
  auto started =
      ctx.procedures.start(Actor{std::get<std::int64_t>(who), 0}, *code, consent != nullptr && consent->as_bool());
  if (!started) return http::json_error(request, started.error());
  Response response = case_response(ctx, request, *started, 201);
  response.headers.set("Location", "/api/v1/cases/" + started->reference);
  return response;
}

Response case_get(const ProceduresContext& ctx, Request& request) {
  auto who = ctx.bearer(request, kScope);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto found =
      ctx.procedures.find(Actor{std::get<std::int64_t>(who), 0}, request.path_params.get("reference").value_or(""));
  if (!found) return http::json_error(request, found.error());
  return case_response(ctx, request, *found);
}

Response case_patch(const ProceduresContext& ctx, Request& request) {
  auto who = ctx.bearer(request, kScope);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto body = body_object(request);
  if (!body) return http::json_error(request, body.error());
  const json::value* answers = body->if_contains("answers");
  if (answers == nullptr || !answers->is_object()) {
    Error error = make_error(Errc::bad_request_body, "answers must be an object of field: value");
    error.field = "answers";
    return http::json_error(request, error);
  }
  const Actor actor{std::get<std::int64_t>(who), 0};
  auto saved = ctx.procedures.save(actor, request.path_params.get("reference").value_or(""), answers->as_object());
  if (!saved) return http::json_error(request, saved.error());
  if (!saved->problems.empty()) {
    return unprocessable(ctx, request,
                         make_error(Errc::invalid_answers, std::to_string(saved->problems.size()) +
                                                               " answers were refused; the others are saved"),
                         saved->saved, saved->problems);
  }
  return case_response(ctx, request, saved->saved);
}

Response case_submit(const ProceduresContext& ctx, Request& request) {
  auto who = ctx.bearer(request, kScope);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  const Actor actor{std::get<std::int64_t>(who), 0};
  const std::string reference(request.path_params.get("reference").value_or(""));
  std::vector<FieldProblem> problems;
  auto lang = request.header("Accept-Language").value_or("en").substr(0, 2);
  const std::string language = lang == "fr" || lang == "pt" || lang == "vi" ? std::string(lang) : std::string("en");
  auto submitted = ctx.procedures.submit(actor, reference, language, &problems);
  if (!submitted) {
    if (submitted.error().code == Errc::incomplete) {
      auto found = ctx.procedures.find(actor, reference);
      if (!found) return http::json_error(request, found.error());
      return unprocessable(ctx, request, submitted.error(), *found, problems);
    }
    return http::json_error(request, submitted.error());
  }
  return case_response(ctx, request, *submitted);
}

Response case_document(const ProceduresContext& ctx, Request& request, std::string_view kind) {
  auto who = ctx.bearer(request, kScope);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  const std::string reference(request.path_params.get("reference").value_or(""));
  auto pdf = ctx.procedures.document(Actor{std::get<std::int64_t>(who), 0}, reference, kind);
  if (!pdf) return http::json_error(request, pdf.error());
  Response response = Response::text(std::move(*pdf));
  response.headers.set("Content-Type", "application/pdf");
  response.headers.set("Content-Disposition",
                       "attachment; filename=\"" + std::string(kind) + "-" + reference + ".pdf\"");
  response.headers.set("Cache-Control", "private, no-store");
  return response;
}

Result<void> discard_case(Result<Case> result) {
  if (!result) return std::move(result).error();
  return {};
}

json::object document_json(const VaultDocument& d) {
  return json::object{{"id", d.id},
                      {"kind", d.kind},
                      {"issuer", d.issuer},
                      {"expires_on", d.expires_on.empty() ? json::value(nullptr) : json::value(d.expires_on)},
                      {"name", d.name},
                      {"content_type", d.content_type},
                      {"size", d.size},
                      {"sha256", d.sha256},
                      {"created_at", format_rfc3339(d.created_at)}};
}

// The person's vault: what a file answer names by its id, and the facts given before.
Response documents_get(const ProceduresContext& ctx, Request& request) {
  auto who = ctx.bearer(request, kScope);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto documents = ctx.procedures.vault().list(std::get<std::int64_t>(who));
  if (!documents) return http::json_error(request, documents.error());
  json::array items;
  for (const VaultDocument& d : *documents) items.push_back(document_json(d));
  auto facts = ctx.procedures.vault().facts(std::get<std::int64_t>(who));
  if (!facts) return http::json_error(request, facts.error());
  json::array given;
  for (const Fact& f : *facts) {
    given.push_back(json::object{{"name", f.name},
                                 {"source", std::string(kVaultSourcePrefix) + f.name},
                                 {"value", f.value},
                                 {"case", f.case_reference},
                                 {"updated_at", format_rfc3339(f.updated_at)}});
  }
  return no_store(
      Response::json(json::serialize(json::object{{"documents", std::move(items)}, {"facts", std::move(given)}})));
}

// multipart/form-data: `file`, `kind`, and optionally `issuer` and `expires_on`.
Response documents_post(const ProceduresContext& ctx, Request& request) {
  auto who = ctx.bearer(request, kScope);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  const auto file = std::find_if(request.files.begin(), request.files.end(),
                                 [](const http::UploadedFile& f) { return f.field == "file"; });
  if (file == request.files.end()) {
    Error error = make_error(Errc::bad_request_body, "send the document as the multipart/form-data part `file`");
    error.field = "file";
    return http::json_error(request, error);
  }
  NewDocument document{std::string(request.form.get("kind").value_or("")),
                       std::string(request.form.get("issuer").value_or("")),
                       std::string(request.form.get("expires_on").value_or("")), file->filename, file->content};
  auto added = ctx.procedures.vault().add(std::get<std::int64_t>(who), document);
  if (!added) {
    Error error = added.error();
    if (error.code == Errc::bad_document_kind) error.field = "kind";
    if (error.code == Errc::bad_issuer) error.field = "issuer";
    if (error.code == Errc::bad_expiry) error.field = "expires_on";
    if (error.code == Errc::file_empty || error.code == Errc::file_too_large || error.code == Errc::file_type_refused) {
      error.field = "file";
    }
    return http::json_error(request, error);
  }
  Response response = no_store(Response::json(json::serialize(document_json(*added)), 201));
  response.headers.set("Location", "/api/v1/documents/" + std::to_string(added->id));
  return response;
}

// ---- Agents ----

json::object opinion_json(const Opinion& o) {
  return json::object{{"id", o.id},
                      {"group", o.group},
                      {"question", o.question},
                      {"asked_by", o.asked_by},
                      {"asked_at", format_rfc3339(o.asked_at)},
                      {"answer", o.answer ? json::value(*o.answer) : json::value(nullptr)},
                      {"answered_by", o.answered_by.empty() ? json::value(nullptr) : json::value(o.answered_by)},
                      {"answered_at", time_or_null(o.answered_at)}};
}

// The agent's view of a case: the person's, with the group it went to, who processes it, the
// questions reopened, every message and note (internal ones included) and the opinions.
Response agent_case_response(const ProceduresContext& ctx, const Request& request, CaseProcessing& processing,
                             std::int64_t agent, const Case& c) {
  auto p = ctx.procedures.version(c.procedure_id);
  if (!p) return http::json_error(request, p.error());
  json::object out = case_json(ctx, c, *p, true);
  out.erase("documents");  // the person's download addresses; agents read the case's pages
  out["administration"] = c.administration;
  out["group"] = c.agent_group;
  out["assigned_to_me"] = c.assigned_to != 0 && c.assigned_to == agent;
  out["assigned"] = c.assigned_to != 0;
  json::array requested;
  for (const std::string& f : c.requested_fields) requested.emplace_back(f);
  out["requested_fields"] = std::move(requested);
  auto notes = processing.notes(c, true);
  if (!notes) return http::json_error(request, notes.error());
  json::array messages;
  for (const CaseNote& n : *notes) {
    json::array files;
    for (const Attachment& a : n.attachments) files.push_back(json::object{{"name", a.name}, {"size", a.size}});
    messages.push_back(json::object{{"at", format_rfc3339(n.at)},
                                    {"from_person", n.from_person},
                                    {"author", n.author},
                                    {"internal", n.internal},
                                    {"text", n.text},
                                    {"files", std::move(files)}});
  }
  out["messages"] = std::move(messages);
  auto opinions = processing.opinions(c);
  if (!opinions) return http::json_error(request, opinions.error());
  json::array asked;
  for (const Opinion& o : *opinions) asked.push_back(opinion_json(o));
  out["opinions"] = std::move(asked);
  auto processes = processing.can_process(agent, c);
  if (!processes) return http::json_error(request, processes.error());
  out["can_process"] = *processes;
  return no_store(Response::json(json::serialize(out)));
}

Error bad_member(std::string_view field, std::string message) {
  Error error = make_error(Errc::bad_request_body, std::move(message));
  error.field = std::string(field);
  return error;
}

// A body member that must be a text (empty when absent).
Result<std::string> text_member(const json::object& body, std::string_view key) {
  const json::value* v = body.if_contains(key);
  if (v == nullptr) return std::string();
  if (!v->is_string()) return bad_member(key, std::string(key) + " must be a text");
  return std::string(v->as_string());
}

// GET /api/v1/agent/cases?status=&group=&mine=true: the agent's queue and counts.
Response agent_cases_get(const ProceduresContext& ctx, Request& request) {
  auto who = ctx.bearer(request, kStaffScope);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  const std::int64_t agent = std::get<std::int64_t>(who);
  QueueFilter filter;
  if (auto status = request.query.get("status"); status && !status->empty()) {
    filter.status = parse_case_status(*status);
    if (!filter.status || *filter.status == CaseStatus::draft) {
      return http::json_error(request, bad_member("status", "status must be a case status other than draft"));
    }
  }
  if (auto group = request.query.get("group"); group && !group->empty()) filter.group = std::string(*group);
  if (auto mine = request.query.get("mine"); mine && *mine != "false" && *mine != "0") filter.mine = true;
  CaseProcessing processing(ctx.procedures);
  auto reach = processing.administrations_of(agent);
  if (!reach) return http::json_error(request, reach.error());
  if (reach->empty()) return http::json_error(request, make_error(Errc::not_allowed, "agents only"));
  auto cases = processing.queue(agent, filter);
  if (!cases) return http::json_error(request, cases.error());
  auto counts = processing.counts(agent);
  if (!counts) return http::json_error(request, counts.error());
  json::array items;
  for (const Case& c : *cases) {
    items.push_back(json::object{{"reference", c.reference},
                                 {"service", c.service_code},
                                 {"administration", c.administration},
                                 {"status", to_string(c.status)},
                                 {"group", c.agent_group},
                                 {"assigned", c.assigned_to != 0},
                                 {"assigned_to_me", c.assigned_to != 0 && c.assigned_to == agent},
                                 {"submitted_at", time_or_null(c.submitted_at)},
                                 {"updated_at", format_rfc3339(c.updated_at)}});
  }
  json::object by_status;
  for (const auto& [status, count] : *counts) by_status[to_string(status)] = count;
  return no_store(
      Response::json(json::serialize(json::object{{"cases", std::move(items)}, {"counts", std::move(by_status)}})));
}

Response agent_case_get(const ProceduresContext& ctx, Request& request) {
  auto who = ctx.bearer(request, kStaffScope);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  const std::int64_t agent = std::get<std::int64_t>(who);
  CaseProcessing processing(ctx.procedures);
  auto found = processing.find(agent, request.path_params.get("reference").value_or(""));
  if (!found) return http::json_error(request, found.error());
  return agent_case_response(ctx, request, processing, agent, *found);
}

enum class AgentAct { take, request_information, decide, note, message };

// POST /api/v1/agent/cases/{reference}/take, /requests ({"message", "fields"}), /decision
// ({"decision", "reasons"}), /notes ({"text"}), /messages ({"text"}): the case as it is after.
Response agent_case_act(const ProceduresContext& ctx, Request& request, AgentAct act) {
  auto who = ctx.bearer(request, kStaffScope);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  const std::int64_t agent = std::get<std::int64_t>(who);
  const std::string reference(request.path_params.get("reference").value_or(""));
  json::object body;
  if (act != AgentAct::take) {
    auto parsed = body_object(request);
    if (!parsed) return http::json_error(request, parsed.error());
    body = std::move(parsed).value();
  }
  CaseProcessing processing(ctx.procedures);
  Result<void> done;
  switch (act) {
    case AgentAct::take:
      done = discard_case(processing.take(agent, reference));
      break;
    case AgentAct::request_information: {
      auto message = text_member(body, "message");
      if (!message) return http::json_error(request, message.error());
      std::vector<std::string> fields;
      const json::value* named = body.if_contains("fields");
      if (named == nullptr || !named->is_array()) {
        return http::json_error(request, bad_member("fields", "fields must be a list of field ids"));
      }
      for (const json::value& f : named->as_array()) {
        if (!f.is_string())
          return http::json_error(request, bad_member("fields", "fields must be a list of field ids"));
        fields.emplace_back(f.as_string());
      }
      done = discard_case(processing.request_information(agent, reference, *message, fields));
      break;
    }
    case AgentAct::decide: {
      auto named = text_member(body, "decision");
      if (!named) return http::json_error(request, named.error());
      auto decision = parse_decision(*named);
      if (!decision)
        return http::json_error(request, bad_member("decision", "decision must be accept, refuse or close"));
      auto reasons = text_member(body, "reasons");
      if (!reasons) return http::json_error(request, reasons.error());
      done = discard_case(processing.decide(agent, reference, *decision, *reasons));
      break;
    }
    case AgentAct::note:
    case AgentAct::message: {
      auto text = text_member(body, "text");
      if (!text) return http::json_error(request, text.error());
      done = act == AgentAct::note ? processing.add_note(agent, reference, *text)
                                   : processing.message_person(agent, reference, *text);
      break;
    }
  }
  if (!done) {
    Error error = done.error();
    // The pages' form fields are named otherwise; the API's member is "text".
    if (error.code == Errc::bad_request_body && (error.field == "note" || error.field == "person_message")) {
      error.field = "text";
    }
    return http::json_error(request, error);
  }
  auto found = processing.find(agent, reference);
  if (!found) return http::json_error(request, found.error());
  return agent_case_response(ctx, request, processing, agent, *found);
}

}  // namespace

void register_api_routes(http::Router& router, const ProceduresContext& context) {
  const ProceduresContext* ctx = &context;
  const http::RouteOptions api{http::RouteKind::api, 256 * 1024, false};
  router.get(
      "/api/v1/procedures/{service}", [ctx](Request& request) { return procedure_get(*ctx, request); }, api);
  router.post(
      "/api/v1/cases", [ctx](Request& request) { return case_create(*ctx, request); }, api);
  router.get(
      "/api/v1/cases/{reference}", [ctx](Request& request) { return case_get(*ctx, request); }, api);
  router.add(
      http::Method::patch, "/api/v1/cases/{reference}", [ctx](Request& request) { return case_patch(*ctx, request); },
      api);
  router.post(
      "/api/v1/cases/{reference}/submit", [ctx](Request& request) { return case_submit(*ctx, request); }, api);
  router.get(
      "/api/v1/cases/{reference}/receipt", [ctx](Request& request) { return case_document(*ctx, request, "receipt"); },
      api);
  http::RouteOptions with_file = api;
  with_file.max_body_bytes = kMaxUploadBodyBytes / 4;
  router.get(
      "/api/v1/documents", [ctx](Request& request) { return documents_get(*ctx, request); }, api);
  router.post(
      "/api/v1/documents", [ctx](Request& request) { return documents_post(*ctx, request); }, with_file);
  router.get(
      "/api/v1/cases/{reference}/decision",
      [ctx](Request& request) { return case_document(*ctx, request, "decision"); }, api);
  router.get(
      "/api/v1/agent/cases", [ctx](Request& request) { return agent_cases_get(*ctx, request); }, api);
  router.get(
      "/api/v1/agent/cases/{reference}", [ctx](Request& request) { return agent_case_get(*ctx, request); }, api);
  const std::pair<const char*, AgentAct> acts[] = {{"/take", AgentAct::take},
                                                   {"/requests", AgentAct::request_information},
                                                   {"/decision", AgentAct::decide},
                                                   {"/notes", AgentAct::note},
                                                   {"/messages", AgentAct::message}};
  for (const auto& [suffix, act] : acts) {
    router.post(
        std::string("/api/v1/agent/cases/{reference}") + suffix,
        [ctx, act = act](Request& request) { return agent_case_act(*ctx, request, act); }, api);
  }
}

}  // namespace guichet::procedures
