#include "guichet/http/errors.hpp"

namespace guichet::http {

const ErrorDomain& error_domain(Errc /*code*/) {
  static constexpr ErrorCodeInfo kCodes[] = {
#define GUICHET_ERROR(code, kind, key) {#code, ErrorKind::kind, key},
#include "guichet/http/errors.def"
#undef GUICHET_ERROR
  };
  static constexpr ErrorDomain kDomain{"http", kCodes};
  return kDomain;
}

}  // namespace guichet::http
