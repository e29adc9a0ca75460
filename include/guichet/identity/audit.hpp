#pragma once
// The append-only, hash-chained log of security-relevant events. Database triggers refuse
// updates and deletions; verify_audit_chain() detects an edit or a deletion made around them
// (by someone with direct access to the database).
#include <cstdint>
#include <optional>
#include <string>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

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

}  // namespace guichet::identity
