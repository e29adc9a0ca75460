#include "presentation.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "guichet/catalogue/reads.hpp"
#include "guichet/core/spoken_time.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/http/parsing.hpp"
#include "identifiers.hpp"

namespace guichet::procedures {
namespace json = boost::json;

namespace {

std::string string_of(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  return json::serialize(v);
}

// A day, month or year typed in separate boxes, as one ISO day ("" when all three are empty;
// something that does not read as a date when a part is missing or not a number).
std::string iso_day_from(std::string_view day, std::string_view month, std::string_view year) {
  auto clean = [](std::string_view part) {
    std::string out;
    for (char c : part) {
      if (c != ' ') out += c;
    }
    return out;
  };
  std::string d = clean(day);
  std::string m = clean(month);
  std::string y = clean(year);
  if (d.empty() && m.empty() && y.empty()) return "";
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 4 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!digits(d) || !digits(m) || !digits(y) || y.size() != 4 || d.size() > 2 || m.size() > 2) return "invalid";
  if (d.size() == 1) d = "0" + d;
  if (m.size() == 1) m = "0" + m;
  return y + "-" + m + "-" + d;
}

}  // namespace

std::string file_size_text(std::int64_t bytes, const std::string& lang, const http::Catalog& catalog) {
  const bool comma = lang != "en";
  if (bytes < 1024 * 1024) {
    const std::int64_t kb = std::max<std::int64_t>(1, (bytes + 1023) / 1024);
    return http::fill_text(catalog.text(lang, "file_size_kb"), {{"size", std::to_string(kb)}});
  }
  const std::int64_t tenths = (bytes * 10 + 512 * 1024) / (1024 * 1024);
  std::string size = std::to_string(tenths / 10);
  if (tenths % 10 != 0) size += (comma ? "," : ".") + std::to_string(tenths % 10);
  return http::fill_text(catalog.text(lang, "file_size_mb"), {{"size", size}});
}

Result<std::optional<MessageFile>> message_file(const http::Request& request, std::string_view field) {
  const auto file = std::find_if(request.files.begin(), request.files.end(),
                                 [&](const http::UploadedFile& f) { return f.field == field; });
  if (file == request.files.end() || (file->filename.empty() && file->content.empty())) {
    return std::optional<MessageFile>();
  }
  auto type = check_file(file->content, attachable_content_types());
  if (!type) return std::move(type).error();
  return std::optional<MessageFile>(MessageFile{file->filename, *type, file->content});
}

std::string file_link(const Field& field, const json::value& value, std::string_view case_base, bool person) {
  if (field.type != FieldType::file || !value.is_object()) return "";
  if (const json::value* id = value.as_object().if_contains("attachment"); id != nullptr && id->is_int64()) {
    return std::string(case_base) + "files/" + std::to_string(id->as_int64());
  }
  if (const json::value* id = value.as_object().if_contains("document"); person && id != nullptr && id->is_int64()) {
    return "/account/documents/" + std::to_string(id->as_int64());
  }
  return "";
}

