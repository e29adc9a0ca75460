#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace guichet {

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool is_valid_utf8(std::string_view text);
// `text` with every byte that starts no well-formed sequence replaced by U+FFFD, cut at a
// character's end to at most `max_bytes`: for what a client sends that is only shown back or
// logged (a User-Agent), which is kept rather than refused.
std::string valid_utf8(std::string_view text, std::size_t max_bytes = std::string::npos);

}  // namespace guichet
