#include "guichet/storage/errors.hpp"

namespace guichet::storage {

const ErrorDomain& error_domain(Errc /*code*/) {
  static constexpr ErrorCodeInfo kCodes[] = {
#define GUICHET_ERROR(code, kind, key) {#code, ErrorKind::kind, key},
#include "guichet/storage/errors.def"
#undef GUICHET_ERROR
  };
  static constexpr ErrorDomain kDomain{"storage", kCodes};
  return kDomain;
}

}  // namespace guichet::storage
