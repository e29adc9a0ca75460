#include "guichet/identity/audit.hpp"

#include "guichet/core/digest.hpp"
#include "guichet/identity/errors.hpp"

namespace guichet::identity {
namespace {

constexpr std::string_view kGenesis = "0000000000000000000000000000000000000000000000000000000000000000";

// Length-prefixed fields, so no choice of field contents can make two events hash alike.
std::string event_hash(std::string_view previous, std::int64_t seq, std::int64_t at, std::string_view actor,
                       std::string_view action, std::string_view subject, std::string_view details) {
  // The numbers are kept in named strings: views of temporaries in the loop's initializer would
  // dangle (C++20 ends their lifetime before the loop body runs).
  const std::string seq_text = std::to_string(seq);
  const std::string at_text = std::to_string(at);
  std::string material;
  for (std::string_view field :
       {previous, std::string_view(seq_text), std::string_view(at_text), actor, action, subject, details}) {
    material += std::to_string(field.size());
    material += ':';
    material += field;
  }
  return sha256_hex(material);
}

}  // namespace

Result<std::int64_t> record_audit(storage::Connection& tx, const AuditEvent& event, const Clock& clock) {
  if (event.actor.empty() || event.action.empty()) {
    return make_error(Errc::bad_audit_event, "an audit event needs an actor and an action");
  }
  if (tx.backend() == storage::Backend::postgresql) {
    if (auto locked = tx.query("SELECT pg_advisory_xact_lock(4823012)"); !locked) return std::move(locked).error();
  }
  auto last = tx.query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  if (!last) return std::move(last).error();
  std::int64_t seq = last->empty() ? 1 : last->rows[0].integer(0) + 1;
  std::string previous = last->empty() ? std::string(kGenesis) : last->rows[0].text(1);
  std::int64_t at = to_unix_micros(clock.now());
  std::string hash = event_hash(previous, seq, at, event.actor, event.action, event.subject, event.details);
  auto inserted = tx.execute(
      "INSERT INTO audit_log (seq, at, actor, action, subject, details, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, "
      "?, ?)",
      {seq, at, event.actor, event.action, event.subject, event.details, previous, hash});
  if (!inserted) return std::move(inserted).error();
  return seq;
}

Result<AuditVerification> verify_audit_chain(storage::Database& db) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  AuditVerification result;
  std::string previous(kGenesis);
  std::int64_t expected_seq = 1;
  constexpr std::int64_t kBatch = 5000;
  for (;;) {
    auto rows =
        (*connection)
            ->query(
                "SELECT seq, at, actor, action, subject, details, previous_hash, hash FROM audit_log WHERE seq >= ? "
                "ORDER BY seq LIMIT ?",
                {expected_seq, kBatch});
    if (!rows) return std::move(rows).error();
    for (const auto& row : rows->rows) {
      std::int64_t seq = row.integer(0);
      auto fail = [&](std::string problem) {
        result.intact = false;
        result.broken_at = expected_seq;
        result.problem = std::move(problem);
      };
      if (seq != expected_seq) {
        fail("event " + std::to_string(expected_seq) + " is missing");
        return result;
      }
      if (row.text(6) != previous) {
        fail("event " + std::to_string(seq) + " does not follow the event before it");
        return result;
      }
      if (event_hash(previous, seq, row.integer(1), row.text(2), row.text(3), row.text(4), row.text(5)) !=
          row.text(7)) {
        fail("event " + std::to_string(seq) + " was altered");
        return result;
      }
      previous = row.text(7);
      ++expected_seq;
      ++result.events;
    }
    if (static_cast<std::int64_t>(rows->size()) < kBatch) break;
  }
  return result;
}

}  // namespace guichet::identity
