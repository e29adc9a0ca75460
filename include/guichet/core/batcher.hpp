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
  // time, with no lock held; `run` records each item's outcome in the item. If `run` throws, the
  // leader rethrows and the batch's other items are left as `run` left them (their callers must
  // treat an unset outcome as a failure).
  template <class Run>
  void submit(Item& item, Run&& run) {
    std::unique_lock lock(mutex_);
    Waiter* mine = idle_waiter();
    mine->item = &item;
    mine->state.store(kQueued, std::memory_order_relaxed);
    queue_.push_back(mine);
    const bool leading = !running_;
    running_ = true;  // when nobody was running a batch, this thread runs at once
    if (!leading) {
      lock.unlock();
      int state = kQueued;
      while ((state = mine->state.load(std::memory_order_acquire)) == kQueued) mine->state.wait(kQueued);
      lock.lock();
      if (state == kDone) {
        idle_.push_back(mine);
        return;
      }
    }
    // Leading: this waiter is the queue's front, so its own item is in the batch it takes.
    std::vector<Waiter*> taken;
    std::vector<Item*> items;
    while (!queue_.empty() && taken.size() < max_batch_) {
      taken.push_back(queue_.front());
      items.push_back(queue_.front()->item);
      queue_.pop_front();
    }
    lock.unlock();
    std::exception_ptr thrown;
    try {
      run(std::span<Item* const>(items));
    } catch (...) {
      thrown = std::current_exception();
    }
    lock.lock();
    ++stats_.batches;
    stats_.items += items.size();
    stats_.largest = std::max(stats_.largest, items.size());
    Waiter* next = nullptr;
    if (queue_.empty()) {
      running_ = false;
    } else {
      next = queue_.front();  // the oldest waiter runs the next batch; running_ stays set
    }
    idle_.push_back(mine);
    lock.unlock();
    // Woken outside the lock. The next leader first, so its batch starts while this thread wakes
    // the others.
    if (next != nullptr) wake(next, kLead);
    for (Waiter* w : taken) {
      if (w != mine) wake(w, kDone);
    }
    if (thrown) std::rethrow_exception(thrown);
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
  std::deque<Waiter*> queue_;
  std::vector<std::unique_ptr<Waiter>> all_;
  std::vector<Waiter*> idle_;
  bool running_ = false;
  BatchStats stats_;
};

}  // namespace guichet
