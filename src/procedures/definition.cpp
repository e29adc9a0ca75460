#include "guichet/procedures/definition.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <functional>
#include <set>

#include "guichet/core/utf8.hpp"
#include "guichet/procedures/answers.hpp"
#include "guichet/procedures/errors.hpp"
#include "guichet/procedures/vault.hpp"

namespace guichet::procedures {
namespace json = boost::json;

namespace {

constexpr std::string_view kLanguages[] = {"fr", "pt", "vi", "en"};
constexpr std::size_t kMaxPages = 50;
constexpr std::size_t kMaxFields = 200;
constexpr std::size_t kMaxOptions = 100;
constexpr std::size_t kMaxItemFields = 20;
constexpr std::size_t kMaxItems = 50;

struct TypeName {
  FieldType type;
  std::string_view name;
};
constexpr TypeName kTypes[] = {
    {FieldType::text, "text"},
    {FieldType::long_text, "long_text"},
    {FieldType::number, "number"},
    {FieldType::amount, "amount"},
    {FieldType::date, "date"},
    {FieldType::choice, "choice"},
    {FieldType::multiple_choice, "multiple_choice"},
    {FieldType::yes_no, "yes_no"},
    {FieldType::address, "address"},
    {FieldType::postcode, "postcode"},
    {FieldType::iban, "iban"},
    {FieldType::email, "email"},
    {FieldType::phone, "phone"},
    {FieldType::organisation_number, "organisation_number"},
    {FieldType::national_id, "national_id"},
    {FieldType::section, "section"},
    {FieldType::file, "file"},
    {FieldType::group, "group"},
};

// Which account attribute fits which type of field.
struct SourceFit {
  std::string_view source;
  FieldType type;
};
constexpr SourceFit kSources[] = {
    {"account.given_name", FieldType::text},
    {"account.family_name", FieldType::text},
    {"account.birthdate", FieldType::date},
    {"account.email", FieldType::email},
    {"account.phone_number", FieldType::phone},
    {"account.address", FieldType::address},
    {"account.organisation_name", FieldType::text},
    {"account.organisation_number", FieldType::organisation_number},
    // Recorded by an identity verifier from the person's document (identity/verification.hpp).
    {"account.national_id", FieldType::national_id},
    // Facts the person gave with an earlier case (procedures/vault.hpp).
    {"vault.iban", FieldType::iban},
    {"vault.vehicle_plate", FieldType::text},
    {"vault.driving_licence_number", FieldType::text},
    {"vault.household_size", FieldType::number},
};

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 40 || id[0] < 'a' || id[0] > 'z') return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

// What each problem says, in English (the command line's and the logs' language; the pages read
// definition_problem_<key> in the person's language): {name} is a parameter.
struct ProblemText {
  std::string_view key;
  std::string_view text;
};
constexpr ProblemText kProblemTexts[] = {
    {"missing", "is missing"},
    {"not_texts", "must be an object of texts by language"},
    {"not_a_language", "is not one of fr, pt, vi, en"},
    {"bad_text", "must be a text of 1 to 2000 bytes"},
    {"no_text_in", "has no text in {lang}"},
    {"not_an_object", "must be an object"},
    {"too_deep", "nests too deep (5 levels at most)"},
    {"empty_conditions", "must be a non-empty list of conditions"},
    {"condition_group_alone", "a group of conditions takes no other member"},
    {"no_field_named", "must name a field"},
    {"empty_list", "must be a non-empty list"},
    {"must_be_true", "must be true"},
    {"one_test", "needs exactly one of equals, not_equals, in, answered"},
    {"bad_comparison_value", "compares with texts, numbers or true/false only"},
    {"not_a_field_property", "is not a field property"},
    {"bad_id", "must be 1 to 40 of a-z, 0-9 and _, starting with a letter"},
    {"not_a_field_type", "is not a field type"},
    {"not_a_boolean", "must be true or false"},
    {"unknown_source", "is not a source Guichet reads (docs/PROCEDURES.md lists them)"},
    {"source_type", "gives a {given}, not a {type}"},
    {"fixed_without_source", "only a field with a source can be kept as given"},
    {"bad_available_from", "must name the data, such as at.reference_income"},
    {"bad_options", "must be a list of 1 to 100 options"},
    {"used_twice", "is used twice"},
    {"choice_without_options", "a choice needs options"},
    {"only_choices_options", "only choices take options"},
    {"only_numbers_bounds", "only numbers and amounts take bounds"},
    {"not_a_number", "must be a number"},
    {"min_above_max", "is above max"},
    {"only_texts_length", "only texts take a length"},
    {"bad_range", "must be {low} to {high}"},
    {"only_national_country", "only postcodes, addresses, phones and national numbers take a country"},
    {"bad_country", "must be FR, PT or VN"},
    {"only_dates_when", "only dates take when"},
    {"bad_when", "must be past or future"},
    {"item_type", "a group's items take no {type}"},
    {"item_property", "a group's items take none"},
    {"only_groups", "only groups take {property}"},
    {"bad_item_fields", "must be a list of 1 to 20 fields"},
    {"min_items_above", "is above max_items"},
    {"only_files", "only files take {property}"},
    {"bad_kind", "must be a kind of document (docs/PROCEDURES.md lists them)"},
    {"bad_accept_list", "must be a list of content types"},
    {"bad_accept_type", "takes application/pdf, image/jpeg and image/png only"},
    {"unknown_field", "names the unknown field {field}"},
    {"asked_same_page", "names {field}, which is asked on the same page"},
    {"asked_later", "names {field}, which is asked on a later page"},
    {"names_section", "names the section {field}"},
    {"only_answered", "can only ask whether the {type} {field} is answered"},
    {"not_an_option", "compares {field} with a value that is not one of its options"},
    {"yes_no_value", "compares the yes/no {field} with other than true/false"},
    {"no_such_page", "names no page"},
    {"cycle", "leads back to {page}: a cycle"},
    {"unreachable", "no route leads to {page}"},
    {"not_json", "is not JSON: {reason}"},
    {"not_json_object", "must be a JSON object"},
    {"not_a_definition_property", "is not a definition property"},
    {"bad_format", "must be 1"},
    {"bad_service", "must be the catalogue service's code"},
    {"bad_tacit", "must be approval, refusal or none"},
    {"bad_clock", "must be continue or restart"},
    {"tacit_without_days", "a tacit decision needs processing_days"},
    {"bad_routing", "must be a list of {\"if\": condition, \"group\": id}"},
    {"bad_legal_basis",
     "must name the law that lets Guichet ask other administrations, or what the person consents to as \"consent\" "
     "(3 to 300 characters)"},
    {"bad_pages", "must be a list of 1 to 50 pages"},
    {"not_a_page_property", "is not a page property"},
    {"reserved_page_id", "end and check are kept for the end of the form"},
    {"bad_routes", "must be a list of routes"},
    {"bad_route_page", "must name a page or end"},
    {"too_many_fields", "hold more than 200 fields"},
    {"wrong_service", "must be {code}, the service this page edits"},
};

// Collects problems as the definition is read, so the author sees all of them at once.
class Reader {
 public:
  std::vector<DefinitionProblem> problems;

