#include "guichet/app/secrets_at_rest.hpp"

#include <boost/json.hpp>

#include "guichet/core/errors.hpp"
#include "guichet/documents/personal.hpp"
#include "guichet/documents/pki.hpp"
#include "guichet/exchange/nodes.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/second_factor.hpp"
#include "guichet/jobs/webhooks.hpp"
#include "guichet/oidc/grants.hpp"
#include "guichet/oidc/keys.hpp"

namespace guichet::app {

const std::vector<storage::SealedColumn>& sealed_columns() {
  static const std::vector<storage::SealedColumn> columns{
      oidc::kSealedSigningKeys,    oidc::kSealedProviderSecrets,      identity::kSealedTotpSecrets,
      jobs::kSealedWebhookSecrets, documents::kSealedCertificateKeys, documents::kSealedSignaturePdfs,
      exchange::kSealedNodeKeys};
  return columns;
}

Result<SecretsAtRest> check_secrets_at_rest(storage::Database& db, const SecretKey* key) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  SecretsAtRest found;
  for (const auto& column : sealed_columns()) {
    auto heads = storage::count_value_heads(**connection, column, SecretKey::kSealedHeadLength);
    if (!heads) return std::move(heads).error();
    for (const auto& [head, count] : *heads) {
      const std::string by = SecretKey::sealed_by(head);
      if (by.empty()) {
        found.in_clear += count;
      } else if (key == nullptr) {
        return make_error(CoreErrc::secret_key_missing, std::string(column.table) +
                                                            " holds secrets sealed with secrets key " + by +
                                                            ": give that key with --secrets-key-file");
      } else if (by != key->id()) {
        return make_error(CoreErrc::secret_key_mismatch, std::string(column.table) +
                                                             " holds secrets sealed with secrets key " + by +
                                                             ", not with the configured key " + key->id());
      } else {
        found.sealed += count;
      }
    }
  }
  return found;
}

Result<std::int64_t> rotate_secrets_key(storage::Database& db, const SecretKey* from, const SecretKey& to,
                                        const Clock& clock) {
  return db.transaction([&](storage::Connection& c) -> Result<std::int64_t> {
    std::int64_t total = 0;
    boost::json::object per_table;
    for (const auto& column : sealed_columns()) {
      auto rewritten =
          storage::rewrite_sealed_values(c, column, [&](std::string_view stored, const std::string& purpose) {
            return reseal_at_rest(from, to, stored, purpose);
          });
      if (!rewritten) return std::move(rewritten).error();
      total += *rewritten;
      per_table[column.table] = *rewritten;
    }
    boost::json::object details{
        {"from", from != nullptr ? from->id() : std::string()}, {"to", to.id()}, {"sealed", per_table}};
    auto audited = identity::record_audit(
        c, identity::AuditEvent{"cli", "secrets.rotated", "secrets-key:" + to.id(), boost::json::serialize(details)},
        clock);
    if (!audited) return std::move(audited).error();
    return total;
  });
}

}  // namespace guichet::app
