#pragma once
// Each node's live feed of its shops' queue events, for display boards and live ticket pages
// (Server-Sent Events). Every change to a queue writes a row of `queue_events` in its
// transaction; the feed's one thread reads the rows after the last it saw and pushes them to the
// screens of this node subscribed to their shop, followed by the shop's new queue lengths.
//
// What wakes it: on PostgreSQL the transaction's `pg_notify('guichet_queue', ...)`, delivered at
// commit to every node's listener; on SQLite (one process writes) the queue's own functions,
// which wake every feed of the process after they commit. It also looks every `poll` interval, so
// a missed wake-up delays a screen, never loses an event: screens resume from their last event id.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "guichet/core/clock.hpp"
#include "guichet/http/request.hpp"
#include "guichet/queue/queue.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::queue {

class QueueFeed {
 public:
  // `process_wakeups`: woken by this process's changes (wake_feeds); a test of PostgreSQL's
  // notifications alone turns it off.
  QueueFeed(storage::Database& db, const Clock& clock, const QueuePolicy& policy,
            std::chrono::milliseconds poll = std::chrono::seconds(1), bool process_wakeups = true);
  ~QueueFeed();
  QueueFeed(const QueueFeed&) = delete;
  QueueFeed& operator=(const QueueFeed&) = delete;

  // Starts the thread; idempotent.
  void start();
  void stop();

  // `push` gets each event of the shop after `after_event` as one SSE text ("id: 7\nevent:
  // called\ndata: {...}\n\n"), then an "event: queue" text with the lengths, until the returned
  // handle is destroyed.
  std::shared_ptr<void> subscribe(std::int64_t shop_id, std::int64_t after_event, http::EventStream::Push push);
  std::size_t subscribers() const;

  // Something changed in this process: look now.
  void wake();

 private:
  struct Subscriber {
    std::int64_t shop_id = 0;
    std::int64_t last = 0;
    http::EventStream::Push push;
  };
  void run();
  // One look: false when a read failed (what it would have pushed is read again at the retry).
  bool deliver();

  storage::Database& db_;
  const Clock& clock_;
  const QueuePolicy& policy_;
  std::chrono::milliseconds poll_;
  mutable std::mutex mutex_;
  std::condition_variable woken_;
  bool wake_ = false;
  bool stopping_ = false;
  std::map<std::uint64_t, Subscriber> subscribers_;
  std::uint64_t next_id_ = 0;
  std::int64_t last_seen_ = -1;  // the newest event pushed (-1: not read yet)
  // The lowest `after_event` of the screens that joined since the last look: a look that was
  // already reading when they joined read neither their shop nor from their event.
  std::int64_t catch_up_from_ = INT64_MAX;
  std::thread thread_;
};

// Wakes every feed of this process (called by the queue's functions after each change commits).
void wake_feeds();

// The SSE text of the shop's queue lengths and the wait a ticket taken now would have, per
// service ("event: queue").
Result<std::string> queue_summary_event(storage::Database& db, std::int64_t shop_id, const Clock& clock,
                                        const QueuePolicy& policy);

}  // namespace guichet::queue
