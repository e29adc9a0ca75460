#include "guichet/scheduling/calendar_cache.hpp"

#include <date/tz.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "calendar.hpp"
#include "guichet/catalogue/reads.hpp"
#include "guichet/core/calendar.hpp"

namespace guichet::scheduling {
namespace {
using std::chrono::hours;

// Intervals that ended before this can no longer touch a visit (visits start after `now` plus
// the notice, and an item or absence is read back from its start, at most a day earlier).
constexpr hours kKeepPast{48};

// What one feed row says is now true of one booking item or absence.
struct RowState {
  std::int64_t key = 0;             // item id, or minus the absence id
  std::int64_t former_counter = 0;  // where the row was when it changed
  std::optional<Busy> now;          // where it is now, if it still takes a counter
};

// The shop's FreeMoments from two local days before `now` on (a visit's first day is at least
// today's; two leave room for zones on either side of the date line).
FreeMoments free_moments_of(const CachedShop& shop, Instant now, int days) {
  const date::time_zone* zone = find_time_zone(shop.calendar.time_zone);
  if (zone == nullptr) return FreeMoments{};  // unbounded: the search says the zone is unknown
  const std::int64_t today = date::floor<date::days>(zone->to_local(now)).time_since_epoch().count();
  return FreeMoments::of(shop.calendar, shop.busy, today - 2, days);
}

bool free_moments_stale(const CachedShop& shop, Instant now) {
  const date::time_zone* zone = find_time_zone(shop.calendar.time_zone);
  if (zone == nullptr) return false;
  const std::int64_t today = date::floor<date::days>(zone->to_local(now)).time_since_epoch().count();
  return shop.free.first_day() < today - 2;
}

}  // namespace

const CachedShop* CachedShops::find(std::int64_t id) const {
  auto found = std::lower_bound(entries_.begin(), entries_.end(), id,
                                [](const Entry& entry, std::int64_t wanted) { return entry.first < wanted; });
  return found != entries_.end() && found->first == id ? found->second.get() : nullptr;
}

std::vector<CachedShops::Entry>::iterator CachedShops::locate(std::int64_t id) {
  return std::lower_bound(entries_.begin(), entries_.end(), id,
                          [](const Entry& entry, std::int64_t wanted) { return entry.first < wanted; });
}

void CachedShops::place() {
  positions_.clear();
  positions_.reserve(entries_.size());
  summaries_.clear();
  summaries_.reserve(entries_.size());
  for (const auto& [id, shop] : entries_) {
    positions_.emplace_back(shop->latitude, shop->longitude);
    summaries_.push_back(shop->free.summary());
  }
}

CalendarCache::CalendarCache(storage::Database& db, const Clock& clock, CalendarCacheOptions options)
    : db_(db), clock_(clock), options_(options), shops_(std::make_shared<CachedShops>()) {}

std::shared_ptr<CachedShops> CalendarCache::current() const {
  std::lock_guard guard(version_mutex_);
  return shops_;
}

void CalendarCache::publish(std::shared_ptr<CachedShops> next) {
  std::lock_guard guard(version_mutex_);
  shops_ = std::move(next);
}

Result<std::int64_t> CalendarCache::feed_position(storage::Connection& c) const {
  // PostgreSQL: every change this read does not see belongs to a transaction still running now,
  // or to one not begun, and their ids are at least the snapshot's xmin.
  auto row = c.backend() == storage::Backend::postgresql
                 ? c.query("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
                 : c.query("SELECT COALESCE(MAX(id), 0) FROM calendar_changes");
  if (!row) return std::move(row).error();
  return row->rows[0].integer(0);
}

Result<std::optional<CachedShop>> CalendarCache::load_shop(storage::Connection& c, std::int64_t shop_id) const {
  auto header = catalogue::shop_record(c, shop_id);
  if (!header) return std::move(header).error();
  if (!*header) return std::optional<CachedShop>();
  const catalogue::ShopRecord& record = **header;
  const Instant from = clock_.now() - kKeepPast;
  // Bookings reach at most the horizon; absences may be set for any time ahead.
  const Instant until = clock_.now() + hours(24 * 366 * 5);
  auto calendar = load_calendar(c, shop_id, record.time_zone, record.opening_hours, from, until);
  if (!calendar) return std::move(calendar).error();
  CachedShop shop;
  shop.id = shop_id;
  shop.latitude = record.latitude;
  shop.longitude = record.longitude;
  shop.calendar = std::move(calendar).value();
  shop.busy = BusyIndex::of(shop.calendar.busy);
  // Not `= {}`, which keeps the capacity: the intervals now live in `busy` only.
  std::vector<Busy>().swap(shop.calendar.busy);
  shop.free = free_moments_of(shop, clock_.now(), options_.indexed_days);
  return std::optional<CachedShop>(std::move(shop));
}

Result<void> CalendarCache::load_all(storage::Connection& c) {
  // The position is taken first: a change committed while the shops are read is then read
  // again from the feed, which does no harm.
  auto position = feed_position(c);
  if (!position) return std::move(position).error();
  auto ids = catalogue::shop_ids(c);
  if (!ids) return std::move(ids).error();
  // A node reading everything again drops what it held first, so it never holds two whole
  // copies; searches wait until the load ends (it is their refresh, or they hold the lock).
  std::unique_lock alone(maintenance_mutex_);
  loaded_ = false;
  publish(std::make_shared<CachedShops>());
  // Shops are read side by side, each reader on its own connection taking the next shop not yet
  // taken, one shop at a time (which keeps the rows in memory at once to a shop's per reader).
  std::vector<std::shared_ptr<CachedShop>> loaded(ids->size());
  std::atomic<std::size_t> next{0};
  std::mutex failure_mutex;
  std::optional<Error> failure;
  auto fail = [&](Error error) {
    std::lock_guard guard(failure_mutex);
    if (!failure) failure = std::move(error);
    next = ids->size();  // the other readers stop after their shop
  };
  auto read_shops = [&](storage::Connection& connection) {
    for (std::size_t i = next++; i < ids->size(); i = next++) {
      auto shop = load_shop(connection, (*ids)[i]);
      if (!shop) return fail(std::move(shop).error());
      if (*shop) loaded[i] = std::make_shared<CachedShop>(std::move(**shop));
    }
  };
  // Never more than the pool can lend besides this connection, leaving one for others.
  const std::size_t capacity = db_.stats().capacity;
  const std::size_t lendable = capacity > 2 ? capacity - 2 : 0;
  const std::size_t readers = std::min({options_.load_threads, lendable + 1, std::max<std::size_t>(ids->size(), 1)});
  std::vector<std::thread> helpers;
  for (std::size_t t = 1; t < readers; ++t) {
    helpers.emplace_back([&] {
      auto connection = db_.acquire();
      if (!connection) return fail(std::move(connection).error());
      read_shops(**connection);
    });
  }
  read_shops(c);
  for (auto& helper : helpers) helper.join();
  if (failure) return std::move(*failure);
  auto shops = std::make_shared<CachedShops>();
  std::map<std::int64_t, std::int64_t> counter_shop;
  for (auto& shop : loaded) {
    if (!shop) continue;  // removed meanwhile
    for (const auto& counter : shop->calendar.counters) counter_shop[counter.id] = shop->id;
    const std::int64_t id = shop->id;
    shops->entries_.emplace_back(id, std::move(shop));
  }
  std::sort(shops->entries_.begin(), shops->entries_.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  shops->place();
  publish(std::move(shops));
  counter_shop_ = std::move(counter_shop);
  position_ = *position;
  ++full_loads_;
  loaded_ = true;
  return {};
}

Result<void> CalendarCache::apply_changes(storage::Connection& c) {
  const bool postgresql = c.backend() == storage::Backend::postgresql;
  std::int64_t next_position = position_;
  if (postgresql) {
    auto xmin = feed_position(c);
    if (!xmin) return std::move(xmin).error();
    next_position = *xmin;
  }
  // Each row is joined with its booking item or absence as it is now: a change read twice, or
  // after a later one, still leaves the calendar as the database has it.
  auto changes = c.query(
      std::string("SELECT ch.id, ch.kind, ch.shop_id, ch.row_id, ch.counter_id, i.counter_id, i.starts_at, i.ends_at, "
                  "i.active, a.counter_id, a.starts_at, a.ends_at FROM calendar_changes ch "
                  "LEFT JOIN booking_items i ON ch.kind = 'item' AND i.id = ch.row_id "
                  "LEFT JOIN counter_absences a ON ch.kind = 'absence' AND a.id = ch.row_id WHERE ") +
          (postgresql ? "ch.txid >= ?" : "ch.id > ?") + " ORDER BY ch.id",
      {position_});
  if (!changes) return std::move(changes).error();
  std::vector<RowState> rows;
  std::set<std::int64_t> reload;
  for (const auto& row : changes->rows) {
    if (!postgresql) next_position = std::max(next_position, row.integer(0));
    const std::string kind = row.text(1);
    if (kind == "shop") {
      if (!row.is_null(2)) reload.insert(row.integer(2));
      continue;
    }
    RowState state;
    state.former_counter = row.integer(4);
    if (kind == "item") {
      state.key = row.integer(3);
      if (!row.is_null(5) && row.integer(8) == 1) {
        state.now = Busy{row.integer(5), from_unix_micros(row.integer(6)), from_unix_micros(row.integer(7)), state.key};
      }
    } else {
      state.key = -row.integer(3);
      if (!row.is_null(9)) {
        state.now =
            Busy{row.integer(9), from_unix_micros(row.integer(10)), from_unix_micros(row.integer(11)), state.key};
      }
    }
    rows.push_back(state);
  }
  // Shops whose catalogue changed are read again whole, after the rows above: what they read is
  // at least as recent.
  std::vector<std::pair<std::int64_t, std::optional<CachedShop>>> reloaded;
  for (std::int64_t id : reload) {
    auto shop = load_shop(c, id);
    if (!shop) return std::move(shop).error();
    reloaded.emplace_back(id, std::move(*shop));
  }
  if (rows.empty() && reloaded.empty()) {
    // Nothing new, the usual case: only the position moves.
    position_ = next_position;
    return {};
  }
  // The next version: the same shops, but each one changed here copied first (once), so the
  // searches reading the current version go on undisturbed.
  auto next = std::make_shared<CachedShops>(*current());
  std::set<std::int64_t> copied;
  auto writable = [&](std::int64_t counter) -> CachedShop* {
    auto found = counter_shop_.find(counter);
    if (found == counter_shop_.end()) return nullptr;
    auto entry = next->locate(found->second);
    if (entry == next->entries_.end() || entry->first != found->second) return nullptr;
    if (copied.insert(entry->first).second) entry->second = std::make_shared<CachedShop>(*entry->second);
    return entry->second.get();
  };
  for (const RowState& state : rows) {
    if (CachedShop* former = writable(state.former_counter)) {
      if (auto removed = former->busy.erase(state.former_counter, state.key)) {
        former->free.update(former->calendar, former->busy, state.former_counter, removed->start, removed->end);
      }
    }
    // A counter that serves nothing is not cached: what keeps it busy cannot matter.
    if (state.now) {
      if (CachedShop* shop = writable(state.now->counter)) {
        shop->busy.put(*state.now);
        shop->free.update(shop->calendar, shop->busy, state.now->counter, state.now->start, state.now->end);
      }
    }
  }
  for (auto& [id, shop] : reloaded) {
    for (auto it = counter_shop_.begin(); it != counter_shop_.end();) {
      it = it->second == id ? counter_shop_.erase(it) : std::next(it);
    }
    auto entry = next->locate(id);
    const bool held = entry != next->entries_.end() && entry->first == id;
    if (!shop) {
      if (held) next->entries_.erase(entry);
      continue;
    }
    for (const auto& counter : shop->calendar.counters) counter_shop_[counter.id] = id;
    auto fresh = std::make_shared<CachedShop>(std::move(*shop));
    if (held) {
      entry->second = std::move(fresh);
    } else {
      next->entries_.emplace(entry, id, std::move(fresh));
    }
  }
  if (!reloaded.empty()) {
    next->place();  // a shop moved, came or went
  } else {
    for (std::int64_t id : copied) {
      const auto at = static_cast<std::size_t>(next->locate(id) - next->entries_.begin());
      next->summaries_[at] = next->entries_[at].second->free.summary();
    }
  }
  publish(std::move(next));
  position_ = next_position;
  changes_read_ += changes->size();
  shops_reloaded_ += reloaded.size();
  return {};
}

Result<void> CalendarCache::prune(storage::Connection& c) {
  // The feed's age is the database's own clock, the one its rows were stamped with (to the
  // millisecond on SQLite, hence `<=`).
  const std::int64_t kept = std::chrono::duration_cast<std::chrono::microseconds>(options_.feed_kept).count();
  auto pruned = c.execute(c.backend() == storage::Backend::postgresql
                              ? "DELETE FROM calendar_changes WHERE changed_at <= "
                                "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint - ?"
                              : "DELETE FROM calendar_changes WHERE changed_at <= "
                                "CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) - ?",
                          {kept});
  if (!pruned) return std::move(pruned).error();
  // No search runs meanwhile, and no version but the current one is held: its shops change in
  // place (copying every shop once an hour would double the memory for a moment).
  std::unique_lock alone(maintenance_mutex_);
  auto version = current();
  const Instant now = clock_.now();
  for (const auto& [id, shop] : *version) {
    shop->busy.forget_before(now - kKeepPast);
    // Days go by: once a day, each shop's free moments move on to cover the days ahead.
    if (free_moments_stale(*shop, now)) shop->free = free_moments_of(*shop, now, options_.indexed_days);
  }
  version->place();
  return {};
}

Result<void> CalendarCache::refresh_now() {
  auto connection = db_.acquire();
  if (!connection) return std::move(connection).error();
  storage::Connection& c = **connection;
  const Instant now = clock_.now();
  // Pruned rows are older than the feed is kept; a node that read the feed more recently than
  // half of that has seen all of them.
  if (!loaded_ || now - last_read_ > options_.reload_after) {
    if (auto loaded = load_all(c); !loaded) return loaded;
  } else if (auto applied = apply_changes(c); !applied) {
    return applied;
  }
  last_read_ = now;
  if (now - last_prune_ >= hours(1)) {
    if (auto pruned = prune(c); !pruned) return pruned;
    last_prune_ = now;
  }
  return {};
}

Result<void> CalendarCache::refresh() {
  std::unique_lock lock(refresh_mutex_);
  const std::uint64_t ticket = ++tickets_;
  // A refresh that began after this call serves it: wait for one, or be the one.
  while (served_ < ticket) {
    if (refreshing_) {
      refreshed_.wait(lock);
      continue;
    }
    refreshing_ = true;
    const std::uint64_t serves = tickets_;  // every caller so far: the feed is read after they came
    lock.unlock();
    Result<void> result = refresh_now();
    lock.lock();
    refreshing_ = false;
    if (result) served_ = std::max(served_, serves);
    refreshed_.notify_all();
    // A failed refresh fails its own caller; callers waiting try again themselves.
    if (!result) return result;
  }
  return {};
}

Result<void> CalendarCache::read(const std::function<void(const CachedShops&)>& read) {
  if (auto refreshed = refresh(); !refreshed) return refreshed;
  // The lock first, so the version is let go before it (the pruning counts on that).
  std::shared_lock maintenance(maintenance_mutex_);
  const std::shared_ptr<const CachedShops> version = current();
  read(*version);
  return {};
}

CalendarCacheStats CalendarCache::stats() const {
  std::shared_lock maintenance(maintenance_mutex_);
  const std::shared_ptr<const CachedShops> version = current();
  CalendarCacheStats stats;
  stats.full_loads = full_loads_;
  stats.changes_read = changes_read_;
  stats.shops_reloaded = shops_reloaded_;
  stats.shops = version->size();
  stats.bytes = version->size() * sizeof(CachedShops::Entry);
  for (const auto& [id, shop] : *version) {
    stats.intervals += shop->busy.intervals();
    stats.bytes +=
        sizeof(*shop) + 32 + shop->busy.bytes() + shop->free.bytes() + shop->calendar.closed_days.size() * 64;
    for (const auto& counter : shop->calendar.counters) {
      stats.bytes += sizeof(counter) + counter.services.size() * 40 + 48;  // and its entry in counter_shop_
    }
  }
  return stats;
}

}  // namespace guichet::scheduling
