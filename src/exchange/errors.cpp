#include "guichet/exchange/errors.hpp"

namespace guichet::exchange {

const ErrorDomain& error_domain(Errc /*code*/) {
  static constexpr ErrorCodeInfo kCodes[] = {
#define GUICHET_ERROR(code, kind, key) {#code, ErrorKind::kind, key},
#include "guichet/exchange/errors.def"
#undef GUICHET_ERROR
  };
  static constexpr ErrorDomain kDomain{"exchange", kCodes};
  return kDomain;
}

}  // namespace guichet::exchange
