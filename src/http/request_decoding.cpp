#include <boost/url/parse.hpp>

#include "guichet/core/utf8.hpp"
#include "guichet/http/errors.hpp"
#include "guichet/http/parsing.hpp"

namespace guichet::http {

Result<void> decode_target(Request& request) {
  auto url = boost::urls::parse_origin_form(request.target);
  if (!url) {
    return make_error(Errc::bad_target, "the request target is not a valid path and query");
  }
  request.path = url->path();
  if (!is_valid_utf8(request.path)) {
    return make_error(Errc::invalid_utf8, "the path is not valid UTF-8");
  }
  request.segments.clear();
  for (auto segment : url->segments()) request.segments.emplace_back(segment);

  auto query = parse_urlencoded(url->encoded_query());
  if (!query) return std::move(query).error();
  request.query = std::move(query).value();
  return {};
}

void decode_cookies(Request& request) {
  for (const auto& [name, value] : request.headers.fields()) {
    if (iequals(name, "Cookie")) parse_cookie_header(value, request.cookies);
  }
}

Result<void> decode_body(Request& request) {
  if (request.body.empty()) return {};
  auto content_type = request.headers.get("Content-Type");
  if (!content_type) return {};
  auto media = parse_media_type(*content_type);
  if (!media) return make_error(Errc::bad_content_type, "the Content-Type header is malformed");
  if (media->type == "application/x-www-form-urlencoded") {
    auto form = parse_urlencoded(request.body);
    if (!form) return std::move(form).error();
    request.form = std::move(form).value();
  } else if (media->type == "multipart/form-data") {
    auto boundary = media->parameters.get("boundary");
    if (!boundary) return make_error(Errc::bad_multipart, "multipart/form-data needs a boundary");
    return parse_multipart(request.body, *boundary, request.form, request.files);
  }
  return {};
}

Result<void> decode_request(Request& request) {
  if (auto target = decode_target(request); !target) return target;
  decode_cookies(request);
  return decode_body(request);
}

}  // namespace guichet::http
