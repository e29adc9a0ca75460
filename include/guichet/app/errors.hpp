#pragma once
// The app module's error codes as an enum: compared as values, never as strings.
#include "guichet/core/result.hpp"

namespace guichet::app {

enum class Errc {
#define GUICHET_ERROR(code, kind, key) code,
#include "guichet/app/errors.def"
#undef GUICHET_ERROR
};

// Found by argument-dependent lookup; makes Errc convertible to ErrorCode.
const ErrorDomain& error_domain(Errc code);

}  // namespace guichet::app
