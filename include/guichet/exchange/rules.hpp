#pragma once
// A benefit's rule: one Lua 5.4 expression over a person's attributes, true when the benefit is
// granted — `reference_income / household_parts < 600000 or has(benefits, "rsi")`. Attributes are
// globals (amounts in cents, lists as Lua sequences, an attribute the registry does not hold is
// nil); besides them the rule sees only `math`, `string`, `tonumber`, `tostring`, `type`, `pairs`,
// `ipairs` and `has(list, value)`. No I/O, no `load`, no bytecode, an instruction limit and a
// memory cap: a rule that loops, allocates without end or errs fails for that person, never the
// node.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "guichet/core/result.hpp"

namespace guichet::exchange {

struct RuleLimits {
  std::size_t memory_bytes = 1024 * 1024;  // the interpreter's whole heap
  int instructions = 100000;               // per evaluation
};

class Rule {
 public:
  // Errc::bad_rule with Lua's message (its line and column) when the expression does not compile.
  static Result<Rule> compile(std::string_view expression, RuleLimits limits = {});
  Rule(Rule&&) noexcept;
  Rule& operator=(Rule&&) noexcept;
  ~Rule();

  // The rule's verdict for one person; Errc::rule_failed (with why) when it errs, runs past its
  // instruction limit or memory cap, or gives anything but true or false. Not thread-safe: one
  // Rule per thread.
  Result<bool> evaluate(const boost::json::object& attributes);
  const std::string& expression() const;

 private:
  struct State;
  explicit Rule(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace guichet::exchange
