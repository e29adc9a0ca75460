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

// The same two for what is no secret: a JSON Web Signature's header, payload and signature, which
// every party sees, decoded and encoded thousands of times a second by the exchanges. libsodium's
// codec above takes the same time whatever the bytes (for secrets) and costs some 5 ns a
// character; these use OpenSSL's table-driven one, four times faster. They accept and refuse
// exactly what the two above do (canonical text only: no padding, unused bits zero).
std::string base64url_public(std::string_view bytes);
Result<std::string> base64url_decode_public(std::string_view text);

}  // namespace guichet