  // A problem by its key (kProblemTexts, and definition_problem_<key> in every language).
  void problem(std::string where, std::string_view key, std::map<std::string, std::string> params = {}) {
    problems.push_back({std::move(where), english_problem(key, params), std::string(key), std::move(params)});
  }

  // A text in every language: {"fr": ..., "pt": ..., "vi": ..., "en": ...}.
  Texts texts(const json::object& o, std::string_view key, const std::string& where, bool required) {
    Texts out;
    const json::value* v = o.if_contains(key);
    if (v == nullptr) {
      if (required) problem(where + "." + std::string(key), "missing");
      return out;
    }
    if (!v->is_object()) {
      problem(where + "." + std::string(key), "not_texts");
      return out;
    }
    for (const auto& [lang, text] : v->as_object()) {
      if (std::find(std::begin(kLanguages), std::end(kLanguages), lang) == std::end(kLanguages)) {
        problem(where + "." + std::string(key) + "." + std::string(lang), "not_a_language");
      } else if (!text.is_string() || text.as_string().empty() || text.as_string().size() > 2000 ||
                 !is_valid_utf8(text.as_string())) {
        problem(where + "." + std::string(key) + "." + std::string(lang), "bad_text");
      } else {
        out.emplace(std::string(lang), std::string(text.as_string()));
      }
    }
    for (std::string_view lang : kLanguages) {
      if (!v->as_object().contains(lang)) {
        problem(where + "." + std::string(key), "no_text_in", {{"lang", std::string(lang)}});
      }
    }
    return out;
  }

