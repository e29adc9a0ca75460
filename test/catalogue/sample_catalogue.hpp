#pragma once
// What the catalogue's tests share: the sample document they import and the fixture that imports
// it on each engine (catalogue_test: the module alone; catalogue_site_test: through the wired site).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "guichet/catalogue/catalogue.hpp"
#include "guichet/core/clock.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/test_database.hpp"

namespace guichet::catalogue {
namespace json = boost::json;

// Two administrations, three services, two shops, in the four languages.
inline std::string sample(const std::string& passport_pt = "Pedido de passaporte") {
  auto texts = [](const std::string& fr, const std::string& pt, const std::string& vi, const std::string& en) {
    return json::object{
        {"fr", {{"name", fr}, {"description", fr + " (description)"}, {"documents", json::array{"Photo"}}}},
        {"pt", {{"name", pt}, {"description", pt + " (descrição)"}}},
        {"vi", {{"name", vi}, {"description", vi + " (mô tả)"}}},
        {"en", {{"name", en}, {"description", en + " (description)"}}}};
  };
  auto names = [](const std::string& n) { return json::object{{"fr", n}, {"pt", n}, {"vi", n}, {"en", n}}; };
  json::object doc{
      {"administrations", json::array{{{"code", "irn"}, {"names", names("Instituto dos Registos e do Notariado")}},
                                      {{"code", "financas"}, {"names", names("Autoridade Tributária")}}}},
      {"services",
       json::array{{{"code", "passport"},
                    {"administration", "irn"},
                    {"audience", "citizens"},
                    {"channels", json::array{"in_person"}},
                    {"duration_minutes", 20},
                    {"fee_cents", 6500},
                    {"texts", texts("Demande de passeport", passport_pt, "Cấp hộ chiếu", "Passport application")}},
                   {{"code", "citizen-card"},
                    {"administration", "irn"},
                    {"audience", "citizens"},
                    {"channels", json::array{"in_person", "video"}},
                    {"duration_minutes", 15},
                    {"texts", texts("Carte d'identité", "Cartão de Cidadão", "Căn cước công dân", "Citizen card")}},
                   {{"code", "vat-registration"},
                    {"administration", "financas"},
                    {"audience", "both"},
                    {"channels", json::array{"online", "phone"}},
                    {"duration_minutes", 30},
                    {"texts", texts("Immatriculation TVA", "Registo de IVA", "Đăng ký thuế giá trị gia tăng",
                                    "VAT registration")}}}},
      {"shops", json::array{{{"code", "lisboa-laranjeiras"},
                             {"name", "Loja do Cidadão Laranjeiras"},
                             {"address", "Rua Abranches Ferrão, Lisboa"},
                             {"latitude", 38.745},
                             {"longitude", -9.171},
                             {"time_zone", "Europe/Lisbon"},
                             {"opening_hours", {{"mon", json::array{json::array{"08:30", "19:30"}}}}}},
                            {{"code", "ponta-delgada"},
                             {"name", "Loja do Cidadão Ponta Delgada"},
                             {"address", "Ponta Delgada, Açores"},
                             {"latitude", 37.74},
                             {"longitude", -25.67},
                             {"time_zone", "Atlantic/Azores"},
                             {"opening_hours",
                              {{"mon", json::array{json::array{"09:00", "12:30"}, json::array{"14:00", "17:00"}}}}}}}}};
  return json::serialize(doc);
}

class CatalogueTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    ASSERT_TRUE(storage::apply_migrations(db(), storage::builtin_migrations(), clock).ok());
    auto imported = import_catalogue(db(), sample(), "test", clock);
    ASSERT_TRUE(imported.ok()) << imported.error().message;
    EXPECT_EQ(imported->services, 3);
  }
  storage::Database& db() { return database->db(); }
  std::vector<std::string> codes(ServiceQuery query) {
    auto page = search_services(db(), query);
    EXPECT_TRUE(page.ok()) << (page ? "" : page.error().message);
    std::vector<std::string> out;
    if (page) {
      for (const auto& s : page->services) out.push_back(s.code);
    }
    return out;
  }
  FakeClock clock{from_unix_micros(1'800'000'000'000'000)};
  std::unique_ptr<testing::TestDatabase> database;
};

using Codes = std::vector<std::string>;

}  // namespace guichet::catalogue
