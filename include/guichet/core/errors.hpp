#pragma once
// The core module's error codes as an enum: compared as values, never as strings.
#include "guichet/core/result.hpp"

namespace guichet {

enum class CoreErrc {
#define GUICHET_ERROR(code, kind, key) code,
#include "guichet/core/errors.def"
#undef GUICHET_ERROR
};

// Found by argument-dependent lookup; makes CoreErrc convertible to ErrorCode.
const ErrorDomain& error_domain(CoreErrc code);

}  // namespace guichet
