#pragma once
// Answers to a procedure's questions: each checked and normalised by its field's type, whatever
// the browser or the API client sent (a postcode in the country's form, an IBAN's checksum, a
// phone number by libphonenumber, an organisation's or a person's national number by its check
// digits), and the path through the form that the answers given so far lead to.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "guichet/procedures/definition.hpp"

namespace guichet::procedures {

// Why an answer is refused; each has a text `procedure_problem_<name>` in every language.
enum class Problem {
  required,
  wrong_type,
  too_long,
  not_a_number,
  too_small,
  too_large,
  not_a_date,
  not_in_past,
  not_in_future,
  unknown_option,
  bad_postcode,
  bad_iban,
  bad_email,
  bad_phone,
  bad_organisation_number,
  bad_national_id,
  unknown_field,
  not_editable,
  incomplete_address,
  no_such_document,   // a file answer naming no document of the person's vault
  file_type_refused,  // a document of a type this question does not accept
  file_too_large,
  file_empty,
  document_expired,
  vault_full,      // an upload the person's vault has no room for
  too_few_items,   // a group with fewer items than it takes
  too_many_items,  // a group with more
  item_problems,   // a group with an item refused: Checked::parts say which and why
};
std::string_view to_string(Problem problem);

struct FieldProblem {
  std::string field;
  Problem problem = Problem::required;
};

// An answer checked: its normalised value, or why it is refused. An empty answer (null, "",
// an empty list or address) is `empty`, neither a value nor a problem: whether it may stay
// empty is the form's concern (required and visible).
struct Checked {
  boost::json::value value;
  std::optional<Problem> problem;
  bool empty = false;
  // A group's answer refused for its items (problem item_problems): each item field refused,
  // named by its path (item_path: "children.1.birth_date").
  std::vector<FieldProblem> parts;
};

// Normalised forms, each accepted again unchanged: text trimmed; number a JSON number; amount
// integer cents (a JSON number is read as cents, text as people write money); date YYYY-MM-DD;
// choice an option id; multiple_choice a list of option ids; yes_no true/false; address
// {"street", "postcode", "city", "country"}; postcode, iban, phone (E.164), organisation_number
// and national_id without spaces; file {"document": id} (the id of a vault document: the caller
// resolves it, see Procedures::save); group a list of items, each an object of its item fields'
// answers, items with nothing answered dropped. `today` (YYYY-MM-DD) bounds past and future dates.
Checked check_answer(const Field& field, const boost::json::value& raw, std::string_view today);

// Conditions read answers already normalised.
bool holds(const Condition& condition, const boost::json::object& answers);
bool visible(const Field& field, const boost::json::object& answers);

// The pages the answers lead through, from the first to the end (routes followed in order).
std::vector<const Page*> path(const Definition& definition, const boost::json::object& answers);
// The page after `page_id` given the answers: a page id, or "end".
std::string next_page(const Definition& definition, std::string_view page_id, const boost::json::object& answers);

// The questions on the path and visible: what the person is asked.
std::vector<const Field*> asked(const Definition& definition, const boost::json::object& answers);
// Required questions asked and not answered, in order.
std::vector<FieldProblem> missing(const Definition& definition, const boost::json::object& answers);
// Only the answers to what is asked (answers to pages the person routed away from are dropped).
boost::json::object submitted_answers(const Definition& definition, const boost::json::object& answers);

}  // namespace guichet::procedures
