#include "guichet/catalogue/catalogue.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "catalogue/sample_catalogue.hpp"
#include "guichet/catalogue/errors.hpp"
#include "guichet/catalogue/opening_hours.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/test_database.hpp"

namespace guichet::catalogue {
namespace {
namespace json = boost::json;

TEST(OpeningHours, OneReaderForTheImportAndTheSlotEngine) {
  auto week = parse_opening_hours(R"({"mon": [["09:00", "12:30"], ["14:00", "24:00"]], "sat": []})");
  ASSERT_TRUE(week.ok()) << week.error().message;
  ASSERT_EQ((*week)[0].size(), 2U);
  EXPECT_EQ((*week)[0][0].open, 9 * 60);
  EXPECT_EQ((*week)[0][1].close, 24 * 60);
  EXPECT_TRUE((*week)[5].empty());
  EXPECT_TRUE((*week)[6].empty());
  for (const char* refused : {R"({"mon": [["9:00", "12:00"]]})", R"({"mon": [["12:00", "09:00"]]})",
                              R"({"mon": [["09:00", "12:00"], ["11:00", "13:00"]]})", R"({"lun": []})",
                              R"({"mon": [["24:30", "25:00"]]})", R"({"mon": [["09:00"]]})", "[]", "not json"}) {
    auto refusal = parse_opening_hours(refused);
    ASSERT_FALSE(refusal.ok()) << refused;
    EXPECT_EQ(refusal.error().code, Errc::catalogue_invalid);
  }
}

TEST(FoldForSearch, DropsAccentsAndCaseInEveryLanguage) {
  EXPECT_EQ(fold_for_search("Cartão de Cidadão"), "cartao de cidadao");
  EXPECT_EQ(fold_for_search("Đăng ký kinh doanh hộ cá thể"), "dang ky kinh doanh ho ca the");
  EXPECT_EQ(fold_for_search("Carte d'identité — renouvellement!"), "carte d identite renouvellement");
  EXPECT_EQ(fold_for_search("Straße ÆØ"), "strasse aeo");
  EXPECT_EQ(fold_for_search("e\xCC\x81t\xC3\xA9"), "ete") << "a combining accent joins its letter";
  EXPECT_EQ(fold_for_search("  "), "");
}

TEST_P(CatalogueTest, SearchIsAccentInsensitiveInEachLanguage) {
  EXPECT_EQ(codes({"cidadao", "", "", "", "pt"}), Codes{"citizen-card"});
  EXPECT_EQ(codes({"CIDADÃO", "", "", "", "pt"}), Codes{"citizen-card"});
  EXPECT_EQ(codes({"cartao cid", "", "", "", "pt"}), Codes{"citizen-card"}) << "words match as prefixes";
  EXPECT_EQ(codes({"can cuoc", "", "", "", "vi"}), Codes{"citizen-card"});
  EXPECT_EQ(codes({"Căn cước", "", "", "", "vi"}), Codes{"citizen-card"});
  EXPECT_EQ(codes({"identite", "", "", "", "fr"}), Codes{"citizen-card"});
  EXPECT_EQ(codes({"registos notariado", "", "", "", "pt"}), (Codes{"passport", "citizen-card"}))
      << "the administration's name is searched too";
  EXPECT_EQ(codes({"cidadao", "", "", "", "en"}), Codes{"citizen-card"})
      << "every language's texts, whatever the page's (issue 14, problem 7)";
  EXPECT_TRUE(codes({"\"; DROP TABLE services; --", "", "", "", "en"}).empty());
}

TEST_P(CatalogueTest, FiltersAndPagination) {
  EXPECT_EQ(codes({"", "businesses", "", "", "en"}), Codes{"vat-registration"}) << "`both` serves businesses";
  EXPECT_EQ(codes({"", "citizens", "", "", "en"}), (Codes{"passport", "citizen-card", "vat-registration"}));
  EXPECT_EQ(codes({"", "", "financas", "", "en"}), Codes{"vat-registration"});
  EXPECT_EQ(codes({"", "", "", "video", "en"}), Codes{"citizen-card"});
  EXPECT_EQ(codes({"", "", "", "phone", "en"}), Codes{"vat-registration"});
  ServiceQuery first{"", "", "", "", "en", 2};
  auto page = search_services(db(), first);
  ASSERT_EQ(page->services.size(), 2U);
  ASSERT_FALSE(page->next_cursor.empty());
  first.cursor = page->next_cursor;
  auto rest = search_services(db(), first);
  ASSERT_EQ(rest->services.size(), 1U);
  EXPECT_EQ(rest->services[0].code, "vat-registration");
  EXPECT_TRUE(rest->next_cursor.empty());
  EXPECT_EQ(search_services(db(), {"", "", "", "", "de"}).error().code.name(), "bad_lang");
  EXPECT_EQ(search_services(db(), {"", "", "", "", "en", 501}).error().code.name(), "bad_limit");
  EXPECT_EQ(search_services(db(), {"", "", "", "fax", "en"}).error().code.name(), "bad_channel");
  EXPECT_EQ(search_services(db(), {"", "", "", "", "en", 10, "abc"}).error().code.name(), "bad_cursor");
}

TEST_P(CatalogueTest, ABadDocumentNamesTheProblemAndWritesNothing) {
  json::value doc = json::parse(sample("Novo nome do passaporte"));
  doc.at("services").as_array()[2].at("texts").as_object().erase("vi");
  auto refused = import_catalogue(db(), json::serialize(doc), "test", clock);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "services[2].texts.vi is missing");
  EXPECT_EQ(codes({"novo", "", "", "", "pt"}), Codes{}) << "the valid part was not written either";

