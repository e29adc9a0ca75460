#pragma once
// What other modules read of the catalogue's tables (shops, counters, closures, services), on a
// connection the caller holds, so the reads join the caller's transaction or read snapshot. The
// catalogue owns these tables (docs/ARCHITECTURE.md, "Who owns which table"); scheduling and the
// command line read them only through these functions.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::catalogue {

struct ShopRecord {
  std::int64_t id = 0;
  std::string code;
  std::string name;
  std::string address;
  std::string time_zone;      // IANA
  std::string opening_hours;  // the stored JSON; catalogue::parse_opening_hours reads it
  double latitude = 0;
  double longitude = 0;
  std::string accessibility;  // JSON object: features true or false, optional notes by language
};
Result<std::optional<ShopRecord>> shop_record(storage::Connection& c, std::int64_t shop_id);
Result<std::optional<std::int64_t>> shop_id_of(storage::Connection& c, std::string_view code);
// Every shop, or only those of `only`, by name.
Result<std::vector<ShopRecord>> shop_records(storage::Connection& c,
                                             const std::optional<std::set<std::int64_t>>& only = std::nullopt);
// Every shop's id, ascending.
Result<std::vector<std::int64_t>> shop_ids(storage::Connection& c);

// A counter and the services it serves (its skills).
struct CounterRecord {
  std::int64_t id = 0;
  std::int64_t shop_id = 0;
  std::string code;
  std::set<std::int64_t> services;
};
// The counters of one shop, or of every shop, by shop then id.
Result<std::vector<CounterRecord>> counters_of(storage::Connection& c, std::optional<std::int64_t> shop_id);
Result<std::optional<CounterRecord>> counter_record(storage::Connection& c, std::int64_t counter_id);

struct Closure {
  std::int64_t shop_id = 0;
  std::string day;  // YYYY-MM-DD, local
};
Result<std::vector<Closure>> closures_of(storage::Connection& c, std::optional<std::int64_t> shop_id);
// Every shop's closures from `first_day` to `last_day` (YYYY-MM-DD, inclusive), by shop then day.
Result<std::vector<Closure>> closures_between(storage::Connection& c, const std::string& first_day,
                                              const std::string& last_day);

struct ServiceRecord {
  std::int64_t id = 0;
  std::string code;
  int duration_minutes = 0;
  unsigned channels = 0;       // catalogue::Channel bits
  std::string administration;  // its code
  std::string name;            // in the language asked for; empty when it has no text there or none was asked
  std::vector<std::string> documents;
};
// The services of `ids` that exist, by id, with their texts in `lang`. Without a language no text is read: callers
// that need only durations, channels or administrations (every booking) skip the join.
Result<std::map<std::int64_t, ServiceRecord>> service_records(storage::Connection& c, const std::set<std::int64_t>& ids,
                                                              std::optional<std::string_view> lang);

Result<std::optional<std::int64_t>> service_id_of(storage::Connection& c, std::string_view code);

Result<bool> administration_exists(storage::Connection& c, std::string_view code);
// The codes of the services of these administrations (by code), for pages that show only what an
// administration's staff may see (the exchange journal's auditors).
Result<std::vector<std::string>> service_codes_of(storage::Connection& c, const std::set<std::string>& administrations);
// An administration's name in `lang` (else English, else any it has); nullopt when the code is unknown.
Result<std::optional<std::string>> administration_name(storage::Connection& c, std::string_view code,
                                                       std::string_view lang);

}  // namespace guichet::catalogue
