#pragma once
// French and Portuguese words and first names, most frequent first, that the password check gives
// zxcvbn as a dictionary (generated at build time by scripts/password-words.py).
#include <cstddef>

namespace guichet::identity {

extern const std::size_t kPasswordWordCount;
extern const char* const kPasswordWords[];

}  // namespace guichet::identity