  std::optional<Condition> condition(const json::value& v, const std::string& where, int depth = 0) {
    if (!v.is_object()) {
      problem(where, "not_an_object");
      return std::nullopt;
    }
    if (depth > 5) {
      problem(where, "too_deep");
      return std::nullopt;
    }
    const json::object& o = v.as_object();
    Condition c;
    for (std::string_view group : {"all", "any"}) {
      if (const json::value* parts = o.if_contains(group)) {
        c.op = group == "all" ? Condition::Op::all : Condition::Op::any;
        if (!parts->is_array() || parts->as_array().empty()) {
          problem(where + "." + std::string(group), "empty_conditions");
          return std::nullopt;
        }
        for (std::size_t i = 0; i < parts->as_array().size(); ++i) {
          auto part = condition(parts->as_array()[i], where + "." + std::string(group) + "[" + std::to_string(i) + "]",
                                depth + 1);
          if (part) c.parts.push_back(std::move(*part));
        }
        if (o.size() != 1) problem(where, "condition_group_alone");
        return c;
      }
    }
    const json::value* field = o.if_contains("field");
    if (field == nullptr || !field->is_string()) {
      problem(where + ".field", "no_field_named");
      return std::nullopt;
    }
    c.field = std::string(field->as_string());
    int tests = 0;
    if (const json::value* value = o.if_contains("equals")) {
      c.op = Condition::Op::equals;
      c.values.push_back(*value);
      ++tests;
    }
    if (const json::value* value = o.if_contains("not_equals")) {
      c.op = Condition::Op::not_equals;
      c.values.push_back(*value);
      ++tests;
    }
    if (const json::value* value = o.if_contains("in")) {
      c.op = Condition::Op::in;
      if (!value->is_array() || value->as_array().empty()) {
        problem(where + ".in", "empty_list");
      } else {
        c.values.assign(value->as_array().begin(), value->as_array().end());
      }
      ++tests;
    }
    if (const json::value* value = o.if_contains("answered")) {
      c.op = Condition::Op::answered;
      if (!value->is_bool() || !value->as_bool()) problem(where + ".answered", "must_be_true");
      ++tests;
    }
    if (tests != 1) problem(where, "one_test");
    for (const json::value& value : c.values) {
      if (!value.is_string() && !value.is_bool() && !value.is_number()) {
        problem(where, "bad_comparison_value");
      }
    }
    return c;
  }

