#include <gtest/gtest.h>

#include <set>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "guichet/jobs/errors.hpp"
#include "guichet/jobs/worker.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/test_database.hpp"

namespace guichet::jobs {
namespace {

enum class TestErrc { later_step_failed, down };

const ErrorDomain& error_domain(TestErrc /*code*/) {
  static constexpr ErrorCodeInfo kCodes[] = {{"later_step_failed", ErrorKind::conflict, ""},
                                             {"down", ErrorKind::unavailable, ""}};
  static constexpr ErrorDomain kDomain{"test", kCodes};
  return kDomain;
}
using testing::TestDatabase;

class OutboxTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<TestDatabase>(GetParam());
    ASSERT_TRUE(storage::apply_migrations(db(), storage::builtin_migrations(), clock).ok());
  }
  storage::Database& db() { return database->db(); }
  std::int64_t add(NewJob job) {
    auto id = db().transaction([&](storage::Connection& c) { return enqueue(c, job, clock); });
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id.ok() ? *id : 0;
  }
  Job only_job() {
    auto jobs = list_jobs(db(), std::nullopt, 10);
    EXPECT_TRUE(jobs.ok());
    EXPECT_EQ(jobs->size(), 1U);
    return jobs->at(0);
  }

  FakeClock clock{from_unix_micros(1'800'000'000'000'000)};
  std::unique_ptr<TestDatabase> database;
};

TEST_P(OutboxTest, JobIsWrittenWithTheChangeOrNotAtAll) {
  auto rolled_back = db().transaction([&](storage::Connection& c) -> Result<int> {
    if (auto id = enqueue(c, NewJob{"test.kind", "{}", std::nullopt, 8, std::nullopt}, clock); !id) return id.error();
    return make_error(TestErrc::later_step_failed, "the change failed after the job was queued");
  });
  ASSERT_FALSE(rolled_back.ok());
  EXPECT_TRUE(list_jobs(db(), std::nullopt, 10)->empty());
  add(NewJob{"test.kind", "{}", std::nullopt, 8, std::nullopt});
  EXPECT_EQ(list_jobs(db(), std::nullopt, 10)->size(), 1U);
}

// Issue 17: a backlog of bulk work never delays a security mail. Workers take urgent jobs first,
// then normal, then background; within one priority, the oldest due first.
TEST_P(OutboxTest, UrgentJobsGoFirstAndTheQueueIsObserved) {
  for (int i = 0; i < 3; ++i) {
    add(NewJob{"bulk", "{}", clock.now() - std::chrono::minutes(10 - i), 8, std::nullopt, JobPriority::background});
  }
  add(NewJob{"confirmation", "{}", std::nullopt, 8, std::nullopt, JobPriority::normal});
  add(NewJob{"reset_link", "{}", std::nullopt, 8, std::nullopt, JobPriority::urgent});
  add(NewJob{"later", "{}", clock.now() + std::chrono::hours(1), 8, std::nullopt, JobPriority::urgent});

  auto stats = queue_stats(db(), clock);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->due[0], 1);
  EXPECT_EQ(stats->due[1], 1);
  EXPECT_EQ(stats->due[2], 3);
  EXPECT_EQ(stats->oldest_due_age, std::chrono::minutes(10));

  std::vector<std::string> order;
  Worker worker(db(), clock);
  for (const char* kind : {"bulk", "confirmation", "reset_link", "later"}) {
    worker.handle(kind, [&order](const Job& job) -> Result<void> {
      order.push_back(job.kind);
      return {};
    });
  }
  auto ran = worker.run_due();
  ASSERT_TRUE(ran);
  EXPECT_EQ(order, (std::vector<std::string>{"reset_link", "confirmation", "bulk", "bulk", "bulk"}));
  stats = queue_stats(db(), clock);
  EXPECT_EQ(stats->due[0] + stats->due[1] + stats->due[2], 0);
  EXPECT_EQ(stats->oldest_due_age, std::chrono::seconds(0));
}

TEST_P(OutboxTest, DedupeKeyKeepsOneJob) {
  auto first = add(NewJob{"reminder", "{}", std::nullopt, 3, "booking:1:reminder"});
  auto second = add(NewJob{"reminder", "{}", std::nullopt, 3, "booking:1:reminder"});
  EXPECT_EQ(first, second);
  EXPECT_EQ(list_jobs(db(), std::nullopt, 10)->size(), 1U);
}

// Finished jobs do not pile up: done ones go after a week (keyed ones after 120 days, so their
// key still stops a second queueing meanwhile); failed and pending ones stay.
TEST_P(OutboxTest, FinishedJobsArePrunedAfterTheirKeep) {
  Worker worker(db(), clock);
  worker.handle("ok", [](const Job&) -> Result<void> { return {}; });
  worker.handle("bad", [](const Job&) -> Result<void> { return make_error(Errc::bad_email, "no"); });
  add(NewJob{"ok", "plain", std::nullopt, 1, std::nullopt});
  add(NewJob{"ok", "keyed", std::nullopt, 1, "reminder:1"});
  add(NewJob{"bad", "failed", std::nullopt, 1, std::nullopt});
  add(NewJob{"ok", "pending", clock.now() + std::chrono::hours(24 * 365), 1, std::nullopt});
  ASSERT_EQ(*worker.run_due(), 3);
  auto payloads = [&] {
    std::set<std::string> out;
    for (const Job& j : *list_jobs(db(), std::nullopt, 10)) out.insert(j.payload);
    return out;
  };
  clock.advance(std::chrono::hours(24 * 6));
  EXPECT_EQ(*prune_finished_jobs(db(), clock), 0) << "within the week";
  clock.advance(std::chrono::hours(24 * 2));
  EXPECT_EQ(*prune_finished_jobs(db(), clock), 1);
  EXPECT_EQ(payloads(), (std::set<std::string>{"keyed", "failed", "pending"}));
  EXPECT_EQ(add(NewJob{"ok", "again", std::nullopt, 1, "reminder:1"}), list_jobs(db(), std::nullopt, 10)->back().id)
      << "the kept key still stops a second reminder";
  clock.advance(std::chrono::hours(24 * 120));
  EXPECT_EQ(*prune_finished_jobs(db(), clock), 1);
  EXPECT_EQ(payloads(), (std::set<std::string>{"failed", "pending"}));
}

TEST_P(OutboxTest, RunsDueJobsOnceAndWaitsForFutureOnes) {
  std::vector<std::string> ran;
  Worker worker(db(), clock);
  worker.handle("test.kind", [&](const Job& job) -> Result<void> {
    ran.push_back(job.payload);
    return {};
  });
  add(NewJob{"test.kind", "now", std::nullopt, 8, std::nullopt});
  add(NewJob{"test.kind", "later", clock.now() + std::chrono::hours(48), 8, std::nullopt});
  EXPECT_EQ(*worker.run_due(), 1);
  EXPECT_EQ(*worker.run_due(), 0) << "a done job never runs again";
  clock.advance(std::chrono::hours(48));
  EXPECT_EQ(*worker.run_due(), 1);
  EXPECT_EQ(ran, (std::vector<std::string>{"now", "later"}));
  auto done = list_jobs(db(), "done", 10);
  EXPECT_EQ(done->size(), 2U);
}

TEST_P(OutboxTest, FailuresBackOffThenStayVisibleAsFailed) {
  int calls = 0;
  WorkerOptions options;
  options.base_backoff = std::chrono::seconds(10);
  Worker worker(db(), clock, options);
  worker.handle("flaky", [&](const Job&) -> Result<void> {
    ++calls;
    return make_error(TestErrc::down, "remote is down");
  });
  auto id = add(NewJob{"flaky", "{}", std::nullopt, 3, std::nullopt});
  EXPECT_EQ(*worker.run_due(), 1);
  Job after_first = only_job();
  EXPECT_EQ(after_first.status, "pending");
  EXPECT_EQ(after_first.attempts, 1);
  EXPECT_EQ(*after_first.last_error, "remote is down");
  EXPECT_EQ(after_first.run_at - clock.now(),
            backoff_delay(1, id, std::chrono::seconds(10), std::chrono::seconds(3600)));
  EXPECT_EQ(*worker.run_due(), 0) << "not due before its back-off";
  clock.advance(std::chrono::hours(1));
  EXPECT_EQ(*worker.run_due(), 1);
  clock.advance(std::chrono::hours(1));
  EXPECT_EQ(*worker.run_due(), 1);
  EXPECT_EQ(calls, 3);
  Job failed = only_job();
  EXPECT_EQ(failed.status, "failed");
  EXPECT_EQ(failed.attempts, 3);
  EXPECT_EQ(list_jobs(db(), "failed", 10)->size(), 1U);
  clock.advance(std::chrono::hours(10));
  EXPECT_EQ(*worker.run_due(), 0) << "a failed job is not retried by itself";

  ASSERT_TRUE(retry_job(db(), id, clock).ok());
  EXPECT_EQ(only_job().status, "pending");
  EXPECT_FALSE(retry_job(db(), id, clock).ok()) << "only failed jobs can be retried";
}

TEST_P(OutboxTest, UnknownKindsAndExceptionsFailTheJob) {
  Worker worker(db(), clock);
  worker.handle("throws", [](const Job&) -> Result<void> { throw std::runtime_error("bug"); });
  add(NewJob{"nobody.handles.this", "{}", std::nullopt, 1, std::nullopt});
  add(NewJob{"throws", "{}", std::nullopt, 1, std::nullopt});
  EXPECT_EQ(*worker.run_due(), 2);
  auto failed = list_jobs(db(), "failed", 10);
  ASSERT_EQ(failed->size(), 2U);
}

TEST_P(OutboxTest, AJobWhoseWorkerDiedIsTakenAgainAfterItsLease) {
  add(NewJob{"test.kind", "{}", std::nullopt, 8, std::nullopt});
  WorkerOptions options;
  options.lease = std::chrono::seconds(60);
  // Simulate a node dying mid-job: claim it by hand, as the worker's claim does, and never finish.
  {
    auto c = db().acquire();
    ASSERT_TRUE((*c)->execute("UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'dead', locked_until = ?",
                              {to_unix_micros(clock.now() + std::chrono::seconds(60))})
                    .ok());
  }
  Worker alive(db(), clock, options);
  std::atomic<bool> entered{false};
  alive.handle("test.kind", [&](const Job& job) -> Result<void> {
    entered = true;
    EXPECT_EQ(job.attempts, 2);
    return {};
  });
  EXPECT_EQ(*alive.run_due(), 0) << "the lease still holds";
  clock.advance(std::chrono::seconds(61));
  EXPECT_EQ(*alive.run_due(), 1);
  EXPECT_TRUE(entered);
  EXPECT_EQ(only_job().status, "done");
}

TEST_P(OutboxTest, SeveralNodesRunEachJobExactlyOnce) {
  constexpr int kJobs = 300;
  for (int i = 0; i < kJobs; ++i) add(NewJob{"count", std::to_string(i), std::nullopt, 8, std::nullopt});
  std::mutex mutex;
  std::map<std::string, int> runs;
  std::vector<std::unique_ptr<storage::Database>> pools;
  std::vector<std::unique_ptr<Worker>> workers;
  for (int node = 0; node < 4; ++node) {
    pools.push_back(database->open_another());
    workers.push_back(std::make_unique<Worker>(*pools.back(), clock));
    workers.back()->handle("count", [&](const Job& job) -> Result<void> {
      std::lock_guard lock(mutex);
      ++runs[job.payload];
      return {};
    });
  }
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (auto& w : workers) {
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&] {
        auto ran = w->run_due(kJobs);
        if (!ran) ++errors;
      });
    }
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  ASSERT_EQ(runs.size(), static_cast<std::size_t>(kJobs));
  for (const auto& [payload, count] : runs) EXPECT_EQ(count, 1) << "job " << payload;
  EXPECT_EQ(list_jobs(db(), "done", kJobs + 1)->size(), static_cast<std::size_t>(kJobs));
}

INSTANTIATE_TEST_SUITE_P(Backends, OutboxTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

TEST(Backoff, GrowsExponentiallyWithBoundedSpread) {
  using std::chrono::seconds;
  for (std::int64_t id : {1, 2, 77, 1000}) {
    EXPECT_GE(backoff_delay(1, id, seconds(10), seconds(3600)), seconds(10));
    EXPECT_LE(backoff_delay(1, id, seconds(10), seconds(3600)), seconds(13));
    EXPECT_GE(backoff_delay(4, id, seconds(10), seconds(3600)), seconds(80));
    EXPECT_LE(backoff_delay(30, id, seconds(10), seconds(3600)), seconds(4500));
  }
}

}  // namespace
}  // namespace guichet::jobs
