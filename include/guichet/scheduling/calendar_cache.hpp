#pragma once
// Every shop's calendar in this process's memory, for availability searches across all shops.
// The database stays the only truth: bookings are checked against it inside their transaction,
// and the cache is only where visits are looked for. Before each search the cache reads the
// calendar change feed (migration 0017) for what changed since its last read, on any node, and
// applies it, so a search sees every booking committed before it began. A node that starts, or
// that has not read the feed for longer than the feed is kept, reads every calendar again.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>

#include "guichet/core/clock.hpp"
#include "guichet/scheduling/slots.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::scheduling {

struct CachedShop {
  std::int64_t id = 0;
  double latitude = 0;
  double longitude = 0;
  ShopCalendar calendar;  // hours, closures, counters; its `busy` stays empty
  BusyIndex busy;         // bookings and absences from a day ago on
};

using CachedShops = std::map<std::int64_t, CachedShop>;

struct CalendarCacheStats {
  std::size_t shops = 0;
  std::size_t intervals = 0;       // booked items and absences held
  std::size_t bytes = 0;           // what the calendars hold (an estimate from sizes and capacities)
  std::uint64_t full_loads = 0;    // times every calendar was read
  std::uint64_t changes_read = 0;  // feed rows applied
  std::uint64_t shops_reloaded = 0;
};

struct CalendarCacheOptions {
  // Feed rows older than this are pruned (by whichever node reads the feed after an hour).
  std::chrono::hours feed_kept{24};
  // A node that has not read the feed for this long reads every calendar again (less than
  // `feed_kept`, so no row it has not read can have been pruned).
  std::chrono::hours reload_after{12};
};

class CalendarCache {
 public:
  CalendarCache(storage::Database& db, const Clock& clock, CalendarCacheOptions options = {});
  CalendarCache(const CalendarCache&) = delete;
  CalendarCache& operator=(const CalendarCache&) = delete;

  // Brings the calendars up to date with the database, then calls `read` with them, under a
  // shared lock (searches run side by side; applying changes waits for them).
  Result<void> read(const std::function<void(const CachedShops&)>& read);
  // Reads the change feed now (read() does it first anyway).
  Result<void> refresh();
  CalendarCacheStats stats() const;
  storage::Database& database() const { return db_; }

 private:
  Result<void> load_all(storage::Connection& c);
  Result<void> apply_changes(storage::Connection& c);
  Result<std::optional<CachedShop>> load_shop(storage::Connection& c, std::int64_t shop_id) const;
  Result<std::int64_t> feed_position(storage::Connection& c) const;
  Result<void> prune(storage::Connection& c);

  storage::Database& db_;
  const Clock& clock_;
  CalendarCacheOptions options_;

  std::mutex refresh_mutex_;  // one reader of the feed at a time; guards the fields below
  bool loaded_ = false;
  // SQLite: the last feed id applied. PostgreSQL: the oldest transaction still running at the
  // last read (every change not yet seen belongs to it or to a later one).
  std::int64_t position_ = 0;
  Instant last_read_{};
  Instant last_prune_{};

  mutable std::shared_mutex data_mutex_;  // guards shops_ and counter_shop_
  CachedShops shops_;
  std::map<std::int64_t, std::int64_t> counter_shop_;  // counter id -> shop id
  CalendarCacheStats stats_;
};

}  // namespace guichet::scheduling
