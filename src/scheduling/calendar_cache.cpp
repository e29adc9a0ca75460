#include "guichet/scheduling/calendar_cache.hpp"

#include <set>
#include <vector>

#include "calendar.hpp"
#include "guichet/catalogue/reads.hpp"

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

}  // namespace

CalendarCache::CalendarCache(storage::Database& db, const Clock& clock, CalendarCacheOptions options)
    : db_(db), clock_(clock), options_(options) {}

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
  return std::optional<CachedShop>(std::move(shop));
}

Result<void> CalendarCache::load_all(storage::Connection& c) {
  // The position is taken first: a change committed while the shops are read is then read
  // again from the feed, which does no harm.
  auto position = feed_position(c);
  if (!position) return std::move(position).error();
  auto ids = catalogue::shop_ids(c);
  if (!ids) return std::move(ids).error();
  CachedShops shops;
  std::map<std::int64_t, std::int64_t> counter_shop;
  for (std::int64_t id : *ids) {
    // One shop at a time keeps the rows read in memory at once to one shop's.
    auto shop = load_shop(c, id);
    if (!shop) return std::move(shop).error();
    if (!*shop) continue;
    for (const auto& counter : (*shop)->calendar.counters) counter_shop[counter.id] = (*shop)->id;
    shops.emplace((*shop)->id, std::move(**shop));
  }
  std::unique_lock lock(data_mutex_);
  shops_ = std::move(shops);
  counter_shop_ = std::move(counter_shop);
  position_ = *position;
  ++stats_.full_loads;
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
    // Nothing new, the usual case: only the position moves (it belongs to the one refresh under
    // way). Taking the writer lock would make this search wait for every search in progress.
    position_ = next_position;
    return {};
  }
  std::unique_lock lock(data_mutex_);
  auto shop_of = [&](std::int64_t counter) -> CachedShop* {
    auto found = counter_shop_.find(counter);
    if (found == counter_shop_.end()) return nullptr;
    auto shop = shops_.find(found->second);
    return shop == shops_.end() ? nullptr : &shop->second;
  };
  for (const RowState& state : rows) {
    if (CachedShop* former = shop_of(state.former_counter)) former->busy.erase(state.former_counter, state.key);
    // A counter that serves nothing is not cached: what keeps it busy cannot matter.
    if (state.now) {
      if (CachedShop* shop = shop_of(state.now->counter)) shop->busy.put(*state.now);
    }
  }
  for (auto& [id, shop] : reloaded) {
    for (auto it = counter_shop_.begin(); it != counter_shop_.end();) {
      it = it->second == id ? counter_shop_.erase(it) : std::next(it);
    }
    if (!shop) {
      shops_.erase(id);
      continue;
    }
    for (const auto& counter : shop->calendar.counters) counter_shop_[counter.id] = id;
    shops_[id] = std::move(*shop);
  }
  position_ = next_position;
  stats_.changes_read += changes->size();
  stats_.shops_reloaded += reloaded.size();
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
  std::unique_lock lock(data_mutex_);
  for (auto& [id, shop] : shops_) shop.busy.forget_before(clock_.now() - kKeepPast);
  return {};
}

Result<void> CalendarCache::refresh() {
  std::lock_guard guard(refresh_mutex_);
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

Result<void> CalendarCache::read(const std::function<void(const CachedShops&)>& read) {
  if (auto refreshed = refresh(); !refreshed) return refreshed;
  std::shared_lock lock(data_mutex_);
  read(shops_);
  return {};
}

CalendarCacheStats CalendarCache::stats() const {
  std::shared_lock lock(data_mutex_);
  CalendarCacheStats stats = stats_;
  stats.shops = shops_.size();
  stats.bytes = counter_shop_.size() * 48;  // map nodes
  for (const auto& [id, shop] : shops_) {
    stats.intervals += shop.busy.intervals();
    stats.bytes += sizeof(shop) + 48 + shop.busy.bytes() + shop.calendar.closed_days.size() * 64;
    for (const auto& counter : shop.calendar.counters) stats.bytes += sizeof(counter) + counter.services.size() * 40;
  }
  return stats;
}

}  // namespace guichet::scheduling
