#include "guichet/core/digest.hpp"

#include <gtest/gtest.h>

#include "guichet/core/encoding.hpp"
#include "guichet/core/errors.hpp"

namespace guichet {
namespace {

TEST(Digest, HmacSha256MatchesRfc4231) {
  // RFC 4231, test case 2.
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Digest, Base64UrlHasNoPaddingAndTheUrlAlphabet) {
  EXPECT_EQ(base64url(""), "");
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("fo"), "Zm8");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_decode("-_8").value(), "\xfb\xff");
  EXPECT_FALSE(base64url_decode("+/8").ok()) << "the standard alphabet is not base64url";
  EXPECT_FALSE(base64url_decode("Zg==").ok()) << "no padding in base64url";
}

TEST(Digest, Base64IsPaddedWithTheStandardAlphabet) {
  // RFC 4648 section 10 test vectors.
  EXPECT_EQ(base64("foob"), "Zm9vYg==");
  EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64("\xfb\xff"), "+/8=");
  EXPECT_EQ(base64_decode("Zm9vYmFy").value(), "foobar");
  EXPECT_EQ(base64_decode("Zm9vYg==").value(), "foob");
  // RFC 7617's example credentials.
  EXPECT_EQ(base64_decode("QWxhZGRpbjpvcGVuIHNlc2FtZQ==").value(), "Aladdin:open sesame");
  EXPECT_FALSE(base64_decode("Zm9vYg").ok()) << "padding is required";
  EXPECT_FALSE(base64_decode("Zm9v!mFy").ok());
  EXPECT_EQ(base64_decode("Zm9v!mFy").error().code, CoreErrc::base64_invalid);
}

}  // namespace
}  // namespace guichet
