#include "guichet/jobs/worker.hpp"

#include "guichet/core/log.hpp"
#include "guichet/core/random.hpp"
#include "guichet/jobs/errors.hpp"

namespace guichet::jobs {

Worker::Worker(storage::Database& db, const Clock& clock, WorkerOptions options)
    : db_(db), clock_(clock), options_(std::move(options)) {
  if (options_.worker_id.empty()) options_.worker_id = "worker-" + random_hex(6);
}

Worker::~Worker() { stop(); }

void Worker::handle(std::string kind, JobHandler handler) { handlers_[std::move(kind)] = std::move(handler); }

Result<std::optional<Job>> Worker::claim() {
  return db_.transaction([&](storage::Connection& c) -> Result<std::optional<Job>> {
    std::int64_t now = to_unix_micros(clock_.now());
    std::int64_t lease_end = now + std::chrono::duration_cast<std::chrono::microseconds>(options_.lease).count();
    // Pending and due, or running with a lease that ran out (its worker died).
    std::string pick =
        "SELECT id FROM jobs WHERE (status = 'pending' AND run_at <= ?) OR (status = 'running' AND locked_until < ?) "
        "ORDER BY priority, run_at, id LIMIT 1";
    if (c.backend() == storage::Backend::postgresql) pick += " FOR UPDATE SKIP LOCKED";
    auto rows = c.query(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = ?, locked_until = ?, updated_at = ? "
        "WHERE id = (" +
            pick +
            ") "
            "RETURNING id, kind, payload, status, run_at, attempts, max_attempts, last_error, created_at, finished_at",
        {options_.worker_id, lease_end, now, now, now});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return std::optional<Job>();
    const auto& row = rows->rows[0];
    Job job;
    job.id = row.integer(0);
    job.kind = row.text(1);
    job.payload = row.text(2);
    job.status = row.text(3);
    job.run_at = from_unix_micros(row.integer(4));
    job.attempts = static_cast<int>(row.integer(5));
    job.max_attempts = static_cast<int>(row.integer(6));
    job.last_error = row.optional_text(7);
    job.created_at = from_unix_micros(row.integer(8));
    return std::optional<Job>(std::move(job));
  });
}

Result<void> Worker::finish(const Job& job, const Result<void>& outcome) {
  return db_.transaction([&](storage::Connection& c) -> Result<void> {
    std::int64_t now = to_unix_micros(clock_.now());
    Result<std::int64_t> changed = std::int64_t{0};
    if (outcome) {
      changed = c.execute(
          "UPDATE jobs SET status = 'done', finished_at = ?, updated_at = ?, locked_by = NULL, locked_until = NULL, "
          "last_error = NULL WHERE id = ? AND locked_by = ?",
          {now, now, job.id, options_.worker_id});
    } else if (job.attempts >= job.max_attempts) {
      changed = c.execute(
          "UPDATE jobs SET status = 'failed', finished_at = ?, updated_at = ?, locked_by = NULL, locked_until = NULL, "
          "last_error = ? WHERE id = ? AND locked_by = ?",
          {now, now, outcome.error().message, job.id, options_.worker_id});
    } else {
      auto delay = backoff_delay(job.attempts, job.id, options_.base_backoff, options_.max_backoff);
      std::int64_t next = now + std::chrono::duration_cast<std::chrono::microseconds>(delay).count();
      changed = c.execute(
          "UPDATE jobs SET status = 'pending', run_at = ?, updated_at = ?, locked_by = NULL, locked_until = NULL, "
          "last_error = ? WHERE id = ? AND locked_by = ?",
          {next, now, outcome.error().message, job.id, options_.worker_id});
    }
    if (!changed) return std::move(changed).error();
    return {};
  });
}

Result<int> Worker::run_due(int max_jobs) {
  int ran = 0;
  while (ran < max_jobs) {
    auto claimed = claim();
    if (!claimed) return std::move(claimed).error();
    if (!claimed->has_value()) break;
    const Job& job = **claimed;
    Result<void> outcome;
    auto handler = handlers_.find(job.kind);
    if (handler == handlers_.end()) {
      outcome = make_error(Errc::no_handler, "no handler for job kind " + job.kind);
    } else {
      try {
        outcome = handler->second(job);
      } catch (const std::exception& e) {
        outcome = make_error(Errc::job_exception, e.what());
      }
    }
    if (!outcome) {
      log_event(LogLevel::warn, "job_failed",
                {{"job", job.id},
                 {"kind", job.kind},
                 {"attempt", job.attempts},
                 {"error", outcome.error().code.name()},
                 {"message", outcome.error().message}});
    }
    if (auto finished = finish(job, outcome); !finished) return std::move(finished).error();
    ++ran;
  }
  return ran;
}

void Worker::start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      auto ran = run_due(100);
      if (!ran) {
        log_event(LogLevel::error, "worker_error",
                  {{"error", ran.error().code.name()}, {"message", ran.error().message}});
      }
      lock.lock();
      if (ran && *ran == 100) continue;  // more may be due: no pause
      wake_.wait_for(lock, options_.poll_interval, [this] { return stopping_; });
    }
  });
}

void Worker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void register_job_pruning(Worker& worker, storage::Database& db, const Clock& clock) {
  worker.handle(std::string(kPruneJobsKind), [&db, &clock](const Job&) -> Result<void> {
    auto pruned = prune_finished_jobs(db, clock);
    if (!pruned) return std::move(pruned).error();
    if (*pruned > 0) log_event(LogLevel::info, "jobs_pruned", {{"jobs", *pruned}});
    return schedule_next_hour(db, kPruneJobsKind, clock);
  });
  if (auto scheduled = schedule_next_hour(db, kPruneJobsKind, clock); !scheduled) {
    log_event(LogLevel::warn, "schedule_failed",
              {{"job", std::string(kPruneJobsKind)}, {"error", scheduled.error().message}});
  }
}

}  // namespace guichet::jobs
