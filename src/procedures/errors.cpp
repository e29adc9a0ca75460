#include "guichet/procedures/errors.hpp"

namespace guichet::procedures {

const ErrorDomain& error_domain(Errc /*code*/) {
  static constexpr ErrorCodeInfo kCodes[] = {
#define GUICHET_ERROR(code, kind, key) {#code, ErrorKind::kind, key},
#include "guichet/procedures/errors.def"
#undef GUICHET_ERROR
  };
  static constexpr ErrorDomain kDomain{"procedures", kCodes};
  return kDomain;
}

}  // namespace guichet::procedures
