#pragma once
// Time is injected wherever it matters (expiry, retries, slots, rate limits), so tests
// drive it with FakeClock instead of sleeping.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace guichet {

// A UTC instant with microsecond precision; stored in databases as Unix microseconds.
using Instant = std::chrono::sys_time<std::chrono::microseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant now() const override;
};

// The system's time shifted by a fixed offset: a node rehearsing what happens later (deadlines
// reached, drafts lapsing) against a copy of its data. `guichet serve --clock-offset-days`.
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(std::chrono::microseconds offset) : offset_(offset) {}
  Instant now() const override;

 private:
  std::chrono::microseconds offset_;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Instant start);
  Instant now() const override;
  void set(Instant t);
  void advance(std::chrono::microseconds by);

 private:
  std::atomic<std::int64_t> micros_;
};

std::int64_t to_unix_micros(Instant t);
Instant from_unix_micros(std::int64_t micros);
// RFC 3339 in UTC with a Z suffix, e.g. 2026-11-23T12:09:52.123456Z.
std::string format_rfc3339(Instant t);

}  // namespace guichet