  // A field of a page, or (in_group) of a group's items.
  Field field(const json::value& v, const std::string& where, bool in_group = false) {
    Field f;
    if (!v.is_object()) {
      problem(where, "not_an_object");
      return f;
    }
    const json::object& o = v.as_object();
    static const std::set<std::string_view> kKnown{
        "id",      "type",      "label",  "help",       "required",  "source",    "editable",       "visible_if",
        "options", "min",       "max",    "max_length", "country",   "when",      "available_from", "kind",
        "accept",  "max_bytes", "fields", "min_items",  "max_items", "item_label"};
    for (const auto& member : o) {
      if (!kKnown.contains(member.key())) problem(where + "." + std::string(member.key()), "not_a_field_property");
    }
    if (const json::value* id = o.if_contains("id"); id != nullptr && id->is_string() && valid_id(id->as_string())) {
      f.id = std::string(id->as_string());
    } else {
      problem(where + ".id", "bad_id");
    }
    if (const json::value* type = o.if_contains("type"); type != nullptr && type->is_string()) {
      auto parsed = parse_field_type(type->as_string());
      if (parsed) {
        f.type = *parsed;
      } else {
        problem(where + ".type", "not_a_field_type");
      }
    } else {
      problem(where + ".type", "missing");
    }
    f.label = texts(o, "label", where, true);
    f.help = texts(o, "help", where, false);
    if (const json::value* required = o.if_contains("required")) {
      if (required->is_bool()) {
        f.required = required->as_bool();
      } else {
        problem(where + ".required", "not_a_boolean");
      }
    }
    if (f.type == FieldType::section) f.required = false;
    if (const json::value* editable = o.if_contains("editable")) {
      if (editable->is_bool()) {
        f.editable = editable->as_bool();
      } else {
        problem(where + ".editable", "not_a_boolean");
      }
    }
    if (const json::value* source = o.if_contains("source")) {
      const auto fit = std::find_if(std::begin(kSources), std::end(kSources), [&](const SourceFit& s) {
        return source->is_string() && s.source == source->as_string();
      });
      if (fit == std::end(kSources)) {
        problem(where + ".source", "unknown_source");
      } else if (fit->type != f.type) {
        problem(where + ".source", "source_type",
                {{"given", std::string(to_string(fit->type))}, {"type", std::string(to_string(f.type))}});
      } else {
        f.source = std::string(source->as_string());
      }
    }
    if (!f.editable && !f.source) problem(where + ".editable", "fixed_without_source");
    if (const json::value* from = o.if_contains("available_from")) {
      if (from->is_string() && !from->as_string().empty() && from->as_string().size() <= 100) {
        f.available_from = std::string(from->as_string());
      } else {
        problem(where + ".available_from", "bad_available_from");
      }
    }
    if (const json::value* visible = o.if_contains("visible_if"))
      f.visible_if = condition(*visible, where + ".visible_if");
    if (const json::value* options = o.if_contains("options")) {
      if (!options->is_array() || options->as_array().empty() || options->as_array().size() > kMaxOptions) {
        problem(where + ".options", "bad_options");
      } else {
        std::set<std::string> seen;
        for (std::size_t i = 0; i < options->as_array().size(); ++i) {
          const std::string at = where + ".options[" + std::to_string(i) + "]";
          const json::value& ov = options->as_array()[i];
          if (!ov.is_object()) {
            problem(at, "not_an_object");
            continue;
          }
          Option option;
          const json::value* id = ov.as_object().if_contains("id");
          if (id != nullptr && id->is_string() && valid_id(id->as_string())) {
            option.id = std::string(id->as_string());
            if (!seen.insert(option.id).second) problem(at + ".id", "used_twice");
          } else {
            problem(at + ".id", "bad_id");
          }
          option.label = texts(ov.as_object(), "label", at, true);
          f.options.push_back(std::move(option));
        }
      }
    }
    const bool with_options = f.type == FieldType::choice || f.type == FieldType::multiple_choice;
    if (with_options && f.options.empty() && o.if_contains("options") == nullptr) {
      problem(where + ".options", "choice_without_options");
    }
    if (!with_options && o.if_contains("options") != nullptr) problem(where + ".options", "only_choices_options");
    for (std::string_view bound : {"min", "max"}) {
      if (const json::value* b = o.if_contains(bound)) {
        if (f.type != FieldType::number && f.type != FieldType::amount) {
          problem(where + "." + std::string(bound), "only_numbers_bounds");
        } else if (!b->is_number()) {
          problem(where + "." + std::string(bound), "not_a_number");
        } else {
          (bound == "min" ? f.min : f.max) = b->to_number<double>();
        }
      }
    }
    if (f.min && f.max && *f.min > *f.max) problem(where + ".min", "min_above_max");
    if (const json::value* length = o.if_contains("max_length")) {
      if (f.type != FieldType::text && f.type != FieldType::long_text) {
        problem(where + ".max_length", "only_texts_length");
      } else if (!length->is_int64() || length->as_int64() < 1 || length->as_int64() > 20000) {
        problem(where + ".max_length", "bad_range", {{"low", "1"}, {"high", "20000"}});
      } else {
        f.max_length = static_cast<std::size_t>(length->as_int64());
      }
    }
    const bool national = f.type == FieldType::postcode || f.type == FieldType::address || f.type == FieldType::phone ||
                          f.type == FieldType::organisation_number || f.type == FieldType::national_id;
    if (const json::value* country = o.if_contains("country")) {
      if (!national) {
        problem(where + ".country", "only_national_country");
      } else if (!country->is_string() ||
                 (country->as_string() != "FR" && country->as_string() != "PT" && country->as_string() != "VN")) {
        problem(where + ".country", "bad_country");
      } else {
        f.country = std::string(country->as_string());
      }
    } else if (national) {
      f.country = "PT";
    }
    if (const json::value* when = o.if_contains("when")) {
      if (f.type != FieldType::date) {
        problem(where + ".when", "only_dates_when");
      } else if (!when->is_string() || (when->as_string() != "past" && when->as_string() != "future")) {
        problem(where + ".when", "bad_when");
      } else {
        f.when = std::string(when->as_string());
      }
    }
    file_properties(o, where, f);
    group_properties(o, where, f);
    if (in_group) {
      if (f.type == FieldType::section || f.type == FieldType::file || f.type == FieldType::group) {
        problem(where + ".type", "item_type", {{"type", std::string(to_string(f.type))}});
      }
      for (std::string_view key : {"visible_if", "source", "editable", "available_from"}) {
        if (o.if_contains(key) != nullptr) problem(where + "." + std::string(key), "item_property");
      }
    }
    return f;
  }

  // A group's item fields and how many items it takes.
  void group_properties(const json::object& o, const std::string& where, Field& f) {
    const bool group = f.type == FieldType::group;
    for (std::string_view key : {"fields", "min_items", "max_items", "item_label"}) {
      if (!group && o.if_contains(key) != nullptr)
        problem(where + "." + std::string(key), "only_groups", {{"property", std::string(key)}});
    }
    if (!group) return;
    const json::value* fields = o.if_contains("fields");
    if (fields == nullptr || !fields->is_array() || fields->as_array().empty() ||
        fields->as_array().size() > kMaxItemFields) {
      problem(where + ".fields", "bad_item_fields");
    } else {
      std::set<std::string> ids;
      for (std::size_t i = 0; i < fields->as_array().size(); ++i) {
        const std::string at = where + ".fields[" + std::to_string(i) + "]";
        Field item = field(fields->as_array()[i], at, true);
        if (!item.id.empty() && !ids.insert(item.id).second) problem(at + ".id", "used_twice");
        f.fields.push_back(std::move(item));
      }
    }
    f.max_items = 10;
    for (std::string_view key : {"min_items", "max_items"}) {
      const json::value* count = o.if_contains(key);
      if (count == nullptr) continue;
      if (!count->is_int64() || count->as_int64() < (key == "min_items" ? 0 : 1) ||
          count->as_int64() > static_cast<std::int64_t>(kMaxItems)) {
        problem(where + "." + std::string(key), "bad_range", {{"low", key == "min_items" ? "0" : "1"}, {"high", "50"}});
      } else {
        (key == "min_items" ? f.min_items : f.max_items) = static_cast<std::size_t>(count->as_int64());
      }
    }
    if (f.min_items > f.max_items) problem(where + ".min_items", "min_items_above");
    if (f.required && f.min_items == 0) f.min_items = 1;
    if (o.contains("item_label")) f.item_label = texts(o, "item_label", where, true);
  }

