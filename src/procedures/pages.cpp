// Online procedures on the web, usable without JavaScript: each step is a form and a redirect.
// A page's answers are saved when it is sent, the valid ones kept whatever else is wrong, and the
// page shown again with each problem next to its field and listed above the form (GOV.UK's error
// summary); "Save and come back later" keeps the draft for any device the person signs in on.
#include <boost/json.hpp>

#include <algorithm>

#include "guichet/catalogue/reads.hpp"
#include "guichet/core/calendar.hpp"
#include "guichet/core/spoken_time.hpp"
#include "guichet/http/application.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/procedures/errors.hpp"
#include "guichet/procedures/processing.hpp"
#include "guichet/procedures/web.hpp"
#include "identifiers.hpp"
#include "presentation.hpp"

namespace guichet::procedures {
namespace json = boost::json;
using http::PageData;
using http::Request;
using http::Response;

namespace {

Actor actor_of(const Request& request) { return Actor{request.principal->user_id, request.principal->organisation_id}; }

std::string reference_of(const Request& request) {
  return std::string(request.path_params.get("reference").value_or(""));
}

std::string local_time(const ProceduresContext& ctx, const std::string& lang, Instant at) {
  return spoken_instant(lang, ctx.time_zone, at);
}

// The value an input shows: what the person typed when it was refused, else the stored answer
// in the form people type it.
std::string input_text(const Field& field, const json::value& value, const std::string& lang) {
  // A stored IBAN is shown in groups of four, as it is typed from a bank card; a refused one as typed.
  if (value.is_string()) {
    const std::string_view text = value.as_string();
    const bool stored_iban = field.type == FieldType::iban && text.find(' ') == std::string_view::npos;
    return stored_iban ? grouped_iban(text) : std::string(text);
  }
  if (field.type == FieldType::amount && value.is_int64()) {
    const std::int64_t cents = value.as_int64();
    const std::int64_t fraction = cents < 0 ? -(cents % 100) : cents % 100;
    std::string text = std::to_string(cents / 100) + (lang == "en" ? "." : ",") + (fraction < 10 ? "0" : "") +
                       std::to_string(fraction);
    if (cents < 0 && cents / 100 == 0) text = "-" + text;
    return text;
  }
  if (value.is_null()) return "";
  return json::serialize(value);
}

std::string part_of(const json::value& value, const char* key) {
  if (!value.is_object()) return "";
  const json::value* v = value.as_object().if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// The id of the first control of a field, which the error summary links to.
std::string anchor_of(const Field& field) {
  switch (field.type) {
    case FieldType::date:
      return field.id + "-day";
    case FieldType::address:
      return field.id + "-street";
    case FieldType::choice:
    case FieldType::multiple_choice:
      return field.options.empty() ? field.id : field.id + "-" + field.options.front().id;
    case FieldType::yes_no:
      return field.id + "-yes";
    case FieldType::file:
      return field.id + "-upload";
    default:
      return field.id;
  }
}

std::string autocomplete_of(const Field& field) {
  if (!field.source) {
    if (field.type == FieldType::email) return "email";
    if (field.type == FieldType::phone) return "tel";
    return "off";
  }
  const std::string& s = *field.source;
  if (s == "account.given_name") return "given-name";
  if (s == "account.family_name") return "family-name";
  if (s == "account.email") return "email";
  if (s == "account.phone_number") return "tel";
  if (s == "account.organisation_name") return "organization";
  return "off";
}

struct ShownPage {
  json::object values;                                       // what each input shows
  std::map<std::string, std::string> errors;                 // field id -> message
  std::vector<std::pair<std::string, std::string>> summary;  // anchor, message, in page order
  std::vector<VaultDocument> documents;                      // the person's vault, for file questions
  std::string today;
};

// "PDF, JPEG or PNG, 10 MB at most": what a file question takes.
std::string file_hint(const ProceduresContext& ctx, const Field& field, const std::string& lang) {
  std::string types;
  for (std::size_t i = 0; i < field.accept.size(); ++i) {
    const std::string& type = field.accept[i];
    if (i > 0) types += i + 1 == field.accept.size() ? " " + ctx.catalog.text(lang, "procedure_file_or") + " " : ", ";
    types += type == "application/pdf" ? "PDF" : type == "image/jpeg" ? "JPEG" : "PNG";
  }
  return http::fill_text(ctx.catalog.text(lang, "procedure_file_hint"),
                         {{"types", types}, {"size", file_size_text(field.max_bytes, lang, ctx.catalog)}});
}

// A vault document as it is offered: "Medical certificate, valid until 3 June 2027, PDF, 120 KB".
std::string document_details(const ProceduresContext& ctx, const VaultDocument& d, const std::string& lang) {
  std::string out = ctx.catalog.text(lang, "document_kind_" + d.kind);
  if (!d.issuer.empty()) out += ", " + d.issuer;
  if (!d.expires_on.empty()) {
    out +=
        ", " + http::fill_text(ctx.catalog.text(lang, "vault_valid_until"), {{"date", spoken_day(lang, d.expires_on)}});
  }
  return out + ", " + file_size_text(d.size, lang, ctx.catalog);
}

void file_data(const ProceduresContext& ctx, const Field& field, const json::value& v, const ShownPage& shown,
               const std::string& lang, PageData& f) {
  f.set("file_hint", file_hint(ctx, field, lang));
  std::string accept;
  for (const std::string& type : field.accept) accept += (accept.empty() ? "" : ",") + type;
  f.set("accept", accept);
  std::int64_t chosen = 0;
  if (const json::value* id = v.is_object() ? v.as_object().if_contains("document") : nullptr; id && id->is_int64()) {
    chosen = id->as_int64();
  }
  // An answer already copied to the case (while the person answers a request again) is kept
  // unless another is chosen.
  const bool attached = v.is_object() && v.as_object().contains("attachment");
  if (attached) f.set("current", display_answer(field, v, lang, ctx.catalog));
  PageData documents{PageData::type::list};
  for (const VaultDocument& d : shown.documents) {
    const bool usable = std::find(field.accept.begin(), field.accept.end(), d.content_type) != field.accept.end() &&
                        d.size <= field.max_bytes && !d.expired(shown.today);
    if (d.id != chosen && (d.kind != field.document_kind || !usable)) continue;
    PageData doc;
    doc.set("doc_id", std::to_string(d.id));
    doc.set("doc_name", d.name);
    doc.set("doc_details", document_details(ctx, d, lang));
    if (d.id == chosen) doc.set("checked", true);
    documents.push_back(doc);
  }
  if (!documents.is_empty_list()) {
    f.set("documents", documents);
    f.set("has_documents", true);
    if (chosen == 0 && !attached) f.set("new_checked", true);
  }
}

// One field's entry on the form page. An item field of a group comes with its path as its id
// and its `item_value` (null when the item does not answer it).
PageData field_data(const ProceduresContext& ctx, const Request& request, const Case& c, const Field& field,
                    const ShownPage& shown, const json::value* item_value = nullptr, bool in_item = false) {
  const std::string& lang = request.lang;
  PageData f;
  f.set("id", field.id);
  f.set("anchor", anchor_of(field));
  f.set("label", text_in(field.label, lang));
  if (!field.help.empty()) f.set("help", text_in(field.help, lang));
  if (!field.required) f.set("optional", true);
  f.set("is_" + std::string(to_string(field.type)), true);
  // One-line inputs share one template block; their type, keyboard and width differ.
  switch (field.type) {
    case FieldType::text:
      f.set("is_input", true);
      f.set("input_type", "text");
      break;
    case FieldType::email:
      f.set("is_input", true);
      f.set("input_type", "email");
      break;
    case FieldType::phone:
      f.set("is_input", true);
      f.set("input_type", "tel");
      f.set("width", "usa-input--xl");
      break;
    case FieldType::number:
    case FieldType::amount:
      f.set("is_input", true);
      f.set("input_type", "text");
      f.set("inputmode", "decimal");
      f.set("width", "usa-input--medium");
      break;
    case FieldType::postcode:
    case FieldType::organisation_number:
    case FieldType::national_id:
      f.set("is_input", true);
      f.set("input_type", "text");
      f.set("inputmode", field.type == FieldType::postcode && field.country != "PT" ? "numeric" : "text");
      f.set("width", "usa-input--xl");
      break;
    case FieldType::iban:
      f.set("is_input", true);
      f.set("input_type", "text");
      break;
    default:
      break;
  }
  const json::value* value = in_item ? item_value : shown.values.if_contains(field.id);
  const json::value empty;
  const json::value& v = value != nullptr ? *value : empty;
  if (auto error = shown.errors.find(field.id); error != shown.errors.end()) f.set("error", error->second);
  const bool kept_as_given = c.prefilled.contains(field.id) && !field.editable;
  // While the case waits for the person, only the questions the agent reopened can change.
  const bool locked =
      !in_item && c.status == CaseStatus::waiting_for_person &&
      std::find(c.requested_fields.begin(), c.requested_fields.end(), field.id) == c.requested_fields.end();
  if (c.prefilled.contains(field.id)) f.set("prefilled", prefilled_text(c, field.id, lang, ctx.catalog));
  if (kept_as_given || locked) {
    f.set("fixed", true);
    const json::value* answer = c.answers.if_contains(field.id);
    f.set("fixed_value", answer != nullptr ? display_answer(field, *answer, lang, ctx.catalog)
                                           : ctx.catalog.text(lang, "procedure_not_answered"));
    if (kept_as_given) f.set("from_account", true);
  }
  f.set("value", input_text(field, v, lang));
  f.set("autocomplete", autocomplete_of(field));
  if (field.type == FieldType::date) {
    const std::string iso = v.is_string() ? std::string(v.as_string()) : std::string();
    if (iso.size() == 10 && iso[4] == '-' && iso[7] == '-') {
      f.set("year", iso.substr(0, 4));
      f.set("month", iso.substr(5, 2).front() == '0' ? iso.substr(6, 1) : iso.substr(5, 2));
      f.set("day", iso.substr(8, 2).front() == '0' ? iso.substr(9, 1) : iso.substr(8, 2));
    }
    if (field.source == "account.birthdate") f.set("birthday", true);
  }
  if (field.type == FieldType::file) file_data(ctx, field, v, shown, lang, f);
  if (field.type == FieldType::address) {
    f.set("street", part_of(v, "street"));
    f.set("postcode", part_of(v, "postcode"));
    f.set("city", part_of(v, "city"));
  }
  if (field.type == FieldType::yes_no) {
    if (v.is_bool()) f.set(v.as_bool() ? "yes_checked" : "no_checked", true);
    if (v.is_string())
      f.set(v.as_string() == "yes" ? "yes_checked" : "no_checked", v.as_string() == "yes" || v.as_string() == "no");
  }
  if (field.type == FieldType::choice || field.type == FieldType::multiple_choice) {
    PageData options{PageData::type::list};
    for (const Option& option : field.options) {
      PageData o;
      o.set("option_id", option.id);
      o.set("option_label", text_in(option.label, lang));
      bool checked = false;
      if (v.is_string()) checked = v.as_string() == option.id;
      if (v.is_array()) {
        checked = std::any_of(v.as_array().begin(), v.as_array().end(),
                              [&](const json::value& x) { return x.is_string() && x.as_string() == option.id; });
      }
      if (checked) o.set("checked", true);
      options.push_back(o);
    }
    f.set("options", options);
  }
  return f;
}

// Whether a group's item, as typed, answers nothing (the blank item the form offers).
bool blank_item(const Field& group, const json::value& item, std::string_view today) {
  if (!item.is_object()) return false;
  return std::all_of(group.fields.begin(), group.fields.end(), [&](const Field& part) {
    const json::value* given = item.as_object().if_contains(part.id);
    if (given == nullptr) return true;
    const Checked checked = check_answer(part, *given, today);
    return checked.empty && !checked.problem;
  });
}

// A group's items on the form page, after the group's own entry, as a flat run of entries the
// template reads in order (mustache has no recursion without partials): each item opens a
// fieldset, lists its fields (ids are paths, "children.0.name") and closes with its remove
// button; a blank item follows while there is room, and the group closes with the number of
// items shown and "save and add another". Without JavaScript every step is a form post.
void group_entries(const ProceduresContext& ctx, const Request& request, const Case& c, const Field& group,
                   const ShownPage& shown, PageData& fields) {
  const std::string& lang = request.lang;
  json::array items;
  if (const json::value* value = shown.values.if_contains(group.id); value != nullptr && value->is_array()) {
    items = value->as_array();
  }
  while (!items.empty() && blank_item(group, items.back(), shown.today)) items.pop_back();
  const std::size_t answered = items.size();
  if (answered < group.max_items) items.emplace_back(json::object());
  const json::value nothing;
  for (std::size_t i = 0; i < items.size(); ++i) {
    PageData open;
    open.set("is_item_start", true);
    open.set("item_anchor", group.id + "-item-" + std::to_string(i));
    open.set("item_name", item_name(group, i, lang, ctx.catalog));
    if (i == answered) open.set("item_blank", true);
    fields.push_back(open);
    for (const Field& part : group.fields) {
      Field at = part;
      at.id = item_path(group.id, i, part.id);
      const json::value* given = items[i].is_object() ? items[i].as_object().if_contains(part.id) : nullptr;
      fields.push_back(field_data(ctx, request, c, at, shown, given != nullptr ? given : &nothing, true));
    }
    PageData close;
    close.set("is_item_end", true);
    if (i < answered) {
      close.set("remove", "remove:" + group.id + "." + std::to_string(i));
      close.set("item_name", item_name(group, i, lang, ctx.catalog));
    }
    fields.push_back(close);
  }
  PageData end;
  end.set("is_group_end", true);
  end.set("group_id", group.id);
  end.set("items_shown", std::to_string(items.size()));
  if (answered < group.max_items) end.set("add", "add:" + group.id);
  fields.push_back(end);
}

Response form_page(const ProceduresContext& ctx, const Request& request, const Case& c, const PublishedProcedure& p,
                   const Page& page, const ShownPage& shown, int status) {
  const std::string& lang = request.lang;
  PageData data;
  data.set("procedure_title", title_of(ctx.procedures, p, lang));
  data.set("page_title", text_in(page.title, lang));
  if (!page.intro.empty()) data.set("intro", text_in(page.intro, lang));
  data.set("reference", c.reference);
  data.set("page_id", page.id);
  const json::object effective = submitted_answers(*p.definition, c.answers);
  PageData fields{PageData::type::list};
  for (const Field& field : page.fields) {
    if (field.type != FieldType::section && !visible(field, effective)) continue;
    if (field.type == FieldType::file) data.set("has_files", true);
    // Enter in a text box sends the form with its first button: "continue", not "remove".
    if (field.type == FieldType::group) data.set("has_groups", true);
    PageData entry = field_data(ctx, request, c, field, shown);
    const bool fixed = entry.get("fixed") != nullptr;
    fields.push_back(entry);
    if (field.type == FieldType::group && !fixed) group_entries(ctx, request, c, field, shown, fields);
  }
  data.set("fields", fields);
  if (!shown.summary.empty()) {
    PageData errors{PageData::type::list};
    for (const auto& [anchor, message] : shown.summary) {
      PageData e;
      e.set("anchor", anchor);
      e.set("message", message);
      errors.push_back(e);
    }
    data.set("errors", errors);
    data.set("has_errors", true);
  }
  // Back: the page before this one on the person's path.
  const std::vector<const Page*> pages = path(*p.definition, c.answers);
  for (std::size_t i = 1; i < pages.size(); ++i) {
    if (pages[i]->id == page.id) data.set("back", "/cases/" + c.reference + "/pages/" + pages[i - 1]->id);
  }
  if (std::any_of(page.fields.begin(), page.fields.end(), [&](const Field& f) { return c.prefilled.contains(f.id); })) {
    data.set("has_prefilled", true);
  }
  const std::string title = text_in(page.title, lang) + " – " + title_of(ctx.procedures, p, lang);
  data.set("document_title",
           (shown.summary.empty() ? "" : ctx.catalog.text(lang, "procedure_error_prefix") + " ") + title);
  return no_store(ctx.pages.render(request, "procedure_page", "procedure_page_title", data, status));
}

// The person's vault documents, when the page asks for a file.
Result<void> load_documents(const ProceduresContext& ctx, const Request& request, const Page& page, ShownPage& shown) {
  shown.today = format_iso_day(std::chrono::floor<std::chrono::days>(ctx.procedures.clock().now()));
  if (std::none_of(page.fields.begin(), page.fields.end(), [](const Field& f) { return f.type == FieldType::file; })) {
    return {};
  }
  auto documents = ctx.procedures.vault().list(request.principal->user_id);
  if (!documents) return std::move(documents).error();
  shown.documents = std::move(documents).value();
  return {};
}

// The person's case and the version it follows, or the response to give instead.
struct Loaded {
  Case c;
  PublishedProcedure p;
};
std::variant<Loaded, Response> load(const ProceduresContext& ctx, const Request& request) {
  auto found = ctx.procedures.find(actor_of(request), reference_of(request));
  if (!found) return ctx.pages.render_error(request, found.error());
  auto p = ctx.procedures.version(found->procedure_id);
  if (!p) return ctx.pages.render_error(request, p.error());
  return Loaded{std::move(found).value(), std::move(p).value()};
}

// The problem a refused upload is, next to its question.
Problem upload_problem(const Error& error) {
  if (error.code == Errc::file_empty) return Problem::file_empty;
  if (error.code == Errc::file_too_large) return Problem::file_too_large;
  if (error.code == Errc::vault_full) return Problem::vault_full;
  return Problem::file_type_refused;
}

std::vector<FieldProblem> keep_uploads(const ProceduresContext& ctx, const Request& request,
                                       const Definition& definition, const Page& page, const Case& c,
                                       json::object& raw) {
  std::vector<FieldProblem> problems;
  const json::object effective = submitted_answers(definition, c.answers);
  for (const Field& field : page.fields) {
    if (field.type != FieldType::file || !visible(field, effective)) continue;
    const std::string name = field.id + ".upload";
    const auto file = std::find_if(request.files.begin(), request.files.end(), [&](const http::UploadedFile& f) {
      return f.field == name && (!f.filename.empty() || !f.content.empty());
    });
    if (file == request.files.end()) continue;
    // Checked against the question first: a file it refuses is not kept in the vault either.
    auto type = check_file(file->content, field.accept, field.max_bytes);
    if (!type) {
      problems.push_back({field.id, upload_problem(type.error())});
      raw.erase(field.id);
      continue;
    }
    NewDocument document;
    document.kind = field.document_kind;
    document.name = file->filename;
    document.bytes = file->content;
    auto added = ctx.procedures.vault().add(request.principal->user_id, document);
    if (!added) {
      problems.push_back({field.id, upload_problem(added.error())});
      raw.erase(field.id);
      continue;
    }
    raw[field.id] = added->id;
  }
  return problems;
}

Response page_get(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in(request.target);
  auto loaded = load(ctx, request);
  if (auto* r = std::get_if<Response>(&loaded)) return std::move(*r);
  Loaded& l = std::get<Loaded>(loaded);
  if (l.c.status != CaseStatus::draft && l.c.status != CaseStatus::waiting_for_person) {
    return Response::redirect("/cases/" + l.c.reference, 303);
  }
  const std::string page_id(request.path_params.get("page").value_or(""));
  const Page* page = l.p.definition->page(page_id);
  if (page == nullptr) return ctx.pages.render_error(request, make_error(Errc::no_such_case, "no such page"));
  ShownPage shown;
  shown.values = l.c.answers;
  if (auto loaded_documents = load_documents(ctx, request, *page, shown); !loaded_documents) {
    return ctx.pages.render_error(request, loaded_documents.error());
  }
  return form_page(ctx, request, l.c, l.p, *page, shown, 200);
}

Response page_post(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in(request.target);
  auto loaded = load(ctx, request);
  if (auto* r = std::get_if<Response>(&loaded)) return std::move(*r);
  Loaded& l = std::get<Loaded>(loaded);
  const bool reopened = l.c.status == CaseStatus::waiting_for_person;
  if (l.c.status != CaseStatus::draft && !reopened) return Response::redirect("/cases/" + l.c.reference, 303);
  const std::string page_id(request.path_params.get("page").value_or(""));
  const Page* page = l.p.definition->page(page_id);
  if (page == nullptr) return ctx.pages.render_error(request, make_error(Errc::no_such_case, "no such page"));
  const Definition& definition = *l.p.definition;
  json::object raw = answers_from_form(*page, request.form, submitted_answers(definition, l.c.answers), l.c.prefilled);
  if (reopened) {
    // Only the reopened questions are on the form as inputs; the others are shown as text.
    for (auto it = raw.begin(); it != raw.end();) {
      const bool asked_again =
          std::find(l.c.requested_fields.begin(), l.c.requested_fields.end(), it->key()) != l.c.requested_fields.end();
      it = asked_again ? std::next(it) : raw.erase(it);
    }
  }
  // Files sent with the page go to the person's vault first, then answer their question; one
  // refused is a problem next to its question, and every other answer is still saved.
  std::vector<FieldProblem> upload_problems = keep_uploads(ctx, request, definition, *page, l.c, raw);
  auto saved = ctx.procedures.save(actor_of(request), l.c.reference, raw);
  if (!saved) return ctx.pages.render_error(request, saved.error());
  const std::string_view action = request.form.get("action").value_or("");
  const bool later = action == "later";
  // "Save and add another" and "remove" save what is typed and show the page again; they must
  // name a group of this page (anything else is taken as "continue").
  const std::string stay_group = action.starts_with("add:") ? std::string(action.substr(4))
                                 : removed_item(action)     ? removed_item(action)->first
                                                            : std::string();
  const bool stay = std::any_of(page->fields.begin(), page->fields.end(), [&](const Field& f) {
    return f.type == FieldType::group && !stay_group.empty() && f.id == stay_group;
  });
  ShownPage shown;
  shown.values = saved->saved.answers;
  std::vector<FieldProblem> problems = saved->problems;
  problems.insert(problems.end(), upload_problems.begin(), upload_problems.end());
  bool invalid = !problems.empty();
  if (!later && !stay) {
    // This page's own required questions (GOV.UK checks a page when it is sent).
    const json::object effective = submitted_answers(definition, saved->saved.answers);
    for (const Field& field : page->fields) {
      if (field.type == FieldType::section || !field.required || !visible(field, effective)) continue;
      if (reopened &&
          std::find(l.c.requested_fields.begin(), l.c.requested_fields.end(), field.id) == l.c.requested_fields.end()) {
        continue;
      }
      const bool reported =
          std::any_of(problems.begin(), problems.end(), [&](const FieldProblem& fp) { return fp.field == field.id; });
      if (!reported && !saved->saved.answers.contains(field.id)) problems.push_back({field.id, Problem::required});
    }
  }
  if (problems.empty() || ((later || stay) && !invalid)) {
    if (stay) {
      const json::value* items = saved->saved.answers.if_contains(stay_group);
      const std::size_t count = items != nullptr && items->is_array() ? items->as_array().size() : 0;
      return Response::redirect(
          "/cases/" + l.c.reference + "/pages/" + page->id + "#" +
              (action.starts_with("add:") ? stay_group + "-item-" + std::to_string(count) : stay_group),
          303);
    }
    if (reopened) return Response::redirect("/cases/" + l.c.reference, 303);
    if (later) return Response::redirect("/account/cases?saved=" + l.c.reference, 303);
    const std::string next = next_page(definition, page->id, saved->saved.answers);
    return Response::redirect("/cases/" + l.c.reference + (next == "end" ? "/check" : "/pages/" + next), 303);
  }
  // Shown again: the refused values as typed, each problem next to its field, in page order.
  for (const Field& field : page->fields) {
    if (field.type == FieldType::group) {
      // Problems inside items, each next to its item field; the items shown again as typed.
      const std::string prefix = field.id + ".";
      for (const FieldProblem& fp : problems) {
        if (!fp.field.starts_with(prefix)) continue;
        if (const json::value* typed = raw.if_contains(field.id)) shown.values[field.id] = *typed;
        const std::string message = problem_text_at(definition, fp, request.lang, ctx.catalog);
        const Field* target = definition.field_at(fp.field);
        Field at = target != nullptr ? *target : field;
        at.id = fp.field;
        shown.errors[fp.field] = message;
        shown.summary.emplace_back(anchor_of(at), message);
      }
    }
    auto problem =
        std::find_if(problems.begin(), problems.end(), [&](const FieldProblem& fp) { return fp.field == field.id; });
    if (problem == problems.end()) continue;
    if (const json::value* typed = raw.if_contains(field.id);
        typed != nullptr && problem->problem != Problem::required) {
      shown.values[field.id] = *typed;
    }
    const std::string message = problem_text(&field, problem->problem, request.lang, ctx.catalog);
    shown.errors[field.id] = message;
    shown.summary.emplace_back(anchor_of(field), message);
  }
  if (auto loaded_documents = load_documents(ctx, request, *page, shown); !loaded_documents) {
    return ctx.pages.render_error(request, loaded_documents.error());
  }
  return form_page(ctx, request, saved->saved, l.p, *page, shown, 400);
}

// The answers along the person's path, page by page, for check-your-answers and the case page.
PageData answer_sections(const ProceduresContext& ctx, const Request& request, const Case& c,
                         const PublishedProcedure& p, bool editable, const std::vector<FieldProblem>& problems) {
  const std::string& lang = request.lang;
  const Definition& definition = *p.definition;
  const json::object effective = submitted_answers(definition, c.answers);
  PageData sections{PageData::type::list};
  for (const Page* page : path(definition, c.answers)) {
    PageData rows{PageData::type::list};
    for (const Field& field : page->fields) {
      if (field.type == FieldType::section || !visible(field, effective)) continue;
      PageData row;
      row.set("label", text_in(field.label, lang));
      row.set("anchor", field.id);
      if (const json::value* v = c.answers.if_contains(field.id)) {
        row.set("answer", display_answer(field, *v, lang, ctx.catalog));
        if (auto link = file_link(field, *v, "/cases/" + c.reference + "/", true); !link.empty()) {
          row.set("file_link", link);
        }
        if (c.prefilled.contains(field.id)) row.set("prefilled", prefilled_text(c, field.id, lang, ctx.catalog));
      } else {
        row.set("unanswered", true);
      }
      if (std::any_of(problems.begin(), problems.end(), [&](const FieldProblem& fp) { return fp.field == field.id; })) {
        row.set("missing", problem_text(&field, Problem::required, lang, ctx.catalog));
      }
      if (editable && (field.editable || !c.prefilled.contains(field.id))) {
        row.set("change", "/cases/" + c.reference + "/pages/" + page->id + "#" + anchor_of(field));
      }
      rows.push_back(row);
    }
    PageData section;
    section.set("title", text_in(page->title, lang));
    section.set("rows", rows);
    sections.push_back(section);
  }
  return sections;
}

Response check_page(const ProceduresContext& ctx, const Request& request, const Loaded& l,
                    const std::vector<FieldProblem>& problems, int status, std::string_view notice_key = {}) {
  const std::string& lang = request.lang;
  PageData data;
  data.set("procedure_title", title_of(ctx.procedures, l.p, lang));
  data.set("reference", l.c.reference);
  data.set("sections", answer_sections(ctx, request, l.c, l.p, true, problems));
  if (!problems.empty()) {
    PageData errors{PageData::type::list};
    for (const FieldProblem& fp : problems) {
      PageData e;
      e.set("anchor", fp.field);
      e.set("message", problem_text_at(*l.p.definition, fp, lang, ctx.catalog));
      errors.push_back(e);
    }
    data.set("errors", errors);
    data.set("has_errors", true);
  }
  if (l.c.expires_at) data.set("expires", local_time(ctx, lang, *l.c.expires_at));
  if (!notice_key.empty()) data.set("payment_problem", ctx.catalog.text(lang, notice_key));
  if (l.p.definition->fee_cents > 0) {
    data.set("fee", http::fill_text(ctx.catalog.text(lang, "procedure_pay_and_submit"),
                                    {{"fee", spoken_euros(lang, l.p.definition->fee_cents)}}));
  }
  return no_store(ctx.pages.render(request, "procedure_check", "procedure_check_title", data, status));
}

Response check_get(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in(request.target);
  auto loaded = load(ctx, request);
  if (auto* r = std::get_if<Response>(&loaded)) return std::move(*r);
  Loaded& l = std::get<Loaded>(loaded);
  if (l.c.status != CaseStatus::draft) return Response::redirect("/cases/" + l.c.reference, 303);
  return check_page(ctx, request, l, {}, 200);
}

Response submit_post(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in("/cases/" + reference_of(request) + "/check");
  auto loaded = load(ctx, request);
  if (auto* r = std::get_if<Response>(&loaded)) return std::move(*r);
  Loaded& l = std::get<Loaded>(loaded);
  if (l.c.status != CaseStatus::draft) return Response::redirect("/cases/" + l.c.reference, 303);
  std::vector<FieldProblem> problems;
  if (l.p.definition->fee_cents > 0 && ctx.payments != nullptr) {
    // The fee first: the provider's page, then back to /cases/{reference}/payment, which submits.
    Payments payments(ctx.procedures, *ctx.payments);
    auto opened = payments.open(actor_of(request), l.c.reference, ctx.public_url, &problems);
    if (!opened) {
      if (opened.error().code == Errc::incomplete) return check_page(ctx, request, l, problems, 400);
      return ctx.pages.render_error(request, opened.error());
    }
    return Response::redirect(*opened, 303);
  }
  auto submitted = ctx.procedures.submit(actor_of(request), l.c.reference, request.lang, &problems);
  if (!submitted) {
    if (submitted.error().code == Errc::incomplete) return check_page(ctx, request, l, problems, 400);
    return ctx.pages.render_error(request, submitted.error());
  }
  return Response::redirect("/cases/" + l.c.reference + "?submitted=1", 303);
}

Response payment_return(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in(request.target);
  if (ctx.payments == nullptr) return ctx.pages.render_error(request, make_error(Errc::no_procedure, "no payments"));
  auto loaded = load(ctx, request);
  if (auto* r = std::get_if<Response>(&loaded)) return std::move(*r);
  Loaded& l = std::get<Loaded>(loaded);
  Payments payments(ctx.procedures, *ctx.payments);
  auto payment =
      payments.complete(actor_of(request), l.c.reference, request.query.get("token").value_or(""), request.lang);
  if (!payment) return ctx.pages.render_error(request, payment.error());
  if (payment->status == PaymentStatus::paid) {
    return Response::redirect("/cases/" + l.c.reference + "?submitted=1", 303);
  }
  if (l.c.status != CaseStatus::draft) return Response::redirect("/cases/" + l.c.reference, 303);
  return check_page(ctx, request, l, {}, 200,
                    payment->status == PaymentStatus::pending
                        ? "procedure_payment_pending"
                        : "procedure_payment_" + std::string(to_string(payment->status)));
}

// A message the person could not send: why, and what they typed.
struct MessageState {
  std::string error_key;
  std::string typed;
};

Response case_page(const ProceduresContext& ctx, Request& request, const std::vector<FieldProblem>& problems = {},
                   int status = 200, const MessageState& message = {}) {
  if (!request.principal) return to_sign_in(request.target);
  auto loaded = load(ctx, request);
  if (auto* r = std::get_if<Response>(&loaded)) return std::move(*r);
  Loaded& l = std::get<Loaded>(loaded);
  const std::string& lang = request.lang;
  PageData data;
  data.set("procedure_title", title_of(ctx.procedures, l.p, lang));
  data.set("administration", administration_of(ctx.procedures, l.p, lang));
  data.set("reference", l.c.reference);
  data.set("status", ctx.catalog.text(lang, "case_status_" + std::string(to_string(l.c.status))));
  data.set("status_" + std::string(to_string(l.c.status)), true);
  if (request.query.get("submitted")) data.set("just_submitted", true);
  if (l.c.status == CaseStatus::draft) {
    data.set("draft", true);
    const std::vector<const Page*> pages = path(*l.p.definition, l.c.answers);
    data.set("continue", "/cases/" + l.c.reference + "/pages/" + pages.front()->id);
    if (l.c.expires_at) data.set("expires", local_time(ctx, lang, *l.c.expires_at));
  }
  if (l.c.submitted_at) data.set("submitted_at", local_time(ctx, lang, *l.c.submitted_at));
  if (l.c.receipt_ready) data.set("receipt", "/cases/" + l.c.reference + "/receipt.pdf");
  if (l.c.decision_ready) data.set("decision", "/cases/" + l.c.reference + "/decision.pdf");
  const bool decided =
      l.c.status == CaseStatus::accepted || l.c.status == CaseStatus::refused || l.c.status == CaseStatus::closed;
  if (decided && !l.c.decision_ready) data.set("decision_pending", true);
  if (l.c.status == CaseStatus::waiting_for_person) {
    data.set("waiting", true);
    PageData questions{PageData::type::list};
    for (const Page* page : path(*l.p.definition, l.c.answers)) {
      for (const Field& field : page->fields) {
        if (std::find(l.c.requested_fields.begin(), l.c.requested_fields.end(), field.id) ==
            l.c.requested_fields.end()) {
          continue;
        }
        PageData q;
        q.set("label", text_in(field.label, lang));
        q.set("link", "/cases/" + l.c.reference + "/pages/" + page->id + "#" + anchor_of(field));
        questions.push_back(q);
      }
    }
    data.set("questions", questions);
  }
  CaseProcessing processing(ctx.procedures);
  auto notes = processing.notes(l.c, false);
  if (!notes) return ctx.pages.render_error(request, notes.error());
  PageData messages{PageData::type::list};
  for (const CaseNote& n : *notes) {
    PageData m;
    m.set("at", local_time(ctx, lang, n.at));
    m.set("text", n.text);
    if (n.from_person) m.set("from_you", true);
    PageData files{PageData::type::list};
    for (const Attachment& a : n.attachments) {
      PageData file;
      file.set("link", "/cases/" + l.c.reference + "/files/" + std::to_string(a.id));
      file.set("name", a.name);
      file.set("size", file_size_text(a.size, lang, ctx.catalog));
      files.push_back(file);
    }
    if (!n.attachments.empty()) m.set("files", files);
    messages.push_back(m);
  }
  const std::string message_state(request.query.get("message").value_or(""));
  if (message_state == "empty") data.set("message_error", ctx.catalog.text(lang, "case_message_empty"));
  if (message_state == "limit") data.set("message_error", ctx.catalog.text(lang, "procedure_too_many_messages"));
  if (!message.error_key.empty()) {
    data.set("message_error", ctx.catalog.text(lang, message.error_key));
    data.set("message_typed", message.typed);
  }
  if (!notes->empty()) {
    data.set("messages", messages);
    data.set("has_messages", true);
  }
  if (!problems.empty()) {
    PageData errors{PageData::type::list};
    for (const FieldProblem& fp : problems) {
      PageData e;
      e.set("message", problem_text_at(*l.p.definition, fp, lang, ctx.catalog));
      errors.push_back(e);
    }
    data.set("errors", errors);
  }
  if (l.c.submitted_at && !l.c.receipt_ready) data.set("receipt_pending", true);
  auto history = ctx.procedures.history(l.c);
  if (!history) return ctx.pages.render_error(request, history.error());
  const bool decided_already =
      l.c.status == CaseStatus::accepted || l.c.status == CaseStatus::refused || l.c.status == CaseStatus::closed;
  if (auto due = decision_due(*l.p.definition, l.c, *history); due && !decided_already) {
    data.set("due", http::fill_text(
                        ctx.catalog.text(lang, "case_due_" + std::string(to_string(l.p.definition->tacit))),
                        {{"date", spoken_day(lang, format_iso_day(std::chrono::floor<std::chrono::days>(*due)))}}));
  }
  PageData events{PageData::type::list};
  for (const CaseEvent& e : *history) {
    PageData event;
    event.set("at", local_time(ctx, lang, e.at));
    event.set("status", ctx.catalog.text(lang, "case_status_" + std::string(to_string(e.to))));
    if (!e.note.empty()) {
      event.set("note", e.actor == "system" && e.note == "tacit"
                            ? ctx.catalog.text(lang, "decision_tacit_" + std::string(to_string(e.to)))
                            : e.note);
    }
    events.push_back(event);
  }
  data.set("history", events);
  data.set("sections", answer_sections(ctx, request, l.c, l.p, false, {}));
  return no_store(ctx.pages.render(request, "case", "case_title", data, status));
}

Response document_pdf(const ProceduresContext& ctx, Request& request, std::string_view kind) {
  if (!request.principal) return to_sign_in(request.target);
  const std::string reference = reference_of(request);
  auto pdf = ctx.procedures.document(actor_of(request), reference, kind);
  if (!pdf) return ctx.pages.render_error(request, pdf.error());
  Response response = Response::text(std::move(*pdf));
  response.headers.set("Content-Type", "application/pdf");
  response.headers.set("Content-Disposition", "inline; filename=\"" + std::string(kind) + "-" + reference + ".pdf\"");
  response.headers.set("Cache-Control", "private, no-store");
  return response;
}

Response cases_page(const ProceduresContext& ctx, Request& request, std::string_view notice_key = {},
                    int status = 200) {
  if (!request.principal) return to_sign_in(request.target);
  const std::string& lang = request.lang;
  auto cases = ctx.procedures.cases_of(actor_of(request));
  if (!cases) return ctx.pages.render_error(request, cases.error());
  PageData drafts{PageData::type::list};
  PageData submitted{PageData::type::list};
  std::map<std::int64_t, std::string> titles;
  for (const Case& c : *cases) {
    if (!titles.contains(c.procedure_id)) {
      auto p = ctx.procedures.version(c.procedure_id);
      titles[c.procedure_id] = p ? title_of(ctx.procedures, *p, lang) : c.service_code;
    }
    PageData item;
    item.set("reference", c.reference);
    item.set("title", titles[c.procedure_id]);
    item.set("updated", local_time(ctx, lang, c.updated_at));
    if (c.status == CaseStatus::draft) {
      if (c.expires_at) item.set("expires", local_time(ctx, lang, *c.expires_at));
      drafts.push_back(item);
    } else {
      item.set("status", ctx.catalog.text(lang, "case_status_" + std::string(to_string(c.status))));
      if (c.submitted_at) item.set("submitted_at", local_time(ctx, lang, *c.submitted_at));
      submitted.push_back(item);
    }
  }
  PageData data;
  if (!drafts.is_empty_list()) data.set("drafts", drafts);
  if (!submitted.is_empty_list()) data.set("cases", submitted);
  if (!notice_key.empty()) data.set("notice", ctx.catalog.text(lang, notice_key));
  if (auto saved = request.query.get("saved")) {
    data.set("notice", http::fill_text(ctx.catalog.text(lang, "cases_saved"), {{"reference", std::string(*saved)}}));
  }
  return no_store(ctx.pages.render(request, "cases", "cases_title", data, status));
}

// A file of the person's own case: an answer or a message's attachment (never an internal note's).
Response case_file(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in(request.target);
  auto found = ctx.procedures.find(actor_of(request), reference_of(request));
  if (!found) return ctx.pages.render_error(request, found.error());
  return attachment_download(ctx, request, found->id);
}

Response duplicate_post(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in("/cases/" + reference_of(request));
  auto started = ctx.procedures.duplicate(actor_of(request), reference_of(request));
  if (!started) return ctx.pages.render_error(request, started.error());
  auto p = ctx.procedures.version(started->procedure_id);
  if (!p) return ctx.pages.render_error(request, p.error());
  return Response::redirect("/cases/" + started->reference + "/pages/" + p->definition->pages.front().id, 303);
}

Response message_post(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in("/cases/" + reference_of(request));
  CaseProcessing processing(ctx.procedures);
  const std::string typed(request.form.get("message").value_or(""));
  auto file = message_file(request, "file");
  if (!file) {
    // The message comes back as typed, the file's problem next to it.
    return case_page(ctx, request, {}, http::http_status(file.error().kind),
                     MessageState{std::string(file.error().code.message_key()), typed});
  }
  auto sent = processing.message_administration(actor_of(request), reference_of(request), typed,
                                                file->has_value() ? &**file : nullptr);
  if (!sent) {
    const Error& error = sent.error();
    // Nothing typed is lost: an empty message, or one past the case's limit, which no retry sends.
    if (error.code == Errc::bad_request_body) {
      return Response::redirect("/cases/" + reference_of(request) + "?message=empty#message", 303);
    }
    if (error.code == Errc::too_many_messages) {
      return Response::redirect("/cases/" + reference_of(request) + "?message=limit#message", 303);
    }
    return ctx.pages.render_error(request, error);
  }
  return Response::redirect("/cases/" + reference_of(request) + "#messages", 303);
}

Response respond_post(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in("/cases/" + reference_of(request));
  CaseProcessing processing(ctx.procedures);
  std::vector<FieldProblem> problems;
  auto responded = processing.respond(actor_of(request), reference_of(request), &problems);
  if (!responded) {
    if (responded.error().code == Errc::incomplete) return case_page(ctx, request, problems, 400);
    return ctx.pages.render_error(request, responded.error());
  }
  return Response::redirect("/cases/" + reference_of(request), 303);
}

Response delete_post(const ProceduresContext& ctx, Request& request) {
  if (!request.principal) return to_sign_in("/account/cases");
  if (request.form.get("confirm").value_or("") != "yes") {
    return Response::redirect("/cases/" + reference_of(request) + "?confirm_delete=1", 303);
  }
  auto discarded = ctx.procedures.discard(actor_of(request), reference_of(request));
  if (!discarded) return ctx.pages.render_error(request, discarded.error());
  return Response::redirect("/account/cases?deleted=1", 303);
}

Response procedures_page(const ProceduresContext& ctx, Request& request) {
  const std::string& lang = request.lang;
  auto all = ctx.procedures.catalogue();
  if (!all) return ctx.pages.render_error(request, all.error());
  PageData items{PageData::type::list};
  std::vector<std::pair<std::string, PageData>> sorted;
  for (const PublishedProcedure& p : *all) {
    PageData item;
    const std::string title = title_of(ctx.procedures, p, lang);
    item.set("title", title);
    item.set("code", p.service_code);
    item.set("administration", administration_of(ctx.procedures, p, lang));
    item.set("level", std::to_string(service_level(*p.definition)));
    sorted.emplace_back(title, item);
  }
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [title, item] : sorted) items.push_back(item);
  PageData data;
  data.set("procedures", items);
  return ctx.pages.render(request, "procedures", "procedures_title", data);
}

Response start_page(const ProceduresContext& ctx, const Request& request, std::string_view error_key, int status) {
  const std::string& lang = request.lang;
  const std::string code(request.path_params.get("service").value_or(""));
  auto p = ctx.procedures.published(code);
  if (!p) return ctx.pages.render_error(request, p.error());
  if (!*p) return ctx.pages.render_error(request, make_error(Errc::no_procedure, "no online procedure"));
  const Definition& definition = *(*p)->definition;
  PageData data;
  data.set("title", title_of(ctx.procedures, **p, lang));
  data.set("code", code);
  data.set("administration", administration_of(ctx.procedures, **p, lang));
  data.set("level",
           http::fill_text(ctx.catalog.text(lang, "procedure_level_" + std::to_string(service_level(definition))), {}));
  PageData steps{PageData::type::list};
  for (const Page& page : definition.pages) steps.push_back(PageData(text_in(page.title, lang)));
  data.set("steps", steps);
  int prefillable = 0;
  for (const Field* f : definition.questions()) {
    if (f->source) ++prefillable;
  }
  if (prefillable > 0) {
    data.set("prefill", http::fill_text(ctx.catalog.text(lang, "procedure_prefill_count"),
                                        {{"count", std::to_string(prefillable)}}));
  }
  // "Dites-le-nous une fois", said before it happens: which administration will be asked for what,
  // and under which law; or, when the legal basis is consent, the person's choice.
  PageData asked{PageData::type::list};
  bool asks = false;
  for (const Procedures::AskedOf& a : ctx.procedures.external_preview(definition)) {
    std::string labels;
    for (const std::string& id : a.fields) {
      const Field* f = definition.field(id);
      if (f == nullptr) continue;
      if (!labels.empty()) labels += ", ";
      labels += text_in(f->label, lang);
    }
    PageData item;
    item.set("text", http::fill_text(ctx.catalog.text(lang, "procedure_exchange_item"),
                                     {{"administration", a.administration}, {"data", labels}}));
    asked.push_back(item);
    asks = true;
  }
  if (asks) {
    data.set("asked", asked);
    data.set("asked_basis", *definition.legal_basis);
    data.set(definition.legal_basis_is_consent ? "consent" : "by_law", true);
  }
  if (definition.fee_cents > 0) data.set("fee", spoken_euros(lang, definition.fee_cents));
  if (definition.processing_days > 0) {
    data.set("deadline",
             http::fill_text(ctx.catalog.text(lang, "procedure_deadline_" + std::string(to_string(definition.tacit))),
                             {{"days", std::to_string(definition.processing_days)}}));
  }
  if (request.principal) {
    data.set("signed_in", true);
  } else {
    data.set("sign_in", "/account/sign-in?return=" + http::url_encode("/procedures/" + code));
  }
  if (!error_key.empty()) data.set("error", ctx.catalog.text(lang, error_key));
  return ctx.pages.render(request, "procedure_start", "procedure_start_title", data, status);
}

Response start_post(const ProceduresContext& ctx, Request& request) {
  const std::string code(request.path_params.get("service").value_or(""));
  if (!request.principal) return to_sign_in("/procedures/" + code);
  // Only an explicit yes counts as consent; any other answer means the person types.
  const bool consent = request.form.get("consent").value_or("") == "yes";
  auto started = ctx.procedures.start(actor_of(request), code, consent);
  if (!started) {
    if (started.error().code == Errc::too_many_drafts) {
      return start_page(ctx, request, started.error().code.message_key(), 429);
    }
    return ctx.pages.render_error(request, started.error());
  }
  auto p = ctx.procedures.version(started->procedure_id);
  if (!p) return ctx.pages.render_error(request, p.error());
  return Response::redirect("/cases/" + started->reference + "/pages/" + p->definition->pages.front().id, 303);
}

}  // namespace

void register_page_routes(http::Router& router, const ProceduresContext& context) {
  const ProceduresContext* ctx = &context;
  router.get("/procedures", [ctx](Request& request) { return procedures_page(*ctx, request); });
  router.get("/procedures/{service}", [ctx](Request& request) { return start_page(*ctx, request, "", 200); });
  router.post("/procedures/{service}/start", [ctx](Request& request) { return start_post(*ctx, request); });
  router.get("/cases/{reference}", [ctx](Request& request) { return case_page(*ctx, request); });
  router.get("/cases/{reference}/pages/{page}", [ctx](Request& request) { return page_get(*ctx, request); });
  http::RouteOptions with_files;
  with_files.max_body_bytes = kMaxUploadBodyBytes;
  router.post(
      "/cases/{reference}/pages/{page}", [ctx](Request& request) { return page_post(*ctx, request); }, with_files);
  router.get("/cases/{reference}/check", [ctx](Request& request) { return check_get(*ctx, request); });
  router.post("/cases/{reference}/submit", [ctx](Request& request) { return submit_post(*ctx, request); });
  router.get("/cases/{reference}/receipt.pdf",
             [ctx](Request& request) { return document_pdf(*ctx, request, "receipt"); });
  router.get("/cases/{reference}/decision.pdf",
             [ctx](Request& request) { return document_pdf(*ctx, request, "decision"); });
  router.get("/cases/{reference}/payment", [ctx](Request& request) { return payment_return(*ctx, request); });
  http::RouteOptions with_file;
  with_file.max_body_bytes = kMaxUploadBodyBytes / 4;
  router.post(
      "/cases/{reference}/messages", [ctx](Request& request) { return message_post(*ctx, request); }, with_file);
  router.get("/cases/{reference}/files/{id}", [ctx](Request& request) { return case_file(*ctx, request); });
  router.post("/cases/{reference}/respond", [ctx](Request& request) { return respond_post(*ctx, request); });
  router.post("/cases/{reference}/duplicate", [ctx](Request& request) { return duplicate_post(*ctx, request); });
  router.post("/cases/{reference}/delete", [ctx](Request& request) { return delete_post(*ctx, request); });
  router.get("/account/cases", [ctx](Request& request) {
    return cases_page(*ctx, request, request.query.get("deleted") ? "cases_deleted" : "");
  });
}

}  // namespace guichet::procedures