  json::value zone = json::parse(sample());
  zone.at("shops").as_array()[0].as_object()["time_zone"] = "Europe/Atlantis";
  EXPECT_EQ(import_catalogue(db(), json::serialize(zone), "test", clock).error().message,
            "shops[0].time_zone must be an IANA time zone such as Europe/Lisbon");
  // A control character is said to be one, not "missing" (issue 16).
  json::value control = json::parse(sample());
  control.at("shops").as_array()[0].as_object()["name"] = "Loja\x07 do Cidad\xC3\xA3o";
  EXPECT_EQ(import_catalogue(db(), json::serialize(control), "test", clock).error().message,
            "shops[0].name contains a control character (only line breaks are allowed)");
  json::value closed = json::parse(sample());
  closed.at("shops").as_array()[0].as_object()["closures"] = json::array{"2026-12-25", "2026-02-31"};
  EXPECT_EQ(import_catalogue(db(), json::serialize(closed), "test", clock).error().message,
            "shops[0].closures must be dates written YYYY-MM-DD")
      << "a day the month does not have";
  json::value hours = json::parse(sample());
  hours.at("shops").as_array()[1].at("opening_hours").as_object()["mon"] =
      json::array{json::array{"14:00", "17:00"}, json::array{"09:00", "12:30"}};
  EXPECT_FALSE(import_catalogue(db(), json::serialize(hours), "test", clock).ok());
  EXPECT_FALSE(import_catalogue(db(), "not json", "test", clock).ok());
}

TEST_P(CatalogueTest, ReimportUpdatesByCodeAndExportRoundTrips) {
  ASSERT_TRUE(import_catalogue(db(), sample("Renovação urgente"), "test", clock).ok());
  EXPECT_EQ(codes({"urgente", "", "", "", "pt"}), Codes{"passport"});
  EXPECT_TRUE(codes({"pedido passaporte", "", "", "", "pt"}).empty()) << "the old words are gone";
  auto exported = export_catalogue(db());
  ASSERT_TRUE(exported.ok());
  json::value doc = json::parse(*exported);
  EXPECT_EQ(doc.at("services").as_array().size(), 3U);
  EXPECT_EQ(doc.at("shops").as_array().size(), 2U);
  testing::TestDatabase other(GetParam());
  ASSERT_TRUE(storage::apply_migrations(other.db(), storage::builtin_migrations(), clock).ok());
  ASSERT_TRUE(import_catalogue(other.db(), *exported, "test", clock).ok());
  EXPECT_EQ(*export_catalogue(other.db()), *exported);
}

// Issue 14, problem 7: words are looked for in every language's texts and in the keywords, the
// results named in the page's language and counted; a typo gets the nearest known word.
TEST_P(CatalogueTest, SearchCrossesLanguagesKeywordsAndTypos) {
  ServiceQuery query;
  query.lang = "en";
  query.q = "cartao";  // Portuguese, on an English page
  auto found = search_services(db(), query);
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_EQ(found->services.size(), 1U);
  EXPECT_EQ(found->services[0].name, "Citizen card") << "named in the page's language";
  EXPECT_EQ(found->total, 1);
  query.q = "";
  query.limit = 2;
  auto everything = search_services(db(), query);
  ASSERT_TRUE(everything.ok());
  EXPECT_EQ(everything->services.size(), 2U);
  EXPECT_EQ(everything->total, 3) << "the count covers every page";
  query.cursor = everything->next_cursor;
  EXPECT_EQ(search_services(db(), query)->total, 3);

  // Keywords: imported, searchable from any language, exported back.
  auto with_keywords = json::parse(sample()).as_object();
  with_keywords["services"].as_array()[1].as_object()["keywords"] = json::array{"CNI", "Cartão de cidadão", "CC"};
  ASSERT_TRUE(import_catalogue(db(), json::serialize(with_keywords), "test", clock).ok());
  ServiceQuery by_keyword;
  by_keyword.lang = "vi";
  by_keyword.q = "cni";
  auto keyword = search_services(db(), by_keyword);
  ASSERT_TRUE(keyword.ok());
  ASSERT_EQ(keyword->services.size(), 1U);
  EXPECT_EQ(keyword->services[0].code, "citizen-card");
  auto exported = export_catalogue(db());
  ASSERT_TRUE(exported.ok());
  EXPECT_NE(exported->find(R"("keywords":["CNI","Cartão de cidadão","CC"])"), std::string::npos);
  auto too_many = with_keywords;
  json::array thirty_one;
  for (int i = 0; i < 31; ++i) thirty_one.emplace_back("word" + std::to_string(i));
  too_many["services"].as_array()[1].as_object()["keywords"] = thirty_one;
  auto refused = import_catalogue(db(), json::serialize(too_many), "test", clock);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("services[1].keywords"), std::string::npos);

