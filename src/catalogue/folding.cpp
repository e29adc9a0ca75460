#include <algorithm>
#include <cctype>
#include <iterator>

#include "guichet/catalogue/catalogue.hpp"

// Folding for search: lowercase ASCII, accents and marks dropped (the table is made by
// scripts/generate-fold-table.py), other scripts kept, punctuation a separator.
namespace guichet::catalogue {
namespace {

struct Fold {
  char32_t code_point;
  const char* ascii;
};
constexpr Fold kFolds[] = {
#include "fold_table.inc"
};

// Punctuation and symbol blocks outside Latin: word separators, like ASCII punctuation.
bool is_punctuation_or_symbol(char32_t cp) {
  return (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE10 && cp <= 0xFE6F) ||
         (cp >= 0xFF00 && cp <= 0xFF20);
}

}  // namespace

std::string fold_for_search(std::string_view text) {
  std::string out;
  bool space = true;
  auto emit = [&](std::string_view piece) {
    for (char c : piece) {
      out += c;
      space = false;
    }
  };
  auto separator = [&] {
    if (!space) {
      out += ' ';
      space = true;
    }
  };
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (std::isalnum(c)) {
        emit(std::string(1, static_cast<char>(std::tolower(c))));
      } else {
        separator();
      }
      ++i;
      continue;
    }
    // Decode one UTF-8 sequence (the input was validated; a bad byte is a separator).
    int length = (c >= 0xF0) ? 4 : (c >= 0xE0) ? 3 : (c >= 0xC0) ? 2 : 1;
    char32_t code_point = length == 1 ? 0 : c & (0xFF >> (length + 1));
    for (int k = 1; k < length && i + static_cast<std::size_t>(k) < text.size(); ++k) {
      code_point = (code_point << 6) | (static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]) & 0x3F);
    }
    const auto* found = std::lower_bound(std::begin(kFolds), std::end(kFolds), code_point,
                                         [](const Fold& f, char32_t cp) { return f.code_point < cp; });
    if (found != std::end(kFolds) && found->code_point == code_point) {
      emit(found->ascii);  // a combining mark folds to nothing and joins the word
    } else if (length > 1 && code_point >= 0x0370 && !is_punctuation_or_symbol(code_point)) {
      emit(text.substr(i, static_cast<std::size_t>(length)));  // other scripts are kept as they are
    } else {
      separator();
    }
    i += static_cast<std::size_t>(length);
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}
}  // namespace guichet::catalogue
