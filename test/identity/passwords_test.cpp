#include "guichet/identity/passwords.hpp"

#include <gtest/gtest.h>

namespace guichet::identity {
namespace {

TEST(PasswordPolicy, LengthOnlyNoCompositionRules) {
  EXPECT_EQ(check_new_password("short", "").error().code.name(), "password_too_short");
  EXPECT_EQ(check_new_password("elevenchars", "").error().code.name(), "password_too_short");
  EXPECT_TRUE(check_new_password("correct horse battery", "").ok()) << "no digit or symbol is demanded";
  EXPECT_TRUE(check_new_password("tiếng việt dài", "").ok()) << "characters, not bytes, are counted";
  EXPECT_TRUE(check_new_password(std::string(64, 'x') + "y", "").ok()) << "at least 64 characters are allowed";
  EXPECT_EQ(check_new_password(std::string(257, 'a') + "b", "").error().code.name(), "password_too_long");
  EXPECT_EQ(check_new_password("ab\xFFxxxxxxxxxxxx", "").error().code.name(), "password_invalid");
}

TEST(PasswordPolicy, RefusesCommonAndContextualPasswords) {
  EXPECT_EQ(check_new_password("Password1234", "").error().code.name(), "password_common");
  EXPECT_EQ(check_new_password("qwertyuiopas", "").error().code.name(), "password_common");
  EXPECT_EQ(check_new_password("zzzzzzzzzzzzzzzz", "").error().code.name(), "password_common");
  EXPECT_EQ(check_new_password("ana.silva@example.org", "Ana.Silva@example.org").error().code.name(),
            "password_contains_email");
  EXPECT_EQ(check_new_password("my ana.silva secret", "ana.silva@example.org").error().code.name(),
            "password_contains_email");
}

TEST(PasswordHash, Argon2idWithTheRequiredCost) {
  auto hash = hash_password("correct horse battery");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=19456,t=2,")) << *hash;
  EXPECT_TRUE(verify_password("correct horse battery", *hash).value());
  EXPECT_FALSE(verify_password("correct horse batterz", *hash).value());
  EXPECT_FALSE(verify_password("anything", "").value());
  EXPECT_FALSE(password_needs_rehash(*hash));
  EXPECT_NE(*hash, *hash_password("correct horse battery")) << "every hash has its own salt";
}

}  // namespace
}  // namespace guichet::identity
