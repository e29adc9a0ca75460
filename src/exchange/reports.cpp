#include "guichet/exchange/reports.hpp"

#include <set>

#include <boost/json.hpp>

#include "guichet/core/log.hpp"
#include "guichet/exchange/errors.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/jobs/outbox.hpp"
#include "names.hpp"
#include "wire.hpp"

namespace guichet::exchange {
namespace json = boost::json;
namespace {

// Refusals whose sender was not proved: not told, since anyone could send them.
bool sender_proved(const JournalEntry& e) {
  static const std::set<std::string, std::less<>> unproved{"unknown_node",  "unknown_key",   "key_expired",
                                                           "bad_signature", "stale_request", "replayed_request",
                                                           "bad_request"};
  return !unproved.contains(e.reason);
}

json::object report_entry(const JournalEntry& e, const std::string& consumer_name) {
  json::object out{{"seq", e.seq},
                   {"at", to_unix_micros(e.at)},
                   {"consumer", e.consumer},
                   {"consumer_name", consumer_name},
                   {"purpose", e.purpose},
                   {"legal_basis", legal_basis_json(e.legal_basis)},
                   {"person", e.person_id},
                   {"attributes", names_array(e.attributes)},
                   {"released", names_array(e.released)},
                   {"outcome", e.outcome},
                   {"request_hash", e.request_hash}};
  if (!e.reason.empty()) out["reason"] = e.reason;
  return out;
}

// A list of names as a report carries it: at most 50 names of 1 to 64 characters (empty allowed:
// nothing released).
std::optional<std::vector<std::string>> names_member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_array() || v->as_array().size() > 50) return std::nullopt;
  std::vector<std::string> out;
  for (const json::value& item : v->as_array()) {
    if (!item.is_string() || item.as_string().empty() || item.as_string().size() > 64) return std::nullopt;
    out.emplace_back(item.as_string());
  }
  return out;
}

Error bad_member(std::size_t index, std::string_view member) {
  Error error = make_error(
      Errc::bad_request, "entries[" + std::to_string(index) + "]." + std::string(member) + " is missing or not valid");
  error.field = "entries";
  return error;
}

// One reported entry, checked member by member.
Result<ReportedAccess> parse_report_entry(const json::value& value, std::size_t index, const std::string& provider) {
  if (!value.is_object()) return bad_member(index, "");
  const json::object& o = value.as_object();
  ReportedAccess r;
  JournalEntry& e = r.entry;
  e.side = Side::provider;
  e.provider = provider;
  auto seq = int_member(o, "seq");
  if (!seq || *seq < 1) return bad_member(index, "seq");
  e.seq = *seq;
  auto at = int_member(o, "at");
  if (!at || *at < 0) return bad_member(index, "at");
  e.at = from_unix_micros(*at);
  auto consumer = text_member(o, "consumer");
  if (!consumer || !valid_node_id(*consumer)) return bad_member(index, "consumer");
  e.consumer = *consumer;
  auto consumer_name = text_member(o, "consumer_name");
  if (!consumer_name || consumer_name->size() > 200) return bad_member(index, "consumer_name");
  r.consumer_name = consumer_name->empty() ? *consumer : *consumer_name;
  auto purpose = text_member(o, "purpose");
  if (!purpose || purpose->size() > 100) return bad_member(index, "purpose");
  e.purpose = *purpose;
  auto basis = legal_basis_of(o);
  if (!basis) return bad_member(index, "legal_basis");
  e.legal_basis = *basis;
  auto person = text_member(o, "person");
  if (!person || person->empty() || person->size() > 40) return bad_member(index, "person");
  e.person_id = *person;
  auto attributes = names_member(o, "attributes");
  if (!attributes) return bad_member(index, "attributes");
  e.attributes = std::move(*attributes);
  auto released = names_member(o, "released");
  if (!released) return bad_member(index, "released");
  e.released = std::move(*released);
  auto outcome = text_member(o, "outcome");
  if (!outcome || (*outcome != "answered" && *outcome != "not_found" && *outcome != "refused")) {
    return bad_member(index, "outcome");
  }
  e.outcome = *outcome;
  if (const json::value* reason = o.if_contains("reason")) {
    if (!reason->is_string() || reason->as_string().size() > 40) return bad_member(index, "reason");
    e.reason = std::string(reason->as_string());
  }
  auto hash = text_member(o, "request_hash");
  if (!hash || hash->size() > 64) return bad_member(index, "request_hash");
  e.request_hash = *hash;
  return r;
}

constexpr std::string_view kReportedColumns =
    "id, provider, provider_seq, at, consumer, consumer_name, purpose, legal_basis_kind, legal_basis, person_id, "
    "attributes, released, outcome, reason, request_hash";

