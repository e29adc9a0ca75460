#include "guichet/core/clock.hpp"

#include <gtest/gtest.h>

namespace guichet {
namespace {

TEST(Clock, FakeClockMovesOnlyWhenTold) {
  FakeClock clock(from_unix_micros(1'700'000'000'000'000));
  auto start = clock.now();
  EXPECT_EQ(clock.now(), start);
  clock.advance(std::chrono::seconds(90));
  EXPECT_EQ(clock.now() - start, std::chrono::seconds(90));
}

TEST(Clock, FormatsRfc3339InUtc) {
  EXPECT_EQ(format_rfc3339(from_unix_micros(0)), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_rfc3339(from_unix_micros(1'795'435'792'123'456)), "2026-11-23T12:09:52.123456Z");
}

TEST(Clock, UnixMicrosRoundTrip) {
  SystemClock clock;
  auto now = clock.now();
  EXPECT_EQ(from_unix_micros(to_unix_micros(now)), now);
}

}  // namespace
}  // namespace guichet
