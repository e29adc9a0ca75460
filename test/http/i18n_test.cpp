#include "guichet/http/i18n.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.hpp"

namespace guichet::http {
namespace {
const std::vector<std::string> kLangs{"fr", "pt", "vi", "en"};

TEST(AcceptLanguage, PicksHighestQualitySupportedLanguage) {
  EXPECT_EQ(match_accept_language("pt-PT,pt;q=0.9,en;q=0.8", kLangs), "pt");
  EXPECT_EQ(match_accept_language("de-DE, vi;q=0.5, fr;q=0.7", kLangs), "fr");
  EXPECT_EQ(match_accept_language("VI-vn", kLangs), "vi");
  EXPECT_EQ(match_accept_language("de, ja", kLangs), "");
  EXPECT_EQ(match_accept_language("fr;q=0, en;q=0.1", kLangs), "en");
  EXPECT_EQ(match_accept_language("fr;q=abc", kLangs), "");
  EXPECT_EQ(match_accept_language("", kLangs), "");
}

TEST(Catalog, ShippedTranslationsHaveTheSameKeys) {
  auto catalog = Catalog::load(std::filesystem::path(GUICHET_TEST_WEB_ROOT) / "i18n", kLangs, "en");
  ASSERT_TRUE(catalog.ok()) << catalog.error().message;
  EXPECT_EQ(catalog->text("vi", "language_name"), "Tiếng Việt");
  EXPECT_EQ(catalog->text("pt", "language_name"), "Português");
}

TEST(Catalog, MissingKeyStopsLoading) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "en.json") << R"({"a": "A", "b": "B"})";
  std::ofstream(dir.path() / "fr.json") << R"({"a": "A"})";
  auto catalog = Catalog::load(dir.path(), {"en", "fr"}, "en");
  ASSERT_FALSE(catalog.ok());
  EXPECT_NE(catalog.error().message.find("fr.json lacks the message 'b'"), std::string::npos);
}

TEST(Catalog, NegotiatesCookieThenHeaderThenDefault) {
  testing::TempDir dir;
  for (const auto& lang : kLangs) std::ofstream(dir.path() / (lang + ".json")) << R"({"k": "v"})";
  auto catalog = Catalog::load(dir.path(), kLangs, "fr");
  ASSERT_TRUE(catalog.ok());
  Request r;
  EXPECT_EQ(catalog->negotiate(r), "fr");
  r.headers.add("Accept-Language", "vi");
  EXPECT_EQ(catalog->negotiate(r), "vi");
  r.cookies.add(std::string(kLanguageCookie), "pt");
  EXPECT_EQ(catalog->negotiate(r), "pt");
  Request unknown_cookie;
  unknown_cookie.cookies.add(std::string(kLanguageCookie), "xx");
  EXPECT_EQ(catalog->negotiate(unknown_cookie), "fr");
}

}  // namespace
}  // namespace guichet::http
