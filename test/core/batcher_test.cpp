// The leader/follower batcher under contention: every item runs once, in one batch at a time,
// and its caller sees what the batch recorded in it.
#include "guichet/core/batcher.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace guichet {
namespace {

struct Counted {
  int input = 0;
  int output = -1;  // written by the batch that runs it
  int runs = 0;
};

TEST(Batcher, EveryItemRunsOnceOneBatchAtATimeAndItsCallerSeesTheOutcome) {
  Batcher<Counted> batcher(8);
  std::atomic<int> running{0};
  std::atomic<bool> overlapped{false};
  constexpr int kThreads = 16;
  constexpr int kEach = 2000;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::atomic<int> wrong{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        Counted item;
        item.input = t * kEach + i;
        batcher.submit(item, [&](std::span<Counted* const> batch) {
          if (running.fetch_add(1) != 0) overlapped = true;
          EXPECT_LE(batch.size(), 8u);
          for (Counted* c : batch) {
            c->output = c->input * 2;
            ++c->runs;
          }
          running.fetch_sub(1);
        });
        if (item.output != item.input * 2 || item.runs != 1) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_FALSE(overlapped.load());
  const BatchStats stats = batcher.stats();
  EXPECT_EQ(stats.items, static_cast<std::uint64_t>(kThreads * kEach));
  EXPECT_LE(stats.largest, 8u);
  EXPECT_FALSE(batcher.running());
  EXPECT_EQ(batcher.queued(), 0u);
}

TEST(Batcher, ALeaderWhoseBatchThrowsRethrowsAndTheNextBatchesStillRun) {
  Batcher<Counted> batcher(4);
  Counted first;
  EXPECT_THROW(batcher.submit(first, [](std::span<Counted* const>) { throw std::runtime_error("down"); }),
               std::runtime_error);
  EXPECT_FALSE(batcher.running()) << "a throwing batch leaves nobody stuck as the runner";
  Counted second;
  second.input = 21;
  batcher.submit(second, [](std::span<Counted* const> batch) {
    for (Counted* c : batch) c->output = c->input * 2;
  });
  EXPECT_EQ(second.output, 42);
}

}  // namespace
}  // namespace guichet
