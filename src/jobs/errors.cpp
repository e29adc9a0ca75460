#include "guichet/jobs/errors.hpp"

namespace guichet::jobs {

const ErrorDomain& error_domain(Errc /*code*/) {
  static constexpr ErrorCodeInfo kCodes[] = {
#define GUICHET_ERROR(code, kind, key) {#code, ErrorKind::kind, key},
#include "guichet/jobs/errors.def"
#undef GUICHET_ERROR
  };
  static constexpr ErrorDomain kDomain{"jobs", kCodes};
  return kDomain;
}

}  // namespace guichet::jobs
