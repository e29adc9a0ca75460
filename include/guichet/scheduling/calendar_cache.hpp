#pragma once
// Every shop's calendar in this process's memory, for availability searches across all shops.
// The database stays the only truth: bookings are checked against it inside their transaction,
// and the cache is only where visits are looked for. Before each search the cache reads the
// calendar change feed (migration 0017) for what changed since its last read, on any node, and
// applies it, so a search sees every booking committed before it began. A node that starts, or
// that has not read the feed for longer than the feed is kept, reads every calendar again.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <vector>

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
  FreeMoments free;       // when each counter is first free, day by day, kept with `busy`
};

// Every shop a node holds, sorted by id: one version of them. Searches read a version without any
// lock while the next one is made; a change copies only the shops it touches (copy on write).
class CachedShops {
 public:
  using Entry = std::pair<std::int64_t, std::shared_ptr<CachedShop>>;
  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }
  std::size_t size() const { return entries_.size(); }
  const CachedShop* find(std::int64_t id) const;
  // The i-th shop's (latitude, longitude), held side by side so that ranking every shop by
  // distance reads one small array, not every shop's calendar.
  const std::pair<double, double>& position(std::size_t i) const { return positions_[i]; }
  // The i-th shop's FreeSummary, likewise, for ranking every shop by its earliest possible visit.
  const FreeSummary& summary(std::size_t i) const { return summaries_[i]; }

 private:
  friend class CalendarCache;
  std::vector<Entry>::iterator locate(std::int64_t id);
  void place();  // positions_ and summaries_ from entries_
  std::vector<Entry> entries_;
  std::vector<std::pair<double, double>> positions_;
  std::vector<FreeSummary> summaries_;
};

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
  // Local days each shop's FreeMoments covers, from two days ago: a search's days beyond them are
  // not bounded (the search opens the shop). Covers a 90-day horizon searched 90 days at a time.
  int indexed_days = 190;
  // Connections reading the calendars side by side when a node starts (each shop read by one).
  std::size_t load_threads = std::max(2U, std::thread::hardware_concurrency());
};

class CalendarCache {
 public:
  CalendarCache(storage::Database& db, const Clock& clock, CalendarCacheOptions options = {});
  CalendarCache(const CalendarCache&) = delete;
  CalendarCache& operator=(const CalendarCache&) = delete;

  // Brings the calendars up to date with the database, then calls `read` with them. Searches run
  // side by side, and beside the reading of changes: each reads the version made by the last
  // refresh that began after it was called.
  Result<void> read(const std::function<void(const CachedShops&)>& read);
  // Reads the change feed (read() does it first anyway). Callers arriving while a refresh runs
  // wait for it and share the next one: one read of the feed serves every search waiting.
  Result<void> refresh();
  CalendarCacheStats stats() const;
  storage::Database& database() const { return db_; }

 private:
  Result<void> refresh_now();
  Result<void> load_all(storage::Connection& c);
  Result<void> apply_changes(storage::Connection& c);
  Result<std::optional<CachedShop>> load_shop(storage::Connection& c, std::int64_t shop_id) const;
  Result<std::int64_t> feed_position(storage::Connection& c) const;
  Result<void> prune(storage::Connection& c);
  std::shared_ptr<CachedShops> current() const;
  void publish(std::shared_ptr<CachedShops> next);

  storage::Database& db_;
  const Clock& clock_;
  CalendarCacheOptions options_;

  // Who reads the feed: a caller takes a ticket; a refresh that began once its ticket was given
  // serves it. `refreshing_` makes the refresher alone, so the fields after it need no lock.
  mutable std::mutex refresh_mutex_;
  std::condition_variable refreshed_;
  std::uint64_t tickets_ = 0;
  std::uint64_t served_ = 0;  // every ticket up to this one was served by a finished refresh
  bool refreshing_ = false;
  bool loaded_ = false;
  // SQLite: the last feed id applied. PostgreSQL: the oldest transaction still running at the
  // last read (every change not yet seen belongs to it or to a later one).
  std::int64_t position_ = 0;
  Instant last_read_{};
  Instant last_prune_{};
  std::map<std::int64_t, std::int64_t> counter_shop_;  // counter id -> shop id

  mutable std::mutex version_mutex_;    // guards the pointer below, never held while searching
  std::shared_ptr<CachedShops> shops_;  // searches see it const
  // Searches hold it shared while they read a version; the hourly pruning holds it alone, and
  // then only the current version exists, so it changes shops in place instead of copying them.
  mutable std::shared_mutex maintenance_mutex_;
  std::atomic<std::uint64_t> full_loads_{0};
  std::atomic<std::uint64_t> changes_read_{0};
  std::atomic<std::uint64_t> shops_reloaded_{0};
};

}  // namespace guichet::scheduling
