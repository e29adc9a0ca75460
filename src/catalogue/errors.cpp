#include "guichet/catalogue/errors.hpp"

namespace guichet::catalogue {

const ErrorDomain& error_domain(Errc /*code*/) {
  static constexpr ErrorCodeInfo kCodes[] = {
#define GUICHET_ERROR(code, kind, key) {#code, ErrorKind::kind, key},
#include "guichet/catalogue/errors.def"
#undef GUICHET_ERROR
  };
  static constexpr ErrorDomain kDomain{"catalogue", kCodes};
  return kDomain;
}

}  // namespace guichet::catalogue
