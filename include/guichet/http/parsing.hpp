#pragma once
// Parsers for everything a request carries. Each one validates fully and returns a clear error;
// none of them trusts lengths or delimiters from the network. Fuzzed by fuzz/fuzz_request.cpp.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/core/result.hpp"
#include "guichet/http/request.hpp"

namespace guichet::http {

// application/x-www-form-urlencoded, also used for query strings ('+' is a space).
// Keys and values must decode to valid UTF-8.
Result<Params> parse_urlencoded(std::string_view text);
// Percent-encodes everything but RFC 3986 unreserved characters (Boost.URL): for a query
// parameter's value or a path segment such as an otpauth label.
std::string url_encode(std::string_view text);
// The host of an absolute URL (Boost.URL), lowercase as written, without port; empty when `url`
// is not an absolute URI.
std::string url_host(std::string_view url);

// A Cookie header; malformed pairs are skipped, as browsers do (RFC 6265 section 5.4).
void parse_cookie_header(std::string_view header, Params& into);

struct MediaType {
  std::string type;   // lowercased "type/subtype"
  Params parameters;  // names lowercased
};
std::optional<MediaType> parse_media_type(std::string_view header);

struct MultipartLimits {
  std::size_t max_parts = 64;
  std::size_t max_part_header_bytes = 8 * 1024;
};
// multipart/form-data (RFC 7578). Text fields go to `fields`, parts with a filename to `files`.
Result<void> parse_multipart(std::string_view body, std::string_view boundary, Params& fields,
                             std::vector<UploadedFile>& files, const MultipartLimits& limits = {});

// Path, segments and query from the raw target.
Result<void> decode_target(Request& request);
// Cookies from every Cookie header.
void decode_cookies(Request& request);
// Form fields and files from a url-encoded or multipart body; other bodies are left as they are.
Result<void> decode_body(Request& request);
// All three, in that order.
Result<void> decode_request(Request& request);

}  // namespace guichet::http
