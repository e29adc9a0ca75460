#include "guichet/core/secrets.hpp"

#include <gtest/gtest.h>

#include "guichet/core/errors.hpp"

namespace guichet {
namespace {

TEST(SecretKey, SealsAndOpensForTheSamePurposeOnly) {
  auto key = SecretKey::from_base64(SecretKey::generate_base64());
  ASSERT_TRUE(key);
  const std::string sealed = key->seal("a private key", "table.column:1");
  EXPECT_TRUE(sealed.starts_with("gk1." + key->id() + "."));
  EXPECT_EQ(sealed.find("a private key"), std::string::npos);
  EXPECT_EQ(SecretKey::sealed_by(sealed), key->id());
  auto opened = key->open(sealed, "table.column:1");
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, "a private key");
  // Moved to another row: refused.
  auto moved = key->open(sealed, "table.column:2");
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().code, CoreErrc::secret_corrupt);
  // Two seals of one secret differ (a fresh nonce each time).
  EXPECT_NE(key->seal("x", "p"), key->seal("x", "p"));
}

TEST(SecretKey, AnotherKeyIsNamedAndADamagedValueRefused) {
  auto key = SecretKey::from_base64(SecretKey::generate_base64()).value();
  auto other = SecretKey::from_base64(SecretKey::generate_base64()).value();
  EXPECT_NE(key.id(), other.id());
  const std::string sealed = key.seal("secret", "p");
  auto wrong = other.open(sealed, "p");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, CoreErrc::secret_key_mismatch);
  EXPECT_NE(wrong.error().message.find(key.id()), std::string::npos);
  std::string damaged = sealed;
  damaged.back() = damaged.back() == 'A' ? 'B' : 'A';
  auto refused = key.open(damaged, "p");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, CoreErrc::secret_corrupt);
  EXPECT_FALSE(key.open("plain text", "p"));
}

TEST(SecretKey, OnlyThirtyTwoBytesOfBase64AreAKey) {
  EXPECT_FALSE(SecretKey::from_base64(""));
  EXPECT_FALSE(SecretKey::from_base64("c2hvcnQ="));
  EXPECT_FALSE(SecretKey::from_base64("not base64 at all!"));
  auto with_newline = SecretKey::from_base64(SecretKey::generate_base64() + "\n");
  EXPECT_TRUE(with_newline);
  auto missing = SecretKey::from_file("/nonexistent/secrets.key");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nonexistent/secrets.key"), std::string::npos);
}

}  // namespace
}  // namespace guichet
