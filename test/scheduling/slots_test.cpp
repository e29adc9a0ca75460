#include "guichet/scheduling/slots.hpp"

#include <date/date.h>
#include <gtest/gtest.h>

#include <cstdio>

namespace guichet::scheduling {
namespace {
using std::chrono::hours;
using std::chrono::minutes;

Instant utc(const std::string& text) {
  int y = 0;
  unsigned mo = 0;
  unsigned d = 0;
  int h = 0;
  int mi = 0;
  int sec = 0;
  std::sscanf(text.c_str(), "%d-%u-%uT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &sec);
  auto day = date::sys_days(date::year{y} / date::month{mo} / date::day{d});
  return std::chrono::time_point_cast<Instant::duration>(day + hours(h) + minutes(mi) + std::chrono::seconds(sec));
}
std::string at(Instant t) { return format_rfc3339(t).substr(0, 16); }  // 2026-12-07T09:00

std::vector<std::string> starts(const Result<std::vector<Visit>>& visits) {
  EXPECT_TRUE(visits.ok()) << (visits ? "" : visits.error().message);
  std::vector<std::string> out;
  if (visits) {
    for (const auto& v : *visits) out.push_back(at(v.start));
  }
  return out;
}

ShopCalendar shop(const std::string& zone = "Europe/Lisbon") {
  ShopCalendar s;
  s.time_zone = zone;
  for (int d = 0; d < 5; ++d) s.hours[static_cast<std::size_t>(d)] = {{9 * 60, 12 * 60}};  // Mon-Fri 09:00-12:00
  s.counters = {{1, {10, 20}}, {2, {20}}};
  return s;
}

const Instant kNow = utc("2026-12-01T00:00:00Z");
const std::vector<ServiceNeed> kA{{10, minutes(30)}};

TEST(Slots, OpeningHoursInTheShopsOwnTimeZone) {
  SearchRules rules;
  auto lisbon = starts(find_visits(shop(), kA, "2026-12-07", 1, kNow, rules, 100));
  ASSERT_EQ(lisbon.size(), 11U) << "09:00 to 11:30 every 15 minutes";
  EXPECT_EQ(lisbon.front(), "2026-12-07T09:00");
  EXPECT_EQ(lisbon.back(), "2026-12-07T11:30") << "the last service still ends by closing time";
  EXPECT_EQ(starts(find_visits(shop("Europe/Paris"), kA, "2026-12-07", 1, kNow, rules, 1)),
            std::vector<std::string>{"2026-12-07T08:00"});
  EXPECT_EQ(starts(find_visits(shop("Atlantic/Azores"), kA, "2026-12-07", 1, kNow, rules, 1)),
            std::vector<std::string>{"2026-12-07T10:00"});
  EXPECT_EQ(starts(find_visits(shop("Asia/Ho_Chi_Minh"), kA, "2026-12-07", 1, kNow, rules, 1)),
            std::vector<std::string>{"2026-12-07T02:00"});
  EXPECT_TRUE(starts(find_visits(shop(), kA, "2026-12-12", 2, kNow, rules, 10)).empty()) << "closed at weekends";
}

TEST(Slots, ClosedDaysNoticeAndHorizon) {
  ShopCalendar s = shop();
  s.closed_days = {"2026-12-08"};  // a public holiday
  SearchRules rules;
  auto visits = starts(find_visits(s, kA, "2026-12-08", 2, kNow, rules, 1));
  EXPECT_EQ(visits, std::vector<std::string>{"2026-12-09T09:00"});
  rules.notice = hours(2);
  EXPECT_EQ(starts(find_visits(shop(), kA, "2026-12-07", 1, utc("2026-12-07T08:05:00Z"), rules, 1)),
            std::vector<std::string>{"2026-12-07T10:15"});
  rules.horizon = hours(24 * 7);
  auto within = starts(find_visits(shop(), kA, "2026-12-07", 30, kNow, rules, 1000));
  EXPECT_EQ(within.back(), "2026-12-07T11:30") << "nothing beyond a week from now";
}

TEST(Slots, BookingsAbsencesAndBuffers) {
  ShopCalendar s = shop();
  s.counters = {{1, {10}}};
  s.busy = {{1, utc("2026-12-07T09:00:00Z"), utc("2026-12-07T10:00:00Z")}};
  SearchRules rules;
  rules.buffer = minutes(5);
  auto visits = find_visits(s, kA, "2026-12-07", 1, kNow, rules, 3);
  EXPECT_EQ(starts(visits), (std::vector<std::string>{"2026-12-07T10:15", "2026-12-07T10:30", "2026-12-07T10:45"}))
      << "10:00 and its 5-minute turnaround are taken; 09:30 would run into the booking";
  s.counters.push_back({2, {10}});
  auto second_counter = find_visits(s, kA, "2026-12-07", 1, kNow, rules, 1);
  ASSERT_EQ(second_counter->size(), 1U);
  EXPECT_EQ(at((*second_counter)[0].start), "2026-12-07T09:00");
  EXPECT_EQ((*second_counter)[0].items[0].counter, 2);
}

TEST(Slots, CounterSkillsAndTheOrderOfServices) {
  ShopCalendar s = shop();
  s.counters = {{1, {10}}, {2, {20}}};  // A on counter 1 only, B on counter 2 only
  s.busy = {{1, utc("2026-12-07T09:00:00Z"), utc("2026-12-07T09:30:00Z")}};
  std::vector<ServiceNeed> both{{10, minutes(20)}, {20, minutes(10)}};
  SearchRules rules;
  rules.max_gap = minutes(15);
  auto tight = find_visits(s, both, "2026-12-07", 1, kNow, rules, 1);
  ASSERT_EQ(tight->size(), 1U);
  EXPECT_EQ(at((*tight)[0].start), "2026-12-07T09:15") << "B 09:15-09:25, then A at 09:30 (a 5-minute wait)";
  EXPECT_EQ((*tight)[0].items[0].service, 20);
  EXPECT_EQ((*tight)[0].items[1].service, 10);
  EXPECT_EQ(at((*tight)[0].items[1].start), "2026-12-07T09:30");
  EXPECT_EQ(at((*tight)[0].end), "2026-12-07T09:50");

  rules.max_gap = minutes(25);
  auto loose = find_visits(s, both, "2026-12-07", 1, kNow, rules, 1);
  EXPECT_EQ(at((*loose)[0].start), "2026-12-07T09:00") << "B at 09:00, a 20-minute wait allowed, A at 09:30";
  EXPECT_EQ(at((*loose)[0].items[1].start), "2026-12-07T09:30");

  s.counters = {{1, {10}}};
  EXPECT_TRUE(find_visits(s, both, "2026-12-07", 5, kNow, rules, 1)->empty()) << "no counter serves B";
}

TEST(Slots, DaylightSavingChangesInEachZone) {
  ShopCalendar s = shop();
  for (auto& day : s.hours) day.clear();
  s.hours[6] = {{0, 4 * 60}};  // Sundays 00:00-04:00, to straddle the change
  SearchRules rules;
  rules.step = minutes(30);
  rules.horizon = hours(24 * 400);
  // Lisbon, 28 March 2027: 01:00 becomes 02:00. Local 01:00 and 01:30 do not exist.
  auto spring = starts(find_visits(s, kA, "2027-03-28", 1, kNow, rules, 100));
  EXPECT_EQ(spring, (std::vector<std::string>{"2027-03-28T00:00", "2027-03-28T00:30", "2027-03-28T01:00",
                                              "2027-03-28T01:30", "2027-03-28T02:00", "2027-03-28T02:30"}));
  // 31 October 2027: 02:00 becomes 01:00 again; each local time is offered once.
  auto autumn = starts(find_visits(s, kA, "2027-10-31", 1, kNow, rules, 100));
  EXPECT_EQ(autumn.size(), 8U);
  EXPECT_EQ(autumn.front(), "2027-10-30T23:00") << "local midnight in summer time";
  EXPECT_EQ(autumn.back(), "2027-10-31T03:30");
  // The Azores change at the same instant, an hour behind on the wall clock: local 00:00 and 00:30
  // do not exist there.
  s.time_zone = "Atlantic/Azores";
  auto azores = starts(find_visits(s, kA, "2027-03-28", 1, kNow, rules, 100));
  EXPECT_EQ(azores.front(), "2027-03-28T01:00");
  EXPECT_EQ(azores.size(), 6U);
}

TEST(Slots, BadRequestsAreRefused) {
  SearchRules rules;
  EXPECT_EQ(find_visits(shop("Mars/Olympus"), kA, "2026-12-07", 1, kNow, rules, 1).error().code.name(),
            "bad_time_zone");
  EXPECT_EQ(find_visits(shop(), kA, "2026-02-30", 1, kNow, rules, 1).error().code.name(), "bad_date");
  EXPECT_EQ(find_visits(shop(), {}, "2026-12-07", 1, kNow, rules, 1).error().code.name(), "bad_services");
  EXPECT_EQ(find_visits(shop(), kA, "2026-12-07", 0, kNow, rules, 1).error().code.name(), "bad_days");
}

}  // namespace
}  // namespace guichet::scheduling
