#include "guichet/procedures/answers.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "guichet/core/calendar.hpp"
#include "guichet/core/phone.hpp"
#include "guichet/core/utf8.hpp"
#include "guichet/identity/organisations.hpp"
#include "guichet/identity/users.hpp"
#include "identifiers.hpp"
#include "text.hpp"

namespace guichet::procedures {
namespace json = boost::json;

namespace {

constexpr std::size_t kTextDefault = 200;
constexpr std::size_t kLongTextDefault = 5000;

Checked refused(Problem problem) { return Checked{nullptr, problem, false}; }
Checked empty_answer() { return Checked{nullptr, std::nullopt, true}; }
Checked accepted(json::value value) { return Checked{std::move(value), std::nullopt, false}; }

// Text fields: valid UTF-8, control characters dropped (line breaks kept in long texts, as \n).
Checked check_text(const Field& field, const json::value& raw) {
  if (!raw.is_string()) return refused(Problem::wrong_type);
  const std::string_view input = raw.as_string();
  if (!is_valid_utf8(input)) return refused(Problem::wrong_type);
  const bool multiline = field.type == FieldType::long_text;
  std::string clean;
  for (std::size_t i = 0; i < input.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(input[i]);
    if (c == '\r') {
      if (multiline && (i + 1 >= input.size() || input[i + 1] != '\n')) clean += '\n';
      continue;
    }
    if (c == '\n' && multiline) {
      clean += '\n';
    } else if (c < 0x20 || c == 0x7f) {
      clean += ' ';
    } else {
      clean += static_cast<char>(c);
    }
  }
  std::string text = trimmed(clean);
  if (text.empty()) return empty_answer();
  const std::size_t limit = field.max_length != 0 ? field.max_length : multiline ? kLongTextDefault : kTextDefault;
  if (code_points(text) > limit) return refused(Problem::too_long);
  return accepted(json::value(text));
}

// A decimal number as people type it: spaces (also no-break) as thousands separators, a comma or
// a point for decimals ("1 234,5", "1234.5").
std::optional<double> parse_decimal(std::string_view raw) {
  std::string text;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == ' ') continue;
    if (raw.substr(i).starts_with("\u00a0") || raw.substr(i).starts_with("\u202f")) {
      i += raw.substr(i).starts_with("\u00a0") ? 1 : 2;
      continue;
    }
    text += c == ',' ? '.' : c;
  }
  if (text.empty() || text.size() > 30) return std::nullopt;
  std::size_t at = 0;
  if (text[0] == '-' || text[0] == '+') at = 1;
  bool digits = false;
  bool point = false;
  for (std::size_t i = at; i < text.size(); ++i) {
    if (text[i] >= '0' && text[i] <= '9') {
      digits = true;
    } else if (text[i] == '.' && !point) {
      point = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digits) return std::nullopt;
  const double value = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

Checked within(const Field& field, double value, json::value normalised) {
  if (field.min && value < *field.min) return refused(Problem::too_small);
  if (field.max && value > *field.max) return refused(Problem::too_large);
  return accepted(std::move(normalised));
}

Checked check_number(const Field& field, const json::value& raw) {
  double value = 0;
  if (raw.is_number()) {
    value = raw.to_number<double>();
  } else if (raw.is_string()) {
    if (trimmed(raw.as_string()).empty()) return empty_answer();
    auto parsed = parse_decimal(raw.as_string());
    if (!parsed) return refused(Problem::not_a_number);
    value = *parsed;
  } else {
    return refused(Problem::wrong_type);
  }
  if (!std::isfinite(value) || std::fabs(value) > 1e15) return refused(Problem::not_a_number);
  if (value == std::floor(value)) return within(field, value, json::value(static_cast<std::int64_t>(value)));
  return within(field, value, json::value(value));
}

// Money: a JSON number of cents, or text with at most two decimals. A separator followed by exactly three digits, other
// than a lone one with one or two after it, groups thousands ("1.234,56", "1,234.56", "1 234").
Checked check_amount(const Field& field, const json::value& raw) {
  std::int64_t cents = 0;
  if (raw.is_number()) {
    // A JSON number is cents, as answers are stored and returned, so a value read back can be
    // sent again unchanged; people's "18,50" comes as text.
    const double value = raw.to_number<double>();
    if (!std::isfinite(value) || std::fabs(value) > 1e15 || value != std::floor(value)) {
      return refused(Problem::not_a_number);
    }
    cents = static_cast<std::int64_t>(value);
  } else if (raw.is_string()) {
    std::string text;
    const std::string_view input = raw.as_string();
    for (std::size_t i = 0; i < input.size(); ++i) {
      if (input.substr(i).starts_with("\u20ac")) {  // €
        i += 2;
        continue;
      }
      if (input.substr(i).starts_with("\u00a0")) {
        ++i;
        continue;
      }
      if (input.substr(i).starts_with("\u202f")) {
        i += 2;
        continue;
      }
      if (input[i] == ' ') continue;
      text += input[i];
    }
    if (text.empty()) return empty_answer();
    if (text.size() > 20) return refused(Problem::not_a_number);
    bool negative = false;
    if (text[0] == '-') {
      negative = true;
      text.erase(0, 1);
    }
    const auto last = text.find_last_of(".,");
    std::string whole = text;
    std::string fraction;
    if (last != std::string::npos) {
      const std::size_t after = text.size() - last - 1;
      if (after == 1 || after == 2) {
        whole = text.substr(0, last);
        fraction = text.substr(last + 1);
      }
    }
    // What remains in the whole part: groups of three after a separator.
    std::string digits;
    std::size_t since_separator = 0;
    bool grouped = false;
    for (char c : whole) {
      if (c == '.' || c == ',') {
        if (digits.empty() || (grouped && since_separator != 3)) return refused(Problem::not_a_number);
        grouped = true;
        since_separator = 0;
      } else if (c >= '0' && c <= '9') {
        digits += c;
        ++since_separator;
      } else {
        return refused(Problem::not_a_number);
      }
    }
    if (digits.empty() || (grouped && since_separator != 3)) return refused(Problem::not_a_number);
    if (!std::all_of(fraction.begin(), fraction.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return refused(Problem::not_a_number);
    }
    if (fraction.size() == 1) fraction += '0';
    if (fraction.empty()) fraction = "00";
    if (digits.size() > 13) return refused(Problem::not_a_number);
    cents = std::stoll(digits) * 100 + std::stoll(fraction);
    if (negative) cents = -cents;
  } else {
    return refused(Problem::wrong_type);
  }
  return within(field, static_cast<double>(cents) / 100.0, json::value(cents));
}

Checked check_date(const Field& field, const json::value& raw, std::string_view today) {
  if (!raw.is_string()) return refused(Problem::wrong_type);
  const std::string text = trimmed(raw.as_string());
  if (text.empty()) return empty_answer();
  auto day = parse_iso_day(text);
  if (!day) return refused(Problem::not_a_date);
  const std::string iso = format_iso_day(*day);
  if (field.when == "past" && iso > today) return refused(Problem::not_in_past);
  if (field.when == "future" && iso < today) return refused(Problem::not_in_future);
  if (iso < "1900-01-01" || iso > "2200-12-31") return refused(Problem::not_a_date);
  return accepted(json::value(iso));
}

bool is_option(const Field& field, std::string_view id) {
  return std::any_of(field.options.begin(), field.options.end(), [&](const Option& o) { return o.id == id; });
}

Checked check_choice(const Field& field, const json::value& raw) {
  if (!raw.is_string()) return refused(Problem::wrong_type);
  if (raw.as_string().empty()) return empty_answer();
  if (!is_option(field, raw.as_string())) return refused(Problem::unknown_option);
  return accepted(raw);
}

Checked check_choices(const Field& field, const json::value& raw) {
  std::vector<std::string> chosen;
  if (raw.is_string()) {
    if (!raw.as_string().empty()) chosen.emplace_back(raw.as_string());
  } else if (raw.is_array()) {
    for (const json::value& v : raw.as_array()) {
      if (!v.is_string()) return refused(Problem::wrong_type);
      chosen.emplace_back(v.as_string());
    }
  } else {
    return refused(Problem::wrong_type);
  }
  if (chosen.empty()) return empty_answer();
  json::array out;
  // In the options' order, each once.
  for (const Option& option : field.options) {
    if (std::find(chosen.begin(), chosen.end(), option.id) != chosen.end()) out.emplace_back(option.id);
  }
  for (const std::string& id : chosen) {
    if (!is_option(field, id)) return refused(Problem::unknown_option);
  }
  return accepted(std::move(out));
}

Checked check_yes_no(const json::value& raw) {
  if (raw.is_bool()) return accepted(raw);
  if (!raw.is_string()) return refused(Problem::wrong_type);
  if (raw.as_string().empty()) return empty_answer();
  if (raw.as_string() == "yes" || raw.as_string() == "true") return accepted(json::value(true));
  if (raw.as_string() == "no" || raw.as_string() == "false") return accepted(json::value(false));
  return refused(Problem::unknown_option);
}

Checked check_address(const Field& field, const json::value& raw) {
  if (!raw.is_object()) return refused(Problem::wrong_type);
  const json::object& o = raw.as_object();
  std::string parts[3];
  const char* names[3] = {"street", "postcode", "city"};
  for (int i = 0; i < 3; ++i) {
    const json::value* v = o.if_contains(names[i]);
    if (v == nullptr || v->is_null()) continue;
    if (!v->is_string() || !is_valid_utf8(v->as_string())) return refused(Problem::wrong_type);
    parts[i] = trimmed(v->as_string());
    for (char& c : parts[i]) {
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    if (code_points(parts[i]) > 200) return refused(Problem::too_long);
  }
  for (const auto& member : o) {
    if (member.key() != "street" && member.key() != "postcode" && member.key() != "city" && member.key() != "country") {
      return refused(Problem::wrong_type);
    }
  }
  if (parts[0].empty() && parts[1].empty() && parts[2].empty()) return empty_answer();
  if (parts[0].empty() || parts[1].empty() || parts[2].empty()) return refused(Problem::incomplete_address);
  auto postcode = normalised_postcode(field.country, parts[1]);
  if (!postcode) return refused(Problem::bad_postcode);
  return accepted(
      json::object{{"street", parts[0]}, {"postcode", *postcode}, {"city", parts[2]}, {"country", field.country}});
}

// A one-line answer checked by `normalise`.
template <class F>
Checked check_code(const json::value& raw, Problem problem, F&& normalise) {
  if (!raw.is_string()) return refused(Problem::wrong_type);
  const std::string text = trimmed(raw.as_string());
  if (text.empty()) return empty_answer();
  if (text.size() > 100) return refused(problem);
  std::optional<std::string> normalised = normalise(text);
  if (!normalised) return refused(problem);
  return accepted(json::value(*normalised));
}

bool answered(const json::object& answers, std::string_view id) {
  const json::value* v = answers.if_contains(id);
  return v != nullptr && !v->is_null();
}

bool matches(const json::value& answer, const json::value& value) {
  if (answer.is_array()) {
    return std::any_of(answer.as_array().begin(), answer.as_array().end(),
                       [&](const json::value& item) { return item == value; });
  }
  if (answer.is_number() && value.is_number()) return answer.to_number<double>() == value.to_number<double>();
  return answer == value;
}

// The walk through the form: the pages on the path, and the answers in effect (only to fields
// asked so far), which is what conditions read, so an answer on a page the person routed away
// from never steers the rest.
struct Walk {
  std::vector<const Page*> pages;
  std::vector<const Field*> asked;
  json::object effective;
};

std::string route_from(const Definition& d, std::size_t index, const json::object& effective) {
  for (const Route& route : d.pages[index].next) {
    if (!route.when || holds(*route.when, effective)) return route.page;
  }
  return index + 1 < d.pages.size() ? d.pages[index + 1].id : "end";
}

Walk walk(const Definition& d, const json::object& answers) {
  Walk w;
  std::set<std::size_t> seen;
  std::size_t index = 0;
  while (index < d.pages.size() && seen.insert(index).second) {
    const Page& page = d.pages[index];
    w.pages.push_back(&page);
    for (const Field& f : page.fields) {
      if (f.type == FieldType::section) continue;
      if (f.visible_if && !holds(*f.visible_if, w.effective)) continue;
      w.asked.push_back(&f);
      if (const json::value* v = answers.if_contains(f.id); v != nullptr && !v->is_null()) w.effective[f.id] = *v;
    }
    const std::string next = route_from(d, index, w.effective);
    if (next == "end") break;
    const auto found = std::find_if(d.pages.begin(), d.pages.end(), [&](const Page& p) { return p.id == next; });
    if (found == d.pages.end()) break;
    index = static_cast<std::size_t>(found - d.pages.begin());
  }
  return w;
}

// A file answer names a document of the person's vault: its id as a number or digits, or the
// object a stored answer is ({"document": id, ...}; the rest is read again from the vault).
Checked check_file_answer(const json::value& raw) {
  std::int64_t id = 0;
  if (raw.is_int64()) {
    id = raw.as_int64();
  } else if (raw.is_uint64() && raw.as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    id = static_cast<std::int64_t>(raw.as_uint64());
  } else if (raw.is_string()) {
    const std::string text = trimmed(raw.as_string());
    if (text.empty()) return empty_answer();
    if (text.size() > 18 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return refused(Problem::no_such_document);
    }
    id = std::stoll(text);
  } else if (raw.is_object()) {
    const json::value* document = raw.as_object().if_contains("document");
    if (document == nullptr || !document->is_int64()) return refused(Problem::no_such_document);
    id = document->as_int64();
  } else {
    return refused(Problem::wrong_type);
  }
  if (id <= 0) return refused(Problem::no_such_document);
  return accepted(json::object{{"document", id}});
}

// A group: a list of items, each an object answering the group's item fields. An item with
// nothing answered is dropped (the blank item a form offers); in any other, each item field is
// checked as a field on its own, required ones included. Problems name the item as sent.
Checked check_group(const Field& field, const json::value& raw, std::string_view today) {
  if (!raw.is_array()) return refused(Problem::wrong_type);
  if (raw.as_array().size() > 2 * field.max_items + 1) return refused(Problem::too_many_items);
  Checked out;
  json::array items;
  for (std::size_t i = 0; i < raw.as_array().size(); ++i) {
    const json::value& item = raw.as_array()[i];
    if (!item.is_object()) return refused(Problem::wrong_type);
    std::vector<FieldProblem> problems;
    for (const auto& member : item.as_object()) {
      if (field.item_field(member.key()) == nullptr) {
        problems.push_back({item_path(field.id, i, member.key()), Problem::unknown_field});
      }
    }
    json::object answers;
    std::vector<FieldProblem> unanswered;
    for (const Field& part : field.fields) {
      const json::value* given = item.as_object().if_contains(part.id);
      Checked checked = given != nullptr ? check_answer(part, *given, today) : empty_answer();
      if (checked.problem) {
        problems.push_back({item_path(field.id, i, part.id), *checked.problem});
      } else if (checked.empty) {
        if (part.required) unanswered.push_back({item_path(field.id, i, part.id), Problem::required});
      } else {
        answers[part.id] = std::move(checked.value);
      }
    }
    if (answers.empty() && problems.empty()) continue;
    problems.insert(problems.end(), unanswered.begin(), unanswered.end());
    out.parts.insert(out.parts.end(), problems.begin(), problems.end());
    items.push_back(std::move(answers));
  }
  if (!out.parts.empty()) {
    out.problem = Problem::item_problems;
    out.value = nullptr;
    return out;
  }
  if (items.empty()) return empty_answer();
  if (items.size() > field.max_items) return refused(Problem::too_many_items);
  if (items.size() < field.min_items) return refused(Problem::too_few_items);
  return accepted(std::move(items));
}

}  // namespace

std::string_view to_string(Problem problem) {
  switch (problem) {
    case Problem::required:
      return "required";
    case Problem::wrong_type:
      return "wrong_type";
    case Problem::too_long:
      return "too_long";
    case Problem::not_a_number:
      return "not_a_number";
    case Problem::too_small:
      return "too_small";
    case Problem::too_large:
      return "too_large";
    case Problem::not_a_date:
      return "not_a_date";
    case Problem::not_in_past:
      return "not_in_past";
    case Problem::not_in_future:
      return "not_in_future";
    case Problem::unknown_option:
      return "unknown_option";
    case Problem::bad_postcode:
      return "bad_postcode";
    case Problem::bad_iban:
      return "bad_iban";
    case Problem::bad_email:
      return "bad_email";
    case Problem::bad_phone:
      return "bad_phone";
    case Problem::bad_organisation_number:
      return "bad_organisation_number";
    case Problem::bad_national_id:
      return "bad_national_id";
    case Problem::unknown_field:
      return "unknown_field";
    case Problem::not_editable:
      return "not_editable";
    case Problem::incomplete_address:
      return "incomplete_address";
    case Problem::no_such_document:
      return "no_such_document";
    case Problem::file_type_refused:
      return "file_type_refused";
    case Problem::file_too_large:
      return "file_too_large";
    case Problem::file_empty:
      return "file_empty";
    case Problem::document_expired:
      return "document_expired";
    case Problem::vault_full:
      return "vault_full";
    case Problem::too_few_items:
      return "too_few_items";
    case Problem::too_many_items:
      return "too_many_items";
    case Problem::item_problems:
      return "item_problems";
  }
  return "wrong_type";
}

Checked check_answer(const Field& field, const json::value& raw, std::string_view today) {
  if (raw.is_null()) return empty_answer();
  switch (field.type) {
    case FieldType::text:
    case FieldType::long_text:
      return check_text(field, raw);
    case FieldType::number:
      return check_number(field, raw);
    case FieldType::amount:
      return check_amount(field, raw);
    case FieldType::date:
      return check_date(field, raw, today);
    case FieldType::choice:
      return check_choice(field, raw);
    case FieldType::multiple_choice:
      return check_choices(field, raw);
    case FieldType::yes_no:
      return check_yes_no(raw);
    case FieldType::address:
      return check_address(field, raw);
    case FieldType::postcode:
      return check_code(raw, Problem::bad_postcode,
                        [&](const std::string& t) { return normalised_postcode(field.country, t); });
    case FieldType::iban:
      return check_code(raw, Problem::bad_iban, [](const std::string& t) { return normalised_iban(t); });
    case FieldType::email:
      return check_code(raw, Problem::bad_email, [](const std::string& t) -> std::optional<std::string> {
        auto email = identity::normalise_email(t);
        if (!email) return std::nullopt;
        return *email;
      });
    case FieldType::phone:
      return check_code(raw, Problem::bad_phone,
                        [&](const std::string& t) { return normalised_phone(field.country, t); });
    case FieldType::organisation_number:
      return check_code(raw, Problem::bad_organisation_number, [&](const std::string& t) -> std::optional<std::string> {
        auto number = identity::normalise_registration_number(field.country, t);
        if (!number) return std::nullopt;
        return *number;
      });
    case FieldType::national_id:
      return check_code(raw, Problem::bad_national_id,
                        [&](const std::string& t) { return normalised_national_id(field.country, t); });
    case FieldType::section:
      return refused(Problem::unknown_field);
    case FieldType::file:
      return check_file_answer(raw);
    case FieldType::group:
      return check_group(field, raw, today);
  }
  return refused(Problem::wrong_type);
}

bool holds(const Condition& c, const json::object& answers) {
  switch (c.op) {
    case Condition::Op::all:
      return std::all_of(c.parts.begin(), c.parts.end(), [&](const Condition& p) { return holds(p, answers); });
    case Condition::Op::any:
      return std::any_of(c.parts.begin(), c.parts.end(), [&](const Condition& p) { return holds(p, answers); });
    case Condition::Op::answered:
      return answered(answers, c.field);
    case Condition::Op::equals:
    case Condition::Op::in: {
      const json::value* answer = answers.if_contains(c.field);
      if (answer == nullptr || answer->is_null()) return false;
      return std::any_of(c.values.begin(), c.values.end(), [&](const json::value& v) { return matches(*answer, v); });
    }
    case Condition::Op::not_equals: {
      const json::value* answer = answers.if_contains(c.field);
      if (answer == nullptr || answer->is_null()) return true;
      return !matches(*answer, c.values.front());
    }
  }
  return false;
}

bool visible(const Field& field, const json::object& answers) {
  return !field.visible_if || holds(*field.visible_if, answers);
}

std::vector<const Page*> path(const Definition& definition, const json::object& answers) {
  return walk(definition, answers).pages;
}

std::string next_page(const Definition& definition, std::string_view page_id, const json::object& answers) {
  const Walk w = walk(definition, answers);
  for (std::size_t i = 0; i < definition.pages.size(); ++i) {
    if (definition.pages[i].id == page_id) return route_from(definition, i, w.effective);
  }
  return "end";
}

std::vector<const Field*> asked(const Definition& definition, const json::object& answers) {
  return walk(definition, answers).asked;
}

std::vector<FieldProblem> missing(const Definition& definition, const json::object& answers) {
  std::vector<FieldProblem> out;
  for (const Field* f : walk(definition, answers).asked) {
    if (f->required && !answered(answers, f->id)) out.push_back({f->id, Problem::required});
  }
  return out;
}

json::object submitted_answers(const Definition& definition, const json::object& answers) {
  return walk(definition, answers).effective;
}

}  // namespace guichet::procedures
