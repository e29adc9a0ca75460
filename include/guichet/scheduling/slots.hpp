#pragma once
// The slot engine: for a set of services, the visits a shop can offer. A visit is one arrival time
// at which every service is served back to back, each on a counter able to serve it, in an order
// the engine chooses, with no wait longer than `max_gap` between two services, inside the shop's
// opening hours (in its own time zone, daylight-saving changes included), outside closed days,
// counter absences and existing bookings, with a buffer after each service, a minimum notice and a
// booking horizon. Pure: the caller loads the shop's calendar; nothing here touches a database.
#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "guichet/catalogue/opening_hours.hpp"
#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"

namespace date {
class time_zone;
}

namespace guichet::scheduling {

// The catalogue's opening hours, read by its one parser (catalogue/opening_hours.hpp).
using catalogue::OpeningRange;
using catalogue::WeeklyHours;

struct Counter {
  std::int64_t id = 0;
  std::set<std::int64_t> services;  // what it can serve
};

// A counter unavailable over [start, end): a booking or an absence. `key` names the row it comes
// from (a booking item's id, or minus an absence's id), so a cached calendar can find it again.
struct Busy {
  std::int64_t counter = 0;
  Instant start;
  Instant end;
  std::int64_t key = 0;
};

struct Taken {
  Instant start;
  Instant end;
  std::int64_t key = 0;
};

// One counter's busy intervals, sorted by start. They may overlap (an absence over a booking).
struct CounterTimeline {
  std::vector<Taken> taken;
  // The longest interval ever held, so a search can skip, by binary search, every interval that
  // starts too early to reach the time it asks about. Never shrinks: a bound, not an exact value.
  std::chrono::microseconds longest{0};
};

// Every counter's timeline, kept sorted as intervals come and go. A per-node calendar cache holds
// one per shop and changes it in place, instead of sorting a shop's whole horizon per request.
class BusyIndex {
 public:
  static BusyIndex of(const std::vector<Busy>& busy);
  // Adds `busy`, replacing any interval with the same key on that counter.
  void put(const Busy& busy);
  // Removes the interval with this key from `counter`, if there is one, and says what it was.
  std::optional<Taken> erase(std::int64_t counter, std::int64_t key);
  // Drops the intervals that ended before `t`: they can no longer touch a visit.
  void forget_before(Instant t);
  const CounterTimeline* find(std::int64_t counter) const;
  std::size_t intervals() const;
  std::size_t bytes() const;  // what the timelines hold, for memory reports

 private:
  std::unordered_map<std::int64_t, CounterTimeline> counters_;
};

struct ShopCalendar {
  std::string time_zone;  // IANA
  WeeklyHours hours;
  std::set<std::string> closed_days;  // local dates, YYYY-MM-DD (closures, public holidays)
  std::vector<Counter> counters;
  std::vector<Busy> busy;
};

// When each counter is first free on each local day of a range: the first moment of the day's
// opening hours that no busy interval covers, to the minute below. A service can begin on a
// counter only at a moment it is free, so this is a lower bound of any visit's start there. An
// every-shop search reads it to rank shops by the earliest visit they could offer, and never opens
// a shop that cannot make its page (docs/ARCHITECTURE.md, "Availability across every shop").
// A shop's first free moment, of any of its counters, for 31 local days, in 128 bytes: ranking
// every shop reads these side by side (one array per version of the calendars) rather than each
// shop's FreeMoments. A looser bound than FreeMoments' (any counter, whatever it serves).
struct FreeSummary {
  static constexpr int kDays = 31;
  static constexpr std::int32_t kUnknown = std::numeric_limits<std::int32_t>::min();
  std::int32_t first_day = kUnknown;  // local day count since 1970; kUnknown: nothing known
  std::array<std::int32_t, kDays> minutes{};
  // The earliest free moment over [day, day + days): nullopt when no counter is free on any of
  // those days; Instant::min() when something about those days is not known.
  std::optional<Instant> earliest(std::int64_t day, int days) const;
};

class FreeMoments {
 public:
  // Local days [first_day, first_day + days) of the shop's zone, as day counts since 1970-01-01.
  static FreeMoments of(const ShopCalendar& shop, const BusyIndex& busy, std::int64_t first_day, int days);
  // Recomputes what `counter` holds for the days that [from, until] touches, after its busy
  // intervals changed there.
  void update(const ShopCalendar& shop, const BusyIndex& busy, std::int64_t counter, Instant from, Instant until);
  // The earliest free moment, over local days [day, day + days), of the counters that serve any
  // of `services`: nullopt when none is free on those days, or when a service has no counter (no
  // visit can be offered); Instant::min() (nothing known, so no bound) when some of those days lie
  // outside the range held, or the shop has more counters than the index keeps apart (64).
  std::optional<Instant> earliest(const std::vector<std::int64_t>& services, std::int64_t day, int days) const;
  std::int64_t first_day() const { return first_day_; }
  std::size_t bytes() const;
  // The 31 days from the first held, any counter.
  FreeSummary summary() const;

