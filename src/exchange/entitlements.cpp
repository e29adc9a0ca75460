#include "guichet/exchange/entitlements.hpp"

#include <algorithm>
#include <map>

#include <boost/json.hpp>

#include "guichet/core/utf8.hpp"
#include "guichet/exchange/dataset.hpp"
#include "guichet/exchange/errors.hpp"
#include "guichet/exchange/nodes.hpp"
#include "guichet/identity/audit.hpp"
#include "names.hpp"

namespace guichet::exchange {
namespace json = boost::json;
namespace {

Error entitlement_error(std::string field, std::string message) {
  Error e = make_error(Errc::bad_entitlement, std::move(message));
  e.field = std::move(field);
  return e;
}

constexpr std::string_view kColumns =
    "id, consumer, purpose, dataset, attributes, legal_basis_kind, legal_basis, granted_by, granted_at, expires_at, "
    "revoked_at";

Entitlement entitlement_of(const storage::Row& row) {
  Entitlement e;
  e.id = row.integer(0);
  e.consumer = row.text(1);
  e.purpose = row.text(2);
  e.dataset = row.text(3);
  e.attributes = names_of(row.text(4));
  e.legal_basis = LegalBasis{parse_legal_basis_kind(row.text(5)).value_or(LegalBasisKind::law), row.text(6)};
  e.granted_by = row.text(7);
  e.granted_at = from_unix_micros(row.integer(8));
  e.expires_at = from_unix_micros(row.integer(9));
  if (!row.is_null(10)) e.revoked_at = from_unix_micros(row.integer(10));
  return e;
}

}  // namespace

std::string_view to_string(LegalBasisKind kind) { return kind == LegalBasisKind::consent ? "consent" : "law"; }

std::optional<LegalBasisKind> parse_legal_basis_kind(std::string_view text) {
  if (text == "law") return LegalBasisKind::law;
  if (text == "consent") return LegalBasisKind::consent;
  return std::nullopt;
}

bool valid_purpose(std::string_view purpose) {
  if (purpose.empty() || purpose.size() > 100) return false;
  return std::all_of(purpose.begin(), purpose.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

Result<Entitlement> grant_entitlement(storage::Database& db, Entitlement e, const std::string& actor,
                                      const Clock& clock) {
  const Instant now = clock.now();
  if (!valid_node_id(e.consumer)) return entitlement_error("consumer", "the consumer is a node id such as guichet");
  if (!valid_purpose(e.purpose)) {
    return entitlement_error("purpose", "the purpose is 1 to 100 of a-z, 0-9, '.', '-' and '_' (a service's code)");
  }
  if (e.legal_basis.reference.size() < 3 || e.legal_basis.reference.size() > 300 ||
      !is_valid_utf8(e.legal_basis.reference)) {
    return entitlement_error("legal_basis", "the legal basis is a text of 3 to 300 characters naming the law");
  }
  if (e.expires_at <= now || e.expires_at > now + std::chrono::days(5 * 366)) {
    return entitlement_error("expires", "an entitlement expires in the future, within five years");
  }
  if (e.attributes.empty()) return entitlement_error("attributes", "name the attributes granted");
  std::sort(e.attributes.begin(), e.attributes.end());
  e.attributes.erase(std::unique(e.attributes.begin(), e.attributes.end()), e.attributes.end());
  auto stored = db.transaction([&](storage::Connection& c) -> Result<Entitlement> {
    auto description = stored_description(c, e.dataset);
    if (!description) return std::move(description).error();
    if (!*description) {
      return entitlement_error("dataset", "this node serves no dataset " + e.dataset + " (import it first)");
    }
    for (const std::string& a : e.attributes) {
      if ((*description)->find(a) == nullptr) {
        return entitlement_error("attributes", a + " is not an attribute of dataset " + e.dataset);
      }
    }
    auto row = c.query(
        "INSERT INTO exchange_entitlements (consumer, purpose, dataset, attributes, legal_basis_kind, legal_basis, "
        "granted_by, granted_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        {e.consumer, e.purpose, e.dataset, json::serialize(names_array(e.attributes)),
         std::string(to_string(e.legal_basis.kind)), e.legal_basis.reference, actor, to_unix_micros(now),
         to_unix_micros(e.expires_at)});
    if (!row) return std::move(row).error();
    e.id = row->rows.front().integer(0);
    e.granted_by = actor;
    e.granted_at = now;
    json::object details{{"consumer", e.consumer},
                         {"purpose", e.purpose},
                         {"dataset", e.dataset},
                         {"attributes", names_array(e.attributes)},
                         {"legal_basis", e.legal_basis.reference},
                         {"legal_basis_kind", std::string(to_string(e.legal_basis.kind))},
                         {"expires_at", format_rfc3339(e.expires_at)}};
    auto audited =
        identity::record_audit(c,
                               identity::AuditEvent{actor, "exchange.entitlement_granted",
                                                    "entitlement:" + std::to_string(e.id), json::serialize(details)},
                               clock);
    if (!audited) return std::move(audited).error();
    return e;
  });
  return stored;
}

Result<void> revoke_entitlement(storage::Database& db, std::int64_t id, const std::string& actor, const Clock& clock) {
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto changed = c.execute("UPDATE exchange_entitlements SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                             {to_unix_micros(clock.now()), id});
    if (!changed) return std::move(changed).error();
    if (*changed == 0) return make_error(Errc::no_such_entitlement, "no live entitlement " + std::to_string(id));
    auto audited = identity::record_audit(
        c, identity::AuditEvent{actor, "exchange.entitlement_revoked", "entitlement:" + std::to_string(id), "{}"},
        clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

Result<std::vector<Entitlement>> list_entitlements(storage::Database& db) {
  auto rows = db.read([&](storage::Connection& c) {
    return c.query(std::string("SELECT ") + std::string(kColumns) + " FROM exchange_entitlements ORDER BY id");
  });
  if (!rows) return std::move(rows).error();
  std::vector<Entitlement> out;
  for (const storage::Row& row : rows->rows) out.push_back(entitlement_of(row));
  return out;
}

namespace {

// The first live entitlement of `rows` (ordered by id) that covers every attribute asked: its
// index, or nullopt. `column` holds the granted attributes (a JSON array).
std::optional<std::size_t> covering_row(const storage::Rows& rows, std::size_t column,
                                        const std::vector<std::string>& attributes) {
  for (std::size_t i = 0; i < rows.rows.size(); ++i) {
    const std::vector<std::string> granted = names_of(rows.rows[i].text(column));
    const bool covers = std::all_of(attributes.begin(), attributes.end(), [&](const std::string& a) {
      return std::find(granted.begin(), granted.end(), a) != granted.end();
    });
    if (covers) return i;
  }
  return std::nullopt;
}

// What deciding that an entitlement covers a request needs of it (entitled_records): its id and
// the attributes granted; the rest of the row is for the administrators' pages.
constexpr std::string_view kCoverColumns = "id, attributes";

constexpr std::string_view kLiveMatching =
    " FROM exchange_entitlements WHERE consumer = ? AND purpose = ? AND dataset = ? AND revoked_at IS NULL AND "
    "expires_at > ? AND legal_basis_kind = ? AND legal_basis = ? ORDER BY id";

}  // namespace

Result<std::optional<Entitlement>> covering_entitlement(storage::Connection& c, const std::string& consumer,
                                                        const std::string& purpose, const std::string& dataset,
                                                        const std::vector<std::string>& attributes,
                                                        const LegalBasis& basis, Instant now) {
  auto rows =
      c.query(std::string("SELECT ") + std::string(kColumns) + std::string(kLiveMatching),
              {consumer, purpose, dataset, to_unix_micros(now), std::string(to_string(basis.kind)), basis.reference});
  if (!rows) return std::move(rows).error();
  auto found = covering_row(*rows, 4, attributes);
  if (!found) return std::optional<Entitlement>();
  return std::optional<Entitlement>(entitlement_of(rows->rows[*found]));
}

Result<std::vector<EntitledRecord>> entitled_records(storage::Connection& c,
                                                     std::span<const RecordQuery* const> queries, Instant now) {
  std::vector<EntitledRecord> out(queries.size());
  if (queries.size() == 1) {
    // Alone (a node that is not busy), in one statement: the record rides along each live
    // entitlement row (there is usually one); with none, the subquery never runs.
    const RecordQuery& q = *queries.front();
    auto rows = c.query(std::string("SELECT ") + std::string(kCoverColumns) +
                            ", (SELECT r.attributes FROM exchange_records r WHERE r.version_id = (SELECT "
                            "current_version FROM exchange_datasets WHERE name = exchange_entitlements.dataset) AND "
                            "r.person_id = ?)" +
                            std::string(kLiveMatching),
                        {q.person_id, q.consumer, q.purpose, q.dataset, to_unix_micros(now),
                         std::string(to_string(q.basis.kind)), q.basis.reference});
    if (!rows) return std::move(rows).error();
    auto found = covering_row(*rows, 1, q.attributes);
    if (!found) return out;
    const storage::Row& row = rows->rows[*found];
    out.front().entitlement_id = row.integer(0);
    // Records are JSON objects written by the import, as current_record reads them.
    if (auto record = row.optional_text(2)) out.front().record = std::move(json::parse(*record).as_object());
    return out;
  }
  // The live entitlements, read once for each distinct consumer, purpose, dataset and basis.
  std::map<std::vector<std::string>, storage::Rows> live;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const RecordQuery& q = *queries[i];
    std::vector<std::string> key{q.consumer, q.purpose, q.dataset, std::string(to_string(q.basis.kind)),
                                 q.basis.reference};
    auto found = live.find(key);
    if (found == live.end()) {
      auto rows = c.query(std::string("SELECT ") + std::string(kCoverColumns) + std::string(kLiveMatching),
                          {q.consumer, q.purpose, q.dataset, to_unix_micros(now), key[3], q.basis.reference});
      if (!rows) return std::move(rows).error();
      found = live.emplace(std::move(key), std::move(rows).value()).first;
    }
    if (auto row = covering_row(found->second, 1, q.attributes))
      out[i].entitlement_id = found->second.rows[*row].integer(0);
  }
  // The records of the people whose request is covered, one statement per dataset. The list of
  // people is padded to a power of two by repeating the last (a repeated value changes nothing in
  // an IN list), so a connection prepares a handful of texts rather than one per batch size.
  std::map<std::string, std::vector<std::size_t>> covered;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    if (out[i].entitlement_id) covered[queries[i]->dataset].push_back(i);
  }
  for (const auto& [dataset, indexes] : covered) {
    std::vector<std::string> people;
    for (std::size_t i : indexes) people.push_back(queries[i]->person_id);
    std::sort(people.begin(), people.end());
    people.erase(std::unique(people.begin(), people.end()), people.end());
    std::size_t padded = 1;
    while (padded < people.size()) padded *= 2;
    storage::Params params{dataset};
    for (std::size_t k = 0; k < padded; ++k) params.emplace_back(people[std::min(k, people.size() - 1)]);
    // The version first, so each person is one lookup in the (version_id, person_id) key whatever
    // plan PostgreSQL keeps for the prepared statement.
    auto rows = c.query(
        "SELECT person_id, attributes FROM exchange_records WHERE version_id = (SELECT current_version FROM "
        "exchange_datasets WHERE name = ?) AND person_id IN " +
            storage::in_list(padded),
        params);
    if (!rows) return std::move(rows).error();
    std::map<std::string, json::object, std::less<>> records;
    // Records are JSON objects written by the import, as current_record reads them.
    for (const storage::Row& row : rows->rows) records.emplace(row.text(0), json::parse(row.text(1)).as_object());
    for (std::size_t i : indexes) {
      if (auto record = records.find(queries[i]->person_id); record != records.end()) out[i].record = record->second;
    }
  }
  return out;
}

}  // namespace guichet::exchange
