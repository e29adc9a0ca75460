#include "guichet/scheduling/errors.hpp"

namespace guichet::scheduling {

const ErrorDomain& error_domain(Errc /*code*/) {
  static constexpr ErrorCodeInfo kCodes[] = {
#define GUICHET_ERROR(code, kind, key) {#code, ErrorKind::kind, key},
#include "guichet/scheduling/errors.def"
#undef GUICHET_ERROR
  };
  static constexpr ErrorDomain kDomain{"scheduling", kCodes};
  return kDomain;
}

}  // namespace guichet::scheduling
