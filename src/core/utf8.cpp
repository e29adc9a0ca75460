#include "guichet/core/utf8.hpp"

#include <cstdint>

namespace guichet {
namespace {

// The length of the well-formed sequence at `p` (Unicode 15, table 3-7), or 0 when there is none.
std::size_t sequence_length(const std::uint8_t* p, const std::uint8_t* end) {
  const std::uint8_t b = *p;
  if (b < 0x80) return 1;
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
    return 0;
  }
  if (end - p <= continuation) return 0;
  if (p[1] < low || p[1] > high) return 0;
  for (int i = 2; i <= continuation; ++i) {
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  }
  return static_cast<std::size_t>(continuation) + 1;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const std::size_t n = sequence_length(p, end);
    if (n == 0) return false;
    p += n;
  }
  return true;
}

std::string valid_utf8(std::string_view text, std::size_t max_bytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  const auto* p = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const std::size_t n = sequence_length(p, end);
    const std::size_t adds = n == 0 ? kReplacement.size() : n;
    if (out.size() + adds > max_bytes) break;
    if (n == 0) {
      out += kReplacement;
      ++p;
    } else {
      out.append(reinterpret_cast<const char*>(p), n);
      p += n;
    }
  }
  return out;
}

}  // namespace guichet
