#pragma once
// Security-relevant randomness (tokens, identifiers) always comes from libsodium's CSPRNG.
#include <cstddef>
#include <string>
#include <string_view>

namespace guichet {

// `bytes` random bytes, base64url without padding: for cookies, CSRF tokens, secrets.
std::string random_token(std::size_t bytes = 32);
// `bytes` random bytes as lowercase hex: for request ids and worker ids.
std::string random_hex(std::size_t bytes);
// 16 hex digits, unique but not secret (request ids): a per-thread generator seeded once from
// the CSPRNG, so the hot path makes no system call.
std::string fast_unique_id();
// `bytes` raw random bytes: for keys and secrets that are encoded some other way.
std::string random_bytes(std::size_t bytes);
// Constant-time comparison for secrets.
bool secure_equals(std::string_view a, std::string_view b);

}  // namespace guichet