  auto suggest = [&](std::string_view q) -> std::string {
    auto s = spelling_suggestion(db(), q);
    EXPECT_TRUE(s.ok());
    return s && *s ? **s : "(none)";
  };
  EXPECT_EQ(suggest("pasport"), "passport");
  EXPECT_EQ(suggest("citizn card"), "citizen card");
  EXPECT_EQ(suggest("passport"), "(none)") << "a known word stays";
  EXPECT_EQ(suggest("pass"), "(none)") << "a known beginning stays";
  EXPECT_EQ(suggest("zzzzzzzz"), "(none)") << "too far from any word";
}

// Issue 14: themes and life events to browse by, named in each language, listing services; a
// service names the themes it is under, checked at import, filtered on, exported back.
TEST_P(CatalogueTest, ThemesAndLifeEventsListServices) {
  auto doc = json::parse(sample()).as_object();
  doc["themes"] = json::array{
      json::object{{"code", "identity"},
                   {"kind", "theme"},
                   {"names", {{"en", "Identity"}, {"fr", "Identité"}, {"pt", "Identificação"}, {"vi", "Căn cước"}}}},
      json::object{
          {"code", "travel-abroad"},
          {"kind", "life_event"},
          {"names", {{"en", "Travelling abroad"}, {"fr", "Voyager"}, {"pt", "Viajar"}, {"vi", "Đi nước ngoài"}}}},
      json::object{{"code", "unused"},
                   {"kind", "theme"},
                   {"names", {{"en", "Unused"}, {"fr", "Inutilisé"}, {"pt", "Sem uso"}, {"vi", "Không dùng"}}}}};
  auto& services = doc["services"].as_array();
  services[0].as_object()["themes"] = json::array{"identity", "travel-abroad"};  // passport
  services[1].as_object()["themes"] = json::array{"identity"};                   // citizen card
  auto imported = import_catalogue(db(), json::serialize(doc), "test", clock);
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  EXPECT_EQ(imported->themes, 3);

  auto themes = list_themes(db(), "fr");
  ASSERT_TRUE(themes.ok()) << themes.error().message;
  ASSERT_EQ(themes->size(), 3U);
  EXPECT_EQ(themes->at(0).code, "identity") << "in the document's order";
  EXPECT_EQ(themes->at(0).name, "Identité");
  EXPECT_EQ(themes->at(0).services, 2);
  EXPECT_EQ(themes->at(1).kind, "life_event");
  EXPECT_EQ(themes->at(2).services, 0);

  ServiceQuery query;
  query.theme = "travel-abroad";
  EXPECT_EQ(codes(query), Codes{"passport"});
  query.theme = "identity";
  query.q = "cidadao";
  EXPECT_EQ(codes(query), Codes{"citizen-card"}) << "with the other filters";
  query.q = "";
  query.theme = "nothing-such";
  EXPECT_TRUE(codes(query).empty());

  auto exported = export_catalogue(db());
  ASSERT_TRUE(exported.ok());
  EXPECT_NE(exported->find(R"("themes":["identity","travel-abroad"])"), std::string::npos);
  EXPECT_NE(exported->find(R"("kind":"life_event")"), std::string::npos);

  // A theme the catalogue does not have, or a wrong kind, is refused and nothing is written.
  auto unknown = doc;
  unknown["services"].as_array()[2].as_object()["themes"] = json::array{"elsewhere"};
  auto refused = import_catalogue(db(), json::serialize(unknown), "test", clock);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "services[2].themes names an unknown theme elsewhere");
  auto kind = doc;
  kind["themes"].as_array()[0].as_object()["kind"] = "topic";
  EXPECT_EQ(import_catalogue(db(), json::serialize(kind), "test", clock).error().message,
            "themes[0].kind must be theme or life_event");
  // Re-imported without themes, a service is under none.
  ASSERT_TRUE(import_catalogue(db(), sample(), "test", clock).ok());
  EXPECT_EQ(list_themes(db(), "en")->at(0).services, 0);
}

