// The simulator on the fixture's shop (two counters, 09:00-12:00): both days see the same
// visitors, booked combined visits wait less than everyone walking in, every estimate is measured,
// and arrivals files are read line by line with the line at fault named.
#include "guichet/queue/simulator.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "scheduling/two_shops.hpp"
#include "support/test_database.hpp"

namespace guichet::queue {
namespace {
namespace json = boost::json;

class SimulatorTest : public ::testing::Test {
 protected:
  void SetUp() override { scheduling::fixtures::load_two_shops(database.db(), clock); }
  FakeClock clock{from_unix_micros(1'796'083'200'000'000)};
  testing::TestDatabase database{"sqlite"};
};

TEST_F(SimulatorTest, BookedCombinedVisitsWaitLessThanEveryoneWalkingInWithTheSameCounters) {
  SimulationOptions options;
  options.shop = "lisboa";
  options.day = "2026-12-07";  // a Monday
  options.visitors = 40;
  options.service_factor = 0.5;
  options.seed = 3;
  auto report = simulate(database.db(), options);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->counters, 2);
  EXPECT_GT(report->walk_in.visits, 20);
  EXPECT_EQ(report->walk_in.visits, report->booked_day.visits) << "the same visitors both days";
  EXPECT_EQ(report->booked.visits + report->walk_ins_beside.visits, report->booked_day.visits);
  EXPECT_GT(report->booked.visits, 0);
  EXPECT_LT(report->booked.mean_wait_min, report->walk_in.mean_wait_min);
  EXPECT_GT(report->reduction, 0.0);
  EXPECT_LE(report->walk_in.mean_wait_min, report->walk_in.p90_wait_min + 1e-9);
  EXPECT_GT(report->estimator.tickets, 0);
  EXPECT_GE(report->estimator.coverage, 0.0);
  EXPECT_LE(report->estimator.coverage, 1.0);
  json::object out = json::parse(report_json(*report)).as_object();
  for (const char* key : {"walk_in", "booked"}) {
    EXPECT_TRUE(out.at(key).as_object().contains("mean_wait_min")) << key;
    EXPECT_TRUE(out.at(key).as_object().contains("p90_wait_min")) << key;
  }
  EXPECT_TRUE(out.contains("reduction"));
  for (const char* key : {"mae_min", "coverage", "underestimated"}) {
    EXPECT_TRUE(out.at("estimator").as_object().contains(key)) << key;
  }
  const std::string svg = report_svg(*report);
  EXPECT_EQ(svg.rfind("<svg", 0), 0U);
  EXPECT_NE(svg.find("<title"), std::string::npos) << "the chart says what it shows";
  EXPECT_NE(report_table(*report).find("| everyone walks in |"), std::string::npos);
  // The same seed, the same days.
  auto again = simulate(database.db(), options);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(report_json(*again), report_json(*report));
}

TEST_F(SimulatorTest, GivenArrivalsAreReplayedAndBadOnesNamed) {
  auto arrivals =
      parse_arrivals("minute,services,booked\n540,passport,0\n09:10,passport+citizen-card,1\n600,tax-help\n");
  ASSERT_TRUE(arrivals.ok()) << arrivals.error().message;
  ASSERT_EQ(arrivals->size(), 3U);
  EXPECT_EQ((*arrivals)[1].minute, 550);
  EXPECT_EQ((*arrivals)[1].services.size(), 2U);
  EXPECT_TRUE((*arrivals)[1].booked);
  SimulationOptions options;
  options.shop = "lisboa";
  options.day = "2026-12-07";
  options.arrivals = *arrivals;
  auto report = simulate(database.db(), options);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->walk_in.visits, 3);
  auto bad = [](std::string_view csv) {
    auto parsed = parse_arrivals(csv);
    return parsed.ok() ? std::string("ok") : parsed.error().message;
  };
  EXPECT_EQ(bad("540,passport\n25:00,passport\n"), "line 2: the time is within the day");
  EXPECT_EQ(bad("9h10,passport\n"), "line 1: the time is minutes after midnight or HH:MM");
  EXPECT_EQ(bad("540\n"), "line 1: expected minute,services[,booked]");
  EXPECT_EQ(bad("540,passport,yes\n"), "line 1: booked is 0 or 1");
  EXPECT_EQ(bad("540,a+b+c+d+e\n"), "line 1: one to four services, joined by +");
  EXPECT_EQ(bad("\n"), "the arrivals file has no visitor");
  options.arrivals = *parse_arrivals("540,certificate\n");
  auto unknown = simulate(database.db(), options);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("certificate"), std::string::npos);
  options.arrivals.reset();
  options.day = "2026-12-08";  // a closure
  EXPECT_FALSE(simulate(database.db(), options).ok());
  options.day = "2026-12-07";
  options.shop = "nowhere";
  EXPECT_FALSE(simulate(database.db(), options).ok());
}

}  // namespace
}  // namespace guichet::queue
