// The slot engine alone (no database): one shop with 10 counters, every counter able to serve
// every service, half of its capacity already booked over a 90-day horizon, looking for the first
// 20 visits of three services. Results in docs/PERFORMANCE.md.
#include <benchmark/benchmark.h>

#include <random>

#include "guichet/scheduling/slots.hpp"

namespace guichet::scheduling {
namespace {
using std::chrono::minutes;

ShopCalendar busy_shop() {
  ShopCalendar shop;
  shop.time_zone = "Europe/Lisbon";
  for (int d = 0; d < 5; ++d) shop.hours[static_cast<std::size_t>(d)] = {{8 * 60 + 30, 19 * 60 + 30}};
  shop.hours[5] = {{9 * 60 + 30, 15 * 60}};
  for (int c = 1; c <= 10; ++c) shop.counters.push_back({c, {1, 2, 3}});
  // Half the 15-minute slots of each counter taken, at random (seeded), for 90 days.
  std::mt19937 random(42);
  const Instant start = from_unix_micros(1'796'083'200'000'000);  // 2026-12-01T00:00Z
  for (int c = 1; c <= 10; ++c) {
    for (int slot = 0; slot < 90 * 24 * 4; ++slot) {
      if (random() % 2 == 0) continue;
      Instant at = start + minutes(15 * slot);
      shop.busy.push_back({c, at, at + minutes(15)});
    }
  }
  return shop;
}

void BM_VisitsAtOneShop(benchmark::State& state) {
  const ShopCalendar shop = busy_shop();
  const std::vector<ServiceNeed> services{{1, minutes(15)}, {2, minutes(15)}, {3, minutes(15)}};
  SearchRules rules;
  rules.max_gap = minutes(30);
  const Instant now = from_unix_micros(1'796'083'200'000'000);
  for (auto _ : state) {
    auto visits = find_visits(shop, services, "2026-12-02", 90, now, rules, 20);
    if (!visits || visits->empty()) state.SkipWithError("no visit found");
    benchmark::DoNotOptimize(visits);
  }
}
BENCHMARK(BM_VisitsAtOneShop)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace guichet::scheduling

BENCHMARK_MAIN();
