// The catalogue through the wired site: its JSON API and its pages.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "catalogue/sample_catalogue.hpp"
#include "guichet/app/site.hpp"
#include "support/mini_browser.hpp"
#include "support/test_database.hpp"

namespace guichet::catalogue {
namespace {

TEST_P(CatalogueTest, TheJsonApiListsAndSearches) {
  auto site = app::Site::load(
      app::SiteOptions{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test", "http://guichet.test"}, db(),
      clock);
  ASSERT_TRUE(site.ok());
  testing::Browser api((*site)->application());
  auto found = api.get("/api/v1/services?q=cidad%C3%A3o&lang=pt");
  ASSERT_EQ(found.status, 200) << found.body;
  json::value body = json::parse(found.body);
  ASSERT_EQ(body.at("services").as_array().size(), 1U);
  const auto& service = body.at("services").as_array()[0];
  EXPECT_EQ(service.at("name").as_string(), "Cartão de Cidadão");
  EXPECT_EQ(service.at("administration").as_string(), "irn");
  EXPECT_EQ(json::serialize(service.at("channels")), R"(["in_person","video"])");
  EXPECT_TRUE(body.at("next_cursor").is_null());
  auto paged = json::parse(api.get("/api/v1/services?limit=1").body);
  EXPECT_EQ(paged.at("next_cursor").as_string(), "1");
  EXPECT_EQ(api.get("/api/v1/services?limit=0").status, 400);
  EXPECT_EQ(api.get("/api/v1/services?limit=x").status, 400);
  EXPECT_EQ(api.get("/api/v1/services?channel=fax").status, 400);
  auto shops = json::parse(api.get("/api/v1/shops").body);
  ASSERT_EQ(shops.at("shops").as_array().size(), 2U);
  EXPECT_EQ(shops.at("shops").as_array()[1].at("time_zone").as_string(), "Atlantic/Azores");
}

TEST_P(CatalogueTest, ThePagesSearchShowAServiceAndListShops) {
  auto site = app::Site::load(
      app::SiteOptions{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test", "http://guichet.test"}, db(),
      clock);
  ASSERT_TRUE(site.ok());
  testing::Browser b((*site)->application());
  auto found = b.get("/services?q=cidadao&audience=citizens", {{"Accept-Language", "pt-PT"}});
  ASSERT_EQ(found.status, 200);
  EXPECT_NE(found.body.find("href=\"/services/citizen-card\""), std::string::npos);
  EXPECT_EQ(found.body.find("href=\"/services/passport\""), std::string::npos);
  EXPECT_NE(found.body.find("Videochamada"), std::string::npos);
  auto shown = b.get("/services/passport", {{"Accept-Language", "fr"}});
  ASSERT_EQ(shown.status, 200);
  EXPECT_NE(shown.body.find("Demande de passeport"), std::string::npos);
  EXPECT_NE(shown.body.find("65,00\u00a0€"), std::string::npos) << "ICU: a no-break space before the sign";
  EXPECT_NE(shown.body.find("<li>Photo</li>"), std::string::npos);
  EXPECT_EQ(b.get("/services/no-such-service").status, 404);
  auto none = b.get("/services?q=zzzz");
  EXPECT_EQ(none.status, 200);
  EXPECT_NE(none.body.find("No service matches"), std::string::npos);
  EXPECT_EQ(b.get("/services?channel=fax").status, 400);
  auto shops = b.get("/shops");
  EXPECT_NE(shops.body.find("Loja do Cidadão Ponta Delgada"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, CatalogueTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::catalogue