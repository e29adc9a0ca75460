#include "guichet/queue/events.hpp"

#include <boost/json.hpp>
#include <set>
#include <vector>

#include "guichet/core/log.hpp"
#include "guichet/queue/estimates.hpp"
#include "guichet/queue/queue.hpp"
#include "guichet/scheduling/bookings.hpp"

namespace guichet::queue {
namespace json = boost::json;

namespace {

std::mutex& feeds_mutex() {
  static std::mutex m;
  return m;
}
std::set<QueueFeed*>& feeds() {
  static std::set<QueueFeed*> f;
  return f;
}

constexpr const char* kChannel = "guichet_queue";

}  // namespace

void wake_feeds() {
  std::lock_guard lock(feeds_mutex());
  for (QueueFeed* feed : feeds()) feed->wake();
}

Result<std::string> queue_summary_event(storage::Database& db, std::int64_t shop_id, const Clock& clock,
                                        const QueuePolicy& policy) {
  auto queue = shop_queue(db, shop_id, clock);
  if (!queue) return std::move(queue).error();
  auto estimates = estimate_new_tickets(db, shop_id, clock, policy);
  if (!estimates) return std::move(estimates).error();
  json::array lines;
  for (const auto& line : queue->lines) {
    json::object l{{"service", line.service_id},
                   {"prefix", line.prefix},
                   {"waiting", line.waiting},
                   {"counters_open", line.counters_open}};
    auto estimate = estimates->find(line.service_id);
    if (estimate != estimates->end() && estimate->second) {
      auto minutes = [](std::chrono::seconds s) { return (s.count() + 59) / 60; };
      l["wait"] = {{"p10_min", minutes(estimate->second->p10)}, {"p90_min", minutes(estimate->second->p90)}};
    } else {
      l["wait"] = nullptr;
    }
    lines.push_back(std::move(l));
  }
  return "event: queue\ndata: " + json::serialize(json::object{{"lines", std::move(lines)}}) + "\n\n";
}

QueueFeed::QueueFeed(storage::Database& db, const Clock& clock, const QueuePolicy& policy,
                     std::chrono::milliseconds poll, bool process_wakeups)
    : db_(db), clock_(clock), policy_(policy), poll_(poll) {
  if (!process_wakeups) return;
  std::lock_guard lock(feeds_mutex());
  feeds().insert(this);
}

QueueFeed::~QueueFeed() {
  {
    std::lock_guard lock(feeds_mutex());
    feeds().erase(this);
  }
  stop();
}

void QueueFeed::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void QueueFeed::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_ = true;
  }
  woken_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void QueueFeed::wake() {
  {
    std::lock_guard lock(mutex_);
    wake_ = true;
  }
  woken_.notify_all();
}

std::shared_ptr<void> QueueFeed::subscribe(std::int64_t shop_id, std::int64_t after_event,
                                           http::EventStream::Push push) {
  start();  // no thread until a screen wants one
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = ++next_id_;
    subscribers_[id] = Subscriber{shop_id, after_event, std::move(push)};
    // Always, not only when behind last_seen_: a look under way has not read this shop, and the
    // last_seen_ it is about to set may pass events of it after `after_event`.
    catch_up_from_ = std::min(catch_up_from_, after_event);
    wake_ = true;
  }
  woken_.notify_all();
  return std::shared_ptr<void>(nullptr, [this, id](void*) {
    std::lock_guard lock(mutex_);
    subscribers_.erase(id);
  });
}

std::size_t QueueFeed::subscribers() const {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

void QueueFeed::run() {
  std::unique_ptr<storage::Connection> listener;
  auto next_listen_attempt = std::chrono::steady_clock::now();
  // A failed read (a busy database, a lost connection) is tried again soon, not at the next poll.
  constexpr auto kRetry = std::chrono::seconds(1);
  auto next_look = std::chrono::steady_clock::now();
  for (;;) {
    bool look = false;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      look = wake_;
      wake_ = false;
    }
    if (db_.backend() == storage::Backend::postgresql && !listener &&
        std::chrono::steady_clock::now() >= next_listen_attempt) {
      auto opened = db_.open_listener(kChannel);
      if (opened) {
        listener = std::move(*opened);
        look = true;  // what was notified while nobody listened
      } else {
        log_event(LogLevel::warn, "queue_feed_listen_failed", {{"error", opened.error().message}});
        next_listen_attempt = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      }
    }
    if (look || std::chrono::steady_clock::now() >= next_look) {
      const bool read = deliver();
      next_look = std::chrono::steady_clock::now() + (read ? poll_ : std::chrono::milliseconds(kRetry));
    }
    const auto until_next_look =
        std::max(std::chrono::milliseconds(1),
                 std::chrono::duration_cast<std::chrono::milliseconds>(next_look - std::chrono::steady_clock::now()));
    if (listener) {
      // Short waits, so this process's own wake-ups (a new screen) and a stop are noticed soon.
      auto notified = listener->await_notification(std::min(until_next_look, std::chrono::milliseconds(100)));
      if (!notified) {
        log_event(LogLevel::warn, "queue_feed_listener_lost", {{"error", notified.error().message}});
        listener.reset();
      } else if (*notified) {
        std::lock_guard lock(mutex_);
        wake_ = true;
      }
    } else {
      std::unique_lock lock(mutex_);
      woken_.wait_for(lock, until_next_look, [this] { return wake_ || stopping_; });
    }
  }
}

