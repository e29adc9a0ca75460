#include "guichet/core/calendar.hpp"

#include <gtest/gtest.h>

namespace guichet {
namespace {

TEST(Calendar, ReadsOnlyRealDaysWrittenYyyyMmDd) {
  auto day = parse_iso_day("2028-02-29");
  ASSERT_TRUE(day.has_value());
  EXPECT_EQ(format_iso_day(*day), "2028-02-29");
  EXPECT_EQ(format_iso_day(*day + std::chrono::days(1)), "2028-03-01");
  EXPECT_EQ(format_iso_day(*parse_iso_day("1970-01-01")), "1970-01-01");
  EXPECT_EQ(parse_iso_day("1970-01-01")->time_since_epoch().count(), 0);
  for (const char* refused : {"2026-02-29", "2026-02-31", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00",
                              "2026-2-3", "2026-02-031", "26-02-03", "2026/02/03", "2026-02-03T", " 2026-02-03", ""}) {
    EXPECT_FALSE(parse_iso_day(refused).has_value()) << refused;
  }
}

TEST(Calendar, FindsTimeZonesInTheIanaDatabase) {
  EXPECT_NE(find_time_zone("Europe/Lisbon"), nullptr);
  EXPECT_NE(find_time_zone("Asia/Ho_Chi_Minh"), nullptr);
  EXPECT_NE(find_time_zone("UTC"), nullptr);
  EXPECT_EQ(find_time_zone("Europe/Atlantis"), nullptr);
  EXPECT_EQ(find_time_zone("../../etc/passwd"), nullptr);
  EXPECT_EQ(find_time_zone(""), nullptr);
}

}  // namespace
}  // namespace guichet