ReportedAccess reported_of(const storage::Row& row) {
  ReportedAccess r;
  r.id = row.integer(0);
  JournalEntry& e = r.entry;
  e.side = Side::provider;
  e.provider = row.text(1);
  e.seq = row.integer(2);
  e.at = from_unix_micros(row.integer(3));
  e.consumer = row.text(4);
  r.consumer_name = row.text(5);
  e.purpose = row.text(6);
  e.legal_basis = LegalBasis{parse_legal_basis_kind(row.text(7)).value_or(LegalBasisKind::law), row.text(8)};
  e.person_id = row.text(9);
  e.attributes = names_of(row.text(10));
  e.released = names_of(row.text(11));
  e.outcome = row.text(12);
  e.reason = row.text(13);
  e.request_hash = row.text(14);
  return r;
}

// The peers told and where each stopped.
struct Told {
  Peer peer;
  std::int64_t reported_seq = 0;
};

Result<std::vector<Told>> peers_told(storage::Database& db) {
  auto rows = db.read([](storage::Connection& c) {
    return c.query(
        "SELECT node_id, name, url, reported_seq FROM exchange_peers WHERE reports_accesses = 1 ORDER BY node_id");
  });
  if (!rows) return std::move(rows).error();
  std::vector<Told> out;
  for (const storage::Row& row : rows->rows) {
    out.push_back(Told{Peer{row.text(0), row.text(1), row.text(2)}, row.integer(3)});
  }
  return out;
}

// Sends one peer what remains, in batches; returns how many entries went.
Result<std::int64_t> tell(Node& node, storage::Database& db, const Clock& clock, const Told& told,
                          const std::map<std::string, std::string>& names) {
  std::int64_t sent = 0;
  std::int64_t after = told.reported_seq;
  for (;;) {
    JournalQuery query;
    query.side = Side::provider;
    query.after_seq = after;
    query.oldest_first = true;
    query.limit = static_cast<std::int64_t>(kMaxReportEntries);
    auto entries = read_journal(db, query);
    if (!entries) return std::move(entries).error();
    if (entries->empty()) return sent;
    json::array batch;
    for (const JournalEntry& e : *entries) {
      if (e.consumer == told.peer.node_id || e.person_id.empty() || !sender_proved(e)) continue;
      auto name = names.find(e.consumer);
      batch.push_back(report_entry(e, name == names.end() ? e.consumer : name->second));
    }
    const std::int64_t last = entries->back().seq;
    if (!batch.empty()) {
      const std::size_t count = batch.size();
      json::object payload{{"typ", kAccessReportType},
                           {"iss", node.id()},
                           {"aud", told.peer.node_id},
                           {"iat", seconds_of(clock.now())},
                           {"entries", std::move(batch)}};
      auto compact = node.keys().sign(json::serialize(payload));
      if (!compact) return std::move(compact).error();
      auto reply = node.transport().post(told.peer.url + "/exchange/v1/accesses", "application/jose", *compact);
      if (!reply) return make_error(Errc::peer_unreachable, told.peer.node_id + ": " + reply.error().message);
      if (reply->status != 200) {
        return make_error(Errc::bad_response,
                          told.peer.node_id + " answered the report with " + std::to_string(reply->status));
      }
      sent += static_cast<std::int64_t>(count);
    }
    // Never backwards: two nodes sending at once tell the same entries twice, which the peer keeps once.
    auto moved = db.transaction([&](storage::Connection& c) -> Result<void> {
      auto updated = c.execute("UPDATE exchange_peers SET reported_seq = ? WHERE node_id = ? AND reported_seq < ?",
                               {last, told.peer.node_id, last});
      if (!updated) return std::move(updated).error();
      return {};
    });
    if (!moved) return std::move(moved).error();
    after = last;
    if (entries->size() < kMaxReportEntries) return sent;
  }
}

Result<bool> anyone_told(storage::Database& db) {
  auto rows = db.read([](storage::Connection& c) {
    return c.query("SELECT 1 FROM exchange_peers WHERE reports_accesses = 1 LIMIT 1");
  });
  if (!rows) return std::move(rows).error();
  return !rows->empty();
}

}  // namespace

