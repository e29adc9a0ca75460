#include "guichet/oidc/errors.hpp"

namespace guichet::oidc {

const ErrorDomain& error_domain(Errc /*code*/) {
  static constexpr ErrorCodeInfo kCodes[] = {
#define GUICHET_ERROR(code, kind, key) {#code, ErrorKind::kind, key},
#include "guichet/oidc/errors.def"
#undef GUICHET_ERROR
  };
  static constexpr ErrorDomain kDomain{"oidc", kCodes};
  return kDomain;
}

}  // namespace guichet::oidc
