#include "guichet/scheduling/slots.hpp"

#include <date/tz.h>

#include <algorithm>
#include <bit>
#include <limits>
#include <map>
#include <optional>
#include "guichet/core/calendar.hpp"
#include "guichet/scheduling/errors.hpp"

namespace guichet::scheduling {
namespace {
using std::chrono::minutes;

std::string iso_day(date::local_days day) {
  date::year_month_day ymd(day);
  char text[16];  // room for any year the compiler imagines
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return text;
}

std::optional<date::local_days> parse_day(std::string_view text) {
  auto day = parse_iso_day(text);
  if (!day) return std::nullopt;
  return date::local_days(date::days(day->time_since_epoch().count()));
}

// The instant of a local time, or nothing when that local time does not exist (the hour skipped
// when clocks go forward). An ambiguous time (clocks going back) takes its first occurrence.
std::optional<Instant> to_instant(const date::time_zone* zone, date::local_time<minutes> local) {
  auto info = zone->get_info(local);
  if (info.result == date::local_info::nonexistent) return std::nullopt;
  auto sys = zone->to_sys(local, date::choose::earliest);
  return std::chrono::time_point_cast<Instant::duration>(sys);
}

// The earliest start >= `from` at which the intervals leave room for [start, start + length)
// followed by `buffer` (and the start is not inside the turnaround of an interval before it).
Instant earliest_free_in(const CounterTimeline& busy, Instant from, minutes length, minutes buffer) {
  const auto& intervals = busy.taken;
  // Intervals that start long enough before `from` cannot reach it: skip them by binary search.
  Instant horizon = from - busy.longest - buffer;
  auto it = std::lower_bound(intervals.begin(), intervals.end(), horizon,
                             [](const Taken& interval, Instant t) { return interval.start < t; });
  Instant start = from;
  for (; it != intervals.end(); ++it) {
    if (start + length + buffer <= it->start) break;
    if (it->end + buffer > start) start = it->end + buffer;
  }
  return start;
}

// The same over the shop's bookings and this visit's own items, until both agree; nothing when
// that is later than `latest`.
std::optional<Instant> earliest_free(const CounterTimeline* booked, const CounterTimeline* own, Instant from,
                                     Instant latest, minutes length, minutes buffer) {
  Instant start = from;
  for (int round = 0; round < 64; ++round) {
    Instant next = start;
    if (booked != nullptr) next = earliest_free_in(*booked, next, length, buffer);
    if (own != nullptr) next = earliest_free_in(*own, next, length, buffer);
    if (next > latest) return std::nullopt;
    if (next == start) return start;
    start = next;
  }
  return std::nullopt;
}

// Tries to serve `order` back to back from `arrival`: the first service starts at the arrival,
// each next one within max_gap of the previous end, all before `closes`.
std::optional<Visit> try_order(const ShopCalendar& shop, const BusyIndex& schedule,
                               const std::vector<ServiceNeed>& order, Instant arrival, Instant closes,
                               const SearchRules& rules) {
  Visit visit;
  visit.start = arrival;
  Instant cursor = arrival;
  std::map<std::int64_t, CounterTimeline> added;  // this visit's own items
  for (std::size_t i = 0; i < order.size(); ++i) {
    const ServiceNeed& need = order[i];
    const Instant latest = i == 0 ? arrival : cursor + rules.max_gap;
    std::optional<VisitItem> best;
    for (const auto& counter : shop.counters) {
      if (!counter.services.contains(need.service)) continue;
      auto own = added.find(counter.id);
      auto start = earliest_free(schedule.find(counter.id), own == added.end() ? nullptr : &own->second, cursor, latest,
                                 need.duration, rules.buffer);
      if (!start || *start + need.duration > closes) continue;
      if (!best || *start < best->start || (*start == best->start && counter.id < best->counter)) {
        best = VisitItem{need.service, counter.id, *start, *start + need.duration};
      }
    }
    if (!best) return std::nullopt;
    CounterTimeline& mine = added[best->counter];
    mine.taken.push_back(Taken{best->start, best->end, 0});
    std::sort(mine.taken.begin(), mine.taken.end(), [](const Taken& a, const Taken& b) { return a.start < b.start; });
    mine.longest = std::max<std::chrono::microseconds>(mine.longest, best->end - best->start);
    visit.items.push_back(*best);
    cursor = best->end;
  }
  visit.end = cursor;
  return visit;
}

// Every order of the services (at most 24), in a fixed order so results are reproducible.
std::vector<std::vector<ServiceNeed>> orders_of(const std::vector<ServiceNeed>& services) {
  std::vector<ServiceNeed> order = services;
  auto by_id = [](const auto& a, const auto& b) { return a.service < b.service; };
  std::sort(order.begin(), order.end(), by_id);
  std::vector<std::vector<ServiceNeed>> orders;
  do {
    orders.push_back(order);
  } while (std::next_permutation(order.begin(), order.end(), by_id));
  return orders;
}

// The visit arriving at `arrival` in the order that ends earliest.
std::optional<Visit> best_visit(const ShopCalendar& shop, const BusyIndex& schedule,
                                const std::vector<std::vector<ServiceNeed>>& orders, Instant arrival, Instant closes,
                                const SearchRules& rules) {
  std::optional<Visit> best;
  for (const auto& o : orders) {
    auto visit = try_order(shop, schedule, o, arrival, closes, rules);
    if (visit && (!best || visit->end < best->end)) best = std::move(visit);
  }
  return best;
}

const date::time_zone* find_zone(const std::string& name) { return find_time_zone(name); }

// The first moment >= `from` that no interval covers (intervals are [start, end), sorted by start).
Instant first_uncovered(const CounterTimeline& busy, Instant from) {
  const auto& intervals = busy.taken;
  auto it = std::lower_bound(intervals.begin(), intervals.end(), from - busy.longest,
                             [](const Taken& interval, Instant t) { return interval.start < t; });
  Instant t = from;
  for (; it != intervals.end() && it->start <= t; ++it) t = std::max(t, it->end);
  return t;
}

constexpr std::int32_t kNoneFree = std::numeric_limits<std::int32_t>::max();

// A local time's instant; for a time skipped when clocks go forward, the moment of the change
// (never later than any arrival find_visits would take after it).
Instant earliest_instant(const date::time_zone* zone, date::local_time<minutes> local) {
  return std::chrono::time_point_cast<Instant::duration>(zone->to_sys(local, date::choose::earliest));
}

bool earlier(const Taken& a, const Taken& b) { return a.start < b.start || (a.start == b.start && a.key < b.key); }

}  // namespace

BusyIndex BusyIndex::of(const std::vector<Busy>& busy) {
  BusyIndex index;
  // Sized exactly up front: a cache holds these for hours, and growing them leaves the heap in
  // pieces too small to give back.
  std::unordered_map<std::int64_t, std::size_t> sizes;
  for (const Busy& b : busy) ++sizes[b.counter];
  for (const auto& [counter, size] : sizes) index.counters_[counter].taken.reserve(size);
  for (std::size_t i = 0; i < busy.size(); ++i) {
    const Busy& b = busy[i];
    CounterTimeline& counter = index.counters_[b.counter];
    // Intervals built without keys get distinct ones, so none replaces another.
    counter.taken.push_back(Taken{b.start, b.end, b.key != 0 ? b.key : static_cast<std::int64_t>(i + 1)});
    counter.longest = std::max<std::chrono::microseconds>(counter.longest, b.end - b.start);
  }
  for (auto& [id, counter] : index.counters_) {
    // Read from the database in index order, a counter's items usually come sorted already.
    if (!std::is_sorted(counter.taken.begin(), counter.taken.end(), earlier)) {
      std::sort(counter.taken.begin(), counter.taken.end(), earlier);
    }
  }
  return index;
}

void BusyIndex::put(const Busy& busy) {
  (void)erase(busy.counter, busy.key);
  CounterTimeline& counter = counters_[busy.counter];
  Taken taken{busy.start, busy.end, busy.key};
  counter.taken.insert(std::upper_bound(counter.taken.begin(), counter.taken.end(), taken, earlier), taken);
  counter.longest = std::max<std::chrono::microseconds>(counter.longest, busy.end - busy.start);
}

std::optional<Taken> BusyIndex::erase(std::int64_t counter, std::int64_t key) {
  auto found = counters_.find(counter);
  if (found == counters_.end()) return std::nullopt;
  auto& taken = found->second.taken;
  // A key's interval is found by a scan of its counter: a few thousand intervals at most over a
  // horizon, and a change names the counter. Keys are unique on a counter (put replaces).
  auto it = std::find_if(taken.begin(), taken.end(), [key](const Taken& t) { return t.key == key; });
  if (it == taken.end()) return std::nullopt;
  Taken removed = *it;
  taken.erase(it);
  return removed;
}

void BusyIndex::forget_before(Instant t) {
  for (auto& [id, counter] : counters_) {
    // remove_if keeps the survivors in their order.
    auto& taken = counter.taken;
    taken.erase(std::remove_if(taken.begin(), taken.end(), [t](const Taken& x) { return x.end < t; }), taken.end());
  }
}

const CounterTimeline* BusyIndex::find(std::int64_t counter) const {
  auto found = counters_.find(counter);
  return found == counters_.end() ? nullptr : &found->second;
}

std::size_t BusyIndex::intervals() const {
  std::size_t n = 0;
  for (const auto& [id, counter] : counters_) n += counter.taken.size();
  return n;
}

std::size_t BusyIndex::bytes() const {
  std::size_t n = sizeof(*this);
  for (const auto& [id, counter] : counters_)
    n += sizeof(id) + sizeof(counter) + counter.taken.capacity() * sizeof(Taken);
  return n;
}

namespace {
// A local day's opening ranges as instants, or none when the shop is closed that day.
std::vector<std::pair<Instant, Instant>> opening_instants(const ShopCalendar& shop, const date::time_zone* zone,
                                                          std::int64_t day_number) {
  const date::local_days day{date::days(day_number)};
  std::vector<std::pair<Instant, Instant>> ranges;
  if (shop.closed_days.contains(iso_day(day))) return ranges;
  const unsigned weekday = date::weekday(day).iso_encoding() - 1;  // Monday 0
  for (const auto& range : shop.hours[weekday]) {
    ranges.emplace_back(earliest_instant(zone, date::local_time<minutes>(day) + minutes(range.open)),
                        earliest_instant(zone, date::local_time<minutes>(day) + minutes(range.close)));
  }
  return ranges;
}

// The first moment of those ranges the counter is free, in whole minutes since 1970 (rounded down).
std::int32_t first_free_minute(const CounterTimeline* timeline,
                               const std::vector<std::pair<Instant, Instant>>& ranges) {
  for (const auto& [opens, closes] : ranges) {
    const Instant free = timeline == nullptr ? opens : first_uncovered(*timeline, opens);
    if (free < closes) return static_cast<std::int32_t>(std::chrono::floor<minutes>(free.time_since_epoch()).count());
  }
  return kNoneFree;
}
}  // namespace

FreeMoments FreeMoments::of(const ShopCalendar& shop, const BusyIndex& busy, std::int64_t first_day, int days) {
  FreeMoments free;
  free.zone_ = find_zone(shop.time_zone);
  if (free.zone_ == nullptr || shop.counters.size() > 64 || days <= 0) return free;  // no bound: every shop searched
  free.unbounded_ = false;
  free.first_day_ = first_day;
  free.days_ = days;
  std::map<std::int64_t, std::uint64_t> served_by;
  std::vector<const CounterTimeline*> timelines;
  for (std::size_t position = 0; position < shop.counters.size(); ++position) {
    free.counters_.push_back(shop.counters[position].id);
    timelines.push_back(busy.find(shop.counters[position].id));
    for (std::int64_t service : shop.counters[position].services) served_by[service] |= std::uint64_t{1} << position;
  }
  free.served_by_.assign(served_by.begin(), served_by.end());
  const std::size_t n = shop.counters.size();
  free.minutes_.assign(static_cast<std::size_t>(days) * n, kNoneFree);
  for (int d = 0; d < days; ++d) {
    const auto ranges = opening_instants(shop, free.zone_, first_day + d);  // once a day, for every counter
    if (ranges.empty()) continue;
    for (std::size_t position = 0; position < n; ++position) {
      free.minutes_[static_cast<std::size_t>(d) * n + position] = first_free_minute(timelines[position], ranges);
    }
  }
  return free;
}

void FreeMoments::update(const ShopCalendar& shop, const BusyIndex& busy, std::int64_t counter, Instant from,
                         Instant until) {
  if (unbounded_) return;
  auto found = std::find(counters_.begin(), counters_.end(), counter);
  if (found == counters_.end()) return;  // serves nothing: not searched
  const auto position = static_cast<std::size_t>(found - counters_.begin());
  auto local_day = [&](Instant t) { return date::floor<date::days>(zone_->to_local(t)).time_since_epoch().count(); };
  const std::int64_t first = std::max<std::int64_t>(local_day(from), first_day_);
  const std::int64_t last = std::min<std::int64_t>(local_day(until), first_day_ + days_ - 1);
  const CounterTimeline* timeline = busy.find(counter);
  for (std::int64_t day = first; day <= last; ++day) {
    minutes_[static_cast<std::size_t>(day - first_day_) * counters_.size() + position] =
        first_free_minute(timeline, opening_instants(shop, zone_, day));
  }
}

std::optional<Instant> FreeMoments::earliest(const std::vector<std::int64_t>& services, std::int64_t day,
                                             int days) const {
  if (unbounded_) return Instant::min();
  std::uint64_t counters = 0;
  for (std::int64_t service : services) {
    auto found = std::lower_bound(served_by_.begin(), served_by_.end(), service,
                                  [](const auto& entry, std::int64_t s) { return entry.first < s; });
    if (found == served_by_.end() || found->first != service) return std::nullopt;  // a service not offered here
    counters |= found->second;
  }
  const std::size_t n = counters_.size();
  for (std::int64_t d = day; d < day + days; ++d) {
    if (d < first_day_ || d >= first_day_ + days_) return Instant::min();
    const std::int32_t* row = minutes_.data() + static_cast<std::size_t>(d - first_day_) * n;
    std::int32_t earliest = kNoneFree;
    for (std::uint64_t bits = counters; bits != 0; bits &= bits - 1) {
      earliest = std::min(earliest, row[std::countr_zero(bits)]);
    }
    if (earliest != kNoneFree) return Instant(minutes(earliest));
  }
  return std::nullopt;
}

FreeSummary FreeMoments::summary() const {
  FreeSummary out;
  if (unbounded_) return out;
  out.first_day = static_cast<std::int32_t>(first_day_);
  const std::size_t n = counters_.size();
  for (int d = 0; d < FreeSummary::kDays; ++d) {
    if (d >= days_) {
      out.minutes[static_cast<std::size_t>(d)] = FreeSummary::kUnknown;
      continue;
    }
    const std::int32_t* row = minutes_.data() + static_cast<std::size_t>(d) * n;
    out.minutes[static_cast<std::size_t>(d)] = n == 0 ? kNoneFree : *std::min_element(row, row + n);
  }
  return out;
}

std::optional<Instant> FreeSummary::earliest(std::int64_t day, int days) const {
  if (first_day == kUnknown) return Instant::min();
  for (std::int64_t d = day; d < day + days; ++d) {
    if (d < first_day || d >= first_day + kDays) return Instant::min();
    const std::int32_t m = minutes[static_cast<std::size_t>(d - first_day)];
    if (m == kUnknown) return Instant::min();
    if (m != kNoneFree) return Instant(std::chrono::minutes(m));
  }
  return std::nullopt;
}

std::size_t FreeMoments::bytes() const {
  return sizeof(*this) + counters_.capacity() * sizeof(std::int64_t) + served_by_.capacity() * sizeof(served_by_[0]) +
         minutes_.capacity() * sizeof(std::int32_t);
}

Result<std::vector<Visit>> find_visits(const ShopCalendar& shop, const std::vector<ServiceNeed>& services,
                                       std::string_view first_day, int days, Instant now, const SearchRules& rules,
                                       std::size_t limit, std::optional<Instant> after) {
  return find_visits(shop, BusyIndex::of(shop.busy), services, first_day, days, now, rules, limit,
                     ArrivalWindow{after, std::nullopt});
}

Result<std::vector<Visit>> find_visits(const ShopCalendar& shop, const BusyIndex& schedule,
                                       const std::vector<ServiceNeed>& services, std::string_view first_day, int days,
                                       Instant now, const SearchRules& rules, std::size_t limit,
                                       const ArrivalWindow& window) {
  if (services.empty() || services.size() > 4) {
    return make_error(Errc::bad_services, "a visit has one to four services");
  }
  const date::time_zone* zone = find_zone(shop.time_zone);
  if (zone == nullptr) return make_error(Errc::bad_time_zone, "unknown time zone " + shop.time_zone);
  auto from = parse_day(first_day);
  if (!from) return make_error(Errc::bad_date, "the date must be YYYY-MM-DD");
  if (days < 1 || days > 366) return make_error(Errc::bad_days, "days must be 1 to 366");

  const auto orders = orders_of(services);

  const Instant earliest = now + rules.notice;
  const Instant latest = now + rules.horizon;
  std::vector<Visit> visits;
  for (int d = 0; d < days && visits.size() < limit; ++d) {
    const date::local_days day = *from + date::days{d};
    if (shop.closed_days.contains(iso_day(day))) continue;
    const unsigned weekday = date::weekday(day).iso_encoding() - 1;  // Monday 0
    for (const auto& range : shop.hours[weekday]) {
      auto closes = to_instant(zone, date::local_time<minutes>(day) + minutes(range.close));
      if (!closes) continue;
      for (int m = range.open; m < range.close && visits.size() < limit; m += static_cast<int>(rules.step.count())) {
        auto arrival = to_instant(zone, date::local_time<minutes>(day) + minutes(m));
        if (!arrival || *arrival < earliest || (window.after && *arrival <= *window.after)) continue;
        if (*arrival > latest || (window.until && *arrival > *window.until)) return visits;
        if (auto best = best_visit(shop, schedule, orders, *arrival, *closes, rules))
          visits.push_back(std::move(*best));
      }
    }
  }
  return visits;
}

std::optional<Error> why_no_visit(const ShopCalendar& shop, const std::vector<ServiceNeed>& services, Instant arrival,
                                  Instant now, const SearchRules& rules) {
  auto refused = [](Errc code, const char* field, std::string message) {
    Error error = make_error(code, std::move(message));
    error.field = field;
    return std::optional<Error>(std::move(error));
  };
  for (const ServiceNeed& need : services) {
    const bool served = std::any_of(shop.counters.begin(), shop.counters.end(),
                                    [&](const Counter& c) { return c.services.contains(need.service); });
    if (!served) return refused(Errc::service_not_offered, "services", "this shop does not offer every service asked");
  }
  if (arrival < now + rules.notice) {
    return refused(Errc::start_too_soon, "start",
                   "start is past or too soon: visits are booked at least " + std::to_string(rules.notice.count()) +
                       " minutes ahead");
  }
  if (arrival > now + rules.horizon) {
    return refused(Errc::start_too_far, "start",
                   "start is beyond the " + std::to_string(rules.horizon.count() / 24) + " days open to booking");
  }
  const date::time_zone* zone = find_zone(shop.time_zone);
  if (zone == nullptr) return std::nullopt;
  const auto local = date::floor<minutes>(zone->to_local(arrival));
  const auto day = date::floor<date::days>(local);
  if (shop.closed_days.contains(iso_day(day)))
    return refused(Errc::shop_closed, "start", "the shop is closed that day");
  const int minute = static_cast<int>((local - day).count());
  const unsigned weekday = date::weekday(day).iso_encoding() - 1;
  for (const auto& range : shop.hours[weekday]) {
    if (minute < range.open || minute >= range.close) continue;
    if ((minute - range.open) % rules.step.count() != 0 ||
        zone->to_local(arrival) != date::local_time<minutes>(local)) {
      return refused(Errc::start_off_grid, "start",
                     "start must be on the shop's " + std::to_string(rules.step.count()) + "-minute grid");
    }
    return std::nullopt;  // a proper arrival: only what is booked decides
  }
  return refused(Errc::shop_closed, "start", "the shop is closed at that time");
}

Result<std::optional<Visit>> visit_at(const ShopCalendar& shop, const std::vector<ServiceNeed>& services,
                                      Instant arrival, Instant now, const SearchRules& rules) {
  if (services.empty() || services.size() > 4) {
    return make_error(Errc::bad_services, "a visit has one to four services");
  }
  const date::time_zone* zone = find_zone(shop.time_zone);
  if (zone == nullptr) return make_error(Errc::bad_time_zone, "unknown time zone " + shop.time_zone);
  const std::optional<Visit> none;
  if (arrival < now + rules.notice || arrival > now + rules.horizon) return none;
  // The same tests find_visits makes, for this one arrival: an open day, on the grid of an
  // opening range, and the first occurrence of that local time.
  const auto local = date::floor<minutes>(zone->to_local(arrival));
  const auto day = date::floor<date::days>(local);
  if (shop.closed_days.contains(iso_day(day))) return none;
  const int minute = static_cast<int>((local - day).count());
  const unsigned weekday = date::weekday(day).iso_encoding() - 1;
  for (const auto& range : shop.hours[weekday]) {
    if (minute < range.open || minute >= range.close || (minute - range.open) % rules.step.count() != 0) continue;
    auto closes = to_instant(zone, date::local_time<minutes>(day) + minutes(range.close));
    auto expected = to_instant(zone, date::local_time<minutes>(day) + minutes(minute));
    if (!closes || !expected || *expected != arrival) return none;
    return best_visit(shop, BusyIndex::of(shop.busy), orders_of(services), arrival, *closes, rules);
  }
  return none;
}

}  // namespace guichet::scheduling
