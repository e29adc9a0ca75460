#include "guichet/core/utf8.hpp"

#include <cstdint>

namespace guichet {

// Follows the well-formed byte sequences of Unicode 15, table 3-7.
bool is_valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    std::uint8_t b = *p;
    if (b < 0x80) {
      ++p;
      continue;
    }
    int continuation = 0;
    std::uint8_t low = 0x80;
    std::uint8_t high = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      continuation = 1;
    } else if (b == 0xE0) {
      continuation = 2;
      low = 0xA0;
    } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
      continuation = 2;
    } else if (b == 0xED) {
      continuation = 2;
      high = 0x9F;
    } else if (b == 0xF0) {
      continuation = 3;
      low = 0x90;
    } else if (b >= 0xF1 && b <= 0xF3) {
      continuation = 3;
    } else if (b == 0xF4) {
      continuation = 3;
      high = 0x8F;
    } else {
      return false;
    }
    if (end - p <= continuation) return false;
    if (p[1] < low || p[1] > high) return false;
    for (int i = 2; i <= continuation; ++i) {
      if (p[i] < 0x80 || p[i] > 0xBF) return false;
    }
    p += continuation + 1;
  }
  return true;
}

}  // namespace guichet
