#include "scheduling/two_shops.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "guichet/catalogue/catalogue.hpp"
#include "guichet/storage/migrations.hpp"

namespace guichet::scheduling::fixtures {
namespace json = boost::json;

std::string two_shop_catalogue() {
  // Passport and citizen card both ask for an identity document: a visit for both lists it once.
  auto texts = [](const std::string& name) {
    json::object t;
    for (const char* lang : {"fr", "pt", "vi", "en"}) t[lang] = {{"name", name}, {"description", name}};
    if (name == "Passport" || name == "Citizen card") {
      for (const char* lang : {"fr", "pt", "vi", "en"})
        t[lang].as_object()["documents"] = json::array{"Identity document"};
    }
    return t;
  };
  json::object names{{"fr", "IRN"}, {"pt", "IRN"}, {"vi", "IRN"}, {"en", "IRN"}};
  json::array weekdays;
  json::object hours;
  for (const char* day : {"mon", "tue", "wed", "thu", "fri"}) hours[day] = json::array{json::array{"09:00", "12:00"}};
  json::object doc{
      {"administrations", json::array{{{"code", "irn"}, {"names", names}}, {{"code", "at"}, {"names", names}}}},
      {"services", json::array{{{"code", "passport"},
                                {"administration", "irn"},
                                {"audience", "citizens"},
                                {"channels", json::array{"in_person"}},
                                {"duration_minutes", 20},
                                {"texts", texts("Passport")}},
                               {{"code", "citizen-card"},
                                {"administration", "irn"},
                                {"audience", "citizens"},
                                {"channels", json::array{"in_person"}},
                                {"duration_minutes", 15},
                                {"texts", texts("Citizen card")}},
                               {{"code", "tax-help"},  // another administration's: a visit can mix them
                                {"administration", "at"},
                                {"audience", "citizens"},
                                {"channels", json::array{"in_person", "video"}},
                                {"duration_minutes", 30},
                                {"texts", texts("Tax help")}},
                               {{"code", "certificate"},
                                {"administration", "irn"},
                                {"audience", "citizens"},
                                {"channels", json::array{"online"}},
                                {"duration_minutes", 10},
                                {"texts", texts("Certificate")}}}},
      {"shops",
       json::array{{{"code", "lisboa"},
                    {"name", "Lisboa"},
                    {"address", "Lisboa"},
                    {"latitude", 38.7},
                    {"longitude", -9.1},
                    {"time_zone", "Europe/Lisbon"},
                    {"opening_hours", hours},
                    {"counters", json::array{{{"code", "g01"}, {"services", json::array{"passport", "tax-help"}}},
                                             {{"code", "g02"}, {"services", json::array{"passport", "citizen-card"}}}}},
                    {"closures", json::array{"2026-12-08"}}},
                   {{"code", "paris"},
                    {"name", "Paris"},
                    {"address", "Paris"},
                    {"latitude", 48.8},
                    {"longitude", 2.3},
                    {"time_zone", "Europe/Paris"},
                    {"opening_hours", hours},
                    {"counters", json::array{{{"code", "g01"}, {"services", json::array{"citizen-card"}}}}}}}}};
  return json::serialize(doc);
}

TwoShops load_two_shops(storage::Database& db, const Clock& clock) {
  TwoShops loaded;
  auto migrated = storage::apply_migrations(db, storage::builtin_migrations(), clock);
  EXPECT_TRUE(migrated.ok()) << (migrated ? "" : migrated.error().message);
  auto imported = catalogue::import_catalogue(db, two_shop_catalogue(), "test", clock);
  EXPECT_TRUE(imported.ok()) << (imported ? "" : imported.error().message);
  auto connection = db.acquire();
  auto ids = (*connection)->query("SELECT code, id FROM services UNION ALL SELECT code, id FROM shops");
  for (const auto& row : ids->rows) loaded.id[row.text(0)] = row.integer(1);
  auto counters =
      (*connection)->query("SELECT s.code || '/' || c.code, c.id FROM counters c JOIN shops s ON s.id = c.shop_id");
  for (const auto& row : counters->rows) loaded.counter[row.text(0)] = row.integer(1);
  return loaded;
}

}  // namespace guichet::scheduling::fixtures
