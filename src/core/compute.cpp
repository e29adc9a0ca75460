#include "guichet/core/compute.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include "guichet/core/errors.hpp"

namespace guichet {
namespace {
std::mutex shared_mutex;
std::unique_ptr<ComputePool> shared_pool;  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

ComputePoolOptions resolved(ComputePoolOptions options) {
  if (options.threads == 0) options.threads = std::max(1U, std::thread::hardware_concurrency());
  if (options.max_queued == 0) options.max_queued = std::size_t{32} * options.threads;
  return options;
}

// Linux gives each thread its own nice value; lowering this thread's priority lets the network
// and database threads preempt a hash in progress, so a sign-in storm cannot starve them.
void lower_this_thread_priority(int increment) {
  if (increment <= 0) return;
  auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  int current = ::getpriority(PRIO_PROCESS, tid);
  (void)::setpriority(PRIO_PROCESS, tid, std::min(19, current + increment));
}
}  // namespace

Error compute_busy() {
  return make_error(CoreErrc::compute_busy, "the server is busy with other requests; try again in a few seconds");
}

ComputePool::ComputePool(ComputePoolOptions options) : options_(resolved(options)) {
  threads_.reserve(options_.threads);
  for (unsigned i = 0; i < options_.threads; ++i) {
    threads_.emplace_back([this] {
      lower_this_thread_priority(options_.nice_increment);
      work_loop();
    });
  }
}

ComputePool::~ComputePool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_) thread.join();
}

bool ComputePool::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.max_queued) {
      ++refused_;
      return false;
    }
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
  return true;
}

void ComputePool::work_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    // Queued steps are still run on stop: each has a caller waiting for its result.
    if (queue_.empty()) return;
    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();
    task();  // a packaged_task: an exception is stored for the caller, never thrown here
    lock.lock();
    --running_;
    ++completed_;
  }
}

ComputePoolStats ComputePool::stats() const {
  std::lock_guard lock(mutex_);
  return ComputePoolStats{options_.threads, queue_.size(), running_, completed_, refused_};
}

ComputePool& ComputePool::shared() {
  std::lock_guard lock(shared_mutex);
  if (!shared_pool) shared_pool = std::make_unique<ComputePool>();
  return *shared_pool;
}

void ComputePool::configure_shared(ComputePoolOptions options) {
  std::lock_guard lock(shared_mutex);
  shared_pool = std::make_unique<ComputePool>(options);
}

}  // namespace guichet
