#pragma once
// CPU-heavy steps (argon2id hashing, RSA signing, PDF work) run here, never on a network thread
// and never more of them at once than the machine has cores: a fixed set of threads (optionally
// at a lower scheduling priority, `nice_increment`) and a bounded queue. With as many hashing
// threads as cores, the network threads, which sleep between requests, are still preempted in
// promptly by the kernel's wake-up preemption: measured, equal priority kept /healthz as fast as
// nice +5 and gave sign-ins more of the processor (docs/PERFORMANCE.md). When the queue is full the step is refused at
// once with `unavailable` / "compute_busy" (a 503 with Retry-After), never left to wait without bound.
//
// The pool is one per process, like the cores it shares: `ComputePool::shared()` is sized from
// the configuration by `configure_shared` before serving, and tests get a default sized to the
// machine.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

#include "guichet/core/result.hpp"

namespace guichet {

struct ComputePoolOptions {
  unsigned threads = 0;        // 0: one per core
  std::size_t max_queued = 0;  // 0: 32 per thread
  int nice_increment = 0;      // how much lower than the process the pool's threads run
};

struct ComputePoolStats {
  unsigned threads = 0;
  std::size_t queued = 0;
  std::size_t running = 0;
  std::uint64_t completed = 0;
  std::uint64_t refused = 0;
};

class ComputePool {
 public:
  explicit ComputePool(ComputePoolOptions options = {});
  ~ComputePool();
  ComputePool(const ComputePool&) = delete;
  ComputePool& operator=(const ComputePool&) = delete;

  // Runs `work` on one of the pool's threads and waits for its result; an exception it throws is
  // rethrown here. Refused at once, without running, when the queue is full.
  template <class F>
  auto run(F&& work) -> Result<std::invoke_result_t<F>>;

  ComputePoolStats stats() const;
  const ComputePoolOptions& options() const { return options_; }

  // The process's pool. `configure_shared` replaces it (call it before serving, not while steps
  // run); until then it is a pool with the default options.
  static ComputePool& shared();
  static void configure_shared(ComputePoolOptions options);

 private:
  bool submit(std::function<void()> task);
  void work_loop();

  ComputePoolOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  std::size_t running_ = 0;
  std::uint64_t completed_ = 0;
  std::uint64_t refused_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

Error compute_busy();

template <class F>
auto ComputePool::run(F&& work) -> Result<std::invoke_result_t<F>> {
  using T = std::invoke_result_t<F>;
  std::packaged_task<T()> task(std::forward<F>(work));
  std::future<T> result = task.get_future();
  // packaged_task is move-only and std::function needs a copyable target: hold it by pointer.
  auto shared_task = std::make_shared<std::packaged_task<T()>>(std::move(task));
  if (!submit([shared_task] { (*shared_task)(); })) return compute_busy();
  if constexpr (std::is_void_v<T>) {
    result.get();
    return {};
  } else {
    return result.get();
  }
}

}  // namespace guichet