  // A file question's kind of document, accepted types and largest size.
  void file_properties(const json::object& o, const std::string& where, Field& f) {
    const bool file = f.type == FieldType::file;
    for (std::string_view key : {"kind", "accept", "max_bytes"}) {
      if (!file && o.if_contains(key) != nullptr)
        problem(where + "." + std::string(key), "only_files", {{"property", std::string(key)}});
    }
    if (!file) return;
    if (const json::value* kind = o.if_contains("kind");
        kind != nullptr && kind->is_string() && known_document_kind(kind->as_string())) {
      f.document_kind = std::string(kind->as_string());
    } else {
      problem(where + ".kind", "bad_kind");
    }
    f.accept = attachable_content_types();
    if (const json::value* accept = o.if_contains("accept")) {
      f.accept.clear();
      const auto& known = attachable_content_types();
      if (!accept->is_array() || accept->as_array().empty()) {
        problem(where + ".accept", "bad_accept_list");
      } else {
        for (const json::value& type : accept->as_array()) {
          if (type.is_string() && std::find(known.begin(), known.end(), type.as_string()) != known.end()) {
            f.accept.emplace_back(type.as_string());
          } else {
            problem(where + ".accept", "bad_accept_type");
          }
        }
      }
    }
    f.max_bytes = kMaxFileBytes;
    if (const json::value* max = o.if_contains("max_bytes")) {
      if (!max->is_int64() || max->as_int64() < 1024 || max->as_int64() > kMaxFileBytes) {
        problem(where + ".max_bytes", "bad_range", {{"low", "1024"}, {"high", std::to_string(kMaxFileBytes)}});
      } else {
        f.max_bytes = max->as_int64();
      }
    }
  }
};

// The fields a condition names, with where it sits.
void condition_fields(const Condition& c, std::vector<const Condition*>& out) {
  if (c.op == Condition::Op::all || c.op == Condition::Op::any) {
    for (const Condition& part : c.parts) condition_fields(part, out);
  } else {
    out.push_back(&c);
  }
}

// The pages a page may lead to: its routes, and the following page unless a route always holds.
std::vector<std::string> successors(const Definition& d, std::size_t index) {
  std::vector<std::string> out;
  bool unconditional = false;
  for (const Route& route : d.pages[index].next) {
    out.push_back(route.page);
    if (!route.when) unconditional = true;
  }
  if (!unconditional) out.push_back(index + 1 < d.pages.size() ? d.pages[index + 1].id : "end");
  return out;
}

void check_graph(const Definition& d, Reader& reader) {
  std::map<std::string, std::size_t, std::less<>> index;
  for (std::size_t i = 0; i < d.pages.size(); ++i) index.emplace(d.pages[i].id, i);
  // Where each field is asked, so conditions can be checked to look back only.
  std::map<std::string, std::size_t, std::less<>> field_page;
  for (std::size_t i = 0; i < d.pages.size(); ++i) {
    for (const Field& f : d.pages[i].fields) field_page.emplace(f.id, i);
  }
  auto check_condition = [&](const Condition& c, const std::string& where, std::size_t page, bool same_page_allowed) {
    std::vector<const Condition*> tests;
    condition_fields(c, tests);
    for (const Condition* test : tests) {
      const Field* target = d.field(test->field);
      if (target == nullptr) {
        reader.problem(where, "unknown_field", {{"field", test->field}});
        continue;
      }
      const std::size_t at = field_page.at(test->field);
      if (at > page || (at == page && !same_page_allowed)) {
        reader.problem(where, at == page ? "asked_same_page" : "asked_later", {{"field", test->field}});
      }
      if (target->type == FieldType::section) reader.problem(where, "names_section", {{"field", test->field}});
      if ((target->type == FieldType::file || target->type == FieldType::group) &&
          test->op != Condition::Op::answered) {
        reader.problem(where, "only_answered",
                       {{"type", std::string(to_string(target->type))}, {"field", test->field}});
      }
      if (target->type == FieldType::choice || target->type == FieldType::multiple_choice) {
        for (const json::value& value : test->values) {
          const bool known =
              value.is_string() && std::any_of(target->options.begin(), target->options.end(),
                                               [&](const Option& o) { return o.id == value.as_string(); });
          if (!known) reader.problem(where, "not_an_option", {{"field", test->field}});
        }
      }
      if (target->type == FieldType::yes_no) {
        for (const json::value& value : test->values) {
          if (!value.is_bool()) reader.problem(where, "yes_no_value", {{"field", test->field}});
        }
      }
    }
  };
  for (std::size_t i = 0; i < d.pages.size(); ++i) {
    const Page& page = d.pages[i];
    const std::string where = "pages[" + std::to_string(i) + "]";
    for (std::size_t j = 0; j < page.fields.size(); ++j) {
      if (page.fields[j].visible_if) {
        check_condition(*page.fields[j].visible_if, where + ".fields[" + std::to_string(j) + "].visible_if", i, false);
      }
    }
    for (std::size_t j = 0; j < page.next.size(); ++j) {
      const Route& route = page.next[j];
      const std::string at = where + ".next[" + std::to_string(j) + "]";
      if (route.page != "end" && !index.contains(route.page)) reader.problem(at + ".page", "no_such_page");
      if (route.when) check_condition(*route.when, at + ".if", i, true);
    }
  }
  // Reachable pages, from the first; then cycles, by depth-first search over the same edges.
  std::vector<int> state(d.pages.size(), 0);  // 0 unseen, 1 on the path, 2 done
  std::set<std::size_t> reached;
  bool cycle = false;
  std::function<void(std::size_t)> visit = [&](std::size_t i) {
    state[i] = 1;
    reached.insert(i);
    for (const std::string& next : successors(d, i)) {
      auto found = index.find(next);
      if (found == index.end()) continue;
      if (state[found->second] == 1) {
        if (!cycle) reader.problem("pages[" + std::to_string(i) + "].next", "cycle", {{"page", next}});
        cycle = true;
      } else if (state[found->second] == 0) {
        visit(found->second);
      }
    }
    state[i] = 2;
  };
  if (!d.pages.empty()) visit(0);
  for (std::size_t i = 0; i < d.pages.size(); ++i) {
    if (!reached.contains(i))
      reader.problem("pages[" + std::to_string(i) + "]", "unreachable", {{"page", d.pages[i].id}});
  }
}

}  // namespace

