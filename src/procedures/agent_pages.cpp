// The agents' side of online procedures: /agent/cases (the queue of their administrations' cases,
// with counts by status and "mine") and /agent/cases/{reference} (the answers, the history, the
// messages and internal notes, and what can be done in the case's status). Each act is a form
// and a redirect, so it works without JavaScript.
#include <boost/json.hpp>

#include "guichet/core/spoken_time.hpp"
#include "guichet/http/application.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/procedures/errors.hpp"
#include "guichet/procedures/processing.hpp"
#include "guichet/procedures/web.hpp"
#include "presentation.hpp"

namespace guichet::procedures {
namespace json = boost::json;
using http::PageData;
using http::Request;
using http::Response;

namespace {

std::string status_text(const ProceduresContext& ctx, const std::string& lang, CaseStatus status) {
  return ctx.catalog.text(lang, "case_status_" + std::string(to_string(status)));
}

Response queue_page(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in(request.target);
  const std::string& lang = request.lang;
  CaseProcessing processing(ctx.procedures);
  const std::int64_t agent = request.principal->user_id;
  auto reach = processing.administrations_of(agent);
  if (!reach) return ctx.pages.render_error(request, reach.error());
  if (reach->empty()) return ctx.pages.render_error(request, make_error(Errc::not_allowed, "agents only"));
  QueueFilter filter;
  const std::string status(request.query.get("status").value_or(""));
  if (!status.empty()) filter.status = parse_case_status(status);
  filter.mine = request.query.get("mine").value_or("") == "1";
  if (auto group = request.query.get("group"); group && !group->empty()) filter.group = std::string(*group);
  auto cases = processing.queue(agent, filter);
  if (!cases) return ctx.pages.render_error(request, cases.error());
  auto counts = processing.counts(agent);
  if (!counts) return ctx.pages.render_error(request, counts.error());
  PageData data;
  PageData tabs{PageData::type::list};
  for (CaseStatus s : {CaseStatus::submitted, CaseStatus::under_review, CaseStatus::waiting_for_person,
                       CaseStatus::accepted, CaseStatus::refused, CaseStatus::closed}) {
    PageData tab;
    tab.set("status", std::string(to_string(s)));
    tab.set("label", status_text(ctx, lang, s));
    tab.set("count", std::to_string(counts->contains(s) ? counts->at(s) : 0));
    if (filter.status == s) tab.set("current", true);
    tabs.push_back(tab);
  }
  data.set("tabs", tabs);
  if (filter.mine) data.set("mine", true);
  PageData items{PageData::type::list};
  std::map<std::int64_t, std::string> titles;
  for (const Case& c : *cases) {
    if (!titles.contains(c.procedure_id)) {
      auto p = ctx.procedures.version(c.procedure_id);
      titles[c.procedure_id] =
          p && !p->definition->title.empty() ? text_in(p->definition->title, lang) : c.service_code;
    }
    PageData item;
    item.set("reference", c.reference);
    item.set("title", titles[c.procedure_id]);
    item.set("status", status_text(ctx, lang, c.status));
    if (c.submitted_at) item.set("submitted_at", spoken_instant(lang, ctx.time_zone, *c.submitted_at));
    if (c.assigned_to == agent) item.set("mine", true);
    if (!c.agent_group.empty()) item.set("group", c.agent_group);
    items.push_back(item);
  }
  data.set("cases", items);
  if (cases->empty()) data.set("empty", true);
  auto asked = processing.opinions_asked_of(agent);
  if (!asked) return ctx.pages.render_error(request, asked.error());
  PageData opinion_items{PageData::type::list};
  for (const Opinion& o : *asked) {
    PageData item;
    item.set("reference", o.reference);
    item.set("group", o.group);
    item.set("question", o.question);
    item.set("asked_at", spoken_instant(lang, ctx.time_zone, o.asked_at));
    opinion_items.push_back(item);
  }
  if (!asked->empty()) {
    data.set("opinions", opinion_items);
    data.set("has_opinions", true);
  }
  return no_store(ctx.pages.render(request, "agent_cases", "agent_cases_title", data));
}

Response case_page(const ProceduresContext& ctx, const Request& request, std::string_view error_field,
                   const std::string& error, int status) {
  if (!request.principal) return to_sign_in(request.target);
  const std::string& lang = request.lang;
  CaseProcessing processing(ctx.procedures);
  const std::int64_t agent = request.principal->user_id;
  auto found = processing.find(agent, request.path_params.get("reference").value_or(""));
  if (!found) return ctx.pages.render_error(request, found.error());
  auto p = ctx.procedures.version(found->procedure_id);
  if (!p) return ctx.pages.render_error(request, p.error());
  const Case& c = *found;
  PageData data;
  data.set("reference", c.reference);
  data.set("title", title_of(ctx.procedures, *p, lang));
  data.set("status", status_text(ctx, lang, c.status));
  // An expert asked for an opinion reads the case and answers; only its processing agents act.
  auto processes = processing.can_process(agent, c);
  if (!processes) return ctx.pages.render_error(request, processes.error());
  data.set("can_act", *processes);
  data.set("can_take", *processes && (c.status == CaseStatus::submitted ||
                                      (c.status == CaseStatus::under_review && c.assigned_to != agent)));
  data.set("can_decide", *processes && c.status == CaseStatus::under_review);
  auto opinions = processing.opinions(c);
  if (!opinions) return ctx.pages.render_error(request, opinions.error());
  auto mine = processing.opinions_asked_of(agent);
  if (!mine) return ctx.pages.render_error(request, mine.error());
  PageData opinion_list{PageData::type::list};
  for (const Opinion& o : *opinions) {
    PageData item;
    item.set("id", std::to_string(o.id));
    item.set("group", o.group);
    item.set("question", o.question);
    item.set("asked_by", o.asked_by);
    item.set("asked_at", spoken_instant(lang, ctx.time_zone, o.asked_at));
    if (o.answer) {
      item.set("answer", *o.answer);
      item.set("answered_by", o.answered_by);
      item.set("answered_at", spoken_instant(lang, ctx.time_zone, *o.answered_at));
    } else {
      item.set("pending", true);
      if (std::any_of(mine->begin(), mine->end(), [&](const Opinion& m) { return m.id == o.id; })) {
        item.set("mine_to_give", true);
      }
    }
    opinion_list.push_back(item);
  }
  if (!opinions->empty()) data.set("opinions", opinion_list);
  if (*processes && c.status == CaseStatus::under_review) {
    auto groups = processing.expert_groups(c);
    if (!groups) return ctx.pages.render_error(request, groups.error());
    PageData group_list{PageData::type::list};
    for (const std::string& g : *groups) group_list.push_back(PageData(g));
    if (!groups->empty()) {
      data.set("expert_groups", group_list);
      data.set("can_ask_opinion", true);
    }
  }
  if (c.assigned_to == agent) data.set("mine", true);
  if (c.submitted_at) data.set("submitted_at", spoken_instant(lang, ctx.time_zone, *c.submitted_at));
  if (!c.agent_group.empty()) data.set("group", c.agent_group);
  // The answers, and the questions that can be reopened.
  const json::object effective = submitted_answers(*p->definition, c.answers);
  PageData sections{PageData::type::list};
  PageData questions{PageData::type::list};
  for (const Page* page : path(*p->definition, c.answers)) {
    PageData rows{PageData::type::list};
    for (const Field& field : page->fields) {
      if (field.type == FieldType::section || !visible(field, effective)) continue;
      PageData row;
      row.set("label", text_in(field.label, lang));
      if (const json::value* v = c.answers.if_contains(field.id)) {
        row.set("answer", display_answer(field, *v, lang, ctx.catalog));
        if (auto link = file_link(field, *v, "/agent/cases/" + c.reference + "/", false); !link.empty()) {
          row.set("file_link", link);
        }
        if (c.prefilled.contains(field.id))
          row.set("prefilled", prefilled_text(c, field.id, request.lang, ctx.catalog));
      } else {
        row.set("unanswered", true);
      }
      rows.push_back(row);
      PageData q;
      q.set("field", field.id);
      q.set("label", text_in(field.label, lang));
      questions.push_back(q);
    }
    PageData section;
    section.set("title", text_in(page->title, lang));
    section.set("rows", rows);
    sections.push_back(section);
  }
  data.set("sections", sections);
  data.set("questions", questions);
  auto history = ctx.procedures.history(c);
  if (!history) return ctx.pages.render_error(request, history.error());
  PageData events{PageData::type::list};
  for (const CaseEvent& e : *history) {
    PageData event;
    event.set("at", spoken_instant(lang, ctx.time_zone, e.at));
    event.set("status", status_text(ctx, lang, e.to));
    events.push_back(event);
  }
  data.set("history", events);
  auto notes = processing.notes(c, true);
  if (!notes) return ctx.pages.render_error(request, notes.error());
  PageData note_list{PageData::type::list};
  for (const CaseNote& n : *notes) {
    PageData note;
    note.set("at", spoken_instant(lang, ctx.time_zone, n.at));
    note.set("author", n.from_person || n.author.empty() ? ctx.catalog.text(lang, "agent_case_the_person") : n.author);
    note.set("text", n.text);
    if (n.internal) note.set("internal", true);
    PageData files{PageData::type::list};
    for (const Attachment& a : n.attachments) {
      PageData file;
      file.set("link", "/agent/cases/" + c.reference + "/files/" + std::to_string(a.id));
      file.set("name", a.name);
      file.set("size", file_size_text(a.size, lang, ctx.catalog));
      files.push_back(file);
    }
    if (!n.attachments.empty()) note.set("files", files);
    note_list.push_back(note);
  }
  data.set("notes", note_list);
  if (!error.empty()) {
    data.set("error", error);
    data.set("error_" + std::string(error_field), error);
  }
  return no_store(ctx.pages.render(request, "agent_case", "agent_case_title", data, status));
}

// After an act: the case again, or the page with the error next to the field at fault.
Response after(const ProceduresContext& ctx, const Request& request, const Result<void>& done) {
  const std::string reference(request.path_params.get("reference").value_or(""));
  if (done) return Response::redirect("/agent/cases/" + reference, 303);
  const Error& error = done.error();
  if (error.code == Errc::bad_request_body || error.code == Errc::wrong_status) {
    const std::string key =
        error.code == Errc::wrong_status ? "procedure_wrong_status" : "agent_case_error_" + error.field;
    return case_page(ctx, request, error.field.empty() ? "status" : error.field, ctx.catalog.text(request.lang, key),
                     http::http_status(error.kind));
  }
  return ctx.pages.render_error(request, error);
}

template <class T>
Result<void> discard(Result<T> result) {
  if (!result) return std::move(result).error();
  return {};
}

Response take_post(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in("/agent/cases");
  CaseProcessing processing(ctx.procedures);
  return after(ctx, request,
               discard(processing.take(request.principal->user_id, request.path_params.get("reference").value_or(""))));
}

Response request_post(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in("/agent/cases");
  CaseProcessing processing(ctx.procedures);
  std::vector<std::string> fields;
  for (std::string_view f : request.form.all("fields")) fields.emplace_back(f);
  return after(ctx, request,
               discard(processing.request_information(request.principal->user_id,
                                                      request.path_params.get("reference").value_or(""),
                                                      request.form.get("message").value_or(""), fields)));
}

Response decide_post(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in("/agent/cases");
  CaseProcessing processing(ctx.procedures);
  auto decision = parse_decision(request.form.get("decision").value_or(""));
  if (!decision) {
    Error error = make_error(Errc::bad_request_body, "choose a decision");
    error.field = "decision";
    return after(ctx, request, error);
  }
  return after(ctx, request,
               discard(processing.decide(request.principal->user_id, request.path_params.get("reference").value_or(""),
                                         *decision, request.form.get("reasons").value_or(""))));
}

Response message_post(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in("/agent/cases");
  CaseProcessing processing(ctx.procedures);
  auto file = message_file(request, "file");
  if (!file) {
    return case_page(ctx, request, "person_file", ctx.catalog.text(request.lang, file.error().code.message_key()),
                     http::http_status(file.error().kind));
  }
  return after(
      ctx, request,
      processing.message_person(request.principal->user_id, request.path_params.get("reference").value_or(""),
                                request.form.get("message").value_or(""), file->has_value() ? &**file : nullptr));
}

Response ask_opinion_post(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in("/agent/cases");
  CaseProcessing processing(ctx.procedures);
  return after(ctx, request,
               discard(processing.ask_opinion(
                   request.principal->user_id, request.path_params.get("reference").value_or(""),
                   request.form.get("group").value_or(""), request.form.get("question").value_or(""))));
}

Response give_opinion_post(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in("/agent/cases");
  const std::string_view id = request.path_params.get("id").value_or("");
  if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string_view::npos) {
    return ctx.pages.render_error(request, make_error(Errc::no_such_case, "no such opinion"));
  }
  CaseProcessing processing(ctx.procedures);
  return after(
      ctx, request,
      discard(processing.give_opinion(request.principal->user_id, request.path_params.get("reference").value_or(""),
                                      std::stoll(std::string(id)), request.form.get("answer").value_or(""))));
}

// A file of a case the agent reaches: an answer, or a message's attachment.
Response case_file(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in(request.target);
  CaseProcessing processing(ctx.procedures);
  auto found = processing.find(request.principal->user_id, request.path_params.get("reference").value_or(""));
  if (!found) return ctx.pages.render_error(request, found.error());
  return attachment_download(ctx, request, found->id);
}

Response note_post(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in("/agent/cases");
  CaseProcessing processing(ctx.procedures);
  return after(ctx, request,
               processing.add_note(request.principal->user_id, request.path_params.get("reference").value_or(""),
                                   request.form.get("note").value_or("")));
}

}  // namespace

