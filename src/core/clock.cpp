#include "guichet/core/clock.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace guichet {

Instant SystemClock::now() const {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

Instant OffsetClock::now() const { return SystemClock().now() + offset_; }

FakeClock::FakeClock(Instant start) : micros_(to_unix_micros(start)) {}
Instant FakeClock::now() const { return from_unix_micros(micros_.load()); }
void FakeClock::set(Instant t) { micros_.store(to_unix_micros(t)); }
void FakeClock::advance(std::chrono::microseconds by) { micros_.fetch_add(by.count()); }

std::int64_t to_unix_micros(Instant t) { return t.time_since_epoch().count(); }
Instant from_unix_micros(std::int64_t micros) { return Instant{std::chrono::microseconds{micros}}; }

std::string format_rfc3339(Instant t) {
  auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  auto micros = (t - seconds).count();
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:06d}Z", seconds, micros);
}

}  // namespace guichet
