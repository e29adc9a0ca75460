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

// Collects problems as the definition is read, so the author sees all of them at once.
class Reader {
 public:
  std::vector<DefinitionProblem> problems;

  void problem(std::string where, std::string what) { problems.push_back({std::move(where), std::move(what)}); }

  // A text in every language: {"fr": ..., "pt": ..., "vi": ..., "en": ...}.
  Texts texts(const json::object& o, std::string_view key, const std::string& where, bool required) {
    Texts out;
    const json::value* v = o.if_contains(key);
    if (v == nullptr) {
      if (required) problem(where + "." + std::string(key), "is missing");
      return out;
    }
    if (!v->is_object()) {
      problem(where + "." + std::string(key), "must be an object of texts by language");
      return out;
    }
    for (const auto& [lang, text] : v->as_object()) {
      if (std::find(std::begin(kLanguages), std::end(kLanguages), lang) == std::end(kLanguages)) {
        problem(where + "." + std::string(key) + "." + std::string(lang), "is not one of fr, pt, vi, en");
      } else if (!text.is_string() || text.as_string().empty() || text.as_string().size() > 2000 ||
                 !is_valid_utf8(text.as_string())) {
        problem(where + "." + std::string(key) + "." + std::string(lang), "must be a text of 1 to 2000 bytes");
      } else {
        out.emplace(std::string(lang), std::string(text.as_string()));
      }
    }
    for (std::string_view lang : kLanguages) {
      if (!v->as_object().contains(lang)) {
        problem(where + "." + std::string(key), "has no text in " + std::string(lang));
      }
    }
    return out;
  }

