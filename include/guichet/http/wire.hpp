#pragma once
#include <cstddef>
#include <string_view>

#include "guichet/core/result.hpp"
#include "guichet/http/request.hpp"

namespace guichet::http {

struct WireLimits {
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
};

// Parses one whole HTTP/1.x request from raw bytes with the same parser and decoding the server
// uses, then decodes it. For the fuzzer and tests; the server reads incrementally from sockets.
Result<Request> parse_wire_request(std::string_view bytes, const WireLimits& limits = {});

}  // namespace guichet::http
