#include "guichet/scheduling/calendar_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "guichet/identity/users.hpp"
#include "guichet/scheduling/availability.hpp"
#include "guichet/scheduling/bookings.hpp"
#include "scheduling/two_shops.hpp"
#include "support/test_database.hpp"

namespace guichet::scheduling {
namespace {
using std::chrono::hours;
using std::chrono::minutes;

Instant at(const char* text) { return *parse_rfc3339(text); }

// What a cache holds, shop by shop: (counter, start, end, key) of every busy interval.
using Interval = std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t>;
using Snapshot = std::map<std::int64_t, std::vector<Interval>>;

class CalendarCacheTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    auto loaded = fixtures::load_two_shops(db(), clock);
    id = loaded.id;
    counter = loaded.counter;
    policy.max_per_account_per_day = 1000;
    policy.max_per_address_per_hour = 1000;
  }
  storage::Database& db() { return database->db(); }

  std::int64_t person(int n) {
    auto user = identity::account_for_caller(db(), "person" + std::to_string(n) + "@example.org", "test", clock);
    EXPECT_TRUE(user.ok());
    return user ? user->id : 0;
  }

  static Snapshot snapshot(CalendarCache& cache) {
    Snapshot out;
    auto read = cache.read([&](const CachedShops& shops) {
      for (const auto& [shop_id, shop] : shops) {
        auto& list = out[shop_id];
        for (const auto& c : shop->calendar.counters) {
          if (const CounterTimeline* timeline = shop->busy.find(c.id)) {
            for (const auto& t : timeline->taken) {
              list.emplace_back(c.id, to_unix_micros(t.start), to_unix_micros(t.end), t.key);
            }
          }
        }
        std::sort(list.begin(), list.end());
      }
    });
    EXPECT_TRUE(read.ok()) << (read ? "" : read.error().message);
    return out;
  }

  // What each shop's FreeMoments says of each service it offers, day by day from 2026-12-05 to
  // 12-14: microseconds since 1970, -1 for nothing free, -2 for no bound.
  static std::map<std::int64_t, std::vector<std::int64_t>> free_moments(CalendarCache& cache) {
    std::map<std::int64_t, std::vector<std::int64_t>> out;
    auto read = cache.read([&](const CachedShops& shops) {
      for (const auto& [shop_id, shop] : shops) {
        std::set<std::int64_t> services;
        for (const auto& c : shop->calendar.counters) services.insert(c.services.begin(), c.services.end());
        const std::int64_t first = 20792;  // 2026-12-05
        for (std::int64_t service : services) {
          for (std::int64_t day = first; day < first + 10; ++day) {
            auto bound = shop->free.earliest({service}, day, 1);
            out[shop_id].push_back(!bound ? -1 : *bound == Instant::min() ? -2 : to_unix_micros(*bound));
          }
        }
      }
    });
    EXPECT_TRUE(read.ok());
    return out;
  }

  // The visits for `services` at the shop (or every shop) on 2026-12-07, as "shop@start".
  std::vector<std::string> offered(CalendarCache& cache, const std::vector<std::string>& services,
                                   const std::string& shop = "lisboa") {
    AvailabilityQuery query;
    for (const auto& s : services) query.services.push_back(id[s]);
    if (!shop.empty()) query.shop = id[shop];
    query.from = "2026-12-07";
    query.days = 1;
    query.limit = 200;
    auto visits = find_availability(cache, query, clock.now());
    EXPECT_TRUE(visits.ok()) << (visits ? "" : visits.error().message);
    std::vector<std::string> out;
    if (visits) {
      for (const auto& v : *visits) out.push_back(std::to_string(v.shop) + "@" + rfc3339_seconds(v.visit.start));
    }
    return out;
  }
  std::string visit(const char* shop, const char* start) { return std::to_string(id[shop]) + "@" + start; }

