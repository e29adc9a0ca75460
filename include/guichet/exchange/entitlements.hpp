#pragma once
// Entitlements, deny by default: a consumer node reads named attributes of a dataset for a named
// purpose only while an entitlement granted by the provider's administrator says so, under the
// legal basis it records (a law's reference, or the person's consent) and until it expires. Every
// grant and revocation is in the audit log.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::exchange {

enum class LegalBasisKind { law, consent };
std::string_view to_string(LegalBasisKind kind);
std::optional<LegalBasisKind> parse_legal_basis_kind(std::string_view text);

struct LegalBasis {
  LegalBasisKind kind = LegalBasisKind::law;
  std::string reference;  // "Code de la construction et de l'habitation, art. L831-1"; for consent, what was agreed to
  bool operator==(const LegalBasis&) const = default;
};

// A purpose: what the data is for, such as the procedure's service code ("student-housing-aid").
bool valid_purpose(std::string_view purpose);

struct Entitlement {
  std::int64_t id = 0;
  std::string consumer;
  std::string purpose;
  std::string dataset;
  std::vector<std::string> attributes;
  LegalBasis legal_basis;
  std::string granted_by;
  Instant granted_at;
  Instant expires_at;
  std::optional<Instant> revoked_at;
};

// Grants: checked (consumer a node id, purpose, attributes of the dataset as imported, a legal
// basis of 3 to 300 characters, an expiry in the future and within five years) and audited as
// `exchange.entitlement_granted` by `actor`. Errc::bad_entitlement names what is wrong.
Result<Entitlement> grant_entitlement(storage::Database& db, Entitlement entitlement, const std::string& actor,
                                      const Clock& clock);
Result<void> revoke_entitlement(storage::Database& db, std::int64_t id, const std::string& actor, const Clock& clock);
Result<std::vector<Entitlement>> list_entitlements(storage::Database& db);

// The live entitlement that covers a request, on the caller's connection; nullopt when none does.
Result<std::optional<Entitlement>> covering_entitlement(storage::Connection& c, const std::string& consumer,
                                                        const std::string& purpose, const std::string& dataset,
                                                        const std::vector<std::string>& attributes,
                                                        const LegalBasis& basis, Instant now);

// What a provider reads to answer one request.
struct RecordQuery {
  std::string consumer;
  std::string purpose;
  std::string dataset;
  std::vector<std::string> attributes;
  LegalBasis basis;
  std::string person_id;
};
// The covering entitlement's id and, only when there is one, the person's record in the dataset's
// current version (nullopt when the person is not in the extract).
struct EntitledRecord {
  std::optional<std::int64_t> entitlement_id;
  std::optional<boost::json::object> record;
};
// Answers the reads of several requests at once (a registry's concurrent requests, batched by
// Node): one statement per distinct consumer, purpose, dataset and legal basis for the
// entitlements, then one per dataset for the records of the people whose request is covered; a
// record is never read for a request no entitlement covers. One request alone is one statement.
// Results in the order of `queries`.
Result<std::vector<EntitledRecord>> entitled_records(storage::Connection& c,
                                                     std::span<const RecordQuery* const> queries, Instant now);

}  // namespace guichet::exchange
