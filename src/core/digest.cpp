#include "guichet/core/digest.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <cstdlib>

namespace guichet {
namespace {

// Fetched once: an implicit fetch on every call costs a lookup in OpenSSL's method store.
const EVP_MD* sha256_method() {
  static EVP_MD* const method = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
    if (fetched == nullptr) std::abort();  // no SHA-256 in the default provider: OpenSSL is broken
    return fetched;
  }();
  return method;
}

constexpr std::size_t kSha256Bytes = 32;

}  // namespace

std::string sha256_bytes(std::string_view data) {
  std::string out(kSha256Bytes, '\0');
  unsigned int length = 0;
  const int ok = EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &length,
                            sha256_method(), nullptr);
  if (ok != 1 || length != kSha256Bytes) std::abort();  // only fails when memory is exhausted
  return out;
}

std::string sha256_hex(std::string_view data) { return hex(sha256_bytes(data)); }

struct Sha256::State {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  ~State() { EVP_MD_CTX_free(context); }
};

Sha256::Sha256() : state_(std::make_unique<State>()) {
  if (state_->context == nullptr || EVP_DigestInit_ex(state_->context, sha256_method(), nullptr) != 1) std::abort();
}

Sha256::~Sha256() = default;

void Sha256::update(std::string_view data) {
  if (EVP_DigestUpdate(state_->context, data.data(), data.size()) != 1) std::abort();
}

std::string Sha256::final_bytes() {
  std::string out(kSha256Bytes, '\0');
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(state_->context, reinterpret_cast<unsigned char*>(out.data()), &length) != 1 ||
      length != kSha256Bytes) {
    std::abort();
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

std::string hex(std::string_view bytes) {
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  out.pop_back();
  return out;
}

}  // namespace guichet