std::string display_answer(const Field& field, const json::value& value, const std::string& lang,
                           const http::Catalog& catalog) {
  switch (field.type) {
    case FieldType::amount:
      return value.is_int64() ? spoken_euros(lang, value.as_int64()) : string_of(value);
    case FieldType::date:
      return value.is_string() ? spoken_day(lang, value.as_string()) : string_of(value);
    case FieldType::yes_no:
      return value.is_bool() ? catalog.text(lang, value.as_bool() ? "procedure_yes" : "procedure_no")
                             : string_of(value);
    case FieldType::choice:
      for (const Option& option : field.options) {
        if (value.is_string() && option.id == value.as_string()) return text_in(option.label, lang);
      }
      return string_of(value);
    case FieldType::multiple_choice: {
      std::string out;
      if (!value.is_array()) return string_of(value);
      for (const Option& option : field.options) {
        for (const json::value& chosen : value.as_array()) {
          if (chosen.is_string() && chosen.as_string() == option.id) {
            if (!out.empty()) out += "\n";
            out += text_in(option.label, lang);
          }
        }
      }
      return out;
    }
    case FieldType::address: {
      if (!value.is_object()) return string_of(value);
      const json::object& a = value.as_object();
      auto part = [&](const char* key) {
        const json::value* v = a.if_contains(key);
        return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
      };
      return part("street") + "\n" + part("postcode") + " " + part("city");
    }
    case FieldType::iban:
      return value.is_string() ? grouped_iban(value.as_string()) : string_of(value);
    case FieldType::group: {
      // Each item on a line of its own, then its answers, one per line.
      std::string out;
      if (!value.is_array()) return string_of(value);
      for (std::size_t i = 0; i < value.as_array().size(); ++i) {
        const json::value& item = value.as_array()[i];
        if (!out.empty()) out += "\n";
        out += item_name(field, i, lang, catalog);
        if (!item.is_object()) continue;
        for (const Field& part : field.fields) {
          const json::value* answer = item.as_object().if_contains(part.id);
          if (answer == nullptr) continue;
          std::string shown = display_answer(part, *answer, lang, catalog);
          std::replace(shown.begin(), shown.end(), '\n', ' ');
          out += "\n" + text_in(part.label, lang) + (lang == "fr" ? " : " : ": ") + shown;
        }
      }
      return out;
    }
    case FieldType::file: {
      const json::value* name = value.is_object() ? value.as_object().if_contains("name") : nullptr;
      const json::value* size = value.is_object() ? value.as_object().if_contains("size") : nullptr;
      if (name == nullptr || !name->is_string()) return catalog.text(lang, "procedure_file_missing");
      return std::string(name->as_string()) +
             (size != nullptr && size->is_int64() ? " (" + file_size_text(size->as_int64(), lang, catalog) + ")" : "");
    }
    default:
      return string_of(value);
  }
}

namespace {

// One field's raw answer from the form inputs named after `name` (the field's id, or an item
// field's path); none when the form leaves it as it is.
std::optional<json::value> form_answer(const Field& field, const std::string& name, const http::Params& form) {
  switch (field.type) {
    case FieldType::multiple_choice: {
      json::array chosen;
      for (std::string_view v : form.all(name)) chosen.emplace_back(v);
      return json::value(std::move(chosen));
    }
    case FieldType::address:
      return json::object{{"street", form.get(name + ".street").value_or("")},
                          {"postcode", form.get(name + ".postcode").value_or("")},
                          {"city", form.get(name + ".city").value_or("")}};
    case FieldType::file: {
      // A radio names a document of the vault, "none" clears the answer, "new" waits for the
      // upload (page_post reads it); no radio at all keeps the answer as it is.
      const auto chosen = form.get(name);
      if (!chosen || *chosen == "keep") return std::nullopt;
      return json::value(*chosen == "none" || *chosen == "new" ? std::string_view() : *chosen);
    }
    case FieldType::date:
      return json::value(iso_day_from(form.get(name + ".day").value_or(""), form.get(name + ".month").value_or(""),
                                      form.get(name + ".year").value_or("")));
    case FieldType::group: {
      // The items the page showed (a blank one included), less one the person removed.
      std::size_t shown = 0;
      const std::string count(form.get(name + ".items").value_or("0"));
      if (count.size() <= 2 && !count.empty() && count.find_first_not_of("0123456789") == std::string::npos) {
        shown = std::min<std::size_t>(std::stoul(count), field.max_items + 1);
      }
      const auto removed = removed_item(form.get("action").value_or(""));
      json::array items;
      for (std::size_t i = 0; i < shown; ++i) {
        if (removed && removed->first == field.id && removed->second == i) continue;
        json::object item;
        for (const Field& part : field.fields) {
          if (auto answer = form_answer(part, item_path(name, i, part.id), form)) item[part.id] = std::move(*answer);
        }
        items.push_back(std::move(item));
      }
      return json::value(std::move(items));
    }
    default:
      return json::value(form.get(name).value_or(""));
  }
}

}  // namespace

std::optional<std::pair<std::string, std::size_t>> removed_item(std::string_view action) {
  constexpr std::string_view kPrefix = "remove:";
  if (!action.starts_with(kPrefix)) return std::nullopt;
  action.remove_prefix(kPrefix.size());
  const std::size_t dot = action.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == action.size() || action.size() - dot > 3) {
    return std::nullopt;
  }
  const std::string_view index = action.substr(dot + 1);
  if (index.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  return std::pair<std::string, std::size_t>(std::string(action.substr(0, dot)), std::stoul(std::string(index)));
}

json::object answers_from_form(const Page& page, const http::Params& form, const json::object& effective_answers,
                               const json::object& prefilled) {
  json::object out;
  for (const Field& field : page.fields) {
    if (field.type == FieldType::section || !visible(field, effective_answers)) continue;
    if (!field.editable && prefilled.contains(field.id)) continue;
    if (auto answer = form_answer(field, field.id, form)) out[field.id] = std::move(*answer);
  }
  return out;
}

