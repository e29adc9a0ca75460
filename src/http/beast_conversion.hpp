#pragma once
// Private to http/server.cpp and http/wire.cpp, the only two files that include Beast.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// Framing the parser lets through but RFC 9112 refuses, so that this server and anything in front
// of it never read one request as two: a Transfer-Encoding whose last coding is not exactly
// `chunked` (§6.1: the length cannot be known; "chunked, gzip", "xchunked", "gzip"), `chunked`
// twice, a coding under it that is not applied (501), both framings at once (§6.1: a request smuggling vector), and
// Host fields other than exactly one in HTTP/1.1 (§3.2; at most one in HTTP/1.0). The error, or nothing.
template <class Fields>
std::optional<Error> framing_error(const boost::beast::http::request_header<Fields>& header) {
  namespace bh = boost::beast::http;
  const auto hosts = header.count(bh::field::host);
  if (hosts > 1 || (hosts == 0 && header.version() >= 11)) {
    return make_error(Errc::bad_request, "an HTTP/1.1 request has exactly one Host header field");
  }
  if (header.count(bh::field::transfer_encoding) == 0) return std::nullopt;
  std::vector<std::string> codings;
  for (const auto& field : header) {
    if (field.name() != bh::field::transfer_encoding) continue;
    std::string_view value = field.value();
    while (true) {
      const auto comma = value.find(',');
      std::string_view coding = value.substr(0, comma);
      while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t')) coding.remove_prefix(1);
      while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t')) coding.remove_suffix(1);
      std::string lowered(coding);
      for (char& c : lowered) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      if (!lowered.empty()) codings.push_back(lowered);
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  const auto chunked = std::count(codings.begin(), codings.end(), "chunked");
  if (codings.empty() || codings.back() != "chunked" || chunked != 1) {
    return make_error(Errc::bad_request, "Transfer-Encoding must end with chunked, once");
  }
  if (codings.size() > 1) {
    // RFC 9112 §6.1: a coding the server does not apply (gzip under chunked) is 501, not
    // silently passed on as if the body were plain.
    return make_error(Errc::not_implemented, "only the chunked transfer coding is accepted");
  }
  if (header.count(bh::field::content_length) > 0) {
    return make_error(Errc::bad_request, "a request is framed by Transfer-Encoding or Content-Length, not both");
  }
  return std::nullopt;
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
