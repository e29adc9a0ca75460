#pragma once
// Signing keys, kept in the database so every node signs with the same keys, and rotated on a
// schedule with no operator: a new key is published in the JWKS `publish_ahead` before it signs
// (relying parties that cache the JWKS see it in time), signs for `rotate_every`, then stays
// published for `keep_after` so that tokens it signed can still be checked.
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/core/secrets.hpp"
#include "guichet/oidc/jose.hpp"
#include "guichet/storage/database.hpp"
#include "guichet/storage/sealed.hpp"

namespace guichet::oidc {

struct KeyPolicy {
  std::chrono::hours rotate_every{24 * 30};
  std::chrono::hours publish_ahead{1};
  std::chrono::hours keep_after{24};
  // How long a node reuses the signing key it read, before reading the table again.
  std::chrono::seconds cache_for{30};
};

class KeyStore {
 public:
  // With `secrets`, private keys are sealed at rest with it (core/secrets.hpp); it must outlive
  // the store.
  KeyStore(storage::Database& db, const Clock& clock, KeyPolicy policy = {}, const SecretKey* secrets = nullptr);

  // The key that signs now with `alg`, creating the first one, or the next one when the current
  // one nears its end.
  Result<KeyPair> signing_key(SigningAlgorithm alg);
  // The key sealing private keys at rest (null without one): the provider's other secrets use it too.
  const SecretKey* secrets() const { return secrets_; }
  // Public JWKs of every published key (for /oidc/jwks and to check our own tokens).
  Result<std::vector<std::string>> published_keys();

 private:
  Result<KeyPair> load_or_rotate(SigningAlgorithm alg, Instant now);

  storage::Database& db_;
  const Clock& clock_;
  KeyPolicy policy_;
  const SecretKey* secrets_;
  std::mutex mutex_;
  struct Cached {
    KeyPair key;
    Instant read_at;
    Instant retire_at;
  };
  std::optional<Cached> cached_[2];
};

// The provider's private signing keys, sealed at rest (admin keys rotate-kek, start-up check).
inline constexpr storage::SealedColumn kSealedSigningKeys{"oidc_signing_keys", "kid", false, "private_jwk",
                                                          "oidc_signing_keys.private_jwk:"};

}  // namespace guichet::oidc
