#include "guichet/app/errors.hpp"

namespace guichet::app {

const ErrorDomain& error_domain(Errc /*code*/) {
  static constexpr ErrorCodeInfo kCodes[] = {
#define GUICHET_ERROR(code, kind, key) {#code, ErrorKind::kind, key},
#include "guichet/app/errors.def"
#undef GUICHET_ERROR
  };
  static constexpr ErrorDomain kDomain{"app", kCodes};
  return kDomain;
}

}  // namespace guichet::app
