// Visit times in words, in each of the four languages, in the shop's zone (not the server's).
#include <gtest/gtest.h>

#include "guichet/core/phone.hpp"
#include "guichet/core/spoken_time.hpp"

namespace guichet {
namespace {

// 2026-12-04 08:30–08:50 in Lisbon (UTC+0 in winter), 07:30–07:50 in the Azores (UTC-1).
const Instant kStart = std::chrono::sys_days(std::chrono::year{2026} / 12 / 4) + std::chrono::minutes(8 * 60 + 30);
const Instant kEnd = kStart + std::chrono::minutes(20);

TEST(SpokenTime, EachLanguageSaysTheDayInWordsAndTheZone) {
  const std::string en = spoken_interval("en", "Europe/Lisbon", kStart, kEnd);
  EXPECT_NE(en.find("Friday"), std::string::npos) << en;
  EXPECT_NE(en.find("December"), std::string::npos) << en;
  EXPECT_NE(en.find("08:30"), std::string::npos) << en;
  EXPECT_NE(en.find("08:50"), std::string::npos) << en;
  EXPECT_NE(en.find("Portugal"), std::string::npos) << en;
  const std::string fr = spoken_interval("fr", "Europe/Lisbon", kStart, kEnd);
  EXPECT_NE(fr.find("vendredi 4 décembre 2026"), std::string::npos) << fr;
  const std::string pt = spoken_interval("pt", "Europe/Lisbon", kStart, kEnd);
  EXPECT_NE(pt.find("sexta-feira"), std::string::npos) << pt;
  EXPECT_NE(pt.find("dezembro"), std::string::npos) << pt;
  const std::string vi = spoken_interval("vi", "Europe/Lisbon", kStart, kEnd);
  EXPECT_NE(vi.find("Thứ Sáu"), std::string::npos) << vi;
  EXPECT_NE(vi.find("tháng 12"), std::string::npos) << vi;
}

TEST(SpokenTime, TheShopsZoneGivesTheLocalHour) {
  const std::string azores = spoken_interval("en", "Atlantic/Azores", kStart, kEnd);
  EXPECT_NE(azores.find("07:30"), std::string::npos) << azores;
  EXPECT_NE(azores.find("Azores"), std::string::npos) << azores;
}

TEST(SpokenTime, AnUnknownZoneFallsBackToTheIsoForm) {
  EXPECT_EQ(spoken_interval("en", "Nowhere/Atlantis", kStart, kEnd), "2026-12-04 08:30–08:50 (Nowhere/Atlantis)");
}

}  // namespace
}  // namespace guichet

