#include "guichet/jobs/outbox.hpp"

#include <algorithm>
#include "guichet/jobs/errors.hpp"

namespace guichet::jobs {
using storage::Params;
using storage::Value;

Result<std::int64_t> enqueue(storage::Connection& tx, const NewJob& job, const Clock& clock) {
  if (job.kind.empty()) return make_error(Errc::bad_job, "a job needs a kind");
  if (job.max_attempts < 1) return make_error(Errc::bad_job, "a job needs at least one attempt");
  std::int64_t now = to_unix_micros(clock.now());
  std::int64_t run_at = job.run_at ? to_unix_micros(*job.run_at) : now;
  Value dedupe = job.dedupe_key ? Value(*job.dedupe_key) : Value(nullptr);
  if (job.dedupe_key) {
    auto existing = tx.query("SELECT id FROM jobs WHERE dedupe_key = ?", {dedupe});
    if (!existing) return std::move(existing).error();
    if (!existing->empty()) return existing->rows[0].integer(0);
  }
  auto inserted = tx.query(
      "INSERT INTO jobs (kind, payload, status, run_at, attempts, max_attempts, dedupe_key, priority, created_at, "
      "updated_at) VALUES (?, ?, 'pending', ?, 0, ?, ?, ?, ?, ?) RETURNING id",
      {job.kind, job.payload, run_at, std::int64_t{job.max_attempts}, dedupe, static_cast<std::int64_t>(job.priority),
       now, now});
  if (!inserted) return std::move(inserted).error();
  return inserted->rows.at(0).integer(0);
}

namespace {
constexpr const char* kColumns =
    "id, kind, payload, status, run_at, attempts, max_attempts, last_error, created_at, finished_at";

Job job_from_row(const storage::Row& row) {
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
  if (auto finished = row.optional_integer(9)) job.finished_at = from_unix_micros(*finished);
  return job;
}
}  // namespace

Result<QueueStats> queue_stats(storage::Database& db, const Clock& clock) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  const std::int64_t now = to_unix_micros(clock.now());
  auto due = (*connection)
                 ->query(
                     "SELECT priority, COUNT(*), MIN(run_at) FROM jobs WHERE status = 'pending' AND run_at <= ? "
                     "GROUP BY priority",
                     {now});
  if (!due) return std::move(due).error();
  QueueStats stats;
  std::int64_t oldest = now;
  for (const auto& row : due->rows) {
    auto priority = std::clamp<std::int64_t>(row.integer(0), 0, 2);
    stats.due[priority] = row.integer(1);
    oldest = std::min(oldest, row.integer(2));
  }
  stats.oldest_due_age = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::microseconds(now - oldest));
  auto states =
      (*connection)->query("SELECT status, COUNT(*) FROM jobs WHERE status IN ('running', 'failed') GROUP BY status");
  if (!states) return std::move(states).error();
  for (const auto& row : states->rows) {
    (row.text(0) == "running" ? stats.running : stats.failed) = row.integer(1);
  }
  return stats;
}

Result<std::vector<Job>> list_jobs(storage::Database& db, std::optional<std::string> status, int limit) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  limit = std::clamp(limit, 1, 10000);
  std::string sql = std::string("SELECT ") + kColumns + " FROM jobs";
  Params params;
  if (status) {
    sql += " WHERE status = ?";
    params.emplace_back(*status);
  }
  sql += " ORDER BY id DESC LIMIT ?";
  params.emplace_back(std::int64_t{limit});
  auto rows = (*connection)->query(sql, params);
  if (!rows) return std::move(rows).error();
  std::vector<Job> jobs;
  for (const auto& row : rows->rows) jobs.push_back(job_from_row(row));
  return jobs;
}

Result<void> retry_job(storage::Database& db, std::int64_t id, const Clock& clock) {
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    std::int64_t now = to_unix_micros(clock.now());
    auto changed = c.execute(
        "UPDATE jobs SET status = 'pending', attempts = 0, run_at = ?, updated_at = ?, finished_at = NULL "
        "WHERE id = ? AND status = 'failed'",
        {now, now, id});
    if (!changed) return std::move(changed).error();
    if (*changed == 0) return make_error(Errc::no_failed_job, "no failed job with id " + std::to_string(id));
    return {};
  });
}

std::chrono::seconds backoff_delay(int attempt, std::int64_t job_id, std::chrono::seconds base,
                                   std::chrono::seconds cap) {
  attempt = std::clamp(attempt, 1, 30);
  double delay = static_cast<double>(base.count()) * static_cast<double>(1LL << (attempt - 1));
  delay = std::min(delay, static_cast<double>(cap.count()));
  double spread = static_cast<double>((static_cast<std::uint64_t>(job_id) * 2654435761ULL) % 1000) / 4000.0;
  return std::chrono::seconds(static_cast<std::int64_t>(delay * (1.0 + spread)));
}

Result<std::int64_t> prune_finished_jobs(storage::Database& db, const Clock& clock, std::chrono::hours keep,
                                         std::chrono::hours keep_keyed, int limit) {
  const std::int64_t now = to_unix_micros(clock.now());
  const std::int64_t before = now - std::chrono::duration_cast<std::chrono::microseconds>(keep).count();
  const std::int64_t keyed_before = now - std::chrono::duration_cast<std::chrono::microseconds>(keep_keyed).count();
  return db.transaction([&](storage::Connection& c) -> Result<std::int64_t> {
    return c.execute(
        "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE status = 'done' AND ((dedupe_key IS NULL AND "
        "finished_at < ?) OR finished_at < ?) LIMIT ?)",
        {before, keyed_before, std::int64_t{limit}});
  });
}

Result<void> schedule_next_hour(storage::Database& db, std::string_view kind, const Clock& clock) {
  return schedule_next_period(db, kind, std::chrono::hours(1), clock);
}

Result<void> schedule_next_period(storage::Database& db, std::string_view kind, std::chrono::seconds period,
                                  const Clock& clock) {
  const auto since_epoch = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch());
  const std::int64_t slot = since_epoch / period + 1;
  const Instant next{period * slot};
  // Hours keep their old keys (the hour's number), so a job queued before an upgrade is not
  // queued twice.
  const std::string key =
      std::string(kind) + ":" +
      (period == std::chrono::hours(1) ? std::to_string(slot)
                                       : std::to_string(period.count()) + "s" + std::to_string(slot));
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto queued = enqueue(c, NewJob{std::string(kind), "{}", next, 3, key, JobPriority::background}, clock);
    if (!queued) return std::move(queued).error();
    return {};
  });
}

}  // namespace guichet::jobs
