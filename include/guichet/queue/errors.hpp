#pragma once
// The queue module's error codes as an enum: compared as values, never as strings.
#include "guichet/core/result.hpp"

namespace guichet::queue {

enum class Errc {
#define GUICHET_ERROR(code, kind, key) code,
#include "guichet/queue/errors.def"
#undef GUICHET_ERROR
};

// Found by argument-dependent lookup; makes Errc convertible to ErrorCode.
const ErrorDomain& error_domain(Errc code);

}  // namespace guichet::queue
