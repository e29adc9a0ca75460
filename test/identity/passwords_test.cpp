#include "guichet/identity/passwords.hpp"

#include <gtest/gtest.h>

namespace guichet::identity {
namespace {

TEST(PasswordPolicy, LengthOnlyNoCompositionRules) {
  EXPECT_EQ(check_new_password("short", "").error().code.name(), "password_too_short");
  EXPECT_EQ(check_new_password("elevenchars", "").error().code.name(), "password_too_short");
  EXPECT_TRUE(check_new_password("correct horse battery", "").ok()) << "no digit or symbol is demanded";
  EXPECT_TRUE(check_new_password("tiếng việt dài", "").ok()) << "characters, not bytes, are counted";
  const std::string long_phrase = "the ferry to the island leaves at dawn when the tide and wind allow it";
  EXPECT_TRUE(check_new_password(long_phrase, "").ok()) << "at least 64 characters are allowed";
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

// Issue 16: zxcvbn's estimate refuses what NIST SP 800-63B says to refuse, in French and
// Portuguese as in English, and says whether words or a pattern made it guessable.
TEST(PasswordPolicy, RefusesWhatIsGuessedQuicklyInEveryLanguage) {
  for (const char* guessable :
       {"bonjourlemonde", "obrigadoamigo1", "mariajoaosilva", "saopaulo12345", "iloveyou2024!", "Motdepasse2025"}) {
    auto refused = check_new_password(guessable, "");
    ASSERT_FALSE(refused.ok()) << guessable;
    EXPECT_EQ(refused.error().code.name(), "password_common") << guessable;
    EXPECT_EQ(refused.error().code.message_key(), "register_error_password_common");
  }
  for (const char* pattern : {"asdfghjkl;'qwer", "abcdefghijklmnop", "123412341234abab"}) {
    auto refused = check_new_password(pattern, "");
    ASSERT_FALSE(refused.ok()) << pattern;
    EXPECT_EQ(refused.error().code.name(), "password_pattern") << pattern;
  }
  // The person's own address and the service's name are guesses too.
  EXPECT_FALSE(check_new_password("guichetportal2026", "").ok());
  EXPECT_FALSE(check_new_password("ruilisboa1990!", "rui@lisboa.pt").ok());
  EXPECT_TRUE(check_new_password("ruilisboa1990!", "ana@example.org").ok()) << "for someone else, not a guess";
  for (const char* strong : {"correct horse battery", "uma frase longa e boa", "le ferry part à l'aube",
                             "chuyến phà sáng sớm", "counter seven opens at nine"}) {
    EXPECT_TRUE(check_new_password(strong, "").ok()) << strong;
  }
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