  // A booking of one item written straight on `c`, inside whatever transaction `c` is in.
  static void insert_item(storage::Connection& c, std::int64_t user, std::int64_t shop, std::int64_t service,
                          std::int64_t counter_id, Instant start, const std::string& reference) {
    auto booking = c.query(
        "INSERT INTO bookings (reference, user_id, shop_id, starts_at, ends_at, status, channel, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, 'confirmed', 'online', 0, 0) RETURNING id",
        {reference, user, shop, to_unix_micros(start), to_unix_micros(start + minutes(15))});
    ASSERT_TRUE(booking.ok()) << booking.error().message;
    auto item = c.execute(
        "INSERT INTO booking_items (booking_id, service_id, counter_id, starts_at, ends_at, blocks_until) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        {booking->rows[0].integer(0), service, counter_id, to_unix_micros(start), to_unix_micros(start + minutes(15)),
         to_unix_micros(start + minutes(15))});
    ASSERT_TRUE(item.ok()) << item.error().message;
  }

  FakeClock clock{at("2026-12-01T00:00:00Z")};
  std::unique_ptr<testing::TestDatabase> database;
  std::map<std::string, std::int64_t> id;
  std::map<std::string, std::int64_t> counter;
  BookingPolicy policy;
};

TEST_P(CalendarCacheTest, ANodeSeesWhatAnotherNodeBooksAndCancels) {
  CalendarCache node_a(db(), clock);
  CalendarCache node_b(db(), clock);
  const std::string nine = visit("lisboa", "2026-12-07T09:00:00Z");
  ASSERT_EQ(offered(node_b, {"citizen-card"}).front(), nine);

  // Booked through node A's request: node B, which read everything before, no longer offers it.
  BookingRequest request{person(1), id["lisboa"], at("2026-12-07T09:00:00Z"), {id["citizen-card"]}};
  auto booked = book_visit(db(), request, clock, policy);
  ASSERT_TRUE(booked.ok()) << booked.error().message;
  auto after_booking = offered(node_b, {"citizen-card"});
  EXPECT_EQ(std::count(after_booking.begin(), after_booking.end(), nine), 0);
  EXPECT_EQ(after_booking.front(), visit("lisboa", "2026-12-07T09:15:00Z"));

  ASSERT_TRUE(cancel_booking(db(), booked->reference, clock).ok());
  EXPECT_EQ(offered(node_b, {"citizen-card"}).front(), nine) << "a cancelled visit is offered again at once";
  EXPECT_EQ(node_b.stats().full_loads, 1U) << "read from the feed, not reloaded";
  EXPECT_GE(node_b.stats().changes_read, 2U);
  EXPECT_EQ(snapshot(node_a), snapshot(node_b));
}

