#pragma once
// Secrets at rest: private keys and other secrets a module stores are sealed with the
// key-encryption key (KEK) an operator gives by configuration (`--secrets-key-file`), never kept
// in the database beside what they protect. XChaCha20-Poly1305 from libsodium, with the purpose
// (table, column and row) as associated data, so a sealed value copied to another row does not
// open. A sealed value names the key that sealed it ("gk1.<key id>.<base64url>"), so a wrong key
// is told apart from a damaged value and rotation can find what an older key sealed.
#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "guichet/core/result.hpp"

namespace guichet {

class SecretKey {
 public:
  // 32 bytes in padded base64 (what `generate_base64` writes), surrounding white space ignored.
  static Result<SecretKey> from_base64(std::string_view text);
  // The file's content as above; the message names the file.
  static Result<SecretKey> from_file(const std::string& path);
  static std::string generate_base64();

  SecretKey(const SecretKey&) = default;
  SecretKey& operator=(const SecretKey&) = default;

  // 16 hex digits naming this key (a keyed hash of it, which reveals nothing of the key).
  const std::string& id() const { return state_->id; }
  std::string seal(std::string_view plaintext, std::string_view purpose) const;
  // CoreErrc::secret_key_mismatch when another key sealed it, secret_corrupt when it is damaged
  // or sealed for another purpose.
  Result<std::string> open(std::string_view sealed, std::string_view purpose) const;
  // The id of the key that sealed a value, or empty if it is not a sealed value. The first
  // kSealedHeadLength characters of a sealed value are enough ("gk1.<16 hex digits>.").
  static std::string sealed_by(std::string_view sealed);
  static constexpr std::size_t kSealedHeadLength = 21;
  // A message authentication code (HMAC-SHA-256 under a key derived for `purpose`, base64url) for
  // what must be shown genuine outside the database, such as the audit log's checkpoints: whoever
  // can write the database but does not hold this key cannot make one.
  std::string mac(std::string_view data, std::string_view purpose) const;
  bool mac_matches(std::string_view data, std::string_view purpose, std::string_view mac) const;

 private:
  struct State {
    std::array<unsigned char, 32> key{};
    std::string id;
    ~State();
  };
  explicit SecretKey(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  std::shared_ptr<const State> state_;
};

// A secret a module stores and must read back (a signing key, a TOTP seed, a webhook's key): sealed
// with `key` when the node has one, kept as given when it has none (a node run without
// --secrets-key-file, which the operator is warned about at start-up).
std::string seal_at_rest(const SecretKey* key, std::string_view value, std::string_view purpose);
// The value back: opened when sealed (CoreErrc::secret_key_missing without a key,
// secret_key_mismatch when another key sealed it), as stored otherwise.
Result<std::string> open_at_rest(const SecretKey* key, std::string_view stored, std::string_view purpose);
// For `admin keys rotate-kek`: the stored value opened with `from` (or taken as it is when in
// clear) and sealed with `to`.
Result<std::string> reseal_at_rest(const SecretKey* from, const SecretKey& to, std::string_view stored,
                                   std::string_view purpose);

}  // namespace guichet
