// Availability at one shop with its calendar read from the database, then committed bookings per
// second through scheduling::book_visit, at a shop of 10 counters whose 90 days are already half
// booked. Each booking recomputes its visit from the committed calendar inside the write
// transaction. On SQLite by default (a file, WAL, synchronous=NORMAL: a committed booking survives
// a crash of the process); with GUICHET_BENCH_DB=postgresql://... on that (empty) database.
// `/threads:2` books from two threads, each with its own connection pool, as two nodes would.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "guichet/catalogue/catalogue.hpp"
#include "guichet/scheduling/availability.hpp"
#include "guichet/scheduling/bookings.hpp"
#include "guichet/storage/migrations.hpp"

namespace guichet::scheduling {
namespace {
namespace json = boost::json;
using std::chrono::hours;
using std::chrono::minutes;

const Instant kNow = from_unix_micros(1'796'083'200'000'000);  // 2026-12-01T00:00Z

std::string one_shop_catalogue() {
  json::object names{{"fr", "A"}, {"pt", "A"}, {"vi", "A"}, {"en", "A"}};
  json::array services;
  for (const char* code : {"s1", "s2", "s3"}) {
    json::object texts;
    for (const char* lang : {"fr", "pt", "vi", "en"}) texts[lang] = {{"name", code}, {"description", code}};
    services.push_back({{"code", code},
                        {"administration", "a"},
                        {"audience", "citizens"},
                        {"channels", json::array{"in_person"}},
                        {"duration_minutes", 15},
                        {"texts", texts}});
  }
  json::object hours_of_week;
  for (const char* day : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}) {
    hours_of_week[day] = json::array{json::array{"00:00", "23:45"}};
  }
  json::array counters;
  for (int c = 1; c <= 10; ++c) {
    counters.push_back({{"code", "g" + std::to_string(c)}, {"services", json::array{"s1", "s2", "s3"}}});
  }
  json::object doc{{"administrations", json::array{{{"code", "a"}, {"names", names}}}},
                   {"services", services},
                   {"shops", json::array{{{"code", "shop"},
                                          {"name", "Shop"},
                                          {"address", "Lisboa"},
                                          {"latitude", 38.7},
                                          {"longitude", -9.1},
                                          {"time_zone", "UTC"},
                                          {"opening_hours", hours_of_week},
                                          {"counters", counters}}}}};
  return json::serialize(doc);
}

struct Fixture {
  std::filesystem::path dir;
  std::string url;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<FakeClock> clock;
  std::unique_ptr<CalendarCache> calendars;  // over `db`, as each node keeps
  std::vector<std::int64_t> users;
  std::vector<std::int64_t> services;
  std::int64_t shop = 0;
};

Fixture& fixture() {
  static Fixture f = [] {
    Fixture f;
    FakeClock clock(kNow);
    f.dir = std::filesystem::temp_directory_path() / ("guichet-bookings-bench-" + std::to_string(getpid()));
    std::filesystem::create_directories(f.dir);
    const char* bench_db = std::getenv("GUICHET_BENCH_DB");
    f.url = bench_db != nullptr ? bench_db : "sqlite:" + (f.dir / "b.db").string();
    f.db = std::move(storage::open_database(f.url)).value();
    auto need = [](const auto& result, const char* what) {
      if (!result) {
        std::fprintf(stderr, "bookings_bench: %s: %s\n", what, result.error().message.c_str());
        std::abort();
      }
    };
    need(storage::apply_migrations(*f.db, storage::builtin_migrations(), clock), "migrations");
    need(catalogue::import_catalogue(*f.db, one_shop_catalogue(), "bench", clock), "catalogue");
    auto seeded = f.db->transaction([&](storage::Connection& c) -> Result<void> {
      auto ids = c.query("SELECT id FROM services ORDER BY id");
      for (const auto& row : ids->rows) f.services.push_back(row.integer(0));
      f.shop = c.query("SELECT id FROM shops")->rows[0].integer(0);
      auto counters = c.query("SELECT id FROM counters ORDER BY id");
      // 200,000 people; one booking of theirs fills half of every counter's 15-minute slots.
      for (int u = 0; u < 200'000; ++u) {
        auto user = c.query("INSERT INTO users (email, created_at, updated_at) VALUES (?, 0, 0) RETURNING id",
                            {"user" + std::to_string(u) + "@example.org"});
        f.users.push_back(user->rows[0].integer(0));
      }
      std::mt19937 random(42);
      std::size_t next_user = 0;
      for (const auto& counter : counters->rows) {
        for (int slot = 0; slot < 90 * 24 * 4; ++slot) {
          if (random() % 2 == 0) continue;
          Instant at = kNow + hours(24) + minutes(15 * slot);
          std::int64_t user = f.users[next_user++ % f.users.size()];
          auto booking = c.query(
              "INSERT INTO bookings (reference, user_id, shop_id, starts_at, ends_at, status, channel, created_at, "
              "updated_at) VALUES (?, ?, ?, ?, ?, 'confirmed', 'online', 0, 0) RETURNING id",
              {"SEED-" + std::to_string(next_user), user, f.shop, to_unix_micros(at),
               to_unix_micros(at + minutes(15))});
          (void)c.execute(
              "INSERT INTO booking_items (booking_id, service_id, counter_id, starts_at, ends_at, blocks_until) "
              "VALUES (?, ?, ?, ?, ?, ?)",
              {booking->rows[0].integer(0), f.services[0], counter.integer(0), to_unix_micros(at),
               to_unix_micros(at + minutes(15)), to_unix_micros(at + minutes(15))});
        }
      }
      return {};
    });
    if (!seeded) std::abort();
    // A database in service has statistics; right after a bulk load PostgreSQL has none yet (its
    // autovacuum gets there later) and would plan the calendar queries as if the tables were empty.
    if (f.db->backend() == storage::Backend::postgresql) {
      auto c = f.db->acquire();
      need((*c)->execute_script("ANALYZE"), "analyze");
      // bench/scheduling/explain-bookings.sh turns PostgreSQL's auto_explain on here, so that the
      // plans it collects are the bookings' and not the seeding's.
      // Statement by statement: ALTER SYSTEM may not share a transaction with another one.
      if (const char* sql = std::getenv("GUICHET_BENCH_AFTER_SEED_SQL"); sql != nullptr) {
        std::string statements = sql;
        for (std::size_t at = 0; at < statements.size();) {
          std::size_t end = std::min(statements.find(';', at), statements.size());
          if (statements.find_first_not_of(" \n", at) < end) {
            need((*c)->execute_script(statements.substr(at, end - at)), "GUICHET_BENCH_AFTER_SEED_SQL");
          }
          at = end + 1;
        }
      }
    }
    f.clock = std::make_unique<FakeClock>(kNow);
    f.calendars = std::make_unique<CalendarCache>(*f.db, *f.clock);
    return f;
  }();
  return f;
}

// The first 20 visits of three services at the half-booked shop over a week, as
// GET /api/v1/availability?shop= finds them: the change feed read (nothing changed), then the
// search over the cached calendar.
void BM_AvailabilityOneShop(benchmark::State& state) {
  Fixture& f = fixture();
  SearchRules rules;
  rules.max_gap = minutes(30);
  AvailabilityQuery query;
  query.services = f.services;
  query.shop = f.shop;
  query.from = "2026-12-02";
  query.days = 7;
  query.limit = 20;
  for (auto _ : state) {
    auto visits = find_availability(*f.calendars, query, kNow, rules);
    if (!visits || visits->size() != 20) state.SkipWithError("expected 20 visits");
    benchmark::DoNotOptimize(visits);
  }
}
BENCHMARK(BM_AvailabilityOneShop)->Unit(benchmark::kMicrosecond);

// Free visits of three services at the half-booked shop, found once for every booking run.
const std::vector<ShopVisit>& free_visits() {
  static const std::vector<ShopVisit> found = [] {
    Fixture& f = fixture();
    SearchRules rules;
    rules.max_gap = minutes(30);
    AvailabilityQuery query;
    query.services = f.services;
    query.shop = f.shop;
    query.from = "2026-12-02";
    query.days = 90;
    query.limit = 2000;
    std::vector<ShopVisit> visits;
    for (;;) {
      auto page = find_availability_page(*f.calendars, query, kNow, rules);
      if (!page) break;
      visits.insert(visits.end(), page->visits.begin(), page->visits.end());
      if (page->next_cursor.empty() || visits.size() > 3 * 6000 + 10) break;
      query.cursor = page->next_cursor;
    }
    return visits;
  }();
  return found;
}

// One visit of three services per booking, at the free times the engine offers, each for another
// person (the per-person limits then never refuse). Every thread is a node: its own pool.
std::atomic<std::size_t> next_visit{0};
std::atomic<std::size_t> next_person{100'000};

void BM_CommittedBookings(benchmark::State& state) {
  Fixture& f = fixture();
  const std::vector<ShopVisit>& visits = free_visits();
  if (visits.empty()) state.SkipWithError("no visit");
  auto node = std::move(storage::open_database(f.url)).value();
  FakeClock clock(kNow);
  BookingPolicy policy;
  policy.rules.max_gap = minutes(30);
  policy.max_per_address_per_hour = 1'000'000;
  std::int64_t refused = 0;
  for (auto _ : state) {
    // Visits found up front overlap one another, so some are taken by the bookings before them;
    // a refusal costs as much as a booking and is counted apart.
    const std::size_t at = next_visit.fetch_add(3);
    if (at >= visits.size()) {
      state.SkipWithError("ran out of free visits");
      break;
    }
    BookingRequest request{f.users[next_person++ % f.users.size()], f.shop, visits[at].visit.start, f.services};
    auto booked = book_visit(*node, request, clock, policy);
    if (!booked) ++refused;
  }
  state.counters["bookings_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations() - refused), benchmark::Counter::kIsRate);
  state.counters["refused"] = benchmark::Counter(static_cast<double>(refused), benchmark::Counter::kAvgThreads);
}
// 1,000 bookings from one node, then 1,000 more from two (500 each): 6,000 of the free visits.
BENCHMARK(BM_CommittedBookings)->Unit(benchmark::kMicrosecond)->Iterations(1000)->UseRealTime();
BENCHMARK(BM_CommittedBookings)->Unit(benchmark::kMicrosecond)->Iterations(500)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace guichet::scheduling

BENCHMARK_MAIN();
