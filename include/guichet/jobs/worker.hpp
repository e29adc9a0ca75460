#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "guichet/core/clock.hpp"
#include "guichet/jobs/outbox.hpp"

namespace guichet::jobs {

using JobHandler = std::function<Result<void>(const Job& job)>;

struct WorkerOptions {
  std::chrono::milliseconds poll_interval{1000};
  // A claimed job not finished within the lease (its node died) becomes claimable again.
  std::chrono::seconds lease{300};
  std::chrono::seconds base_backoff{10};
  std::chrono::seconds max_backoff{3600};
  std::string worker_id;  // generated when empty
};

// Claims due jobs one at a time. On PostgreSQL the claim is UPDATE ... FOR UPDATE SKIP LOCKED,
// so workers on many nodes never take the same job; on SQLite the single writer serialises it.
class Worker {
 public:
  Worker(storage::Database& db, const Clock& clock, WorkerOptions options = {});
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void handle(std::string kind, JobHandler handler);
  // Runs due jobs until none is due or `max_jobs` ran; returns how many ran.
  Result<int> run_due(int max_jobs = 1000);
  // A background thread polling every poll_interval; stop() waits for the job under way.
  void start();
  void stop();
  const std::string& id() const { return options_.worker_id; }

 private:
  Result<std::optional<Job>> claim();
  Result<void> finish(const Job& job, const Result<void>& outcome);

  storage::Database& db_;
  const Clock& clock_;
  WorkerOptions options_;
  std::map<std::string, JobHandler, std::less<>> handlers_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

// The hourly job pruning finished jobs (prune_finished_jobs), on whichever node takes it; without
// it the outbox would keep every e-mail ever sent.
void register_job_pruning(Worker& worker, storage::Database& db, const Clock& clock);

}  // namespace guichet::jobs