  std::optional<Condition> condition(const json::value& v, const std::string& where, int depth = 0) {
    if (!v.is_object()) {
      problem(where, "must be an object");
      return std::nullopt;
    }
    if (depth > 5) {
      problem(where, "nests too deep (5 levels at most)");
      return std::nullopt;
    }
    const json::object& o = v.as_object();
    Condition c;
    for (std::string_view group : {"all", "any"}) {
      if (const json::value* parts = o.if_contains(group)) {
        c.op = group == "all" ? Condition::Op::all : Condition::Op::any;
        if (!parts->is_array() || parts->as_array().empty()) {
          problem(where + "." + std::string(group), "must be a non-empty list of conditions");
          return std::nullopt;
        }
        for (std::size_t i = 0; i < parts->as_array().size(); ++i) {
          auto part = condition(parts->as_array()[i], where + "." + std::string(group) + "[" + std::to_string(i) + "]",
                                depth + 1);
          if (part) c.parts.push_back(std::move(*part));
        }
        if (o.size() != 1) problem(where, "a group takes no other member");
        return c;
      }
    }
    const json::value* field = o.if_contains("field");
    if (field == nullptr || !field->is_string()) {
      problem(where + ".field", "must name a field");
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
        problem(where + ".in", "must be a non-empty list");
      } else {
        c.values.assign(value->as_array().begin(), value->as_array().end());
      }
      ++tests;
    }
    if (const json::value* value = o.if_contains("answered")) {
      c.op = Condition::Op::answered;
      if (!value->is_bool() || !value->as_bool()) problem(where + ".answered", "must be true");
      ++tests;
    }
    if (tests != 1) problem(where, "needs exactly one of equals, not_equals, in, answered");
    for (const json::value& value : c.values) {
      if (!value.is_string() && !value.is_bool() && !value.is_number()) {
        problem(where, "compares with texts, numbers or true/false only");
      }
    }
    return c;
  }

  // A field of a page, or (in_group) of a group's items.
  Field field(const json::value& v, const std::string& where, bool in_group = false) {
    Field f;
    if (!v.is_object()) {
      problem(where, "must be an object");
      return f;
    }
    const json::object& o = v.as_object();
    static const std::set<std::string_view> kKnown{
        "id",      "type",      "label",  "help",       "required",  "source",    "editable",       "visible_if",
        "options", "min",       "max",    "max_length", "country",   "when",      "available_from", "kind",
        "accept",  "max_bytes", "fields", "min_items",  "max_items", "item_label"};
    for (const auto& member : o) {
      if (!kKnown.contains(member.key())) problem(where + "." + std::string(member.key()), "is not a field property");
    }
    if (const json::value* id = o.if_contains("id"); id != nullptr && id->is_string() && valid_id(id->as_string())) {
      f.id = std::string(id->as_string());
    } else {
      problem(where + ".id", "must be 1 to 40 of a-z, 0-9 and _, starting with a letter");
    }
    if (const json::value* type = o.if_contains("type"); type != nullptr && type->is_string()) {
      auto parsed = parse_field_type(type->as_string());
      if (parsed) {
        f.type = *parsed;
      } else {
        problem(where + ".type", "is not a field type");
      }
    } else {
      problem(where + ".type", "is missing");
    }
    f.label = texts(o, "label", where, true);
    f.help = texts(o, "help", where, false);
    if (const json::value* required = o.if_contains("required")) {
      if (required->is_bool()) {
        f.required = required->as_bool();
      } else {
        problem(where + ".required", "must be true or false");
      }
    }
    if (f.type == FieldType::section) f.required = false;
    if (const json::value* editable = o.if_contains("editable")) {
      if (editable->is_bool()) {
        f.editable = editable->as_bool();
      } else {
        problem(where + ".editable", "must be true or false");
      }
    }
    if (const json::value* source = o.if_contains("source")) {
      const auto fit = std::find_if(std::begin(kSources), std::end(kSources), [&](const SourceFit& s) {
        return source->is_string() && s.source == source->as_string();
      });
      if (fit == std::end(kSources)) {
        problem(where + ".source", "is not a source Guichet reads (docs/PROCEDURES.md lists them)");
      } else if (fit->type != f.type) {
        problem(where + ".source",
                "gives a " + std::string(to_string(fit->type)) + ", not a " + std::string(to_string(f.type)));
      } else {
        f.source = std::string(source->as_string());
      }
    }
    if (!f.editable && !f.source) problem(where + ".editable", "only a field with a source can be kept as given");
    if (const json::value* from = o.if_contains("available_from")) {
      if (from->is_string() && !from->as_string().empty() && from->as_string().size() <= 100) {
        f.available_from = std::string(from->as_string());
      } else {
        problem(where + ".available_from", "must name the data, such as at.reference_income");
      }
    }
    if (const json::value* visible = o.if_contains("visible_if"))
      f.visible_if = condition(*visible, where + ".visible_if");
    if (const json::value* options = o.if_contains("options")) {
      if (!options->is_array() || options->as_array().empty() || options->as_array().size() > kMaxOptions) {
        problem(where + ".options", "must be a list of 1 to 100 options");
      } else {
        std::set<std::string> seen;
        for (std::size_t i = 0; i < options->as_array().size(); ++i) {
          const std::string at = where + ".options[" + std::to_string(i) + "]";
          const json::value& ov = options->as_array()[i];
          if (!ov.is_object()) {
            problem(at, "must be an object");
            continue;
          }
          Option option;
          const json::value* id = ov.as_object().if_contains("id");
          if (id != nullptr && id->is_string() && valid_id(id->as_string())) {
            option.id = std::string(id->as_string());
            if (!seen.insert(option.id).second) problem(at + ".id", "is used twice");
          } else {
            problem(at + ".id", "must be 1 to 40 of a-z, 0-9 and _, starting with a letter");
          }
          option.label = texts(ov.as_object(), "label", at, true);
          f.options.push_back(std::move(option));
        }
      }
    }
    const bool with_options = f.type == FieldType::choice || f.type == FieldType::multiple_choice;
    if (with_options && f.options.empty() && o.if_contains("options") == nullptr) {
      problem(where + ".options", "a choice needs options");
    }
    if (!with_options && o.if_contains("options") != nullptr) problem(where + ".options", "only choices take options");
    for (std::string_view bound : {"min", "max"}) {
      if (const json::value* b = o.if_contains(bound)) {
        if (f.type != FieldType::number && f.type != FieldType::amount) {
          problem(where + "." + std::string(bound), "only numbers and amounts take bounds");
        } else if (!b->is_number()) {
          problem(where + "." + std::string(bound), "must be a number");
        } else {
          (bound == "min" ? f.min : f.max) = b->to_number<double>();
        }
      }
    }
    if (f.min && f.max && *f.min > *f.max) problem(where + ".min", "is above max");
    if (const json::value* length = o.if_contains("max_length")) {
      if (f.type != FieldType::text && f.type != FieldType::long_text) {
        problem(where + ".max_length", "only texts take a length");
      } else if (!length->is_int64() || length->as_int64() < 1 || length->as_int64() > 20000) {
        problem(where + ".max_length", "must be 1 to 20000");
      } else {
        f.max_length = static_cast<std::size_t>(length->as_int64());
      }
    }
    const bool national = f.type == FieldType::postcode || f.type == FieldType::address || f.type == FieldType::phone ||
                          f.type == FieldType::organisation_number || f.type == FieldType::national_id;
    if (const json::value* country = o.if_contains("country")) {
      if (!national) {
        problem(where + ".country", "only postcodes, addresses, phones and national numbers take a country");
      } else if (!country->is_string() ||
                 (country->as_string() != "FR" && country->as_string() != "PT" && country->as_string() != "VN")) {
        problem(where + ".country", "must be FR, PT or VN");
      } else {
        f.country = std::string(country->as_string());
      }
    } else if (national) {
      f.country = "PT";
    }
    if (const json::value* when = o.if_contains("when")) {
      if (f.type != FieldType::date) {
        problem(where + ".when", "only dates take when");
      } else if (!when->is_string() || (when->as_string() != "past" && when->as_string() != "future")) {
        problem(where + ".when", "must be past or future");
      } else {
        f.when = std::string(when->as_string());
      }
    }
    file_properties(o, where, f);
    group_properties(o, where, f);
    if (in_group) {
      if (f.type == FieldType::section || f.type == FieldType::file || f.type == FieldType::group) {
        problem(where + ".type", "a group's items take no " + std::string(to_string(f.type)));
      }
      for (std::string_view key : {"visible_if", "source", "editable", "available_from"}) {
        if (o.if_contains(key) != nullptr) problem(where + "." + std::string(key), "a group's items take none");
      }
    }
    return f;
  }

  // A group's item fields and how many items it takes.
  void group_properties(const json::object& o, const std::string& where, Field& f) {
    const bool group = f.type == FieldType::group;
    for (std::string_view key : {"fields", "min_items", "max_items", "item_label"}) {
      if (!group && o.if_contains(key) != nullptr)
        problem(where + "." + std::string(key), "only groups take " + std::string(key));
    }
    if (!group) return;
    const json::value* fields = o.if_contains("fields");
    if (fields == nullptr || !fields->is_array() || fields->as_array().empty() ||
        fields->as_array().size() > kMaxItemFields) {
      problem(where + ".fields", "must be a list of 1 to 20 fields");
    } else {
      std::set<std::string> ids;
      for (std::size_t i = 0; i < fields->as_array().size(); ++i) {
        const std::string at = where + ".fields[" + std::to_string(i) + "]";
        Field item = field(fields->as_array()[i], at, true);
        if (!item.id.empty() && !ids.insert(item.id).second) problem(at + ".id", item.id + " is used twice");
        f.fields.push_back(std::move(item));
      }
    }
    f.max_items = 10;
    for (std::string_view key : {"min_items", "max_items"}) {
      const json::value* count = o.if_contains(key);
      if (count == nullptr) continue;
      if (!count->is_int64() || count->as_int64() < (key == "min_items" ? 0 : 1) ||
          count->as_int64() > static_cast<std::int64_t>(kMaxItems)) {
        problem(where + "." + std::string(key), key == "min_items" ? "must be 0 to 50" : "must be 1 to 50");
      } else {
        (key == "min_items" ? f.min_items : f.max_items) = static_cast<std::size_t>(count->as_int64());
      }
    }
    if (f.min_items > f.max_items) problem(where + ".min_items", "is above max_items");
    if (f.required && f.min_items == 0) f.min_items = 1;
    if (o.contains("item_label")) f.item_label = texts(o, "item_label", where, true);
  }

  // A file question's kind of document, accepted types and largest size.
  void file_properties(const json::object& o, const std::string& where, Field& f) {
    const bool file = f.type == FieldType::file;
    for (std::string_view key : {"kind", "accept", "max_bytes"}) {
      if (!file && o.if_contains(key) != nullptr)
        problem(where + "." + std::string(key), "only files take " + std::string(key));
    }
    if (!file) return;
    if (const json::value* kind = o.if_contains("kind");
        kind != nullptr && kind->is_string() && known_document_kind(kind->as_string())) {
      f.document_kind = std::string(kind->as_string());
    } else {
      problem(where + ".kind", "must be a kind of document (docs/PROCEDURES.md lists them)");
    }
    f.accept = attachable_content_types();
    if (const json::value* accept = o.if_contains("accept")) {
      f.accept.clear();
      const auto& known = attachable_content_types();
      if (!accept->is_array() || accept->as_array().empty()) {
        problem(where + ".accept", "must be a list of content types");
      } else {
        for (const json::value& type : accept->as_array()) {
          if (type.is_string() && std::find(known.begin(), known.end(), type.as_string()) != known.end()) {
            f.accept.emplace_back(type.as_string());
          } else {
            problem(where + ".accept", "takes application/pdf, image/jpeg and image/png only");
          }
        }
      }
    }
    f.max_bytes = kMaxFileBytes;
    if (const json::value* max = o.if_contains("max_bytes")) {
      if (!max->is_int64() || max->as_int64() < 1024 || max->as_int64() > kMaxFileBytes) {
        problem(where + ".max_bytes", "must be 1024 to " + std::to_string(kMaxFileBytes));
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
        reader.problem(where, "names the unknown field " + test->field);
        continue;
      }
      const std::size_t at = field_page.at(test->field);
      if (at > page || (at == page && !same_page_allowed)) {
        reader.problem(where, "names " + test->field + ", which is asked " +
                                  (at == page ? "on the same page" : "on a later page"));
      }
      if (target->type == FieldType::section) reader.problem(where, "names the section " + test->field);
      if ((target->type == FieldType::file || target->type == FieldType::group) &&
          test->op != Condition::Op::answered) {
        reader.problem(where, "can only ask whether the " + std::string(to_string(target->type)) + " " + test->field +
                                  " is answered");
      }
      if (target->type == FieldType::choice || target->type == FieldType::multiple_choice) {
        for (const json::value& value : test->values) {
          const bool known =
              value.is_string() && std::any_of(target->options.begin(), target->options.end(),
                                               [&](const Option& o) { return o.id == value.as_string(); });
          if (!known) reader.problem(where, "compares " + test->field + " with a value that is not one of its options");
        }
      }
      if (target->type == FieldType::yes_no) {
        for (const json::value& value : test->values) {
          if (!value.is_bool())
            reader.problem(where, "compares the yes/no " + test->field + " with other than true/false");
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
      if (route.page != "end" && !index.contains(route.page)) reader.problem(at + ".page", "names no page");
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
        if (!cycle) reader.problem("pages[" + std::to_string(i) + "].next", "leads back to " + next + ": a cycle");
        cycle = true;
      } else if (state[found->second] == 0) {
        visit(found->second);
      }
    }
    state[i] = 2;
  };
  if (!d.pages.empty()) visit(0);
  for (std::size_t i = 0; i < d.pages.size(); ++i) {
    if (!reached.contains(i)) reader.problem("pages[" + std::to_string(i) + "]", "no route leads to " + d.pages[i].id);
  }
}

}  // namespace

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
    reader.problem("", ec ? "is not JSON: " + ec.message() : "must be a JSON object");
  } else {
    const json::object& o = parsed.as_object();
    static const std::set<std::string_view> kKnown{"format",    "service",       "title",
                                                   "pages",     "tacit",         "processing_days",
                                                   "fee_cents", "result_online", "clock_after_request",
                                                   "routing"};
    for (const auto& member : o) {
      if (!kKnown.contains(member.key())) reader.problem(std::string(member.key()), "is not a definition property");
    }
    const json::value* format = o.if_contains("format");
    if (format == nullptr || !format->is_int64() || format->as_int64() != 1) reader.problem("format", "must be 1");
    if (const json::value* service = o.if_contains("service"); service != nullptr && service->is_string() &&
                                                               !service->as_string().empty() &&
                                                               service->as_string().size() <= 100) {
      d.service = std::string(service->as_string());
    } else {
      reader.problem("service", "must be the catalogue service's code");
    }
    if (o.contains("title")) d.title = reader.texts(o, "title", "", true);
    if (const json::value* days = o.if_contains("processing_days")) {
      if (!days->is_int64() || days->as_int64() < 0 || days->as_int64() > 3650) {
        reader.problem("processing_days", "must be 0 to 3650");
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
        reader.problem("tacit", "must be approval, refusal or none");
      }
    }
    if (const json::value* clock = o.if_contains("clock_after_request")) {
      if (clock->is_string() && clock->as_string() == "restart") {
        d.restart_after_request = true;
      } else if (!clock->is_string() || clock->as_string() != "continue") {
        reader.problem("clock_after_request", "must be continue or restart");
      }
    }
    if (d.tacit != TacitRule::none && d.processing_days == 0) {
      reader.problem("tacit", "a tacit decision needs processing_days");
    }
    if (const json::value* fee = o.if_contains("fee_cents")) {
      if (!fee->is_int64() || fee->as_int64() < 0 || fee->as_int64() > 100'000'000) {
        reader.problem("fee_cents", "must be 0 to 100000000");
      } else {
        d.fee_cents = fee->as_int64();
      }
    }
    if (const json::value* online = o.if_contains("result_online")) {
      if (online->is_bool()) {
        d.result_online = online->as_bool();
      } else {
        reader.problem("result_online", "must be true or false");
      }
    }
    if (const json::value* routing = o.if_contains("routing")) {
      if (!routing->is_array()) {
        reader.problem("routing", "must be a list of {\"if\": condition, \"group\": id}");
      } else {
        for (std::size_t i = 0; i < routing->as_array().size(); ++i) {
          const std::string at = "routing[" + std::to_string(i) + "]";
          const json::value& rv = routing->as_array()[i];
          const json::value* group = rv.is_object() ? rv.as_object().if_contains("group") : nullptr;
          if (group == nullptr || !group->is_string() || !valid_id(group->as_string())) {
            reader.problem(at + ".group", "must be 1 to 40 of a-z, 0-9 and _, starting with a letter");
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
      reader.problem("pages", "must be a list of 1 to 50 pages");
    } else {
      std::set<std::string> page_ids;
      std::set<std::string> field_ids;
      std::size_t fields = 0;
      for (std::size_t i = 0; i < pages->as_array().size(); ++i) {
        const std::string where = "pages[" + std::to_string(i) + "]";
        const json::value& pv = pages->as_array()[i];
        if (!pv.is_object()) {
          reader.problem(where, "must be an object");
          continue;
        }
        const json::object& po = pv.as_object();
        Page page;
        for (const auto& member : po) {
          const std::string_view key = member.key();
          if (key != "id" && key != "title" && key != "intro" && key != "fields" && key != "next") {
            reader.problem(where + "." + std::string(key), "is not a page property");
          }
        }
        if (const json::value* id = po.if_contains("id");
            id != nullptr && id->is_string() && valid_id(id->as_string())) {
          page.id = std::string(id->as_string());
          if (page.id == "end" || page.id == "check") {
            reader.problem(where + ".id", "end and check are kept for the end of the form");
          } else if (!page_ids.insert(page.id).second) {
            reader.problem(where + ".id", "is used twice");
          }
        } else {
          reader.problem(where + ".id", "must be 1 to 40 of a-z, 0-9 and _, starting with a letter");
        }
        page.title = reader.texts(po, "title", where, true);
        page.intro = reader.texts(po, "intro", where, false);
        const json::value* fv = po.if_contains("fields");
        if (fv == nullptr || !fv->is_array() || fv->as_array().empty()) {
          reader.problem(where + ".fields", "must be a non-empty list");
        } else {
          for (std::size_t j = 0; j < fv->as_array().size(); ++j) {
            Field f = reader.field(fv->as_array()[j], where + ".fields[" + std::to_string(j) + "]");
            if (!f.id.empty() && !field_ids.insert(f.id).second) {
              reader.problem(where + ".fields[" + std::to_string(j) + "].id", f.id + " is used twice");
            }
            page.fields.push_back(std::move(f));
            ++fields;
          }
        }
        if (const json::value* next = po.if_contains("next")) {
          if (!next->is_array()) {
            reader.problem(where + ".next", "must be a list of routes");
          } else {
            for (std::size_t j = 0; j < next->as_array().size(); ++j) {
              const std::string at = where + ".next[" + std::to_string(j) + "]";
              const json::value& rv = next->as_array()[j];
              const json::value* target = rv.is_object() ? rv.as_object().if_contains("page") : nullptr;
              if (target == nullptr || !target->is_string()) {
                reader.problem(at + ".page", "must name a page or end");
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
      if (fields > kMaxFields) reader.problem("pages", "hold more than 200 fields");
      if (reader.problems.empty()) check_graph(d, reader);
      // Routing rules read answers: they must name fields that exist.
      for (std::size_t i = 0; i < d.routing.size(); ++i) {
        if (!d.routing[i].when) continue;
        std::vector<const Condition*> tests;
        condition_fields(*d.routing[i].when, tests);
        for (const Condition* test : tests) {
          if (d.field(test->field) == nullptr) {
            reader.problem("routing[" + std::to_string(i) + "].if", "names the unknown field " + test->field);
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
    if (f->available_from && !f->source) ++count;
  }
  return count;
}

}  // namespace guichet::procedures
