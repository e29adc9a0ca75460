#pragma once
// What the procedures module does to people's text everywhere: answers, messages, issuers.
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace guichet::procedures {

// Without leading and trailing spaces, tabs and line breaks.
inline std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// Characters as people count them (UTF-8 code points), for length limits.
inline std::size_t code_points(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

}  // namespace guichet::procedures
