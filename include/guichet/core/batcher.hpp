#pragma once
// Leader/follower batching, the pattern of a database's group commit: threads that need the same
// kind of round trip at the same moment (a journal append, a registry's read) queue their items;
// the first to arrive while nobody is running becomes the leader and runs everything queued as one
// batch on its own thread, while later arrivals queue for the next batch, which the oldest of them
// runs. Nobody waits on a timer: a lone thread runs its item at once, and batches grow only with
// the load. Each waiter has its own condition variable, so a finished batch wakes its own callers
// and the next leader, never the whole queue.
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
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
    Waiter mine;
    mine.item = &item;
    std::unique_lock lock(mutex_);
    queue_.push_back(&mine);
    if (running_) {
      mine.wake.wait(lock, [&] { return mine.done || mine.lead; });
    } else {
      running_ = true;  // nobody is running a batch: this thread runs at once
    }
    std::exception_ptr thrown;
    while (!mine.done) {
      // A leader is the queue's front, so its own item is in the first batch it takes.
      std::vector<Waiter*> taken;
      std::vector<Item*> items;
      while (!queue_.empty() && taken.size() < max_batch_) {
        taken.push_back(queue_.front());
        items.push_back(queue_.front()->item);
        queue_.pop_front();
      }
      lock.unlock();
      try {
        run(std::span<Item* const>(items));
      } catch (...) {
        thrown = std::current_exception();
      }
      lock.lock();
      ++stats_.batches;
      stats_.items += items.size();
      stats_.largest = std::max(stats_.largest, items.size());
      for (Waiter* w : taken) {
        w->done = true;
        if (w != &mine) w->wake.notify_one();
      }
      if (queue_.empty()) {
        running_ = false;
      } else {
        // The oldest waiter runs the next batch; running_ stays set, so newcomers queue.
        queue_.front()->lead = true;
        queue_.front()->wake.notify_one();
      }
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
  struct Waiter {
    Item* item = nullptr;
    bool done = false;  // under mutex_: the item's batch has run
    bool lead = false;  // under mutex_: this waiter runs the next batch
    std::condition_variable wake;
  };
  const std::size_t max_batch_;
  mutable std::mutex mutex_;
  std::deque<Waiter*> queue_;
  bool running_ = false;
  BatchStats stats_;
};

}  // namespace guichet
