#include "guichet/core/random.hpp"

#include <gtest/gtest.h>

#include <set>

namespace guichet {
namespace {

TEST(Random, TokensAreUrlSafeAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string token = random_token(32);
    EXPECT_EQ(token.size(), 43U);
    EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 1000U);
}

TEST(Random, HexHasTwoDigitsPerByte) { EXPECT_EQ(random_hex(8).size(), 16U); }

TEST(Random, SecureEquals) {
  EXPECT_TRUE(secure_equals("abc", "abc"));
  EXPECT_FALSE(secure_equals("abc", "abd"));
  EXPECT_FALSE(secure_equals("abc", "abcd"));
}

}  // namespace
}  // namespace guichet
