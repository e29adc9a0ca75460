#include "guichet/core/utf8.hpp"

#include <gtest/gtest.h>

namespace guichet {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("Tiếng Việt, Português, Français"));
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));  // U+1F600
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

TEST(Utf8, RejectsMalformedText) {
  EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("ok\x80"));    // lone continuation byte
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));  // truncated euro sign
}

}  // namespace
}  // namespace guichet

namespace guichet {
namespace {

TEST(Utf8, ReplacesWhatIsNotUtf8AndCutsAtACharactersEnd) {
  EXPECT_EQ(valid_utf8("Mozilla/5.0"), "Mozilla/5.0");
  EXPECT_EQ(valid_utf8("a\xFF"
                       "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(valid_utf8("\xC3"), "\xEF\xBF\xBD") << "a sequence cut short";
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD") << "a surrogate, byte by byte";
  EXPECT_EQ(valid_utf8("Tiếng", 3), "Ti") << "never half of ế";
  EXPECT_TRUE(is_valid_utf8(valid_utf8(std::string("\x80\xC0\xF5 ok \xF4\x90\x80\x80", 11), 9)));
}

}  // namespace
}  // namespace guichet