TEST_P(CalendarCacheTest, AbsencesAndCatalogueChangesReachTheCacheWhoeverWritesThem) {
  CalendarCache node(db(), clock);
  ASSERT_EQ(offered(node, {"citizen-card"}).front(), visit("lisboa", "2026-12-07T09:00:00Z"));
  auto connection = db().acquire();
  storage::Connection& c = **connection;

  // Rows written by any code (here plain SQL) reach the cache through the triggers.
  auto absence = c.query(
      "INSERT INTO counter_absences (counter_id, starts_at, ends_at) VALUES (?, ?, ?) RETURNING id",
      {counter["lisboa/g02"], to_unix_micros(at("2026-12-07T09:00:00Z")), to_unix_micros(at("2026-12-07T10:00:00Z"))});
  ASSERT_TRUE(absence.ok()) << absence.error().message;
  EXPECT_EQ(offered(node, {"citizen-card"}).front(), visit("lisboa", "2026-12-07T10:00:00Z"));
  ASSERT_TRUE(c.execute("UPDATE counter_absences SET ends_at = ? WHERE id = ?",
                        {to_unix_micros(at("2026-12-07T09:30:00Z")), absence->rows[0].integer(0)})
                  .ok());
  EXPECT_EQ(offered(node, {"citizen-card"}).front(), visit("lisboa", "2026-12-07T09:30:00Z"));
  ASSERT_TRUE(c.execute("DELETE FROM counter_absences WHERE id = ?", {absence->rows[0].integer(0)}).ok());
  EXPECT_EQ(offered(node, {"citizen-card"}).front(), visit("lisboa", "2026-12-07T09:00:00Z"));

  // Opening hours: the shop is read again.
  ASSERT_TRUE(
      c.execute("UPDATE shops SET opening_hours = ? WHERE id = ?", {R"({"mon": [["14:00", "16:00"]]})", id["lisboa"]})
          .ok());
  auto afternoon = offered(node, {"passport"});
  ASSERT_FALSE(afternoon.empty());
  EXPECT_EQ(afternoon.front(), visit("lisboa", "2026-12-07T14:00:00Z"));
  // A closure.
  ASSERT_TRUE(c.execute("INSERT INTO shop_closures (shop_id, day) VALUES (?, '2026-12-07')", {id["lisboa"]}).ok());
  EXPECT_TRUE(offered(node, {"passport"}).empty());
  // A new shop with a counter serving passports.
  auto shop = c.query(
      "INSERT INTO shops (code, name, address, latitude, longitude, time_zone, opening_hours) VALUES ('porto', "
      "'Porto', 'Porto', 41.15, -8.61, 'Europe/Lisbon', ?) RETURNING id",
      {R"({"mon": [["10:00", "11:00"]]})"});
  ASSERT_TRUE(shop.ok()) << shop.error().message;
  auto desk =
      c.query("INSERT INTO counters (shop_id, code) VALUES (?, 'p01') RETURNING id", {shop->rows[0].integer(0)});
  ASSERT_TRUE(desk.ok());
  ASSERT_TRUE(c.execute("INSERT INTO counter_services (counter_id, service_id) VALUES (?, ?)",
                        {desk->rows[0].integer(0), id["passport"]})
                  .ok());
  auto porto = offered(node, {"passport"}, "");
  ASSERT_FALSE(porto.empty());
  EXPECT_EQ(porto.front(), std::to_string(shop->rows[0].integer(0)) + "@2026-12-07T10:00:00Z");
  // A counter that no longer serves passports is dropped from the calendar.
  ASSERT_TRUE(c.execute("DELETE FROM counter_services WHERE counter_id = ?", {desk->rows[0].integer(0)}).ok());
  EXPECT_TRUE(offered(node, {"passport"}, "").empty());
  EXPECT_EQ(node.stats().full_loads, 1U);
  EXPECT_GE(node.stats().shops_reloaded, 4U);
}

// Whatever happens, and in whatever order, a cache brought up to date from the feed holds what a
// cache loaded afresh holds.
TEST_P(CalendarCacheTest, KeptUpToDateItHoldsWhatAFreshLoadHolds) {
  CalendarCache node(db(), clock);
  ASSERT_TRUE(node.refresh().ok());
  std::mt19937 random(7);
  const std::vector<std::vector<std::string>> visits{
      {"passport"}, {"citizen-card"}, {"passport", "citizen-card"}, {"tax-help"}};
  std::vector<std::string> references;
  std::vector<std::int64_t> absences;
  auto connection = db().acquire();
  for (int step = 0; step < 60; ++step) {
    switch (random() % 5) {
      case 0:
      case 1: {
        const auto& services = visits[random() % visits.size()];
        AvailabilityQuery query;
        for (const auto& s : services) query.services.push_back(id[s]);
        query.from = "2026-12-07";
        query.days = 3;
        query.limit = 100;
        auto found = find_availability(node, query, clock.now());
        ASSERT_TRUE(found.ok());
        if (found->empty()) break;
        const ShopVisit& pick = (*found)[random() % found->size()];
        BookingRequest request{person(step), pick.shop, pick.visit.start, query.services};
        auto booked = book_visit(db(), request, clock, policy);
        ASSERT_TRUE(booked.ok()) << "the cache offered a visit the database refuses: " << booked.error().message;
        references.push_back(booked->reference);
        break;
      }
      case 2:
        if (!references.empty()) {
          auto reference = references[random() % references.size()];
          (void)cancel_booking(db(), reference, clock);
        }
        break;
      case 3: {
        const std::int64_t desk = random() % 2 ? counter["lisboa/g01"] : counter["lisboa/g02"];
        Instant start = at("2026-12-07T09:00:00Z") + hours(24 * (random() % 3)) + minutes(15 * (random() % 12));
        auto absence = (*connection)
                           ->query(
                               "INSERT INTO counter_absences (counter_id, starts_at, ends_at) VALUES (?, ?, ?) "
                               "RETURNING id",
                               {desk, to_unix_micros(start), to_unix_micros(start + minutes(30))});
        ASSERT_TRUE(absence.ok());
        absences.push_back(absence->rows[0].integer(0));
        break;
      }
      default:
        if (!absences.empty()) {
          ASSERT_TRUE((*connection)->execute("DELETE FROM counter_absences WHERE id = ?", {absences.back()}).ok());
          absences.pop_back();
        }
    }
    if (step % 7 == 0) ASSERT_TRUE(node.refresh().ok());
  }
  CalendarCache fresh(db(), clock);
  const Snapshot kept = snapshot(node);
  EXPECT_EQ(kept, snapshot(fresh));
  const auto kept_free = free_moments(node);
  EXPECT_EQ(kept_free, free_moments(fresh)) << "free moments kept up to date as a fresh load computes them";
  EXPECT_EQ(std::count(kept_free.begin()->second.begin(), kept_free.begin()->second.end(), -2), 0)
      << "the days around now are held";
  std::size_t held = 0;
  for (const auto& [shop, list] : kept) held += list.size();
  EXPECT_GT(held, 5U) << "the steps above booked and blocked some time";
  EXPECT_EQ(node.stats().full_loads, 1U);
}

