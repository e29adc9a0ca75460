// What other modules read of the catalogue (catalogue/reads.hpp), on both engines.
#include "guichet/catalogue/reads.hpp"

#include "sample_catalogue.hpp"

namespace guichet::catalogue {
namespace {

class CatalogueReadsTest : public CatalogueTest {
 protected:
  void SetUp() override {
    CatalogueTest::SetUp();
    json::value doc = json::parse(sample());
    json::object& shop = doc.at("shops").as_array().at(0).as_object();
    shop["counters"] =
        json::array{json::object{{"code", "g02"}, {"services", json::array{"passport"}}},
                    json::object{{"code", "g01"}, {"services", json::array{"passport", "citizen-card"}}}};
    shop["closures"] = json::array{"2026-12-25", "2027-01-01"};
    auto imported = import_catalogue(db(), json::serialize(doc), "test", clock);
    ASSERT_TRUE(imported) << imported.error().message;
    // A counter whose services were all withdrawn (the import refuses to declare one so).
    auto id = shop_id_of(c(), "lisboa-laranjeiras");
    ASSERT_TRUE(id && *id);
    ASSERT_TRUE(c().execute("INSERT INTO counters (shop_id, code) VALUES (?, 'g03')", {**id}));
  }
  storage::Connection& c() {
    if (!connection) connection.emplace(std::move(db().acquire()).value());
    return **connection;
  }
  std::optional<storage::PooledConnection> connection;
};

TEST_P(CatalogueReadsTest, ShopsByIdCodeAndName) {
  auto id = shop_id_of(c(), "lisboa-laranjeiras");
  ASSERT_TRUE(id && *id);
  auto record = shop_record(c(), **id);
  ASSERT_TRUE(record && *record);
  EXPECT_EQ((*record)->name, "Loja do Cidadão Laranjeiras");
  EXPECT_EQ((*record)->time_zone, "Europe/Lisbon");
  EXPECT_NE((*record)->opening_hours.find("08:30"), std::string::npos);
  EXPECT_DOUBLE_EQ((*record)->latitude, 38.745);
  EXPECT_FALSE(*shop_record(c(), 999'999));
  EXPECT_FALSE(*shop_id_of(c(), "nowhere"));

  auto every = shop_records(c());
  ASSERT_TRUE(every);
  ASSERT_EQ(every->size(), 2U);
  EXPECT_EQ(every->at(0).code, "lisboa-laranjeiras");  // by name: "...Laranjeiras" < "...Ponta Delgada"
  auto only = shop_records(c(), std::set<std::int64_t>{**id});
  ASSERT_TRUE(only);
  ASSERT_EQ(only->size(), 1U);
  EXPECT_TRUE(shop_records(c(), std::set<std::int64_t>{})->empty());
  EXPECT_EQ(shop_ids(c())->size(), 2U);
}

TEST_P(CatalogueReadsTest, CountersWithTheirSkillsAndClosures) {
  const std::int64_t shop = **shop_id_of(c(), "lisboa-laranjeiras");
  auto counters = counters_of(c(), shop);
  ASSERT_TRUE(counters) << counters.error().message;
  ASSERT_EQ(counters->size(), 3U) << "a counter without a skill is listed too";
  std::map<std::string, std::size_t> skills;
  for (const auto& counter : *counters) {
    EXPECT_EQ(counter.shop_id, shop);
    skills[counter.code] = counter.services.size();
  }
  EXPECT_EQ(skills, (std::map<std::string, std::size_t>{{"g01", 2}, {"g02", 1}, {"g03", 0}}));
  EXPECT_EQ(counters_of(c(), std::nullopt)->size(), 3U);
  auto one = counter_record(c(), counters->front().id);
  ASSERT_TRUE(one && *one);
  EXPECT_EQ((*one)->code, counters->front().code);
  EXPECT_EQ((*one)->services, counters->front().services);

  auto closed = closures_of(c(), shop);
  ASSERT_TRUE(closed);
  ASSERT_EQ(closed->size(), 2U);
  EXPECT_EQ(closed->at(0).day, "2026-12-25");
  EXPECT_TRUE(closures_of(c(), **shop_id_of(c(), "ponta-delgada"))->empty());

  // Only the days asked for, inclusive at both ends.
  auto christmas = closures_between(c(), "2026-12-24", "2026-12-25");
  ASSERT_TRUE(christmas);
  ASSERT_EQ(christmas->size(), 1U);
  EXPECT_EQ(christmas->front().shop_id, shop);
  EXPECT_EQ(christmas->front().day, "2026-12-25");
  EXPECT_TRUE(closures_between(c(), "2026-12-26", "2026-12-30")->empty());
}

TEST_P(CatalogueReadsTest, ServicesWithTheirTextsInOneLanguage) {
  auto page = search_services(db(), ServiceQuery{});
  ASSERT_TRUE(page);
  std::set<std::int64_t> ids{999'999};
  std::int64_t passport = 0;
  for (const auto& s : page->services) {
    ids.insert(s.id);
    if (s.code == "passport") passport = s.id;
  }
  auto services = service_records(c(), ids, "fr");
  ASSERT_TRUE(services) << services.error().message;
  EXPECT_EQ(services->size(), 3U) << "unknown ids are left out";
  const ServiceRecord& p = services->at(passport);
  EXPECT_EQ(p.name, "Demande de passeport");
  EXPECT_EQ(p.documents, std::vector<std::string>{"Photo"});
  EXPECT_EQ(p.administration, "irn");
  EXPECT_EQ(p.duration_minutes, 20);
  EXPECT_EQ(p.channels, static_cast<unsigned>(in_person));
  EXPECT_TRUE(service_records(c(), {}, "fr")->empty());

  auto bare = service_records(c(), ids, std::nullopt);
  ASSERT_TRUE(bare) << bare.error().message;
  ASSERT_EQ(bare->size(), 3U);
  const ServiceRecord& q = bare->at(passport);
  EXPECT_EQ(q.name, "") << "no language, no text";
  EXPECT_TRUE(q.documents.empty());
  EXPECT_EQ(q.administration, "irn");
  EXPECT_EQ(q.duration_minutes, 20);
  EXPECT_TRUE(*administration_exists(c(), "financas"));
  EXPECT_FALSE(*administration_exists(c(), "nobody"));
}

INSTANTIATE_TEST_SUITE_P(Backends, CatalogueReadsTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::catalogue