 private:
  std::int64_t first_day_ = 0;
  int days_ = 0;
  bool unbounded_ = true;  // nothing held: every question answers Instant::min()
  const date::time_zone* zone_ = nullptr;
  std::vector<std::int64_t> counters_;                             // counter ids; a counter's position is its bit below
  std::vector<std::pair<std::int64_t, std::uint64_t>> served_by_;  // service -> its counters' bits, sorted
  std::vector<std::int32_t> minutes_;  // [day * counters + position]: minutes since 1970, or kNone
};

struct ServiceNeed {
  std::int64_t service = 0;
  std::chrono::minutes duration{0};
};

struct SearchRules {
  std::chrono::minutes step{15};     // arrivals are offered on this grid of local time
  std::chrono::minutes buffer{0};    // a counter's turnaround after each service
  std::chrono::minutes max_gap{15};  // the longest wait between two services of one visit
  std::chrono::minutes notice{120};  // no visit sooner than this
  std::chrono::hours horizon{24 * 90};
};

struct VisitItem {
  std::int64_t service = 0;
  std::int64_t counter = 0;
  Instant start;
  Instant end;
};

struct Visit {
  Instant start;
  Instant end;
  std::vector<VisitItem> items;
};

// Which arrivals to look at besides the days asked for: only later than `after` (the next page),
// and none later than `until` (a search over many shops stops a shop once its visits could no
// longer make the page).
struct ArrivalWindow {
  std::optional<Instant> after{};
  std::optional<Instant> until{};
};

// Visits starting on local days [first_day, first_day + days), earliest first, at most `limit`.
// `first_day` is YYYY-MM-DD in the shop's time zone. An unknown time zone, a bad date or more than
// four services is invalid_input. `shop.busy` is not read: `busy` says what is taken.
Result<std::vector<Visit>> find_visits(const ShopCalendar& shop, const BusyIndex& busy,
                                       const std::vector<ServiceNeed>& services, std::string_view first_day, int days,
                                       Instant now, const SearchRules& rules, std::size_t limit,
                                       const ArrivalWindow& window = {});
// The same with what `shop.busy` says is taken.
// With `after`, only visits starting later than it (the next page).
Result<std::vector<Visit>> find_visits(const ShopCalendar& shop, const std::vector<ServiceNeed>& services,
                                       std::string_view first_day, int days, Instant now, const SearchRules& rules,
                                       std::size_t limit, std::optional<Instant> after = std::nullopt);

// Why no visit can start at `arrival` whatever is booked: a service the shop does not offer
// (field services), a start past or too soon, beyond the horizon, on a closed day or hour, or off
// the grid (field start). nullopt when only the bookings decide (the caller's slot_taken).
std::optional<Error> why_no_visit(const ShopCalendar& shop, const std::vector<ServiceNeed>& services, Instant arrival,
                                  Instant now, const SearchRules& rules);

// The visit find_visits would offer arriving exactly at `arrival`, or nothing when it offers none
// then (off the grid, closed, taken, too soon or too far ahead).
Result<std::optional<Visit>> visit_at(const ShopCalendar& shop, const std::vector<ServiceNeed>& services,
                                      Instant arrival, Instant now, const SearchRules& rules);

}  // namespace guichet::scheduling