const std::vector<std::string>& definition_problem_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> out;
    for (const ProblemText& t : kProblemTexts) out.emplace_back(t.key);
    return out;
  }();
  return keys;
}

std::string english_problem(std::string_view key, const std::map<std::string, std::string>& params) {
  const auto* found = std::find_if(std::begin(kProblemTexts), std::end(kProblemTexts),
                                   [&](const ProblemText& t) { return t.key == key; });
  std::string text(found != std::end(kProblemTexts) ? found->text : key);
  for (const auto& [name, value] : params) {
    const std::string placeholder = "{" + name + "}";
    for (std::size_t at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at + value.size())) {
      text.replace(at, placeholder.size(), value);
    }
  }
  return text;
}

const std::string& text_in(const Texts& texts, std::string_view lang) {
  static const std::string kEmpty;
  if (auto it = texts.find(lang); it != texts.end()) return it->second;
  if (auto it = texts.find("en"); it != texts.end()) return it->second;
  return texts.empty() ? kEmpty : texts.begin()->second;
}

std::string_view to_string(FieldType type) {
  for (const TypeName& t : kTypes) {
    if (t.type == type) return t.name;
  }
  return "text";
}

std::optional<FieldType> parse_field_type(std::string_view text) {
  for (const TypeName& t : kTypes) {
    if (t.name == text) return t.type;
  }
  return std::nullopt;
}

std::string_view to_string(TacitRule rule) {
  switch (rule) {
    case TacitRule::approval:
      return "approval";
    case TacitRule::refusal:
      return "refusal";
    case TacitRule::none:
      break;
  }
  return "none";
}

const Field* Field::item_field(std::string_view id) const {
  for (const Field& f : fields) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

std::string item_path(std::string_view group, std::size_t index, std::string_view field) {
  return std::string(group) + "." + std::to_string(index) + "." + std::string(field);
}

const Field* Definition::field_at(std::string_view path) const {
  const std::size_t first = path.find('.');
  if (first == std::string_view::npos) return field(path);
  const Field* group = field(path.substr(0, first));
  const std::size_t second = path.find('.', first + 1);
  if (group == nullptr || group->type != FieldType::group || second == std::string_view::npos) return nullptr;
  return group->item_field(path.substr(second + 1));
}

const Field* Definition::field(std::string_view id) const {
  for (const Page& p : pages) {
    for (const Field& f : p.fields) {
      if (f.id == id) return &f;
    }
  }
  return nullptr;
}

std::string Definition::group_for(const json::object& answers) const {
  for (const GroupRule& rule : routing) {
    if (!rule.when || holds(*rule.when, answers)) return rule.group;
  }
  return "general";
}

const Page* Definition::page(std::string_view id) const {
  for (const Page& p : pages) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

std::vector<const Field*> Definition::questions() const {
  std::vector<const Field*> out;
  for (const Page& p : pages) {
    for (const Field& f : p.fields) {
      if (f.type != FieldType::section) out.push_back(&f);
    }
  }
  return out;
}

std::optional<FieldType> source_type(std::string_view source) {
  for (const SourceFit& s : kSources) {
    if (s.source == source) return s.type;
  }
  return std::nullopt;
}

const std::vector<std::string>& known_sources() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const SourceFit& s : kSources) names.emplace_back(s.source);
    return names;
  }();
  return kNames;
}