bool QueueFeed::deliver() {
  std::int64_t from = 0;
  std::int64_t taken_catch_up = INT64_MAX;
  std::set<std::int64_t> shops;
  {
    std::lock_guard lock(mutex_);
    if (subscribers_.empty() && last_seen_ >= 0) {
      catch_up_from_ = INT64_MAX;
    }
    for (const auto& [id, s] : subscribers_) shops.insert(s.shop_id);
    taken_catch_up = catch_up_from_;
    from = std::min(last_seen_, catch_up_from_);
    catch_up_from_ = INT64_MAX;
  }
  // A failed read gives back the catch-up it took, for the retry.
  auto failed = [&](const Error& error) {
    log_event(LogLevel::warn, "queue_feed_read_failed", {{"error", error.message}});
    std::lock_guard lock(mutex_);
    catch_up_from_ = std::min(catch_up_from_, taken_catch_up);
    return false;
  };
  if (from < 0) {
    // First look: start from now; screens that connected already get what came after their id.
    auto newest = db_.read([](storage::Connection& c) -> Result<std::int64_t> {
      auto rows = c.query("SELECT COALESCE(MAX(id), 0) FROM queue_events");
      if (!rows) return std::move(rows).error();
      return rows->rows.front().integer(0);
    });
    if (!newest) return failed(newest.error());
    std::lock_guard lock(mutex_);
    last_seen_ = *newest;
    from = last_seen_;
    for (const auto& [id, s] : subscribers_) from = std::min(from, s.last);
  }
  if (shops.empty()) {
    auto newest = db_.read([](storage::Connection& c) -> Result<std::int64_t> {
      auto rows = c.query("SELECT COALESCE(MAX(id), 0) FROM queue_events");
      if (!rows) return std::move(rows).error();
      return rows->rows.front().integer(0);
    });
    if (!newest) return failed(newest.error());
    std::lock_guard lock(mutex_);
    last_seen_ = std::max(last_seen_, *newest);
    return true;
  }
  struct Event {
    std::int64_t id = 0;
    std::int64_t shop_id = 0;
    std::shared_ptr<const std::string> text;
  };
  auto events = db_.read([&](storage::Connection& c) -> Result<std::vector<Event>> {
    storage::Params params{from};
    for (auto shop : shops) params.emplace_back(shop);
    auto rows = c.query(
        "SELECT id, shop_id, kind, number, counter_code, at, service_id FROM queue_events WHERE id > ? AND shop_id "
        "IN " +
            storage::in_list(shops.size()) + " ORDER BY id LIMIT 5000",
        params);
    if (!rows) return std::move(rows).error();
    std::vector<Event> out;
    for (const auto& row : rows->rows) {
      json::object data{{"kind", row.text(2)}, {"at", scheduling::rfc3339_seconds(from_unix_micros(row.integer(5)))}};
      if (!row.is_null(3)) data["number"] = row.text(3);
      if (!row.is_null(4)) data["counter"] = row.text(4);
      if (!row.is_null(6)) data["service"] = row.integer(6);
      out.push_back(Event{
          row.integer(0), row.integer(1),
          std::make_shared<const std::string>("id: " + std::to_string(row.integer(0)) + "\nevent: " + row.text(2) +
                                              "\ndata: " + json::serialize(data) + "\n\n")});
    }
    return out;
  });
  if (!events) return failed(events.error());
  std::set<std::int64_t> changed;
  for (const auto& e : *events) changed.insert(e.shop_id);
  std::map<std::int64_t, std::shared_ptr<const std::string>> summaries;
  for (auto shop : changed) {
    auto summary = queue_summary_event(db_, shop, clock_, policy_);
    if (summary) summaries[shop] = std::make_shared<const std::string>(std::move(*summary));
  }
  std::lock_guard lock(mutex_);
  for (auto& [id, s] : subscribers_) {
    bool sent = false;
    for (const auto& e : *events) {
      if (e.shop_id != s.shop_id || e.id <= s.last) continue;
      s.push(e.text);
      s.last = e.id;
      sent = true;
    }
    if (sent) {
      if (auto summary = summaries.find(s.shop_id); summary != summaries.end()) s.push(summary->second);
    }
  }
  if (!events->empty()) last_seen_ = std::max(last_seen_, events->back().id);
  if (events->size() == 5000) wake_ = true;  // more to read: no waiting
  return true;
}

}  // namespace guichet::queue
