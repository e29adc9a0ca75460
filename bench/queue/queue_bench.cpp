// Tickets issued and called per second through queue::issue_ticket and queue::call_next, at a shop
// of 12 counters open around the clock. Each issue numbers the ticket (an upsert), records it and
// its steps and computes its wait range; each call ends the counter's current ticket and claims
// the next in calling order among everyone waiting. On SQLite by default (a file, WAL); with
// GUICHET_BENCH_DB=postgresql://... on that (empty) database. `/threads:N` runs N kiosks or
// counters at once, each with its own pool, as N nodes would. The reference is the bare cost of
// one write transaction of one row on the same database (BM_ReferenceOneRowTransaction).
#include <benchmark/benchmark.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include "guichet/catalogue/catalogue.hpp"
#include "guichet/core/random.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/queue/queue.hpp"
#include "guichet/storage/migrations.hpp"
#include "queue/bench_shop.hpp"

namespace guichet::queue {
namespace {
namespace json = boost::json;

struct Fixture {
  std::string url;
  std::filesystem::path dir;
  std::unique_ptr<storage::Database> db;
  SystemClock clock;
  std::int64_t shop = 0;
  std::vector<std::int64_t> services;
  std::vector<std::pair<std::int64_t, std::int64_t>> desks;  // (counter, agent)
};

Fixture& fixture() {
  static Fixture f = [] {
    Fixture f;
    if (const char* bench_db = std::getenv("GUICHET_BENCH_DB")) {
      f.url = bench_db;
    } else {
      f.dir = std::filesystem::temp_directory_path() / ("guichet-queue-bench-" + random_hex(6));
      std::filesystem::create_directories(f.dir);
      f.url = "sqlite:" + (f.dir / "queue.db").string();
    }
    f.db = std::move(storage::open_database(f.url)).value();
    if (auto migrated = storage::apply_migrations(*f.db, storage::builtin_migrations(), f.clock); !migrated) {
      std::fprintf(stderr, "migrate: %s\n", migrated.error().message.c_str());
      std::exit(1);
    }
    if (auto imported = catalogue::import_catalogue(*f.db, bench::shop_catalogue(), "bench", f.clock); !imported) {
      std::fprintf(stderr, "catalogue: %s\n", imported.error().message.c_str());
      std::exit(1);
    }
    auto c = f.db->acquire();
    auto shop = (*c)->query("SELECT id FROM shops WHERE code = 'shop'");
    f.shop = shop->rows.front().integer(0);
    auto services = (*c)->query("SELECT id FROM services ORDER BY id");
    for (const auto& row : services->rows) f.services.push_back(row.integer(0));
    auto counters = (*c)->query("SELECT id, code FROM counters ORDER BY id");
    for (const auto& row : counters->rows) {
      auto agent = identity::account_for_caller(*f.db, "agent-" + row.text(1) + "@bench.invalid", "bench", f.clock);
      (void)open_counter(*f.db, row.integer(0), agent->id, f.clock);
      f.desks.emplace_back(row.integer(0), agent->id);
    }
    return f;
  }();
  return f;
}

std::unique_ptr<storage::Database>& pool_of_thread(int thread) {
  static std::mutex mutex;
  static std::map<int, std::unique_ptr<storage::Database>> pools;
  std::lock_guard lock(mutex);
  auto& pool = pools[thread];
  if (!pool) pool = std::move(storage::open_database(fixture().url)).value();
  return pool;
}

void BM_ReferenceOneRowTransaction(benchmark::State& state) {
  Fixture& f = fixture();
  storage::Database& db = *pool_of_thread(state.thread_index());
  if (state.thread_index() == 0) {
    auto c = db.acquire();
    (void)(*c)->execute("CREATE TABLE IF NOT EXISTS bench_rows (at BIGINT NOT NULL)");
  }
  for (auto _ : state) {
    auto done = db.transaction([&](storage::Connection& c) -> Result<std::int64_t> {
      return c.execute("INSERT INTO bench_rows (at) VALUES (?)", {to_unix_micros(f.clock.now())});
    });
    if (!done) state.SkipWithError(done.error().message.c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReferenceOneRowTransaction)->Unit(benchmark::kMicrosecond)->UseRealTime()->Threads(1)->Threads(4);

// About 200 waiting, a busy shop's peak, whatever the run's length: past that the oldest are
// marked done outside the timing.
void keep_queue_short(storage::Database& db, std::int64_t shop) {
  auto c = db.acquire();
  (void)(*c)->execute(
      "UPDATE queue_tickets SET status = 'done' WHERE shop_id = ? AND status = 'waiting' AND id < (SELECT MAX(id) - "
      "200 "
      "FROM queue_tickets)",
      {shop});
}

TicketRequest walk_in(const Fixture& f, std::size_t k) {
  TicketRequest request;
  request.shop_id = f.shop;
  request.services = {f.services[k % f.services.size()]};
  return request;
}

void BM_IssueTicket(benchmark::State& state) {
  Fixture& f = fixture();
  storage::Database& db = *pool_of_thread(0);
  QueuePolicy policy;
  keep_queue_short(db, f.shop);
  std::size_t k = 0;
  for (auto _ : state) {
    auto ticket = issue_ticket(db, walk_in(f, k), f.clock, policy);
    if (!ticket) state.SkipWithError(ticket.error().message.c_str());
    if (++k % 200 == 0) {
      state.PauseTiming();
      keep_queue_short(db, f.shop);
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_IssueTicket)->Unit(benchmark::kMicrosecond)->UseRealTime();

// A counter calling the next of about 200 waiting (and ending its current visit); a new ticket
// after each call, outside the timing, keeps the queue as it was.
void BM_CallNext(benchmark::State& state) {
  Fixture& f = fixture();
  storage::Database& db = *pool_of_thread(0);
  const auto [counter, agent] = f.desks.front();
  QueuePolicy policy;
  keep_queue_short(db, f.shop);
  std::size_t k = 0;
  for (std::size_t i = 0; i < 200; ++i) (void)issue_ticket(db, walk_in(f, k++), f.clock, policy);
  keep_queue_short(db, f.shop);
  for (auto _ : state) {
    auto called = call_next(db, counter, agent, f.clock, policy);
    if (!called || !*called) {
      state.SkipWithError("nothing to call");
      break;
    }
    state.PauseTiming();
    (void)issue_ticket(db, walk_in(f, k++), f.clock, policy);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CallNext)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The steady state of a shop's queue from several kiosks and counters at once: each iteration
// issues one ticket and calls one (items: both), from N threads with a pool each (N nodes).
void BM_IssueAndCall(benchmark::State& state) {
  Fixture& f = fixture();
  storage::Database& db = *pool_of_thread(state.thread_index());
  const auto [counter, agent] = f.desks[static_cast<std::size_t>(state.thread_index()) % f.desks.size()];
  QueuePolicy policy;
  if (state.thread_index() == 0) keep_queue_short(db, f.shop);
  std::size_t k = static_cast<std::size_t>(state.thread_index());
  for (auto _ : state) {
    auto ticket = issue_ticket(db, walk_in(f, k++), f.clock, policy);
    auto called = call_next(db, counter, agent, f.clock, policy);
    if (!ticket || !called) state.SkipWithError("issue or call failed");
  }
  state.SetItemsProcessed(2 * state.iterations());
}
BENCHMARK(BM_IssueAndCall)->Unit(benchmark::kMicrosecond)->UseRealTime()->Threads(1)->Threads(4);

}  // namespace
}  // namespace guichet::queue

BENCHMARK_MAIN();
