#include "guichet/core/digest.hpp"

#include <gtest/gtest.h>

#include <random>

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

TEST(Digest, Sha256MatchesFips180Whole) {
  // FIPS 180-2 appendix B: one block, two blocks, and a million 'a's (many blocks).
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(sha256_bytes("abc"), std::string("\xba\x78\x16\xbf\x8f\x01\xcf\xea\x41\x41\x40\xde\x5d\xae\x22\x23"
                                             "\xb0\x03\x61\xa3\x96\x17\x7a\x9c\xb4\x10\xff\x61\xf2\x00\x15\xad",
                                             32));
}

TEST(Digest, Sha256InPiecesEqualsTheWholeAtEverySplit) {
  const std::string text = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" + std::string(200, 'z');
  const std::string whole = sha256_bytes(text);
  for (std::size_t split = 0; split <= text.size(); ++split) {
    Sha256 pieces;
    pieces.update(std::string_view(text).substr(0, split));
    pieces.update(std::string_view(text).substr(split));
    ASSERT_EQ(pieces.final_bytes(), whole) << "split at " << split;
  }
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

// The decoder for what is no secret (OpenSSL's) and its check alone against libsodium's decoder, on
// seeded random input: the same text for the same bytes, and the same answer, accepted with the same
// bytes or refused, for any text (random characters of the alphabet and around it, and encodings
// with their unused bits set).
TEST(Digest, TheDecoderForPublicDataAgreesWithLibsodiumOnEveryInput) {
  std::mt19937 random(20261206);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 130);
  // ASCII only: libsodium 1.0.18 decodes some bytes above 127 as if they were of the alphabet
  // (below); the public decoder refuses them all.
  const std::string characters = "ABCXYZabcxyz0189-_+/=.\n \x7f";
  std::uniform_int_distribution<std::size_t> character(0, characters.size() - 1);
  int refused = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(static_cast<std::size_t>(length(random)), '\0');
    for (char& c : bytes) c = static_cast<char>(byte(random));
    const std::string text = base64url(bytes);
    ASSERT_EQ(base64url_decode_public(text).value(), bytes);
    // A valid text with one character changed, often into one whose unused bits are set.
    std::string changed = text;
    if (!changed.empty()) changed.back() = characters[character(random)];
    std::string noise(static_cast<std::size_t>(length(random) % 12), '\0');
    for (char& c : noise) c = characters[character(random)];
    for (const std::string& candidate : {changed, noise}) {
      auto by_sodium = base64url_decode(candidate);
      auto by_openssl = base64url_decode_public(candidate);
      ASSERT_EQ(by_sodium.ok(), by_openssl.ok()) << candidate;
      ASSERT_EQ(base64url_decodes(candidate), by_sodium.ok()) << candidate;  // the check alone
      if (by_sodium) {
        ASSERT_EQ(*by_sodium, *by_openssl) << candidate;
      } else {
        ++refused;
      }
    }
  }
  EXPECT_GT(refused, 10000);  // the refusals were exercised, not only the happy path
  EXPECT_FALSE(base64url_decode_public("QUJD\x80QUJD").ok());
  EXPECT_FALSE(base64url_decode_public("QUJDQUJ\xc3").ok());
  EXPECT_FALSE(base64url_decode_public("Zg==").ok()) << "no padding in base64url";
  EXPECT_FALSE(base64url_decode_public("Z").ok());
  EXPECT_EQ(base64url_decode_public("").value(), "");
  EXPECT_FALSE(base64url_decodes("QUJD\x80QUJD"));
  EXPECT_FALSE(base64url_decodes("Zg=="));
  EXPECT_FALSE(base64url_decodes("Zh"));  // unused bits set
  EXPECT_TRUE(base64url_decodes("Zg"));
  EXPECT_TRUE(base64url_decodes(""));
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
