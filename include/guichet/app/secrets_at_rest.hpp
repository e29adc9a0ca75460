#pragma once
// The secrets every module seals at rest with the operator's key-encryption key (core/secrets.hpp):
// the start-up check that the configured key opens them, and the key's rotation.
#include <cstdint>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/core/secrets.hpp"
#include "guichet/storage/database.hpp"
#include "guichet/storage/sealed.hpp"

namespace guichet::app {

// Every module's sealed columns (each module declares its own).
const std::vector<storage::SealedColumn>& sealed_columns();

struct SecretsAtRest {
  std::int64_t sealed = 0;    // by the configured key
  std::int64_t in_clear = 0;  // stored before a key was configured, or by a node without one
};
// Refused (CoreErrc::secret_key_missing or secret_key_mismatch, naming the key that sealed them)
// when a value is sealed by another key than `key`, or sealed while the node has none.
Result<SecretsAtRest> check_secrets_at_rest(storage::Database& db, const SecretKey* key);

// `admin keys rotate-kek`: every value opened with `from` (or taken as it is when in clear) and
// sealed with `to`, in one transaction, audited (`secrets.rotated`); returns how many were sealed.
Result<std::int64_t> rotate_secrets_key(storage::Database& db, const SecretKey* from, const SecretKey& to,
                                        const Clock& clock);

}  // namespace guichet::app
