#pragma once
// The durable outbox shared by every module. A change and the work it causes are written in
// one transaction (enqueue takes the caller's Connection); workers on every node run due jobs.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::jobs {

// Workers claim urgent jobs first, then normal, then background; within one, the oldest due.
enum class JobPriority {
  urgent = 0,      // security mails: verification and reset links, warnings to the account holder
  normal = 1,      // confirmations of what the person just did
  background = 2,  // reminders, offers, webhooks
};

struct NewJob {
  std::string kind;               // "email.send", "webhook.call", "booking.reminder"
  std::string payload;            // JSON
  std::optional<Instant> run_at;  // now when empty
  int max_attempts = 8;
  // Enqueueing a key that already exists keeps the first job (a reminder is queued once).
  std::optional<std::string> dedupe_key;
  JobPriority priority = JobPriority::normal;
};

struct Job {
  std::int64_t id = 0;
  std::string kind;
  std::string payload;
  std::string status;  // pending, running, done, failed
  Instant run_at;
  int attempts = 0;  // including the one under way
  int max_attempts = 0;
  std::optional<std::string> last_error;
  Instant created_at;
  std::optional<Instant> finished_at;
};

// Returns the job id, or the existing job's id when the dedupe key was already queued.
Result<std::int64_t> enqueue(storage::Connection& transaction, const NewJob& job, const Clock& clock);

// Queues an hourly housekeeping job (`kind`, no payload, background priority) for the start of
// the next hour, once across nodes: its dedupe key is the hour. Its handler calls this again.
Result<void> schedule_next_hour(storage::Database& db, std::string_view kind, const Clock& clock);
// The same for any period: the job is due at the start of the next period (once across nodes).
Result<void> schedule_next_period(storage::Database& db, std::string_view kind, std::chrono::seconds period,
                                  const Clock& clock);

// Deletes jobs that finished (done) more than `keep` ago, and those with a dedupe key only after
// `keep_keyed` (so a reminder or an hourly run is not queued again by its key while it could still
// matter); at most `limit` a call. Failed jobs stay for operators. Returns how many went.
Result<std::int64_t> prune_finished_jobs(storage::Database& db, const Clock& clock,
                                         std::chrono::hours keep = std::chrono::hours(24 * 7),
                                         std::chrono::hours keep_keyed = std::chrono::hours(24 * 120),
                                         int limit = 10000);
inline constexpr std::string_view kPruneJobsKind = "jobs.prune";

// What /metrics shows of the outbox.
struct QueueStats {
  std::int64_t due[3] = {0, 0, 0};  // pending and due now, by priority
  std::int64_t running = 0;
  std::int64_t failed = 0;                 // gave up after their last attempt
  std::chrono::seconds oldest_due_age{0};  // how long the longest-waiting due job has waited
};
Result<QueueStats> queue_stats(storage::Database& db, const Clock& clock);

Result<std::vector<Job>> list_jobs(storage::Database& db, std::optional<std::string> status, int limit);
// Puts a failed job back in the queue, due now, with a fresh set of attempts.
Result<void> retry_job(storage::Database& db, std::int64_t id, const Clock& clock);

// base * 2^(attempt-1), capped, with up to +25% spread derived from the job id so that jobs
// failing together do not all come back at the same instant.
std::chrono::seconds backoff_delay(int attempt, std::int64_t job_id, std::chrono::seconds base,
                                   std::chrono::seconds cap);

}  // namespace guichet::jobs
