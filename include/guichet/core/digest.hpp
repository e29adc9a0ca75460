#pragma once
#include <string>
#include <string_view>

namespace guichet {

// SHA-256 as 64 lowercase hex digits (libsodium).
std::string sha256_hex(std::string_view data);

}  // namespace guichet
