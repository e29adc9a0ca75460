#pragma once
// A small catalogue for the scheduling tests: one administration (irn), four services (passport
// 20 min, citizen card 15 min, tax help 30 min in person or by video, certificate online only) and
// two shops open 09:00-12:00 on weekdays. Lisboa has counter g01 (passport, tax help) and g02 (passport, citizen
// card) and is closed on 2026-12-08; Paris has g01 (citizen card).
#include <cstdint>
#include <map>
#include <string>

#include "guichet/core/clock.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::scheduling::fixtures {

std::string two_shop_catalogue();

struct TwoShops {
  std::map<std::string, std::int64_t> id;       // services and shops by code
  std::map<std::string, std::int64_t> counter;  // counters by "shop/counter", e.g. "lisboa/g02"
};
// Migrates the database, imports the catalogue and reads its ids back. Fails the test (and
// returns what it has) when either step fails.
TwoShops load_two_shops(storage::Database& db, const Clock& clock);

}  // namespace guichet::scheduling::fixtures