Result<Definition> parse_definition(std::string_view text, std::vector<DefinitionProblem>* problems) {
  Reader reader;
  Definition d;
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) {
    reader.problem("", ec ? "not_json" : "not_json_object", {{"reason", ec ? ec.message() : ""}});
  } else {
    const json::object& o = parsed.as_object();
    static const std::set<std::string_view> kKnown{"format",    "service",       "title",
                                                   "pages",     "tacit",         "processing_days",
                                                   "fee_cents", "result_online", "clock_after_request",
                                                   "routing",   "legal_basis"};
    for (const auto& member : o) {
      if (!kKnown.contains(member.key())) reader.problem(std::string(member.key()), "not_a_definition_property");
    }
    const json::value* format = o.if_contains("format");
    if (format == nullptr || !format->is_int64() || format->as_int64() != 1) reader.problem("format", "bad_format");
    if (const json::value* service = o.if_contains("service"); service != nullptr && service->is_string() &&
                                                               !service->as_string().empty() &&
                                                               service->as_string().size() <= 100) {
      d.service = std::string(service->as_string());
    } else {
      reader.problem("service", "bad_service");
    }
    if (o.contains("title")) d.title = reader.texts(o, "title", "", true);
    if (const json::value* days = o.if_contains("processing_days")) {
      if (!days->is_int64() || days->as_int64() < 0 || days->as_int64() > 3650) {
        reader.problem("processing_days", "bad_range", {{"low", "0"}, {"high", "3650"}});
      } else {
        d.processing_days = static_cast<int>(days->as_int64());
      }
    }
    if (const json::value* tacit = o.if_contains("tacit")) {
      if (tacit->is_string() && tacit->as_string() == "approval") {
        d.tacit = TacitRule::approval;
      } else if (tacit->is_string() && tacit->as_string() == "refusal") {
        d.tacit = TacitRule::refusal;
      } else if (!tacit->is_string() || tacit->as_string() != "none") {
        reader.problem("tacit", "bad_tacit");
      }
    }
    if (const json::value* clock = o.if_contains("clock_after_request")) {
      if (clock->is_string() && clock->as_string() == "restart") {
        d.restart_after_request = true;
      } else if (!clock->is_string() || clock->as_string() != "continue") {
        reader.problem("clock_after_request", "bad_clock");
      }
    }
    if (d.tacit != TacitRule::none && d.processing_days == 0) {
      reader.problem("tacit", "tacit_without_days");
    }
    if (const json::value* fee = o.if_contains("fee_cents")) {
      if (!fee->is_int64() || fee->as_int64() < 0 || fee->as_int64() > 100'000'000) {
        reader.problem("fee_cents", "bad_range", {{"low", "0"}, {"high", "100000000"}});
      } else {
        d.fee_cents = fee->as_int64();
      }
    }
    if (const json::value* online = o.if_contains("result_online")) {
      if (online->is_bool()) {
        d.result_online = online->as_bool();
      } else {
        reader.problem("result_online", "not_a_boolean");
      }
    }
    if (const json::value* basis = o.if_contains("legal_basis")) {
      const json::object* consent = basis->if_object();
      const json::value* text = consent != nullptr && consent->size() == 1 ? consent->if_contains("consent") : basis;
      if (text != nullptr && text->is_string() && text->as_string().size() >= 3 && text->as_string().size() <= 300) {
        d.legal_basis = std::string(text->as_string());
        d.legal_basis_is_consent = consent != nullptr;
      } else {
        reader.problem("legal_basis", "bad_legal_basis");
      }
    }
    if (const json::value* routing = o.if_contains("routing")) {
      if (!routing->is_array()) {
        reader.problem("routing", "bad_routing");
      } else {
        for (std::size_t i = 0; i < routing->as_array().size(); ++i) {
          const std::string at = "routing[" + std::to_string(i) + "]";
          const json::value& rv = routing->as_array()[i];
          const json::value* group = rv.is_object() ? rv.as_object().if_contains("group") : nullptr;
          if (group == nullptr || !group->is_string() || !valid_id(group->as_string())) {
            reader.problem(at + ".group", "bad_id");
            continue;
          }
          Definition::GroupRule rule;
          rule.group = std::string(group->as_string());
          if (const json::value* when = rv.as_object().if_contains("if"))
            rule.when = reader.condition(*when, at + ".if");
          d.routing.push_back(std::move(rule));
        }
      }
    }
    const json::value* pages = o.if_contains("pages");
    if (pages == nullptr || !pages->is_array() || pages->as_array().empty() || pages->as_array().size() > kMaxPages) {
      reader.problem("pages", "bad_pages");
    } else {
      std::set<std::string> page_ids;
      std::set<std::string> field_ids;
      std::size_t fields = 0;
      for (std::size_t i = 0; i < pages->as_array().size(); ++i) {
        const std::string where = "pages[" + std::to_string(i) + "]";
        const json::value& pv = pages->as_array()[i];
        if (!pv.is_object()) {
          reader.problem(where, "not_an_object");
          continue;
        }
        const json::object& po = pv.as_object();
        Page page;
        for (const auto& member : po) {
          const std::string_view key = member.key();
          if (key != "id" && key != "title" && key != "intro" && key != "fields" && key != "next") {
            reader.problem(where + "." + std::string(key), "not_a_page_property");
          }
        }
        if (const json::value* id = po.if_contains("id");
            id != nullptr && id->is_string() && valid_id(id->as_string())) {
          page.id = std::string(id->as_string());
          if (page.id == "end" || page.id == "check") {
            reader.problem(where + ".id", "reserved_page_id");
          } else if (!page_ids.insert(page.id).second) {
            reader.problem(where + ".id", "used_twice");
          }
        } else {
          reader.problem(where + ".id", "bad_id");
        }
        page.title = reader.texts(po, "title", where, true);
        page.intro = reader.texts(po, "intro", where, false);
        const json::value* fv = po.if_contains("fields");
        if (fv == nullptr || !fv->is_array() || fv->as_array().empty()) {
          reader.problem(where + ".fields", "empty_list");
        } else {
          for (std::size_t j = 0; j < fv->as_array().size(); ++j) {
            Field f = reader.field(fv->as_array()[j], where + ".fields[" + std::to_string(j) + "]");
            if (!f.id.empty() && !field_ids.insert(f.id).second) {
              reader.problem(where + ".fields[" + std::to_string(j) + "].id", "used_twice");
            }
            page.fields.push_back(std::move(f));
            ++fields;
          }
        }
        if (const json::value* next = po.if_contains("next")) {
          if (!next->is_array()) {
            reader.problem(where + ".next", "bad_routes");
          } else {
            for (std::size_t j = 0; j < next->as_array().size(); ++j) {
              const std::string at = where + ".next[" + std::to_string(j) + "]";
              const json::value& rv = next->as_array()[j];
              const json::value* target = rv.is_object() ? rv.as_object().if_contains("page") : nullptr;
              if (target == nullptr || !target->is_string()) {
                reader.problem(at + ".page", "bad_route_page");
                continue;
              }
              Route route;
              route.page = std::string(target->as_string());
              if (const json::value* when = rv.as_object().if_contains("if"))
                route.when = reader.condition(*when, at + ".if");
              page.next.push_back(std::move(route));
            }
          }
        }
        d.pages.push_back(std::move(page));
      }
      if (fields > kMaxFields) reader.problem("pages", "too_many_fields");
      if (reader.problems.empty()) check_graph(d, reader);
      // Routing rules read answers: they must name fields that exist.
      for (std::size_t i = 0; i < d.routing.size(); ++i) {
        if (!d.routing[i].when) continue;
        std::vector<const Condition*> tests;
        condition_fields(*d.routing[i].when, tests);
        for (const Condition* test : tests) {
          if (d.field(test->field) == nullptr) {
            reader.problem("routing[" + std::to_string(i) + "].if", "unknown_field", {{"field", test->field}});
          }
        }
      }
    }
  }
  if (problems != nullptr) *problems = reader.problems;
  if (!reader.problems.empty()) {
    std::string message;
    for (const DefinitionProblem& p : reader.problems) {
      if (!message.empty()) message += "\n";
      message += (p.where.empty() ? std::string("definition") : p.where) + " " + p.what;
    }
    return make_error(Errc::bad_definition, message);
  }
  return d;
}

int service_level(const Definition& definition) {
  // A fee is always paid online before submission (procedures/payments.hpp), so the result is
  // what decides.
  return definition.result_online ? 4 : 3;
}

int asked_but_known_count(const Definition& definition) {
  int count = 0;
  for (const Field* f : definition.questions()) {
    // With a legal basis the exchange module fetches it (docs/EXCHANGE.md); without, it is asked.
    if (f->available_from && !f->source && (!definition.legal_basis || definition.legal_basis_is_consent)) ++count;
  }
  return count;
}

}  // namespace guichet::procedures
