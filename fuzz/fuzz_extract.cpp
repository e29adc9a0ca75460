// Feeds arbitrary bytes to the exchange module's parsers: a dataset's description, each
// attribute type's value parser, a benefit's rule (compiled and run in its sandbox), and a whole
// CSV extract imported (libcsv and the row checks) into
// a SQLite database, read in chunks of 1 to 8 bytes or whole. Any crash, hang, leak or undefined
// behaviour is a bug; so is an import that succeeds with a record whose values do not parse back,
// or one that fails without saying why.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string_view>

#include <unistd.h>

#include "guichet/core/utf8.hpp"
#include "guichet/exchange/dataset.hpp"
#include "guichet/exchange/errors.hpp"
#include "guichet/exchange/rules.hpp"
#include "guichet/storage/database.hpp"
#include "guichet/storage/migrations.hpp"

namespace json = boost::json;
using namespace guichet;
using namespace guichet::exchange;

namespace {

const DatasetDescription& description() {
  static const DatasetDescription d = *parse_description(R"({"dataset": "at", "title": {"en": "Tax"}, "country": "PT",
      "attributes": [{"name": "a", "type": "text", "meaning": {"en": "x"}},
                     {"name": "b", "type": "integer", "meaning": {"en": "x"}},
                     {"name": "c", "type": "decimal", "meaning": {"en": "x"}},
                     {"name": "d", "type": "amount", "meaning": {"en": "x"}},
                     {"name": "e", "type": "boolean", "meaning": {"en": "x"}},
                     {"name": "f", "type": "date", "meaning": {"en": "x"}},
                     {"name": "g", "type": "list", "meaning": {"en": "x"}}]})");
  return d;
}

storage::Database& database() {
  static std::unique_ptr<storage::Database> db = [] {
    const auto file = std::filesystem::temp_directory_path() / ("fuzz-extract-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(file);
    auto opened = storage::open_database("sqlite:" + file.string());
    if (!opened) std::abort();
    SystemClock clock;
    if (!storage::apply_migrations(**opened, storage::builtin_migrations(), clock)) std::abort();
    return std::move(opened).value();
  }();
  return *db;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (mode < 32) {
    auto parsed = parse_description(input);
    if (parsed) {
      // What it accepted reads back the same.
      auto again = parse_description(to_json(*parsed));
      if (!again || to_json(*again) != to_json(*parsed)) std::abort();
    } else if (parsed.error().message.empty()) {
      std::abort();
    }
    return 0;
  }
  if (mode < 64) {
    for (const Attribute& a : description().attributes) {
      auto value = parse_value(a, input);
      if (!value) {
        if (value.error().message.empty()) std::abort();
        continue;
      }
      if (value->is_string() && !is_valid_utf8(value->as_string())) std::abort();
    }
    return 0;
  }
  if (mode < 96) {
    // A benefit's rule: compiled and run in the sandbox against a person, with small limits so a
    // runaway rule is stopped quickly. It either decides or fails with a message.
    auto rule = Rule::compile(input, RuleLimits{256 * 1024, 20000});
    if (!rule) {
      if (rule.error().code != Errc::bad_rule || rule.error().message.empty()) std::abort();
      return 0;
    }
    const json::object person{{"reference_income", 1234567},
                              {"household_parts", 2.5},
                              {"benefits", json::array{"abono", "rsi"}},
                              {"student", true},
                              {"name", "Ana"}};
    for (int i = 0; i < 2; ++i) {
      auto verdict = rule->evaluate(person);
      if (!verdict && (verdict.error().code != Errc::rule_failed || verdict.error().message.empty())) std::abort();
    }
    return 0;
  }
  static SystemClock clock;
  std::istringstream extract{std::string(input)};
  ImportOptions options;
  options.chunk_bytes = mode < 128 ? static_cast<std::size_t>(mode % 8) + 1 : 64 * 1024;
  auto imported = import_extract(database(), description(), extract, clock, options);
  if (!imported) {
    if (imported.error().message.empty()) std::abort();
    return 0;
  }
  auto rows = database().read([](storage::Connection& c) {
    return c.query(
        "SELECT r.attributes FROM exchange_records r JOIN exchange_datasets d ON r.version_id = d.current_version");
  });
  if (!rows) std::abort();
  if (static_cast<std::int64_t>(rows->size()) != imported->records) std::abort();
  for (const storage::Row& row : rows->rows) {
    boost::system::error_code ec;
    json::value v = json::parse(row.text(0), ec);
    if (ec || !v.is_object()) std::abort();
  }
  return 0;
}