// The home page's popular services: what bookings say first, then the featured ones by rank, each
// once; a featured rank is checked at import and exported back.
TEST_P(CatalogueTest, PopularServicesAreTheMostBookedThenTheFeatured) {
  auto doc = json::parse(sample()).as_object();
  auto& services = doc["services"].as_array();
  services[2].as_object()["featured"] = 1;  // vat-registration
  services[0].as_object()["featured"] = 2;  // passport
  ASSERT_TRUE(import_catalogue(db(), json::serialize(doc), "test", clock).ok());
  auto ids = search_services(db(), ServiceQuery{});
  ASSERT_TRUE(ids.ok());
  std::map<std::string, std::int64_t> id;
  for (const auto& s : ids->services) id[s.code] = s.id;
  auto codes_of = [](const std::vector<ServiceSummary>& list) {
    Codes out;
    for (const auto& s : list) out.push_back(s.code);
    return out;
  };
  auto featured = popular_services(db(), {}, "pt", 6);
  ASSERT_TRUE(featured.ok()) << featured.error().message;
  EXPECT_EQ(codes_of(*featured), (Codes{"vat-registration", "passport"}));
  EXPECT_EQ(featured->at(1).name, "Pedido de passaporte") << "named in the language asked for";
  auto measured = popular_services(db(), {id["citizen-card"], id["passport"], 999'999}, "en", 6);
  ASSERT_TRUE(measured.ok());
  EXPECT_EQ(codes_of(*measured), (Codes{"citizen-card", "passport", "vat-registration"}))
      << "booked first, each once, an unknown id skipped";
  EXPECT_EQ(popular_services(db(), {id["citizen-card"]}, "en", 2)->size(), 2U);
  EXPECT_NE(export_catalogue(db())->find(R"("featured":1)"), std::string::npos);
  services[1].as_object()["featured"] = 0;
  EXPECT_EQ(import_catalogue(db(), json::serialize(doc), "test", clock).error().message,
            "services[1].featured must be a rank from 1 to 1000");
}

// Issue 14: how accessible a shop's building is, checked at import, read back, exported.
TEST_P(CatalogueTest, AShopDescribesItsBuildingsAccessibility) {
  auto doc = json::parse(sample()).as_object();
  auto& shop = doc["shops"].as_array()[0].as_object();
  shop["accessibility"] = json::object{{"step_free_entrance", true},
                                       {"hearing_loop", false},
                                       {"notes",
                                        {{"en", "Lift on the left"},
                                         {"fr", "Ascenseur à gauche"},
                                         {"pt", "Elevador à esquerda"},
                                         {"vi", "Thang máy bên trái"}}}};
  ASSERT_TRUE(import_catalogue(db(), json::serialize(doc), "test", clock).ok());
  auto exported = export_catalogue(db());
  ASSERT_TRUE(exported.ok());
  EXPECT_NE(exported->find(R"("accessibility":{"step_free_entrance":true,"hearing_loop":false,"notes")"),
            std::string::npos);
  EXPECT_EQ(exported->find(R"("accessibility":{})"), std::string::npos) << "an undescribed shop says nothing";

  auto unknown = doc;
  unknown["shops"].as_array()[0].as_object()["accessibility"].as_object()["lift"] = true;
  EXPECT_EQ(import_catalogue(db(), json::serialize(unknown), "test", clock).error().message,
            "shops[0].accessibility.lift is not a feature this catalogue knows");
  auto yes = doc;
  yes["shops"].as_array()[0].as_object()["accessibility"].as_object()["hearing_loop"] = "yes";
  EXPECT_EQ(import_catalogue(db(), json::serialize(yes), "test", clock).error().message,
            "shops[0].accessibility.hearing_loop must be true or false");
  auto notes = doc;
  notes["shops"].as_array()[0].as_object()["accessibility"].as_object()["notes"].as_object().erase("vi");
  EXPECT_FALSE(import_catalogue(db(), json::serialize(notes), "test", clock).ok()) << "notes in every language";
}

// Issue 14, problem 6: the gazetteer finds a town by a postcode as people type it (with or
// without Portugal's dash and last three digits, France's five) or by its name without accents or
// by its beginning; its ranges are checked at import and replaced on re-import.
TEST_P(CatalogueTest, PlacesAreFoundByPostcodeOrName) {
  const std::string places = R"({"places": [
    {"country": "PT", "name": "Lisboa", "postcodes": ["1000-1999"], "latitude": 38.7223, "longitude": -9.1393},
    {"country": "PT", "name": "Évora", "postcodes": ["7000-7009"], "latitude": 38.5714, "longitude": -7.9135},
    {"country": "PT", "name": "Vila Nova de Gaia", "postcodes": ["4400-4439"], "latitude": 41.12, "longitude": -8.61},
    {"country": "FR", "name": "Paris", "postcodes": ["75001-75020", "75116"], "latitude": 48.8566, "longitude": 2.3522}
  ]})";
  auto imported = import_catalogue(db(), places, "test", clock);
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  EXPECT_EQ(imported->places, 4);
  auto name_of = [&](std::string_view typed) -> std::string {
    auto found = find_place(db(), typed);
    EXPECT_TRUE(found.ok()) << (found ? "" : found.error().message);
    return found && *found ? (*found)->name : "";
  };
  EXPECT_EQ(name_of("1000-001"), "Lisboa");
  EXPECT_EQ(name_of("1700 123"), "Lisboa");
  EXPECT_EQ(name_of("1000"), "Lisboa");
  EXPECT_EQ(name_of("75017"), "Paris");
  EXPECT_EQ(name_of("75116"), "Paris");
  EXPECT_EQ(name_of("75021"), "") << "outside every range";
  EXPECT_EQ(name_of("evora"), "Évora");
  EXPECT_EQ(name_of("ÉVORA"), "Évora");
  EXPECT_EQ(name_of("vila nova"), "Vila Nova de Gaia");
  EXPECT_EQ(name_of("Atlantis"), "");
  EXPECT_EQ(name_of("12"), "") << "too short to be a postcode";
  auto lisboa = find_place(db(), "1000-001");
  ASSERT_TRUE(lisboa.ok() && lisboa->has_value());
  EXPECT_EQ((*lisboa)->postcodes, "1000–1999");
  EXPECT_EQ((*lisboa)->country, "PT");
  EXPECT_NEAR(distance_km((*lisboa)->latitude, (*lisboa)->longitude, 48.8566, 2.3522), 1453, 5);

  // Re-imported with another range: the old one is gone.
  ASSERT_TRUE(
      import_catalogue(
          db(),
          R"({"places": [{"country": "PT", "name": "Lisboa", "postcodes": ["1100-1199"], "latitude": 38.7, "longitude": -9.1}]})",
          "test", clock)
          .ok());
  EXPECT_EQ(name_of("1000-001"), "");
  EXPECT_EQ(name_of("1150-001"), "Lisboa");

  auto refused = [&](const char* doc) {
    auto result = import_catalogue(db(), doc, "test", clock);
    return result ? std::string("accepted") : result.error().message;
  };
  EXPECT_NE(
      refused(R"({"places": [{"country": "pt", "name": "X", "postcodes": ["1000"], "latitude": 1, "longitude": 1}]})")
          .find("places[0].country"),
      std::string::npos);
  EXPECT_NE(
      refused(
          R"({"places": [{"country": "PT", "name": "X", "postcodes": ["1000-19999"], "latitude": 1, "longitude": 1}]})")
          .find("places[0].postcodes"),
      std::string::npos);
  EXPECT_NE(
      refused(
          R"({"places": [{"country": "PT", "name": "X", "postcodes": ["2000-1000"], "latitude": 1, "longitude": 1}]})")
          .find("places[0].postcodes"),
      std::string::npos);
  EXPECT_NE(
      refused(R"({"places": [{"country": "PT", "name": "X", "postcodes": ["1000"], "latitude": 91, "longitude": 1}]})")
          .find("places[0].latitude"),
      std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, CatalogueTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::catalogue