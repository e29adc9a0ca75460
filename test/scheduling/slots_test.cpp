#include "guichet/scheduling/slots.hpp"

#include <date/date.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

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

std::int64_t day_number(int y, unsigned m, unsigned d) {
  return date::sys_days(date::year{y} / date::month{m} / date::day{d}).time_since_epoch().count();
}

// FreeMoments: when each counter is first free, day by day, and the bound it gives.
TEST(Slots, FreeMomentsSayWhenCountersAreFirstFree) {
  ShopCalendar lisbon = shop();  // Mon-Fri 09:00-12:00; counter 1 serves 10 and 20, counter 2 serves 20
  lisbon.closed_days = {"2026-12-08"};
  BusyIndex busy = BusyIndex::of({{1, utc("2026-12-07T09:00:00Z"), utc("2026-12-07T09:40:30Z"), 1},
                                  {1, utc("2026-12-07T09:30:00Z"), utc("2026-12-07T09:45:00Z"), 2},
                                  {2, utc("2026-12-07T00:00:00Z"), utc("2026-12-08T00:00:00Z"), -1}});
  auto free = FreeMoments::of(lisbon, busy, day_number(2026, 12, 6), 10);
  const std::int64_t monday = day_number(2026, 12, 7);
  EXPECT_EQ(free.earliest({10}, monday, 1), utc("2026-12-07T09:45:00Z")) << "after overlapping intervals";
  EXPECT_EQ(free.earliest({20}, monday, 1), utc("2026-12-07T09:45:00Z")) << "counter 2 is away all day";
  EXPECT_EQ(free.earliest({10}, monday + 1, 1), std::nullopt) << "closed on the 8th";
  EXPECT_EQ(free.earliest({10}, monday + 1, 2), utc("2026-12-09T09:00:00Z"));
  EXPECT_EQ(free.earliest({10}, monday + 5, 2), std::nullopt) << "closed at weekends";
  EXPECT_EQ(free.earliest({10, 30}, monday, 3), std::nullopt) << "service 30 is not offered";
  EXPECT_EQ(free.earliest({10}, monday - 2, 1), Instant::min()) << "before the days held: no bound";
  EXPECT_EQ(free.earliest({10}, monday + 9, 1), Instant::min()) << "after the days held: no bound";

  busy.put({1, utc("2026-12-07T09:45:00Z"), utc("2026-12-07T10:00:00Z"), 3});
  free.update(lisbon, busy, 1, utc("2026-12-07T09:45:00Z"), utc("2026-12-07T10:00:00Z"));
  EXPECT_EQ(free.earliest({10}, monday, 1), utc("2026-12-07T10:00:00Z"));
  auto removed = busy.erase(1, 1);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->start, utc("2026-12-07T09:00:00Z"));
  free.update(lisbon, busy, 1, removed->start, removed->end);
  EXPECT_EQ(free.earliest({10}, monday, 1), utc("2026-12-07T09:00:00Z"));
  EXPECT_FALSE(busy.erase(1, 1)) << "gone already";

  ShopCalendar crowded = shop();
  for (std::int64_t c = 1; c <= 65; ++c) crowded.counters.push_back({c + 2, {10}});
  EXPECT_EQ(FreeMoments::of(crowded, busy, monday, 10).earliest({10}, monday, 1), Instant::min())
      << "more than 64 counters: no bound, the shop is always searched";
}

// The bound never passes a visit the slot engine offers: random calendars in zones on both sides
// of the date line and across a change of clocks, every day and set of services.
TEST(Slots, FreeMomentsNeverPassAVisit) {
  std::mt19937 random(11);
  SearchRules rules;
  rules.notice = minutes(0);
  rules.buffer = minutes(5);
  for (const char* zone : {"Europe/Lisbon", "Asia/Ho_Chi_Minh", "America/Sao_Paulo", "Pacific/Auckland"}) {
    ShopCalendar s = shop(zone);
    s.hours[5] = {{9 * 60, 10 * 60}, {14 * 60, 16 * 60 + 30}};  // Saturday, two ranges
    s.counters = {{1, {10, 20}}, {2, {20, 30}}, {3, {30}}};
    std::vector<Busy> intervals;
    const Instant first = utc("2027-03-20T00:00:00Z");
    for (int i = 0; i < 400; ++i) {
      const Instant start = first + minutes(5 * static_cast<int>(random() % (16 * 24 * 12)));
      intervals.push_back({static_cast<std::int64_t>(1 + random() % 3), start,
                           start + minutes(10 + 5 * static_cast<int>(random() % 12)), i + 1});
    }
    BusyIndex busy = BusyIndex::of(intervals);
    const std::int64_t day0 = day_number(2027, 3, 20);
    auto free = FreeMoments::of(s, busy, day0 - 1, 20);
    const std::vector<std::vector<ServiceNeed>> needs{{{10, minutes(15)}},
                                                      {{20, minutes(20)}, {30, minutes(15)}},
                                                      {{10, minutes(15)}, {30, minutes(30)}, {20, minutes(15)}}};
    int visits_seen = 0;
    for (int d = 0; d < 16; ++d) {
      const date::year_month_day ymd{date::sys_days(date::days(day0 + d))};
      char text[16];
      std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                    static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
      for (const auto& need : needs) {
        std::vector<std::int64_t> services;
        for (const auto& n : need) services.push_back(n.service);
        auto found = find_visits(s, busy, need, text, 1, first - hours(48), rules, 1);
        ASSERT_TRUE(found.ok());
        auto bound = free.earliest(services, day0 + d, 1);
        if (found->empty()) continue;
        ++visits_seen;
        ASSERT_TRUE(bound) << zone << " " << text << ": a visit on a day said to have none";
        EXPECT_LE(*bound, found->front().start) << zone << " " << text;
      }
    }
    EXPECT_GT(visits_seen, 20) << zone;
  }
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
