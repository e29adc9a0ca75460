#pragma once
#include <memory>
#include <string>
#include <string_view>

namespace guichet {

// SHA-256 (OpenSSL: its x86 code uses the CPU's SHA extensions where there are some, five to eight
// times libsodium's portable code on the 1-2 KB an exchange hashes three times).
std::string sha256_bytes(std::string_view data);  // 32 raw bytes
std::string sha256_hex(std::string_view data);    // 64 lowercase hex digits

// SHA-256 of data given in pieces (an extract read in chunks).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  std::string final_bytes();  // 32 raw bytes; the object is spent afterwards

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// HMAC-SHA-256 of `data` under `key`: 32 raw bytes (libsodium). Signs webhooks and the video
// service's room tokens.
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string hex(std::string_view bytes);

}  // namespace guichet