// Searches from several threads while another commits bookings: each search sees every booking
// committed before it began (it never offers one of those times), whether it read the feed itself or
// shared a refresh another search began after it; and the versions searches read stay whole.
TEST_P(CalendarCacheTest, SearchesFromSeveralThreadsSeeEveryBookingCommittedBeforeThem) {
  CalendarCache node(db(), clock);
  ASSERT_TRUE(node.refresh().ok());
  std::vector<std::string> booked(12);
  std::atomic<std::size_t> committed{0};
  std::atomic<bool> done{false};
  std::atomic<int> searches{0};
  std::atomic<int> wrong{0};
  auto search = [&] {
    while (!done) {
      const std::size_t before = committed.load();
      const auto seen = offered(node, {"citizen-card"});
      for (std::size_t k = 0; k < before; ++k) {
        if (std::find(seen.begin(), seen.end(), booked[k]) != seen.end()) ++wrong;
      }
      ++searches;
    }
  };
  std::vector<std::thread> searchers;
  for (int t = 0; t < 3; ++t) searchers.emplace_back(search);
  CalendarCache booker(db(), clock);  // another node finds the times to book
  for (std::size_t k = 0; k < booked.size(); ++k) {
    const std::string first = offered(booker, {"citizen-card"}).front();
    const Instant start = at(first.substr(first.find('@') + 1).c_str());
    BookingRequest request{person(static_cast<int>(k) + 1), id["lisboa"], start, {id["citizen-card"]}};
    auto made = book_visit(db(), request, clock, policy);
    ASSERT_TRUE(made.ok()) << made.error().message;
    booked[k] = first;
    committed = k + 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  done = true;
  for (auto& searcher : searchers) searcher.join();
  EXPECT_EQ(wrong.load(), 0) << "a search offered a time booked before it began";
  EXPECT_GT(searches.load(), 12);
  EXPECT_EQ(snapshot(node), snapshot(booker));
}

// On PostgreSQL an identity value is taken before its transaction commits: a reader can see a
// later change before an earlier one. Reading again from the oldest running transaction catches it.
TEST_P(CalendarCacheTest, AChangeCommittedAfterALaterOneIsNotMissed) {
  CalendarCache node(db(), clock);
  ASSERT_TRUE(node.refresh().ok());
  const std::int64_t ana = person(1);
  auto slow = db().acquire();
  auto fast = db().acquire();
  ASSERT_TRUE(slow.ok() && fast.ok());
  if (GetParam() == "postgresql") {
    ASSERT_TRUE((*slow)->begin().ok());
    insert_item(**slow, ana, id["lisboa"], id["citizen-card"], counter["lisboa/g02"], at("2026-12-07T09:00:00Z"),
                "SLOW-0001");
  }
  ASSERT_TRUE((*fast)->begin().ok());
  insert_item(**fast, ana, id["paris"], id["citizen-card"], counter["paris/g01"], at("2026-12-07T09:00:00Z"),
              "FAST-0001");
  ASSERT_TRUE((*fast)->commit().ok());
  ASSERT_TRUE(node.refresh().ok());
  if (GetParam() != "postgresql") {
    // SQLite has one writer: the slow transaction can only begin now.
    ASSERT_TRUE((*slow)->begin().ok());
    insert_item(**slow, ana, id["lisboa"], id["citizen-card"], counter["lisboa/g02"], at("2026-12-07T09:00:00Z"),
                "SLOW-0001");
  }
  EXPECT_EQ(snapshot(node)[id["lisboa"]].size(), 0U);
  EXPECT_EQ(snapshot(node)[id["paris"]].size(), 1U);
  ASSERT_TRUE((*slow)->commit().ok());
  EXPECT_EQ(snapshot(node)[id["lisboa"]].size(), 1U) << "the earlier change, committed later, is read";
  EXPECT_EQ(snapshot(node), snapshot(*std::make_unique<CalendarCache>(db(), clock)));
}

TEST_P(CalendarCacheTest, TheFeedIsPrunedAndALongSilentNodeReadsEverythingAgain) {
  CalendarCacheOptions options;
  options.feed_kept = hours(0);  // every row read is old enough to go
  CalendarCache node(db(), clock, options);
  ASSERT_TRUE(node.refresh().ok());
  auto rows = [&] {
    auto connection = db().acquire();
    return (*connection)->query("SELECT COUNT(*) FROM calendar_changes")->rows[0].integer(0);
  };
  EXPECT_EQ(rows(), 0) << "the catalogue's rows, pruned on the first read";
  BookingRequest request{person(1), id["lisboa"], at("2026-12-07T09:00:00Z"), {id["citizen-card"]}};
  ASSERT_TRUE(book_visit(db(), request, clock, policy).ok());
  EXPECT_GT(rows(), 0);
  clock.advance(hours(2));
  ASSERT_TRUE(node.refresh().ok());
  EXPECT_EQ(rows(), 0) << "pruned once an hour";
  EXPECT_EQ(snapshot(node)[id["lisboa"]].size(), 1U) << "read before it was pruned";
  EXPECT_EQ(node.stats().full_loads, 1U);
  clock.advance(hours(13));
  ASSERT_TRUE(node.refresh().ok());
  EXPECT_EQ(node.stats().full_loads, 2U) << "silent for longer than reload_after";
  EXPECT_EQ(snapshot(node)[id["lisboa"]].size(), 1U);
}

// Each shop's free moments cover days from two days ago on; as days go by, the hourly housekeeping
// moves them on, so a node that has served for days bounds the days ahead as a fresh node does.
TEST_P(CalendarCacheTest, FreeMomentsMoveOnAsDaysGoBy) {
  CalendarCacheOptions options;
  options.indexed_days = 10;  // from 2026-11-29 to 12-08 when the node starts on 12-01
  CalendarCache node(db(), clock, options);
  ASSERT_TRUE(node.refresh().ok());
  const std::int64_t friday = 20798;  // 2026-12-11
  auto bound = [&](CalendarCache& cache) {
    std::optional<Instant> out;
    EXPECT_TRUE(cache
                    .read([&](const CachedShops& shops) {
                      out = shops.find(id["lisboa"])->free.earliest({id["citizen-card"]}, friday, 1);
                    })
                    .ok());
    return out;
  };
  EXPECT_EQ(bound(node), Instant::min()) << "beyond the days held: no bound";
  for (int hour = 0; hour < 4 * 24; ++hour) {
    clock.advance(hours(1));
    ASSERT_TRUE(node.refresh().ok());
  }
  EXPECT_EQ(bound(node), at("2026-12-11T09:00:00Z")) << "moved on: 12-03 to 12-12 held on 12-05";
  EXPECT_EQ(node.stats().full_loads, 1U);
  CalendarCache fresh(db(), clock, options);
  EXPECT_EQ(free_moments(node), free_moments(fresh));
}

INSTANTIATE_TEST_SUITE_P(Backends, CalendarCacheTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace guichet::scheduling
