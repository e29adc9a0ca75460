// A benefit's rule over 1,000,000 people: the social tariff's expression evaluated in the Lua
// sandbox (exchange/rules.hpp) against each person's attributes as the registries give them (an
// amount in cents, a decimal, a list), generated one at a time so only the evaluation is held.
// Reported: the time, the rate, the peak resident memory of the process, and, as the reference in
// the same run, the same predicate compiled into C++ over the same attributes.
//
//   build/bench/rule_bench [people]       (default 1,000,000)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include <boost/json.hpp>

#include "guichet/exchange/rules.hpp"

int main(int argc, char** argv) {
  using namespace guichet;
  namespace json = boost::json;
  using Steady = std::chrono::steady_clock;
  const long people = argc > 1 ? std::atol(argv[1]) : 1000000;
  auto rule = exchange::Rule::compile("reference_income / household_parts < 600000 or has(benefits, 'rsi')");
  if (!rule) {
    std::fprintf(stderr, "%s\n", rule.error().message.c_str());
    return 1;
  }
  static const char* kBenefits[] = {"abono", "rsi", "bolsa", "pension"};
  auto person = [](std::mt19937_64& random) {
    json::array benefits;
    for (int k = static_cast<int>(random() % 3); k > 0; --k) benefits.emplace_back(kBenefits[random() % 4]);
    return json::object{{"reference_income", static_cast<std::int64_t>(random() % 9000000)},
                        {"household_parts", 1.0 + static_cast<double>(random() % 5) / 2},
                        {"benefits", std::move(benefits)}};
  };
  std::mt19937_64 random(42);
  long granted = 0, failed = 0;
  auto start = Steady::now();
  for (long i = 0; i < people; ++i) {
    auto verdict = rule->evaluate(person(random));
    if (!verdict) {
      ++failed;
    } else if (*verdict) {
      ++granted;
    }
  }
  const double seconds = std::chrono::duration<double>(Steady::now() - start).count();

  std::mt19937_64 again(42);
  long native_granted = 0;
  start = Steady::now();
  for (long i = 0; i < people; ++i) {
    const json::object p = person(again);
    bool rsi = false;
    for (const json::value& b : p.at("benefits").as_array()) rsi = rsi || b.as_string() == "rsi";
    if (static_cast<double>(p.at("reference_income").as_int64()) / p.at("household_parts").as_double() < 600000 ||
        rsi) {
      ++native_granted;
    }
  }
  const double native = std::chrono::duration<double>(Steady::now() - start).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("rule_bench: %ld people, %ld granted (C++ reference: %ld), %ld failed\n", people, granted, native_granted,
              failed);
  std::printf("Lua rule:          %.2f s, %.0f people/s\n", seconds, people / seconds);
  std::printf("reference (C++):   %.2f s, %.0f people/s (generating the attributes included in both)\n", native,
              people / native);
  std::printf("ratio: %.1fx the compiled predicate; peak resident memory %.1f MiB\n", seconds / native,
              static_cast<double>(usage.ru_maxrss) / 1024);
  return granted == native_granted && failed == 0 ? 0 : 1;
}
