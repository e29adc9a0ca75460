#include "guichet/identity/audit.hpp"

#include <boost/json.hpp>
#include <map>

#include "guichet/core/digest.hpp"
#include "guichet/core/log.hpp"
#include "guichet/identity/errors.hpp"
#include "guichet/jobs/outbox.hpp"
#include "guichet/jobs/worker.hpp"

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

constexpr std::string_view kCheckpointPurpose = "audit checkpoint";
constexpr std::string_view kCheckpointJobKind = "audit.checkpoint";

// What a checkpoint's MAC covers: every field that says where the chain stood.
std::string checkpoint_material(const AuditCheckpoint& checkpoint) {
  return std::to_string(checkpoint.seq) + "\n" + checkpoint.hash + "\n" + std::to_string(to_unix_micros(checkpoint.at));
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

Result<AuditVerification> verify_audit_chain(storage::Database& db) { return verify_audit_chain(db, {}, nullptr); }

Result<AuditVerification> verify_audit_chain(storage::Database& db, const std::vector<AuditCheckpoint>& checkpoints,
                                             const SecretKey* key) {
  for (const auto& checkpoint : checkpoints) {
    if (checkpoint.mac.empty()) continue;
    if (key == nullptr) {
      return make_error(Errc::bad_audit_checkpoint,
                        "a checkpoint carries a MAC: give the secrets key (--secrets-key-file) to check it");
    }
    if (checkpoint.key_id != key->id() ||
        !key->mac_matches(checkpoint_material(checkpoint), kCheckpointPurpose, checkpoint.mac)) {
      return make_error(Errc::bad_audit_checkpoint, "the checkpoint of event " + std::to_string(checkpoint.seq) +
                                                        " was not made with this secrets key (forged or altered)");
    }
  }
  // The hashes the checkpoints name, to compare with the chain as it is read.
  std::map<std::int64_t, std::string> wanted;
  for (const auto& checkpoint : checkpoints) {
    if (checkpoint.seq > 0) wanted[checkpoint.seq] = checkpoint.hash;
  }
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
      if (auto named = wanted.find(seq); named != wanted.end() && named->second != row.text(7)) {
        fail("event " + std::to_string(seq) +
             " is not the one a checkpoint recorded: the log was rewritten from there");
        return result;
      }
      previous = row.text(7);
      ++expected_seq;
      ++result.events;
    }
    if (static_cast<std::int64_t>(rows->size()) < kBatch) break;
  }
  // A checkpoint past the end: the newest events were removed, leaving a shorter chain that
  // verifies on its own.
  if (!wanted.empty() && wanted.rbegin()->first > result.events) {
    result.intact = false;
    result.broken_at = result.events + 1;
    result.problem = "the log ends at event " + std::to_string(result.events) + " but a checkpoint recorded event " +
                     std::to_string(wanted.rbegin()->first) + ": the newest events were removed";
  }
  return result;
}

Result<AuditCheckpoint> audit_checkpoint(storage::Database& db, const Clock& clock, const SecretKey* key) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto last = (*connection)->query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  if (!last) return std::move(last).error();
  AuditCheckpoint checkpoint;
  checkpoint.seq = last->empty() ? 0 : last->rows[0].integer(0);
  checkpoint.hash = last->empty() ? std::string(kGenesis) : last->rows[0].text(1);
  checkpoint.at = from_unix_micros(to_unix_micros(clock.now()));
  if (key != nullptr) {
    checkpoint.key_id = key->id();
    checkpoint.mac = key->mac(checkpoint_material(checkpoint), kCheckpointPurpose);
  }
  return checkpoint;
}

namespace {
boost::json::object checkpoint_fields(const AuditCheckpoint& checkpoint) {
  boost::json::object fields{{"seq", checkpoint.seq},
                             {"hash", checkpoint.hash},
                             {"at", format_rfc3339(checkpoint.at)},
                             {"at_us", to_unix_micros(checkpoint.at)}};
  if (!checkpoint.mac.empty()) {
    fields["key"] = checkpoint.key_id;
    fields["mac"] = checkpoint.mac;
  }
  return fields;
}
}  // namespace

std::string checkpoint_line(const AuditCheckpoint& checkpoint) {
  return boost::json::serialize(checkpoint_fields(checkpoint));
}

Result<AuditCheckpoint> parse_audit_checkpoint(std::string_view line) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(line, ec);
  auto bad = [](const std::string& why) { return make_error(Errc::bad_audit_checkpoint, "not a checkpoint: " + why); };
  if (ec || !value.is_object()) return bad("not a JSON object");
  const auto& object = value.as_object();
  const auto* seq = object.if_contains("seq");
  const auto* hash = object.if_contains("hash");
  const auto* at = object.if_contains("at_us");
  if (seq == nullptr || !seq->is_int64() || seq->as_int64() < 0) return bad("seq");
  if (hash == nullptr || !hash->is_string() || hash->as_string().size() != 64) return bad("hash");
  if (at == nullptr || !at->is_int64()) return bad("at_us");
  AuditCheckpoint checkpoint;
  checkpoint.seq = seq->as_int64();
  checkpoint.hash = std::string(hash->as_string());
  checkpoint.at = from_unix_micros(at->as_int64());
  if (const auto* mac = object.if_contains("mac"); mac != nullptr && mac->is_string()) {
    checkpoint.mac = std::string(mac->as_string());
    const auto* key = object.if_contains("key");
    if (key == nullptr || !key->is_string()) return bad("a MAC without its key id");
    checkpoint.key_id = std::string(key->as_string());
  }
  return checkpoint;
}

void register_audit_checkpoints(jobs::Worker& worker, storage::Database& db, const Clock& clock,
                                std::optional<SecretKey> key) {
  // Hourly, on whichever node takes the job: one line in the log stream, which operators ship off
  // the host (a log collector, a write-once store), where whoever alters the database cannot reach.
  worker.handle(std::string(kCheckpointJobKind), [&db, &clock, key = std::move(key)](const jobs::Job&) -> Result<void> {
    auto checkpoint = audit_checkpoint(db, clock, key ? &*key : nullptr);
    if (!checkpoint) return std::move(checkpoint).error();
    log_event(LogLevel::info, "audit.checkpoint", checkpoint_fields(*checkpoint));
    return jobs::schedule_next_hour(db, kCheckpointJobKind, clock);
  });
  if (auto scheduled = jobs::schedule_next_hour(db, kCheckpointJobKind, clock); !scheduled) {
    log_event(LogLevel::warn, "schedule_failed",
              {{"job", std::string(kCheckpointJobKind)}, {"error", scheduled.error().message}});
  }
}

}  // namespace guichet::identity
