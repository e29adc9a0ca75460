// Availability from the database: calendars loaded per shop (hours, closures, counters and their
// skills, absences), on each backend, and the JSON API.
#include "guichet/scheduling/availability.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>

#include "guichet/app/site.hpp"
#include "guichet/catalogue/catalogue.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/storage/migrations.hpp"
#include "scheduling/two_shops.hpp"
#include "support/mini_browser.hpp"
#include "support/test_database.hpp"

namespace guichet::scheduling {
namespace {
namespace json = boost::json;

class AvailabilityTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    auto loaded = fixtures::load_two_shops(db(), clock);
    id = loaded.id;
    lisboa_g02 = loaded.counter["lisboa/g02"];
  }
  storage::Database& db() { return database->db(); }
  CalendarCache& calendars() {
    if (!calendar_cache) calendar_cache = std::make_unique<CalendarCache>(db(), clock);
    return *calendar_cache;
  }
  void query_errors() {
    AvailabilityQuery query{{id["citizen-card"]}, std::nullopt, "2026-12-07", 1, 10, "", std::nullopt};
    for (const char* bad : {"x", "1", ".5", "0.5", "1.x", "-1.5"}) {
      query.cursor = bad;
      auto page = find_availability_page(calendars(), query, clock.now());
      ASSERT_FALSE(page.ok()) << bad;
      EXPECT_EQ(page.error().code.name(), "bad_cursor") << bad;
    }
    auto site = app::Site::load(
        app::SiteOptions{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test", "http://guichet.test"}, db(),
        clock);
    ASSERT_TRUE(site.ok());
    testing::Browser api((*site)->application());
    const std::string base =
        "/api/v1/availability?services=" + std::to_string(id["citizen-card"]) + "&from=2026-12-07&days=1";
    auto first = json::parse(api.get(base + "&limit=1").body);
    ASSERT_TRUE(first.at("next_cursor").is_string());
    auto second =
        json::parse(api.get(base + "&limit=1&cursor=" + std::string(first.at("next_cursor").as_string())).body);
    EXPECT_NE(first.at("visits").as_array()[0], second.at("visits").as_array()[0]);
    EXPECT_EQ(api.get(base + "&limit=0").status, 400);
    EXPECT_EQ(api.get(base + "&limit=201").status, 400);
    EXPECT_EQ(api.get(base + "&cursor=nope").status, 400);
    EXPECT_TRUE(json::parse(api.get(base + "&limit=200").body).at("next_cursor").is_null());
  }
  std::vector<std::string> starts(const AvailabilityQuery& query) {
    auto visits = find_availability(calendars(), query, clock.now());
    EXPECT_TRUE(visits.ok()) << (visits ? "" : visits.error().message);
    std::vector<std::string> out;
    if (visits) {
      for (const auto& v : *visits)
        out.push_back(format_rfc3339(v.visit.start).substr(0, 16) + "@" + std::to_string(v.shop));
    }
    return out;
  }

  FakeClock clock{from_unix_micros(1'796'083'200'000'000)};  // 2026-12-01T00:00Z
  std::unique_ptr<testing::TestDatabase> database;
  std::unique_ptr<CalendarCache> calendar_cache;
  std::map<std::string, std::int64_t> id;
  std::int64_t lisboa_g02 = 0;
};

TEST_P(AvailabilityTest, CountersClosuresAndAbsencesComeFromTheDatabase) {
  AvailabilityQuery query{{id["citizen-card"]}, id["lisboa"], "2026-12-07", 2, 3, "", std::nullopt};
  const std::string at_lisboa = "@" + std::to_string(id["lisboa"]);
  EXPECT_EQ(starts(query), (std::vector<std::string>{"2026-12-07T09:00" + at_lisboa, "2026-12-07T09:15" + at_lisboa,
                                                     "2026-12-07T09:30" + at_lisboa}));
  query.from = "2026-12-08";
  query.days = 1;
  EXPECT_TRUE(starts(query).empty()) << "closed on the 8th";

  ASSERT_TRUE(db().transaction([&](storage::Connection& c) -> Result<void> {
                    auto r = c.execute("INSERT INTO counter_absences (counter_id, starts_at, ends_at) VALUES (?, ?, ?)",
                                       {lisboa_g02, std::int64_t{1'796'634'000'000'000},  // 2026-12-07T09:00Z
                                        std::int64_t{1'796'637'600'000'000}});            // 10:00Z
                    if (!r) return std::move(r).error();
                    return {};
                  })
                  .ok());
  query.from = "2026-12-07";
  EXPECT_EQ(starts(query).front(), "2026-12-07T10:00" + at_lisboa) << "the only counter for it is away until 10:00";
  AvailabilityQuery two{{id["citizen-card"], id["passport"]}, id["lisboa"], "2026-12-07", 1, 1, "", std::nullopt};
  auto visits = find_availability(calendars(), two, clock.now());
  ASSERT_EQ(visits->size(), 1U);
  EXPECT_EQ(visits->at(0).visit.items.size(), 2U);
}

TEST(Distance, HaversineBetweenKnownCities) {
  EXPECT_NEAR(catalogue::distance_km(38.7223, -9.1393, 48.8566, 2.3522), 1453, 5) << "Lisbon to Paris";
  EXPECT_NEAR(catalogue::distance_km(37.7412, -25.6756, 38.7223, -9.1393), 1448, 10) << "Ponta Delgada to Lisbon";
  EXPECT_DOUBLE_EQ(catalogue::distance_km(10, 10, 10, 10), 0);
}

TEST_P(AvailabilityTest, EveryShopEarliestFirstAndTheJsonApi) {
  AvailabilityQuery query{{id["citizen-card"]}, std::nullopt, "2026-12-07", 1, 2, "", std::nullopt};
  auto all = starts(query);
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0], "2026-12-07T08:00@" + std::to_string(id["paris"])) << "09:00 in Paris comes first";

  auto site = app::Site::load(
      app::SiteOptions{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test", "http://guichet.test"}, db(),
      clock);
  ASSERT_TRUE(site.ok());
  testing::Browser api((*site)->application());
  auto found =
      api.get("/api/v1/availability?services=" + std::to_string(id["citizen-card"]) + "," +
              std::to_string(id["passport"]) + "&shop=" + std::to_string(id["lisboa"]) + "&from=2026-12-07&days=1");
  ASSERT_EQ(found.status, 200) << found.body;
  json::value body = json::parse(found.body);
  const auto& first = body.at("visits").as_array().at(0);
  EXPECT_EQ(first.at("start").as_string(), "2026-12-07T09:00:00Z");
  EXPECT_EQ(first.at("items").as_array().size(), 2U);
  auto near_lisbon = json::parse(api.get("/api/v1/availability?services=" + std::to_string(id["citizen-card"]) +
                                         "&from=2026-12-07&days=1&near=38.72,-9.14")
                                     .body);
  const auto& nearest = near_lisbon.at("visits").as_array().at(0);
  EXPECT_EQ(nearest.at("shop").as_int64(), id["lisboa"]) << "ranked by distance, Lisbon before Paris";
  EXPECT_LT(nearest.at("distance_km").as_double(), 10.0);
  EXPECT_EQ(api.get("/api/v1/availability?services=1&from=2026-12-07&near=91,0").status, 400);
  EXPECT_EQ(api.get("/api/v1/availability?services=1&from=2026-12-07&near=38.7").status, 400);
  EXPECT_EQ(api.get("/api/v1/availability?services=x&from=2026-12-07").status, 400);
  EXPECT_EQ(api.get("/api/v1/availability?services=1&from=2026-13-07").status, 400);
  EXPECT_EQ(api.get("/api/v1/availability?services=1&from=2026-12-07&days=91").status, 400);
  EXPECT_EQ(api.get("/api/v1/availability?services=999&from=2026-12-07").status, 404);
  EXPECT_EQ(api.get("/api/v1/availability?services=1&shop=999&from=2026-12-07").status, 404);
}

// Pages of two, followed by their cursors, give exactly the visits of one big page, in the same
// order, with and without a point to rank shops by; and through the API.
TEST_P(AvailabilityTest, PagesFollowOneAnotherWithoutGapsOrRepeats) {
  for (bool near : {false, true}) {
    AvailabilityQuery query{{id["citizen-card"]}, std::nullopt, "2026-12-07", 1, 500, "", std::nullopt};
    if (near) query.near = std::pair{48.85, 2.35};
    auto whole = find_availability_page(calendars(), query, clock.now());
    ASSERT_TRUE(whole.ok());
    EXPECT_TRUE(whole->next_cursor.empty());
    ASSERT_GT(whole->visits.size(), 4U);
    std::vector<std::pair<std::int64_t, Instant>> paged;
    query.limit = 2;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = find_availability_page(calendars(), query, clock.now());
      ASSERT_TRUE(page.ok()) << page.error().message;
      for (const auto& v : page->visits) paged.emplace_back(v.shop, v.visit.start);
      if (page->next_cursor.empty()) break;
      query.cursor = page->next_cursor;
    }
    ASSERT_EQ(paged.size(), whole->visits.size()) << (near ? "near" : "earliest");
    for (std::size_t i = 0; i < paged.size(); ++i) {
      EXPECT_EQ(paged[i].first, whole->visits[i].shop) << i;
      EXPECT_EQ(paged[i].second, whole->visits[i].visit.start) << i;
    }
    if (near) EXPECT_EQ(whole->visits.front().shop, id["paris"]) << "Paris first from Paris";
  }
  query_errors();
}

// A network of 24 shops in three zones, each with four counters of different skills, some closed
// on a day, half of their time booked at random: what an every-shop search returns, page by page,
// is exactly the earliest visits of all shops searched one by one, merged (the reference); the
// ranking by free moments never leaves out a shop that belongs on the page. Checked again after
// bookings and cancellations reach the cache through the change feed.
TEST_P(AvailabilityTest, EveryShopSearchMatchesEachShopSearchedAlone) {
  json::array services;
  const char* codes[] = {"s0", "s1", "s2", "s3"};
  for (int i = 0; i < 4; ++i) {
    json::object texts;
    for (const char* lang : {"fr", "pt", "vi", "en"}) texts[lang] = {{"name", codes[i]}, {"description", "d"}};
    services.push_back({{"code", codes[i]},
                        {"administration", "irn"},
                        {"audience", "citizens"},
                        {"channels", json::array{"in_person"}},
                        {"duration_minutes", i % 2 == 0 ? 15 : 20},
                        {"texts", texts}});
  }
  json::object week;
  for (const char* day : {"mon", "tue", "wed", "thu", "fri"}) week[day] = json::array{json::array{"09:00", "12:00"}};
  json::array shops;
  const char* zones[] = {"Europe/Lisbon", "Atlantic/Azores", "Asia/Ho_Chi_Minh"};
  for (int s = 0; s < 24; ++s) {
    json::array counters;
    for (int c = 0; c < 4; ++c) {
      counters.push_back(
          {{"code", "g" + std::to_string(c)}, {"services", json::array{codes[(c + s) % 4], codes[(c + s + 1) % 4]}}});
    }
    json::object shop{{"code", "net" + std::to_string(s)},
                      {"name", "Shop " + std::to_string(s)},
                      {"address", "Street"},
                      {"latitude", 38.7},
                      {"longitude", -9.1},
                      {"time_zone", zones[s % 3]},
                      {"opening_hours", week},
                      {"counters", counters}};
    if (s % 5 == 0) shop["closures"] = json::array{"2026-12-08"};
    shops.push_back(shop);
  }
  json::object names{{"fr", "IRN"}, {"pt", "IRN"}, {"vi", "IRN"}, {"en", "IRN"}};
  json::object doc{
      {"administrations", json::array{{{"code", "irn"}, {"names", names}}}}, {"services", services}, {"shops", shops}};
  ASSERT_TRUE(catalogue::import_catalogue(db(), json::serialize(doc), "test", clock).ok());
  std::map<std::string, std::int64_t> service;
  std::vector<std::int64_t> shop_ids;
  std::vector<std::int64_t> item_ids;
  auto person = identity::account_for_caller(db(), "net@example.org", "test", clock);
  ASSERT_TRUE(person.ok());
  std::mt19937 random(5);
  {
    auto c = db().acquire();
    ASSERT_TRUE(c.ok());
    auto service_rows = (*c)->query("SELECT code, id FROM services");
    ASSERT_TRUE(service_rows.ok());
    for (const auto& row : service_rows->rows) service[row.text(0)] = row.integer(1);
    auto counters = (*c)->query(
        "SELECT c.id, c.shop_id, s.code FROM counters c JOIN shops s ON s.id = c.shop_id WHERE s.code LIKE 'net%'");
    ASSERT_TRUE(counters.ok());
    auto shop_rows = (*c)->query("SELECT id FROM shops WHERE code LIKE 'net%' ORDER BY id");
    ASSERT_TRUE(shop_rows.ok());
    for (const auto& row : shop_rows->rows) shop_ids.push_back(row.integer(0));
    // Half of each counter's quarter hours booked, from 2026-12-07 to 12-11, 09:00 to 12:00 UTC
    // (in Ho Chi Minh City that is the afternoon: closed, and harmless).
    int n = 0;
    for (const auto& row : counters->rows) {
      for (int day = 0; day < 5; ++day) {
        for (int q = 0; q < 12; ++q) {
          if (random() % 2 == 0) continue;
          const Instant start =
              *parse_rfc3339("2026-12-07T09:00:00Z") + std::chrono::hours(24 * day) + std::chrono::minutes(15 * q);
          auto booking = (*c)->query(
              "INSERT INTO bookings (reference, user_id, shop_id, starts_at, ends_at, status, channel, created_at, "
              "updated_at) VALUES (?, ?, ?, ?, ?, 'confirmed', 'online', 0, 0) RETURNING id",
              {"NET-" + std::to_string(++n), person->id, row.integer(1), to_unix_micros(start),
               to_unix_micros(start + std::chrono::minutes(15))});
          ASSERT_TRUE(booking.ok()) << booking.error().message;
          auto item = (*c)->query(
              "INSERT INTO booking_items (booking_id, service_id, counter_id, starts_at, ends_at, blocks_until) "
              "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
              {booking->rows[0].integer(0), service["s0"], row.integer(0), to_unix_micros(start),
               to_unix_micros(start + std::chrono::minutes(15)), to_unix_micros(start + std::chrono::minutes(15))});
          ASSERT_TRUE(item.ok()) << item.error().message;
          item_ids.push_back(item->rows[0].integer(0));
        }
      }
    }
  }
  // The reference: each shop alone, every visit of the days asked, merged by (start, shop).
  auto reference = [&](const AvailabilityQuery& asked) {
    std::vector<std::pair<Instant, std::int64_t>> merged;
    for (std::int64_t shop : shop_ids) {
      AvailabilityQuery one = asked;
      one.shop = shop;
      one.limit = 2000;
      one.cursor.clear();
      auto visits = find_availability(calendars(), one, clock.now());
      EXPECT_TRUE(visits.ok());
      if (visits) {
        for (const auto& v : *visits) merged.emplace_back(v.visit.start, v.shop);
      }
    }
    std::sort(merged.begin(), merged.end());
    return merged;
  };
  auto check = [&](int round) {
    for (int q = 0; q < 12; ++q) {
      AvailabilityQuery query;
      const int first = static_cast<int>(random() % 4);
      const int count = 1 + static_cast<int>(random() % 3);
      for (int k = 0; k < count; ++k) query.services.push_back(service[codes[(first + k) % 4]]);
      query.from = "2026-12-0" + std::to_string(7 + random() % 3);
      query.days = 1 + static_cast<int>(random() % 3);
      query.limit = 1 + random() % 15;
      const auto expected = reference(query);
      // Only the network's shops: the two fixture shops serve other services.
      std::vector<std::pair<Instant, std::int64_t>> paged;
      for (int pages = 0; pages < 400; ++pages) {
        auto page = find_availability_page(calendars(), query, clock.now());
        ASSERT_TRUE(page.ok()) << page.error().message;
        for (const auto& v : page->visits) paged.emplace_back(v.visit.start, v.shop);
        if (page->next_cursor.empty()) break;
        query.cursor = page->next_cursor;
      }
      ASSERT_EQ(paged, expected) << "round " << round << ", query " << q;
      EXPECT_FALSE(expected.empty()) << "round " << round << ", query " << q;
    }
  };
  check(0);
  // Bookings cancelled and made again elsewhere, read from the feed by the next search.
  {
    auto c = db().acquire();
    ASSERT_TRUE(c.ok());
    for (int i = 0; i < 40; ++i) {
      const std::int64_t item = item_ids[random() % item_ids.size()];
      ASSERT_TRUE((*c)->execute("UPDATE booking_items SET active = 1 - active WHERE id = ?", {item}).ok());
    }
  }
  check(1);
}

INSTANTIATE_TEST_SUITE_P(Backends, AvailabilityTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::scheduling