namespace guichet {
namespace {

TEST(SpokenDay, ADayInEachLanguage) {
  EXPECT_EQ(spoken_day("en", "2026-12-02"), "December 2, 2026");
  EXPECT_EQ(spoken_day("fr", "2026-12-02"), "2 décembre 2026");
  EXPECT_EQ(spoken_day("pt", "2026-12-02"), "2 de dezembro de 2026");
  EXPECT_EQ(spoken_day("en", "2026-02-30"), "2026-02-30");
}

TEST(SpokenWeekday, ADayOfTheComingWeeksWithItsWeekday) {
  EXPECT_EQ(spoken_weekday("en", "2026-12-07"), "Monday, December 7");
  EXPECT_EQ(spoken_weekday("fr", "2026-12-07"), "lundi 7 décembre");
  EXPECT_EQ(spoken_weekday("pt", "2026-12-07"), "segunda-feira, 7 de dezembro");
  EXPECT_NE(spoken_weekday("vi", "2026-12-07").find("7"), std::string::npos);
  EXPECT_EQ(spoken_weekday("en", "2026-13-01"), "2026-13-01");
}

TEST(SpokenEuros, MoneyAsEachLanguageWritesIt) {
  EXPECT_EQ(spoken_euros("en", 1850), "€18.50");
  // French and Portuguese put a (narrow) no-break space before the sign.
  EXPECT_EQ(spoken_euros("fr", 123456), "1\u202f234,56\u00a0€");
  EXPECT_EQ(spoken_euros("pt", 1800), "18,00\u00a0€");
}

TEST(SpokenKilometres, DistancesAsEachLanguageWritesThem) {
  EXPECT_EQ(spoken_kilometres("en", 2.44), "2.4 km");
  EXPECT_EQ(spoken_kilometres("fr", 2.44), "2,4\u202fkm");
  EXPECT_EQ(spoken_kilometres("pt", 0.06), "0,1 km");
  EXPECT_EQ(spoken_kilometres("en", 1234.4), "1,234 km");
  EXPECT_EQ(spoken_kilometres("vi", 12.6), "13 km");
}

TEST(SpokenInstant, ADayAndATimeInTheZone) {
  const Instant at = from_unix_micros(std::int64_t{1796306700} * 1000000);  // 2026-12-03T14:05:00Z
  EXPECT_EQ(spoken_instant("en", "Europe/Lisbon", at).substr(0, 16), "December 3, 2026");
  EXPECT_NE(spoken_instant("en", "Europe/Lisbon", at).find("14:05"), std::string::npos);
  EXPECT_NE(spoken_instant("en", "Europe/Paris", at).find("15:05"), std::string::npos);
}

TEST(SpokenFullDay, TheWeekdayAndTheYear) {
  EXPECT_EQ(spoken_full_day("en", "2026-12-04"), "Friday, December 4, 2026");
  EXPECT_EQ(spoken_full_day("fr", "2026-12-04"), "vendredi 4 décembre 2026");
  EXPECT_EQ(spoken_full_day("fr", "2026-02-30"), "2026-02-30");
}

TEST(WeekdayName, TheWeekdayAlone) {
  EXPECT_EQ(weekday_name("en", "2026-01-05"), "Monday");
  EXPECT_EQ(weekday_name("fr", "2026-01-05"), "lundi");
  EXPECT_EQ(weekday_name("pt", "2026-01-11"), "domingo");
}

TEST(PluralCategory, EachLanguagesRules) {
  EXPECT_EQ(plural_category("en", 1), "one");
  EXPECT_EQ(plural_category("en", 0), "other");
  EXPECT_EQ(plural_category("fr", 0), "one") << "French counts zero as one";
  EXPECT_EQ(plural_category("fr", 2), "other");
  EXPECT_EQ(plural_category("pt", 1), "one");
  EXPECT_EQ(plural_category("pt", 0), "other");
  EXPECT_EQ(plural_category("vi", 1), "other") << "Vietnamese has no plural";
}

TEST(SpokenZone, TheZoneAsPeopleSayIt) {
  EXPECT_EQ(spoken_zone("en", "Europe/Lisbon"), "Portugal Time");
  EXPECT_NE(spoken_zone("fr", "Europe/Paris").find("France"), std::string::npos);
  EXPECT_EQ(spoken_zone("en", "Mars/Olympus"), "Mars/Olympus");
}

TEST(ZoneCountry, EachZoneBelongsToItsCountry) {
  EXPECT_EQ(zone_country("Europe/Lisbon"), "PT");
  EXPECT_EQ(zone_country("Atlantic/Azores"), "PT");
  EXPECT_EQ(zone_country("Europe/Paris"), "FR");
  EXPECT_EQ(zone_country("Indian/Reunion"), "RE");  // its own numbering plan, +262
  EXPECT_EQ(zone_country("Asia/Ho_Chi_Minh"), "VN");
  EXPECT_EQ(zone_country("UTC"), "");
  EXPECT_EQ(zone_country("Mars/Olympus"), "");
}

TEST(Phone, ANumberAsTypedInTheShopsCountry) {
  EXPECT_EQ(normalised_phone("PT", "912 345 678"), "+351912345678");
  EXPECT_EQ(normalised_phone("FR", "06 12 34 56 78"), "+33612345678");
  EXPECT_EQ(normalised_phone("PT", "+33 6 12 34 56 78"), "+33612345678");
  EXPECT_EQ(normalised_phone("PT", "12"), std::nullopt);
  EXPECT_EQ(normalised_phone("PT", "call me"), std::nullopt);
  EXPECT_EQ(readable_phone("+351912345678"), "+351 912 345 678");
  EXPECT_EQ(readable_phone("not a number"), "not a number");
}

}  // namespace
}  // namespace guichet