Result<void> report_accesses_to(storage::Database& db, const std::string& peer, bool reports, const std::string& actor,
                                const Clock& clock) {
  auto done = db.transaction([&](storage::Connection& c) -> Result<void> {
    auto updated = c.execute("UPDATE exchange_peers SET reports_accesses = ? WHERE node_id = ?",
                             {std::int64_t{reports ? 1 : 0}, peer});
    if (!updated) return std::move(updated).error();
    if (*updated == 0) return make_error(Errc::no_such_peer, "node " + peer + " is not in the node registry");
    auto audited = identity::record_audit(
        c,
        identity::AuditEvent{actor, reports ? "exchange.access_reports_started" : "exchange.access_reports_stopped",
                             "node:" + peer, "{}"},
        clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
  if (!done) return done;
  if (reports) return jobs::schedule_next_period(db, kReportAccessesJobKind, std::chrono::minutes(1), clock);
  return {};
}

Result<ReportRun> send_access_reports(Node& node, storage::Database& db, const Clock& clock) {
  auto told = peers_told(db);
  if (!told) return std::move(told).error();
  ReportRun run;
  if (told->empty()) return run;
  auto peers = node.peers().list();
  if (!peers) return std::move(peers).error();
  std::map<std::string, std::string> names;
  for (const Peer& p : *peers) names[p.node_id] = p.name;
  for (const Told& t : *told) {
    auto sent = tell(node, db, clock, t, names);
    if (!sent) {
      log_event(LogLevel::warn, "exchange_report_failed", {{"peer", t.peer.node_id}, {"error", sent.error().message}});
      run.unreachable.push_back(t.peer.node_id);
      continue;
    }
    run.sent += *sent;
  }
  return run;
}

Result<std::int64_t> receive_access_report(Node& node, storage::Database& db, std::string_view compact,
                                           const Clock& clock) {
  if (compact.size() > kMaxReportBytes) return make_error(Errc::bad_request, "a report is at most 1 MiB");
  auto claimed = peek_payload(compact);
  if (!claimed) return make_error(Errc::bad_request, claimed.error().message);
  auto issuer = text_member(*claimed, "iss");
  if (!issuer || !valid_node_id(*issuer)) return make_error(Errc::unknown_node, "the report names no known issuer");
  auto verified = node.peers().verify(*issuer, compact);
  if (!verified) return std::move(verified).error();
  const json::object& report = verified->payload;
  if (text_member(report, "typ") != std::string(kAccessReportType)) {
    return make_error(Errc::bad_request, "this is not an access report");
  }
  if (text_member(report, "aud") != node.id())
    return make_error(Errc::bad_request, "the report is meant for another node");
  const json::value* entries = report.if_contains("entries");
  if (entries == nullptr || !entries->is_array() || entries->as_array().size() > kMaxReportEntries) {
    return make_error(Errc::bad_request, "entries is a list of at most 200 accesses");
  }
  std::vector<ReportedAccess> parsed;
  for (std::size_t i = 0; i < entries->as_array().size(); ++i) {
    auto entry = parse_report_entry(entries->as_array()[i], i, *issuer);
    if (!entry) return std::move(entry).error();
    parsed.push_back(std::move(entry).value());
  }
  const std::int64_t received_at = to_unix_micros(clock.now());
  return db.transaction([&](storage::Connection& c) -> Result<std::int64_t> {
    std::int64_t added = 0;
    for (const ReportedAccess& r : parsed) {
      const JournalEntry& e = r.entry;
      auto inserted = c.execute(
          "INSERT INTO exchange_reported_accesses (provider, provider_seq, at, consumer, consumer_name, purpose, "
          "legal_basis_kind, legal_basis, person_id, attributes, released, outcome, reason, request_hash, "
          "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, provider_seq) "
          "DO NOTHING",
          {e.provider, e.seq, to_unix_micros(e.at), e.consumer, r.consumer_name, e.purpose,
           std::string(to_string(e.legal_basis.kind)), e.legal_basis.reference, e.person_id, names_json(e.attributes),
           names_json(e.released), e.outcome, e.reason, e.request_hash, received_at});
      if (!inserted) return std::move(inserted).error();
      added += *inserted;
    }
    return added;
  });
}

Result<std::vector<ReportedAccess>> reported_accesses(storage::Database& db, const std::string& person_id,
                                                      std::optional<ReportPosition> before, std::int64_t limit) {
  if (limit < 1 || limit > 1000) return make_error(Errc::bad_journal_query, "a page holds 1 to 1000 entries");
  std::string sql =
      std::string("SELECT ") + std::string(kReportedColumns) + " FROM exchange_reported_accesses WHERE person_id = ?";
  storage::Params params{person_id};
  if (before) {
    sql += " AND (at < ? OR (at = ? AND id < ?))";
    params.emplace_back(before->at);
    params.emplace_back(before->at);
    params.emplace_back(before->id);
  }
  sql += " ORDER BY at DESC, id DESC LIMIT ?";
  params.emplace_back(limit);
  auto rows = db.read([&](storage::Connection& c) { return c.query(sql, params); });
  if (!rows) return std::move(rows).error();
  std::vector<ReportedAccess> out;
  for (const storage::Row& row : rows->rows) out.push_back(reported_of(row));
  return out;
}

void register_access_reports(jobs::Worker& worker, Node& node, storage::Database& db, const Clock& clock) {
  worker.handle(std::string(kReportAccessesJobKind), [&node, &db, &clock](const jobs::Job&) -> Result<void> {
    auto run = send_access_reports(node, db, clock);
    if (!run) return std::move(run).error();
    if (run->sent > 0) log_event(LogLevel::info, "exchange_accesses_reported", {{"entries", run->sent}});
    auto again = anyone_told(db);
    if (!again) return std::move(again).error();
    if (!*again) return {};
    return jobs::schedule_next_period(db, kReportAccessesJobKind, std::chrono::minutes(1), clock);
  });
  auto told = anyone_told(db);
  if (told && *told) {
    if (auto scheduled = jobs::schedule_next_period(db, kReportAccessesJobKind, std::chrono::minutes(1), clock);
        !scheduled) {
      log_event(LogLevel::warn, "schedule_failed",
                {{"job", std::string(kReportAccessesJobKind)}, {"error", scheduled.error().message}});
    }
  }
}

}  // namespace guichet::exchange