void register_agent_routes(http::Router& router, const ProceduresContext& context) {
  const ProceduresContext* ctx = &context;
  router.get("/agent/cases", [ctx](Request& request) { return queue_page(*ctx, request); });
  router.get("/agent/cases/{reference}", [ctx](Request& request) { return case_page(*ctx, request, "", "", 200); });
  router.post("/agent/cases/{reference}/take", [ctx](Request& request) { return take_post(*ctx, request); });
  router.post("/agent/cases/{reference}/request", [ctx](Request& request) { return request_post(*ctx, request); });
  router.post("/agent/cases/{reference}/decide", [ctx](Request& request) { return decide_post(*ctx, request); });
  router.post("/agent/cases/{reference}/note", [ctx](Request& request) { return note_post(*ctx, request); });
  router.post("/agent/cases/{reference}/opinions", [ctx](Request& request) { return ask_opinion_post(*ctx, request); });
  router.post("/agent/cases/{reference}/opinions/{id}",
              [ctx](Request& request) { return give_opinion_post(*ctx, request); });
  http::RouteOptions with_file;
  with_file.max_body_bytes = kMaxUploadBodyBytes / 4;
  router.post(
      "/agent/cases/{reference}/message", [ctx](Request& request) { return message_post(*ctx, request); }, with_file);
  router.get("/agent/cases/{reference}/files/{id}", [ctx](Request& request) { return case_file(*ctx, request); });
}

}  // namespace guichet::procedures
