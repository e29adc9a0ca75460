# Generates a C++ source defining `std::string_view NAME()` that returns the text of INPUT.
file(READ ${INPUT} text)
file(WRITE ${OUTPUT}.tmp
"// Generated from ${INPUT} by cmake/embed_text.cmake; do not edit.
#include <string_view>

namespace guichet::app {
std::string_view ${NAME}() {
  // An array, not a constexpr string_view: the compiler would count a long text's length in a
  // constexpr loop with a limit.
  static const char text[] = R\"__guichet_text__(${text})__guichet_text__\";
  return std::string_view(text, sizeof text - 1);
}
}  // namespace guichet::app
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
