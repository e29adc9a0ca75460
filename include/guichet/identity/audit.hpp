#pragma once
// The append-only, hash-chained log of security-relevant events. Database triggers refuse
// updates and deletions; verify_audit_chain() detects an edit or a deletion made around them
// (by someone with direct access to the database).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/core/secrets.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::jobs {
class Worker;
}

namespace guichet::identity {

struct AuditEvent {
  std::string actor;           // "user:42", "cli", "system"
  std::string action;          // "user.created"
  std::string subject;         // what it is about: "user:42"
  std::string details = "{}";  // JSON object
};

// Appends inside the caller's transaction, so the event commits with the change it records.
// Appends are serialised (an advisory lock on PostgreSQL, the write lock on SQLite) so the chain
// never forks, whatever the number of nodes.
Result<std::int64_t> record_audit(storage::Connection& transaction, const AuditEvent& event, const Clock& clock);

struct AuditVerification {
  std::int64_t events = 0;
  bool intact = true;
  std::optional<std::int64_t> broken_at;  // the first sequence number that does not check out
  std::string problem;
};
Result<AuditVerification> verify_audit_chain(storage::Database& db);

// The chain's head, written outside the database so that removing the newest events (which leaves
// a shorter chain that still verifies) is found: the log stream gets one every hour (event
// `audit.checkpoint`), and `guichet admin audit checkpoint` prints one on demand. With the
// secrets key, a checkpoint carries a MAC under it (`key` names it), so one cannot be made by
// whoever can only write the database.
struct AuditCheckpoint {
  std::int64_t seq = 0;  // 0: the log was empty
  std::string hash;
  Instant at;
  std::string key_id;  // empty: no MAC
  std::string mac;
};
Result<AuditCheckpoint> audit_checkpoint(storage::Database& db, const Clock& clock, const SecretKey* key);
// One JSON object: {"seq":…,"hash":"…","at":"RFC 3339","at_us":…,"key":"…","mac":"…"} (key and
// mac only with a MAC).
std::string checkpoint_line(const AuditCheckpoint& checkpoint);
// From a checkpoint line, or any JSON log line carrying its fields (seq, hash, at_us; key and mac
// when it has a MAC); `at` is for people and not read.
Result<AuditCheckpoint> parse_audit_checkpoint(std::string_view line);
// Verifies the chain, then that it still holds every checkpoint: the event at its sequence number,
// with its hash. A checkpoint with a MAC is checked with `key` (refused without it).
Result<AuditVerification> verify_audit_chain(storage::Database& db, const std::vector<AuditCheckpoint>& checkpoints,
                                             const SecretKey* key);
// The hourly job writing a checkpoint to the log stream (on whichever node takes it).
void register_audit_checkpoints(jobs::Worker& worker, storage::Database& db, const Clock& clock,
                                std::optional<SecretKey> key);

}  // namespace guichet::identity
