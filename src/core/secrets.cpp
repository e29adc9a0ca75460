#include "guichet/core/secrets.hpp"

#include <sodium.h>

#include <fstream>
#include <sstream>

#include "guichet/core/digest.hpp"
#include "guichet/core/encoding.hpp"
#include "guichet/core/errors.hpp"
#include "guichet/core/random.hpp"

namespace guichet {
namespace {
constexpr std::string_view kPrefix = "gk1.";

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}
}  // namespace

SecretKey::State::~State() { sodium_memzero(key.data(), key.size()); }

Result<SecretKey> SecretKey::from_base64(std::string_view text) {
  auto bytes = base64_decode(trim(text));
  if (!bytes || bytes->size() != crypto_aead_xchacha20poly1305_ietf_KEYBYTES) {
    return make_error(CoreErrc::secret_key_invalid,
                      "the secrets key must be 32 random bytes in base64 (guichet admin keys new-kek writes one)");
  }
  auto state = std::make_shared<State>();
  std::copy(bytes->begin(), bytes->end(), state->key.begin());
  sodium_memzero(bytes->data(), bytes->size());
  // The id is a keyed hash with a fixed context, not the key's plain hash, so it reveals nothing.
  unsigned char digest[8];
  static_assert(kSealedHeadLength == kPrefix.size() + 2 * sizeof digest + 1, "gk1.<id>. heads a sealed value");
  static constexpr unsigned char kContext[] = "guichet secrets key id";
  crypto_generichash(digest, sizeof digest, kContext, sizeof kContext - 1, state->key.data(), state->key.size());
  state->id = hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
  return SecretKey(std::move(state));
}

Result<SecretKey> SecretKey::from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(CoreErrc::secret_key_invalid, "cannot read the secrets key file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  auto key = from_base64(text.str());
  if (!key) return make_error(CoreErrc::secret_key_invalid, path + ": " + key.error().message);
  return key;
}

std::string SecretKey::generate_base64() { return base64(random_bytes(crypto_aead_xchacha20poly1305_ietf_KEYBYTES)); }

std::string SecretKey::seal(std::string_view plaintext, std::string_view purpose) const {
  std::string nonce = random_bytes(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  std::string out(nonce.size() + plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  std::copy(nonce.begin(), nonce.end(), out.begin());
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(out.data() + nonce.size()), &written,
                                             reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                                             reinterpret_cast<const unsigned char*>(purpose.data()), purpose.size(),
                                             nullptr, reinterpret_cast<const unsigned char*>(nonce.data()),
                                             state_->key.data());
  out.resize(nonce.size() + written);
  return std::string(kPrefix) + state_->id + "." + base64url(out);
}

std::string SecretKey::mac(std::string_view data, std::string_view purpose) const {
  const std::string_view key(reinterpret_cast<const char*>(state_->key.data()), state_->key.size());
  // A subkey per purpose, so a MAC made for one use is never valid for another.
  const std::string subkey = hmac_sha256(key, std::string("guichet mac key\n") + std::string(purpose));
  return base64url(hmac_sha256(subkey, data));
}

bool SecretKey::mac_matches(std::string_view data, std::string_view purpose, std::string_view mac) const {
  return secure_equals(this->mac(data, purpose), mac);
}

std::string SecretKey::sealed_by(std::string_view sealed) {
  if (!sealed.starts_with(kPrefix)) return {};
  sealed.remove_prefix(kPrefix.size());
  const auto dot = sealed.find('.');
  if (dot == std::string_view::npos) return {};
  return std::string(sealed.substr(0, dot));
}

Result<std::string> SecretKey::open(std::string_view sealed, std::string_view purpose) const {
  const std::string by = sealed_by(sealed);
  if (by.empty()) return make_error(CoreErrc::secret_corrupt, "not a sealed secret");
  if (by != state_->id) {
    return make_error(CoreErrc::secret_key_mismatch,
                      "sealed with secrets key " + by + ", not with the configured key " + state_->id);
  }
  auto bytes = base64url_decode(sealed.substr(kPrefix.size() + by.size() + 1));
  constexpr std::size_t kOverhead =
      crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (!bytes || bytes->size() < kOverhead) return make_error(CoreErrc::secret_corrupt, "damaged sealed secret");
  std::string plain(bytes->size() - kOverhead, '\0');
  unsigned long long length = 0;
  const auto* nonce = reinterpret_cast<const unsigned char*>(bytes->data());
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(plain.data()), &length, nullptr,
                                                 nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
                                                 bytes->size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
                                                 reinterpret_cast<const unsigned char*>(purpose.data()), purpose.size(),
                                                 nonce, state_->key.data()) != 0) {
    return make_error(CoreErrc::secret_corrupt, "sealed secret damaged or sealed for another purpose");
  }
  plain.resize(length);
  return plain;
}

std::string seal_at_rest(const SecretKey* key, std::string_view value, std::string_view purpose) {
  return key == nullptr ? std::string(value) : key->seal(value, purpose);
}

Result<std::string> open_at_rest(const SecretKey* key, std::string_view stored, std::string_view purpose) {
  const std::string by = SecretKey::sealed_by(stored);
  if (by.empty()) return std::string(stored);
  if (key == nullptr) {
    return make_error(CoreErrc::secret_key_missing,
                      "a secret is sealed with secrets key " + by + ": give that key with --secrets-key-file");
  }
  return key->open(stored, purpose);
}

Result<std::string> reseal_at_rest(const SecretKey* from, const SecretKey& to, std::string_view stored,
                                   std::string_view purpose) {
  auto plain = open_at_rest(from, stored, purpose);
  if (!plain) return std::move(plain).error();
  return to.seal(*plain, purpose);
}

}  // namespace guichet
