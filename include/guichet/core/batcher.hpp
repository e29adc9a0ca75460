#pragma once
// Leader/follower batching, the pattern of a database's group commit: threads that need the same
// kind of round trip at the same moment (a journal append, a registry's read) queue their items;
// the first to arrive while nobody is running becomes the leader and runs everything queued as one
// batch on its own thread, while later arrivals queue for the next batch, which the oldest of them
// runs. Nobody waits on a timer: a lone thread runs its item at once, and batches grow only with
// the load.
//
// Each waiter sleeps on its own word (C++20 atomic wait: a futex), and a finished batch wakes its
// own callers and the next leader after releasing the queue's lock, so a woken thread never
// blocks again on that lock. The words live in the batcher, not on the callers' stacks, because a
// woken caller may return before its waker's notify call has finished; a word is handed out again
// only after its caller is done with it, and a late notify then wakes its next user for nothing,
// who looks at its word and sleeps again.
//
// An item may also be submitted detached (submit_detached): its thread does not wait for the
// batch, and `run` tells the item's owner of the outcome. Nobody sleeps on such an item, so the
// thread leading when the queue's front is one runs that batch too, and when nobody leads, the
// submitter has a thread of its choosing start (run_detached).
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace guichet {

struct BatchStats {
  std::uint64_t batches = 0;  // batches run
  std::uint64_t items = 0;    // items in them
  std::size_t largest = 0;
};

template <class Item>
class Batcher {
 public:
  explicit Batcher(std::size_t max_batch) : max_batch_(std::max<std::size_t>(max_batch, 1)) {}
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Queues `item` and returns once a batch holding it has been run by `run` (a callable taking
  // std::span<Item* const>), on this thread when it leads or on another's. Batches run one at a
  // time, with no lock held; `run` records each item's outcome in the item. If `run` throws on the
  // batch holding this item, the leader rethrows and the batch's other items are left as `run`
  // left them (their callers must treat an unset outcome as a failure).
  template <class Run>
  void submit(Item& item, Run&& run) {
    std::unique_lock lock(mutex_);
    Waiter* mine = idle_waiter();
    mine->state.store(kQueued, std::memory_order_relaxed);
    queue_.push_back(Queued{&item, mine});
    if (running_) {
      lock.unlock();
      int state = kQueued;
      while ((state = mine->state.load(std::memory_order_acquire)) == kQueued) mine->state.wait(kQueued);
      lock.lock();
      if (state == kDone) {
        idle_.push_back(mine);
        return;
      }
    }
    running_ = true;  // when nobody was running a batch, this thread runs at once
    lead(lock, mine, run);
  }

  // Queues `item` without waiting for it. The thread that runs the batch holding it runs it with
  // its own `run` (a leading submit()'s, or run_detached()'s), so every `run` given to a batcher
  // that takes detached items must tell their owners of the outcome, even when it fails (an
  // exception reaches only a leading submit() whose own item was in that batch). The item must
  // outlive that call. Returns true when nobody is running a batch: the caller must then have
  // run_detached() called, on this thread or another (a committer thread, so that the caller is
  // not held), and until then nothing runs. Otherwise the thread running batches runs it: it goes
  // on while the queue's front is a detached item and hands over to a caller waiting in submit()
  // as soon as one is at the front, so a detached item is never stranded.
  [[nodiscard]] bool submit_detached(Item& item) {
    std::lock_guard lock(mutex_);
    queue_.push_back(Queued{&item, nullptr});
    if (running_) return false;
    running_ = true;
    return true;
  }
  // Runs the batches queued, after submit_detached() returned true, until the queue is empty or
  // its front is a caller waiting in submit().
  template <class Run>
  void run_detached(Run&& run) {
    std::unique_lock lock(mutex_);
    lead(lock, nullptr, run);
  }

  BatchStats stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
  }
  // For tests: items waiting for a leader, and whether a batch is being run.
  std::size_t queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
  }
  bool running() const {
    std::lock_guard lock(mutex_);
    return running_;
  }

 private:
  static constexpr int kQueued = 0;  // waiting for a batch to hold its item
  static constexpr int kDone = 1;    // its item's batch has run
  static constexpr int kLead = 2;    // it runs the next batch
  struct Waiter {
    Item* item = nullptr;
    std::atomic<int> state{kQueued};
  };
  struct Queued {
    Item* item = nullptr;
    Waiter* waiter = nullptr;  // null for a detached item: nobody sleeps on it
  };

  // Under `lock`, with running_ set and `mine` (when not null) at the queue's front: runs batches
  // until the queue is empty or its front is a thread waiting in submit(), which then leads.
  // Rethrows what `run` threw on the batch holding `mine`, once the next leader is woken.
  template <class Run>
  void lead(std::unique_lock<std::mutex>& lock, Waiter* mine, Run& run) {
    std::exception_ptr thrown;
    for (;;) {
      std::vector<Waiter*> taken;
      std::vector<Item*> items;
      while (!queue_.empty() && items.size() < max_batch_) {
        if (queue_.front().waiter != nullptr) taken.push_back(queue_.front().waiter);
        items.push_back(queue_.front().item);
        queue_.pop_front();
      }
      // Only the first batch can hold this thread's own item (it was the queue's front).
      const bool holds_mine = mine != nullptr && std::find(taken.begin(), taken.end(), mine) != taken.end();
      lock.unlock();
      try {
        run(std::span<Item* const>(items));
      } catch (...) {
        if (holds_mine) thrown = std::current_exception();
      }
      lock.lock();
      ++stats_.batches;
      stats_.items += items.size();
      stats_.largest = std::max(stats_.largest, items.size());
      Waiter* next = nullptr;
      bool again = false;
      if (queue_.empty()) {
        running_ = false;
      } else if (queue_.front().waiter != nullptr) {
        next = queue_.front().waiter;  // the oldest waiter runs the next batch; running_ stays set
      } else {
        again = true;  // a detached item: nobody else will run it
      }
      // This thread is done with its word (never woken: it ran its own item).
      if (holds_mine) idle_.push_back(mine);
      lock.unlock();
      // Woken outside the lock. The next leader first, so its batch starts while this thread wakes
      // the others.
      if (next != nullptr) wake(next, kLead);
      for (Waiter* w : taken) {
        if (!(holds_mine && w == mine)) wake(w, kDone);
      }
      if (holds_mine) mine = nullptr;
      if (!again) break;
      lock.lock();
    }
    if (thrown) std::rethrow_exception(thrown);
  }

  static void wake(Waiter* w, int state) {
    w->state.store(state, std::memory_order_release);
    w->state.notify_one();
  }
  // Under mutex_: a waiter nobody is using (made when all are in use; kept for the batcher's life).
  Waiter* idle_waiter() {
    if (idle_.empty()) {
      all_.push_back(std::make_unique<Waiter>());
      return all_.back().get();
    }
    Waiter* w = idle_.back();
    idle_.pop_back();
    return w;
  }

  const std::size_t max_batch_;
  mutable std::mutex mutex_;
  std::deque<Queued> queue_;
  std::vector<std::unique_ptr<Waiter>> all_;
  std::vector<Waiter*> idle_;
  bool running_ = false;
  BatchStats stats_;
};

}  // namespace guichet
