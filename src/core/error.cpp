#include "guichet/core/result.hpp"

#include <ostream>

namespace guichet {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input:
      return "invalid_input";
    case ErrorKind::unauthenticated:
      return "unauthenticated";
    case ErrorKind::forbidden:
      return "forbidden";
    case ErrorKind::not_found:
      return "not_found";
    case ErrorKind::method_not_allowed:
      return "method_not_allowed";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::conflict:
      return "conflict";
    case ErrorKind::unprocessable:
      return "unprocessable";
    case ErrorKind::payload_too_large:
      return "payload_too_large";
    case ErrorKind::unsupported_media_type:
      return "unsupported_media_type";
    case ErrorKind::headers_too_large:
      return "headers_too_large";
    case ErrorKind::rate_limited:
      return "rate_limited";
    case ErrorKind::not_implemented:
      return "not_implemented";
    case ErrorKind::unavailable:
      return "unavailable";
    case ErrorKind::internal:
      return "internal";
  }
  return "internal";
}

std::ostream& operator<<(std::ostream& out, const ErrorCode& code) {
  return out << code.module() << '.' << code.name();
}

}  // namespace guichet
