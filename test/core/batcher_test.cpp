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

// Detached items (nobody waits for them) mixed with waiting callers: each runs exactly once, one
// batch at a time; `run` tells the owner; no item is left in the queue once the last caller
// returns, whoever led (here a detached submitter told to run the batches runs them itself).
TEST(Batcher, DetachedItemsRunOnceBesideWaitingCallersAndNoneIsLeftQueued) {
  Batcher<Counted> batcher(8);
  std::atomic<int> running{0};
  std::atomic<bool> overlapped{false};
  constexpr int kThreads = 8;
  constexpr int kEach = 2000;
  std::vector<Counted> detached(static_cast<std::size_t>(kThreads * kEach));
  std::atomic<int> told{0};
  std::atomic<int> wrong{0};
  auto run = [&](std::span<Counted* const> batch) {
    if (running.fetch_add(1) != 0) overlapped = true;
    for (Counted* c : batch) {
      c->output = c->input * 2;
      ++c->runs;
    }
    running.fetch_sub(1);
    for (Counted* c : batch) {
      if (c >= detached.data() && c < detached.data() + detached.size()) ++told;  // the owner is told
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const int n = t * kEach + i;
        if (t % 2 == 0) {  // half the threads detach every item; the others wait for theirs
          Counted& item = detached[static_cast<std::size_t>(n)];
          item.input = n;
          if (batcher.submit_detached(item)) batcher.run_detached(run);
        } else {
          Counted item;
          item.input = n;
          batcher.submit(item, run);
          if (item.output != item.input * 2 || item.runs != 1) ++wrong;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_FALSE(overlapped.load());
  EXPECT_FALSE(batcher.running());
  EXPECT_EQ(batcher.queued(), 0u) << "a detached item is never stranded";
  EXPECT_EQ(told.load(), kThreads / 2 * kEach);
  for (int t = 0; t < kThreads; t += 2) {
    for (int i = 0; i < kEach; ++i) {
      const Counted& c = detached[static_cast<std::size_t>(t * kEach + i)];
      ASSERT_EQ(c.runs, 1) << c.input;
      ASSERT_EQ(c.output, c.input * 2);
    }
  }
  EXPECT_EQ(batcher.stats().items, static_cast<std::uint64_t>(kThreads * kEach));
}

// A detached submission while a batch is running queues and returns at once; the running leader
// runs it before it stops, even though nobody waits for it.
TEST(Batcher, ADetachedItemQueuedDuringABatchIsRunByItsLeader) {
  Batcher<Counted> batcher(4);
  Counted late;
  late.input = 5;
  std::atomic<bool> in_batch{false};
  std::atomic<bool> release{false};
  std::thread leader([&] {
    Counted first;
    batcher.submit(first, [&](std::span<Counted* const> batch) {
      for (Counted* c : batch) {
        ++c->runs;
        c->output = c->input * 2;
      }
      if (batch[0] == &first) {
        in_batch = true;
        while (!release) std::this_thread::yield();
      }
    });
    EXPECT_EQ(first.runs, 1);
  });
  while (!in_batch) std::this_thread::yield();
  EXPECT_FALSE(batcher.submit_detached(late)) << "a batch is running: nothing for this thread to start";
  EXPECT_EQ(late.runs, 0);
  EXPECT_EQ(batcher.queued(), 1u);
  release = true;
  leader.join();
  EXPECT_EQ(late.runs, 1);
  EXPECT_EQ(late.output, 10);
  EXPECT_FALSE(batcher.running());
  // Nobody running: the submitter is told to have the batch run, and nothing runs until then.
  Counted alone;
  alone.input = 4;
  ASSERT_TRUE(batcher.submit_detached(alone));
  EXPECT_TRUE(batcher.running());
  EXPECT_EQ(alone.runs, 0);
  std::thread committer([&] {
    batcher.run_detached([](std::span<Counted* const> batch) {
      for (Counted* c : batch) {
        ++c->runs;
        c->output = c->input * 2;
      }
    });
  });
  committer.join();
  EXPECT_EQ(alone.output, 8);
  EXPECT_FALSE(batcher.running());
}

}  // namespace
}  // namespace guichet