// The procedure's title in `lang`: its own, else its service's name.
std::string title_of(const Procedures& procedures, const PublishedProcedure& p, const std::string& lang) {
  if (!p.definition->title.empty()) return text_in(p.definition->title, lang);
  auto services = procedures.db().read(
      [&](storage::Connection& c) { return catalogue::service_records(c, {p.service_id}, std::string_view(lang)); });
  if (services && !services->empty() && !services->begin()->second.name.empty()) {
    return services->begin()->second.name;
  }
  return p.service_code;
}

std::string administration_of(const Procedures& procedures, const PublishedProcedure& p, const std::string& lang) {
  auto name = procedures.db().read(
      [&](storage::Connection& c) { return catalogue::administration_name(c, p.administration, lang); });
  return name && *name ? **name : p.administration;
}

std::string prefilled_text(const Case& c, std::string_view field_id, const std::string& lang,
                           const http::Catalog& catalog) {
  const json::value* source = c.prefilled.if_contains(field_id);
  if (source == nullptr) return "";
  if (const json::object* exchanged = source->if_object()) {
    // Given by another administration through the exchange module: named.
    const json::value* from = exchanged->if_contains("from");
    return http::fill_text(
        catalog.text(lang, "procedure_from_exchange"),
        {{"administration", from != nullptr && from->is_string() ? std::string(from->as_string()) : std::string()}});
  }
  const bool fact = source->is_string() && source->as_string().starts_with(kVaultSourcePrefix);
  return catalog.text(lang, fact ? "procedure_from_vault" : "procedure_from_account");
}

http::Response no_store(http::Response response) {
  response.headers.set("Cache-Control", "no-store");
  return response;
}

http::Response to_sign_in(std::string_view back) {
  return http::Response::redirect("/account/sign-in?return=" + http::url_encode(http::safe_return_path(back)), 303);
}

namespace {
void pretty_into(std::string& out, const json::value& v, int depth) {
  const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
  const std::string inner(static_cast<std::size_t>(depth + 1) * 2, ' ');
  if (v.is_object() && !v.as_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [key, member] : v.as_object()) {
      if (!first) out += ",\n";
      first = false;
      out += inner + json::serialize(json::value(key)) + ": ";
      pretty_into(out, member, depth + 1);
    }
    out += "\n" + indent + "}";
  } else if (v.is_array() && !v.as_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const json::value& item : v.as_array()) {
      if (!first) out += ",\n";
      first = false;
      out += inner;
      pretty_into(out, item, depth + 1);
    }
    out += "\n" + indent + "]";
  } else {
    out += json::serialize(v);
  }
}
}  // namespace

std::string pretty_json(const json::value& value) {
  std::string out;
  pretty_into(out, value, 0);
  return out + "\n";
}

std::string problem_text(const Field* field, Problem problem, const std::string& lang, const http::Catalog& catalog) {
  const std::string label = field != nullptr ? text_in(field->label, lang) : std::string();
  return http::fill_text(catalog.text(lang, "procedure_problem_" + std::string(to_string(problem))),
                         {{"label", label}});
}

std::string item_name(const Field& group, std::size_t index, const std::string& lang, const http::Catalog& catalog) {
  const std::string number = std::to_string(index + 1);
  if (!group.item_label.empty()) return text_in(group.item_label, lang) + " " + number;
  return http::fill_text(catalog.text(lang, "procedure_item"), {{"number", number}});
}

std::string problem_text_at(const Definition& definition, const FieldProblem& problem, const std::string& lang,
                            const http::Catalog& catalog) {
  std::string text = problem_text(definition.field_at(problem.field), problem.problem, lang, catalog);
  const std::size_t first = problem.field.find('.');
  if (first == std::string::npos) return text;
  const Field* group = definition.field(std::string_view(problem.field).substr(0, first));
  const std::size_t second = problem.field.find('.', first + 1);
  if (group == nullptr || second == std::string::npos || second - first > 3) return text;
  const std::string index = problem.field.substr(first + 1, second - first - 1);
  if (index.empty() || index.find_first_not_of("0123456789") != std::string::npos) return text;
  return item_name(*group, std::stoul(index), lang, catalog) + " – " + text;
}

}  // namespace guichet::procedures
