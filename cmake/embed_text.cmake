# Generates a C++ source defining `std::string_view NAME()` that returns the text of INPUT.
file(READ ${INPUT} text)
file(WRITE ${OUTPUT}.tmp
"// Generated from ${INPUT} by cmake/embed_text.cmake; do not edit.
#include <string_view>

namespace guichet::app {
std::string_view ${NAME}() {
  static constexpr std::string_view text = R\"__guichet_text__(${text})__guichet_text__\";
  return text;
}
}  // namespace guichet::app
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
