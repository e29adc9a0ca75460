#pragma once
// What uploaded bytes are, by content (libmagic), not by the name or type the client claims.
#include <string>
#include <string_view>

namespace guichet::documents {

// The MIME type libmagic finds ("application/pdf"), or empty when it cannot tell.
std::string content_type_of(std::string_view bytes);

}  // namespace guichet::documents
