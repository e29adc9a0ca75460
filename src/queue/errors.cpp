#include "guichet/queue/errors.hpp"

namespace guichet::queue {

const ErrorDomain& error_domain(Errc /*code*/) {
  static constexpr ErrorCodeInfo kCodes[] = {
#define GUICHET_ERROR(code, kind, key) {#code, ErrorKind::kind, key},
#include "guichet/queue/errors.def"
#undef GUICHET_ERROR
  };
  static constexpr ErrorDomain kDomain{"queue", kCodes};
  return kDomain;
}

}  // namespace guichet::queue
