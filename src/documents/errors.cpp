#include "guichet/documents/errors.hpp"

namespace guichet::documents {

const ErrorDomain& error_domain(Errc /*code*/) {
  static constexpr ErrorCodeInfo kCodes[] = {
#define GUICHET_ERROR(code, kind, key) {#code, ErrorKind::kind, key},
#include "guichet/documents/errors.def"
#undef GUICHET_ERROR
  };
  static constexpr ErrorDomain kDomain{"documents", kCodes};
  return kDomain;
}

}  // namespace guichet::documents
