#include "guichet/identity/errors.hpp"

namespace guichet::identity {

const ErrorDomain& error_domain(Errc /*code*/) {
  static constexpr ErrorCodeInfo kCodes[] = {
#define GUICHET_ERROR(code, kind, key) {#code, ErrorKind::kind, key},
#include "guichet/identity/errors.def"
#undef GUICHET_ERROR
  };
  static constexpr ErrorDomain kDomain{"identity", kCodes};
  return kDomain;
}

}  // namespace guichet::identity
