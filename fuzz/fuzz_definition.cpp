// Feeds arbitrary bytes to a procedure definition's parser and checks (docs/PROCEDURES.md), and
// the answers of every definition it accepts to each field's checks, the routing and the path
// through the form. Any crash, hang, leak or undefined behaviour is a bug; so is a normalised
// answer that the same check would refuse, or an answer that is not valid UTF-8.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "guichet/core/utf8.hpp"
#include "guichet/procedures/answers.hpp"
#include "guichet/procedures/definition.hpp"

namespace json = boost::json;
using namespace guichet::procedures;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // The input is a definition, then, after a line holding only "--", a JSON object of answers.
  std::string_view answers_text;
  if (auto split = input.find("\n--\n"); split != std::string_view::npos) {
    answers_text = input.substr(split + 4);
    input = input.substr(0, split);
  }
  auto definition = parse_definition(input);
  if (!definition) return 0;
  boost::system::error_code ec;
  json::value raw = json::parse(answers_text, ec);
  json::object answers;
  if (!ec && raw.is_object()) {
    for (const auto& [key, value] : raw.as_object()) {
      const Field* field = definition->field(key);
      if (field == nullptr || field->type == FieldType::section) continue;
      Checked checked = check_answer(*field, value, "2026-12-03");
      if (checked.problem || checked.empty) continue;
      // What a check returns, the same check accepts unchanged.
      Checked again = check_answer(*field, checked.value, "2026-12-03");
      if (again.problem || again.value != checked.value) __builtin_trap();
      if (checked.value.is_string() && !guichet::is_valid_utf8(checked.value.as_string())) __builtin_trap();
      answers[key] = checked.value;
    }
  }
  (void)path(*definition, answers);
  (void)missing(*definition, answers);
  (void)submitted_answers(*definition, answers);
  (void)definition->group_for(answers);
  for (const Page& page : definition->pages) (void)next_page(*definition, page.id, answers);
  return 0;
}
