#include "guichet/core/compute.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace guichet {
namespace {

TEST(ComputePool, RunsTheWorkOnItsOwnThreadAndReturnsTheResult) {
  ComputePool pool(ComputePoolOptions{2, 4, 0});
  auto caller = std::this_thread::get_id();
  auto ran_on = pool.run([] { return std::this_thread::get_id(); });
  ASSERT_TRUE(ran_on);
  EXPECT_NE(*ran_on, caller);
  auto sum = pool.run([] { return 40 + 2; });
  ASSERT_TRUE(sum);
  EXPECT_EQ(*sum, 42);
}

TEST(ComputePool, AnExceptionReachesTheCaller) {
  ComputePool pool(ComputePoolOptions{1, 4, 0});
  EXPECT_THROW((void)pool.run([]() -> int { throw std::runtime_error("boom"); }), std::runtime_error);
  EXPECT_TRUE(pool.run([] { return 1; }));  // the pool goes on
}

// One thread, one place in the queue: a third step while one runs and one waits is refused at
// once with compute_busy, never left waiting.
TEST(ComputePool, AFullQueueRefusesAtOnce) {
  ComputePool pool(ComputePoolOptions{1, 1, 0});
  std::mutex mutex;
  std::condition_variable changed;
  bool running = false;
  bool release = false;
  auto hold = [&] {
    std::unique_lock lock(mutex);
    running = true;
    changed.notify_all();
    changed.wait(lock, [&] { return release; });
    return 1;
  };
  std::thread first([&] { EXPECT_TRUE(pool.run(hold)); });
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return running; });
  }
  std::thread second([&] { EXPECT_TRUE(pool.run([] { return 2; })); });
  while (pool.stats().queued < 1) std::this_thread::yield();

  auto refused = pool.run([] { return 3; });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::unavailable);
  EXPECT_EQ(refused.error().code.name(), "compute_busy");
  EXPECT_EQ(pool.stats().refused, 1U);
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  changed.notify_all();
  first.join();
  second.join();
  // The pool counts a step once its caller has been handed the result.
  while (pool.stats().completed < 2) std::this_thread::yield();
  EXPECT_EQ(pool.stats().refused, 1U);
}

TEST(ComputePool, NeverRunsMoreStepsAtOnceThanItHasThreads) {
  ComputePool pool(ComputePoolOptions{2, 64, 0});
  std::atomic<int> now{0};
  std::atomic<int> most{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&] {
      for (int j = 0; j < 5; ++j) {
        EXPECT_TRUE(pool.run([&] {
          int in = ++now;
          int seen = most.load();
          while (in > seen && !most.compare_exchange_weak(seen, in)) {
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          --now;
          return 0;
        }));
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_LE(most.load(), 2);
}

}  // namespace
}  // namespace guichet
