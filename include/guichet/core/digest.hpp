#pragma once
#include <string>
#include <string_view>

namespace guichet {

// SHA-256 as 64 lowercase hex digits (libsodium).
std::string sha256_hex(std::string_view data);

// HMAC-SHA-256 of `data` under `key`: 32 raw bytes (libsodium). Signs webhooks and the video
// service's room tokens.
std::string hmac_sha256(std::string_view key, std::string_view data);
std::string hex(std::string_view bytes);

}  // namespace guichet
