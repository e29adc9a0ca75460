#pragma once
// Private to http/server.cpp and http/wire.cpp, the only two files that include Beast.
#include <boost/beast/http.hpp>

#include "guichet/http/errors.hpp"
#include "guichet/http/request.hpp"

namespace guichet::http::detail {

template <class Fields>
void copy_header(const boost::beast::http::request_header<Fields>& header, Request& request) {
  request.method_name = std::string(header.method_string());
  request.method = parse_method(request.method_name);
  request.target = std::string(header.target());
  for (const auto& field : header) {
    request.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
}

inline Error beast_read_error(const boost::system::error_code& ec) {
  namespace bh = boost::beast::http;
  if (ec == bh::error::header_limit) {
    return make_error(Errc::headers_too_large, "the request headers are too large");
  }
  if (ec == bh::error::body_limit) {
    return make_error(Errc::payload_too_large, "the request body is too large");
  }
  if (ec == bh::error::bad_method) {
    return make_error(Errc::bad_method, "the request method is malformed");
  }
  if (ec == bh::error::partial_message || ec == bh::error::need_more) {
    return make_error(Errc::truncated, "the request ended before its body was complete");
  }
  return make_error(Errc::bad_request, "the request is not valid HTTP/1.1: " + ec.message());
}

}  // namespace guichet::http::detail
