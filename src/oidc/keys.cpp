#include "guichet/oidc/keys.hpp"

namespace guichet::oidc {
namespace {
std::int64_t micros(std::chrono::microseconds d) { return d.count(); }
}  // namespace

KeyStore::KeyStore(storage::Database& db, const Clock& clock, KeyPolicy policy, const SecretKey* secrets)
    : db_(db), clock_(clock), policy_(policy), secrets_(secrets) {}

Result<KeyPair> KeyStore::signing_key(SigningAlgorithm alg) {
  const Instant now = clock_.now();
  const auto slot = static_cast<std::size_t>(alg);
  {
    std::lock_guard lock(mutex_);
    const auto& cached = cached_[slot];
    if (cached && now - cached->read_at < policy_.cache_for && now < cached->retire_at - policy_.publish_ahead) {
      return cached->key;
    }
  }
  return load_or_rotate(alg, now);
}

Result<KeyPair> KeyStore::load_or_rotate(SigningAlgorithm alg, Instant now) {
  const std::string alg_name(to_string(alg));
  const std::int64_t at = to_unix_micros(now);
  struct Chosen {
    KeyPair key;
    std::int64_t retire_at = 0;
  };
  // Two nodes rotating at once may both add a key; both are published, and every node then signs
  // with the same one (the newest, ties broken by kid).
  auto chosen = db_.transaction([&](storage::Connection& c) -> Result<Chosen> {
    auto rows = c.query(
        "SELECT kid, private_jwk, public_jwk, active_from, retire_at FROM oidc_signing_keys "
        "WHERE alg = ? AND retire_at > ? ORDER BY active_from DESC, kid DESC",
        {alg_name, at});
    if (!rows) return std::move(rows).error();
    std::optional<Chosen> active;
    bool successor_exists = false;
    for (const auto& row : rows->rows) {
      if (row.integer(3) <= at) {
        auto private_jwk =
            open_at_rest(secrets_, row.text(1), std::string(kSealedSigningKeys.purpose_prefix) + row.text(0));
        if (!private_jwk) return std::move(private_jwk).error();
        active = Chosen{KeyPair{row.text(0), alg, std::move(*private_jwk), row.text(2)}, row.integer(4)};
        break;
      }
      successor_exists = true;
    }
    auto insert = [&](const KeyPair& key, std::int64_t active_from) -> Result<void> {
      std::int64_t retire_at = active_from + micros(policy_.rotate_every);
      auto inserted = c.execute(
          "INSERT INTO oidc_signing_keys (kid, alg, private_jwk, public_jwk, created_at, active_from, retire_at, "
          "publish_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          {key.kid, alg_name,
           seal_at_rest(secrets_, key.private_jwk, std::string(kSealedSigningKeys.purpose_prefix) + key.kid),
           key.public_jwk, at, active_from, retire_at, retire_at + micros(policy_.keep_after)});
      if (!inserted) return std::move(inserted).error();
      return {};
    };
    if (!active) {  // the first key (or every key lapsed): it must sign at once
      auto key = generate_key_pair(alg);
      if (!key) return std::move(key).error();
      if (auto stored = insert(*key, at); !stored) return std::move(stored).error();
      return Chosen{*key, at + micros(policy_.rotate_every)};
    }
    if (!successor_exists && at >= active->retire_at - micros(policy_.publish_ahead)) {
      auto next = generate_key_pair(alg);
      if (!next) return std::move(next).error();
      if (auto stored = insert(*next, active->retire_at); !stored) return std::move(stored).error();
    }
    return *active;
  });
  if (!chosen) return std::move(chosen).error();
  std::lock_guard lock(mutex_);
  cached_[static_cast<std::size_t>(alg)] = Cached{chosen->key, now, from_unix_micros(chosen->retire_at)};
  return chosen->key;
}

Result<std::vector<std::string>> KeyStore::published_keys() {
  auto connection = db_.acquire();
  if (!connection) return std::move(connection).error();
  const std::int64_t at = to_unix_micros(clock_.now());
  auto rows =
      (*connection)
          ->query("SELECT public_jwk FROM oidc_signing_keys WHERE publish_until > ? ORDER BY active_from, kid", {at});
  if (!rows) return std::move(rows).error();
  std::vector<std::string> keys;
  for (const auto& row : rows->rows) keys.push_back(row.text(0));
  return keys;
}

}  // namespace guichet::oidc
