#include "guichet/core/random.hpp"

#include "guichet/core/encoding.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <random>
#include <stdexcept>
#include <vector>

namespace guichet {
namespace {
void ensure_sodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  });
}
}  // namespace

namespace {
// Fast-key-erasure generator: ChaCha20 keyed by a per-thread secret seeded from the operating
// system; every draw also produces the next key, so earlier output cannot be recovered from the
// state. Tokens stay unpredictable without a getrandom() system call per request.
void secure_random(unsigned char* out, std::size_t size) {
  thread_local std::array<unsigned char, randombytes_SEEDBYTES> key = [] {
    ensure_sodium();
    std::array<unsigned char, randombytes_SEEDBYTES> seed{};
    randombytes_buf(seed.data(), seed.size());
    return seed;
  }();
  std::vector<unsigned char> block(key.size() + size);
  randombytes_buf_deterministic(block.data(), block.size(), key.data());
  std::memcpy(key.data(), block.data(), key.size());
  std::memcpy(out, block.data() + key.size(), size);
  sodium_memzero(block.data(), block.size());
}
}  // namespace

std::string random_token(std::size_t bytes) {
  ensure_sodium();
  std::vector<unsigned char> raw(bytes);
  secure_random(raw.data(), raw.size());
  return base64url(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
}

std::string random_bytes(std::size_t bytes) {
  ensure_sodium();
  std::string out(bytes, '\0');
  secure_random(reinterpret_cast<unsigned char*>(out.data()), out.size());
  return out;
}

std::string random_hex(std::size_t bytes) {
  ensure_sodium();
  std::vector<unsigned char> raw(bytes);
  secure_random(raw.data(), raw.size());
  std::string out(bytes * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), raw.data(), raw.size());
  out.pop_back();
  return out;
}

std::string fast_unique_id() {
  thread_local std::mt19937_64 generator = [] {
    ensure_sodium();
    std::uint64_t seed = 0;
    randombytes_buf(&seed, sizeof seed);
    return std::mt19937_64(seed);
  }();
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t value = generator();
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, value >>= 4) out[static_cast<std::size_t>(i)] = kHex[value & 0xF];
  return out;
}

bool secure_equals(std::string_view a, std::string_view b) {
  ensure_sodium();
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace guichet
