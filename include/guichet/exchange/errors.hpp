#pragma once
// The exchange module's error codes as an enum: compared as values, never as strings.
#include "guichet/core/result.hpp"

namespace guichet::exchange {

enum class Errc {
#define GUICHET_ERROR(code, kind, key) code,
#include "guichet/exchange/errors.def"
#undef GUICHET_ERROR
};

// Found by argument-dependent lookup; makes Errc convertible to ErrorCode.
const ErrorDomain& error_domain(Errc code);

}  // namespace guichet::exchange
