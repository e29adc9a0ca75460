#include "guichet/http/wire.hpp"

#include <boost/asio/buffer.hpp>

#include "beast_conversion.hpp"
#include "guichet/http/parsing.hpp"

namespace guichet::http {

Result<Request> parse_wire_request(std::string_view bytes, const WireLimits& limits) {
  namespace bh = boost::beast::http;
  bh::request_parser<bh::string_body> parser;
  parser.eager(true);
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
  boost::system::error_code ec;
  std::size_t used = 0;
  while (used < bytes.size() && !parser.is_done()) {
    std::size_t n = parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
    if (ec == bh::error::need_more) break;
    if (ec) return detail::beast_read_error(ec);
    if (n == 0) break;
    used += n;
  }
  if (!parser.is_done()) {
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return detail::beast_read_error(ec ? ec : make_error_code(bh::error::partial_message));
  }
  if (parser.is_header_done()) {
    if (auto framing = detail::framing_error(parser.get())) return std::move(*framing);
  }
  Request request;
  detail::copy_header(parser.get(), request);
  request.body = std::move(parser.get().body());
  if (auto decoded = decode_request(request); !decoded) return std::move(decoded).error();
  return request;
}

}  // namespace guichet::http
