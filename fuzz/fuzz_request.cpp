// Feeds arbitrary bytes to the request parsing the server uses (HTTP/1.1 framing, target,
// query, cookies, url-encoded and multipart bodies) and, directly, to the multipart and
// url-encoded parsers. Any crash, hang, leak or undefined behaviour is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "guichet/core/utf8.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/http/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  guichet::http::WireLimits limits;
  limits.max_header_bytes = 2048;
  limits.max_body_bytes = 4096;
  auto request = guichet::http::parse_wire_request(input, limits);
  if (request) {
    // What the parsers accepted must be what the rest of the code relies on.
    for (const auto& [k, v] : request->query.items()) {
      if (!guichet::is_valid_utf8(k) || !guichet::is_valid_utf8(v)) __builtin_trap();
    }
    for (const auto& [k, v] : request->form.items()) {
      if (!guichet::is_valid_utf8(k) || !guichet::is_valid_utf8(v)) __builtin_trap();
    }
  }

  // The first line picks a boundary; the rest is a multipart body.
  auto newline = input.find('\n');
  if (newline != std::string_view::npos && newline <= 70) {
    guichet::http::Params fields;
    std::vector<guichet::http::UploadedFile> files;
    (void)guichet::http::parse_multipart(input.substr(newline + 1), input.substr(0, newline), fields, files);
  }
  (void)guichet::http::parse_urlencoded(input);
  guichet::http::Params cookies;
  guichet::http::parse_cookie_header(input, cookies);
  (void)guichet::http::parse_media_type(input);
  return 0;
}
