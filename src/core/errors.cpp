#include "guichet/core/errors.hpp"

namespace guichet {

const ErrorDomain& error_domain(CoreErrc /*code*/) {
  static constexpr ErrorCodeInfo kCodes[] = {
#define GUICHET_ERROR(code, kind, key) {#code, ErrorKind::kind, key},
#include "guichet/core/errors.def"
#undef GUICHET_ERROR
  };
  static constexpr ErrorDomain kDomain{"core", kCodes};
  return kDomain;
}

}  // namespace guichet
