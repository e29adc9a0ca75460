#pragma once
// Base64 in its two RFC 4648 alphabets, from libsodium: the one implementation every module uses
// (MIME bodies and attachments, HTTP Basic credentials, JSON Web Tokens, random tokens).
#include <string>
#include <string_view>

#include "guichet/core/result.hpp"

namespace guichet {

// RFC 4648 section 4, padded: MIME, HTTP Basic.
std::string base64(std::string_view bytes);
// Refuses anything but padded base64 (CoreErrc::base64_invalid).
Result<std::string> base64_decode(std::string_view text);

// RFC 4648 section 5 without padding, as JSON Web Tokens and our URLs use it.
std::string base64url(std::string_view bytes);
Result<std::string> base64url_decode(std::string_view text);

}  // namespace guichet
