#pragma once
// A procedure's definition: the pages of an online form and their typed fields, with texts in the
// four languages, conditions that show a field or route to a page, and the rules of processing
// (deadline, tacit decision, fee). Written as JSON (docs/PROCEDURES.md), checked as a whole when
// published: a definition with an unreachable page, a routing cycle or a condition on an unknown
// field is refused with every problem listed. A published version never changes; cases keep the
// version they were started with.
#include <boost/json/value.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/core/result.hpp"

namespace guichet::procedures {

// A text in each of the four languages.
using Texts = std::map<std::string, std::string, std::less<>>;
// The text in `lang`, else English, else any.
const std::string& text_in(const Texts& texts, std::string_view lang);

enum class FieldType {
  text,
  long_text,
  number,
  amount,  // money, kept in cents
  date,
  choice,
  multiple_choice,
  yes_no,
  address,  // street, postcode, city
  postcode,
  iban,
  email,
  phone,
  organisation_number,  // SIREN, NIPC or MST
  national_id,          // NIF, NIR or CCCD
  section,              // a heading with help text: asks nothing
  file,                 // a document: uploaded, or chosen from the person's vault
  group,                // repeated: a list of items, each answering the group's own fields
};
std::string_view to_string(FieldType type);
std::optional<FieldType> parse_field_type(std::string_view text);

// A condition over earlier answers: one test, or all/any of several.
struct Condition {
  enum class Op { equals, not_equals, in, answered, all, any };
  Op op = Op::equals;
  std::string field;                       // equals, not_equals, in, answered
  std::vector<boost::json::value> values;  // equals, not_equals: one; in: several
  std::vector<Condition> parts;            // all, any
};

struct Option {
  std::string id;
  Texts label;
};

// Where a field's value can come from. `source` is a source Guichet reads now (the person's
// account: "account.given_name"...; a fact they gave before: "vault.iban"), used to pre-fill; `available_from` names
// data another administration holds ("at.reference_income") that is not connected yet: the field is still asked, and
// counts in the "Dites-le-nous une fois" figure.
struct Field {
  std::string id;
  FieldType type = FieldType::text;
  Texts label;
  Texts help;
  bool required = true;
  std::optional<std::string> source;
  bool editable = true;  // false: a pre-filled value stays as the source gave it
  std::optional<std::string> available_from;
  std::optional<Condition> visible_if;
  std::vector<Option> options;  // choice, multiple_choice
  std::optional<double> min;    // number; amount in units (18.5 = 18,50)
  std::optional<double> max;
  std::size_t max_length = 0;  // text, long_text (0: the type's default)
  std::string country;         // postcode, address, phone, organisation_number, national_id: FR, PT or VN
  std::string when;            // date: "past", "future" or "" (any)
  // file: the kind of document asked (procedures/vault.hpp), the content types accepted (default:
  // every attachable type) and the largest size in bytes (default and ceiling: kMaxFileBytes).
  std::string document_kind;
  std::vector<std::string> accept;
  std::int64_t max_bytes = 0;
  // group: the fields each item answers (no sections, files, groups or conditions among them),
  // how many items at least (when required: at least one) and at most, and what one item is
  // called ("Child": shown as "Child 1", "Child 2"...).
  std::vector<Field> fields;
  std::size_t min_items = 0;
  std::size_t max_items = 0;
  Texts item_label;
  // The item field `id` of a group; null if none.
  const Field* item_field(std::string_view id) const;
};

// Where a problem sits in a group's answer: "children.1.birth_date" is the second item's
// birth_date of the group children (the index counts the items as sent, from 0).
std::string item_path(std::string_view group, std::size_t index, std::string_view field);

struct Route {
  std::optional<Condition> when;  // none: always
  std::string page;               // a page id, or "end" (check your answers)
};

struct Page {
  std::string id;
  Texts title;
  Texts intro;
  std::vector<Field> fields;
  std::vector<Route> next;  // the first that holds; else the following page
};

enum class TacitRule { none, approval, refusal };
std::string_view to_string(TacitRule rule);

struct Definition {
  std::string service;  // the catalogue service's code
  Texts title;          // empty: the service's name
  std::vector<Page> pages;
  int processing_days = 0;  // 0: no deadline
  TacitRule tacit = TacitRule::none;
  // After a request for information answered, the deadline keeps counting from the submission
  // (false) or starts again from the answer (true).
  bool restart_after_request = false;
  std::int64_t fee_cents = 0;
  bool result_online = false;  // the decision is delivered online (level 4 with online payment)
  // Which group of agents processes a case: the first rule that holds over the submitted answers,
  // else "general".
  struct GroupRule {
    std::optional<Condition> when;
    std::string group;
  };
  std::vector<GroupRule> routing;
  // What lets Guichet ask the administrations holding `available_from` data for it (exchange
  // module): a law's reference ("legal_basis": "..."), or the person's consent ("legal_basis":
  // {"consent": "what they agree to"}), asked before each case starts. Without it such fields
  // are asked.
  std::optional<std::string> legal_basis;
  bool legal_basis_is_consent = false;

  // The group a case with these (submitted) answers goes to.
  std::string group_for(const boost::json::object& answers) const;
  const Field* field(std::string_view id) const;
  // A field, or a group's item field by its path ("children.1.birth_date"); null if none.
  const Field* field_at(std::string_view path) const;
  const Page* page(std::string_view id) const;
  // Fields that ask something (sections excluded), in page order.
  std::vector<const Field*> questions() const;
};

// One thing wrong in a definition, for its author: where ("pages[1].fields[0].visible_if") and what.
struct DefinitionProblem {
  std::string where;
  std::string what;  // in English, for the command line and logs
  // For pages: the text definition_problem_<key> in the reader's language, its {placeholders}
  // filled from `params`.
  std::string key;
  std::map<std::string, std::string> params;
};
// Every problem's key, and its English text with `params` filled in.
const std::vector<std::string>& definition_problem_keys();
std::string english_problem(std::string_view key, const std::map<std::string, std::string>& params);

// Parses and checks a definition. On failure the error's message lists every problem (one per
// line); `problems`, when given, receives them one by one.
Result<Definition> parse_definition(std::string_view json, std::vector<DefinitionProblem>* problems = nullptr);

// The sources Guichet reads now, for `source`: the person's account ("account.given_name"...)
// and the facts they gave with earlier cases ("vault.iban", kept at each submission); and the type
// of field each fills.
const std::vector<std::string>& known_sources();
std::optional<FieldType> source_type(std::string_view source);
inline constexpr std::string_view kVaultSourcePrefix = "vault.";

// Online service level as Vietnam's portal counts it: 3 when the whole request is made online,
// 4 when the result is delivered online too (any fee is always paid online, before submission).
int service_level(const Definition& definition);

// France's "Dites-le-nous une fois" count: the questions asked of the person that an
// administration could have supplied, that is fields naming data held elsewhere (available_from)
// with no source Guichet pre-fills them from. 0–1 optimal, 2–4 partial, more is weak.
int asked_but_known_count(const Definition& definition);

}  // namespace guichet::procedures
