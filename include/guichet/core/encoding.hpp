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

// The same decoding for what is no secret: a JSON Web Signature's header and payload, which every
// party sees, read before the signature is checked thousands of times a second by the exchanges.
// libsodium's codec above takes the same time whatever the bytes (for secrets) and costs some 5 ns
// a character; this uses OpenSSL's table-driven one, four times faster. It accepts and refuses
// exactly what base64url_decode does on ASCII (canonical text only: no padding, unused bits zero)
// and refuses every byte above 127.
Result<std::string> base64url_decode_public(std::string_view text);
// Whether base64url_decode_public would decode `text`, without decoding it (no allocation): for
// parts that are checked here and decoded by a library.
bool base64url_decodes(std::string_view text);

}  // namespace guichet
