// Compact JWS checks (oidc/jose.hpp) without a database: ES256 is checked by OpenSSL directly,
// RS256 by cjose, and both refuse what RFC 7515 and RFC 7518 refuse.
#include "guichet/oidc/jose.hpp"

#include <gtest/gtest.h>

#include <cjose/cjose.h>

#include <boost/json.hpp>

#include "guichet/core/encoding.hpp"

namespace guichet::oidc {
namespace {

// RFC 7515, Appendix A.3: a JWS signed with ECDSA P-256 SHA-256, and its key.
constexpr const char* kRfcKey = R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                                R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
constexpr const char* kRfcHeader = "eyJhbGciOiJFUzI1NiJ9";
constexpr const char* kRfcPayload =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
constexpr const char* kRfcSignature =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

std::string rfc_token(const std::string& signature = kRfcSignature) {
  return std::string(kRfcHeader) + "." + kRfcPayload + "." + signature;
}

std::string code_of(const Result<VerifiedJws>& verified) {
  return verified ? "ok" : std::string(verified.error().code.name());
}

const std::vector<SigningAlgorithm> kEs256{SigningAlgorithm::es256};

TEST(JoseTest, TheRfcExampleChecksAndGivesItsPayload) {
  auto verified = verify_jws(rfc_token(), {kRfcKey}, kEs256);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->payload, "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}");
  EXPECT_EQ(verified->kid, "");
}

TEST(JoseTest, AnAlteredSignatureOrPayloadIsRefused) {
  auto signature = *base64url_decode(kRfcSignature);
  std::string flipped = signature;
  flipped[10] = static_cast<char>(flipped[10] ^ 0x01);
  EXPECT_EQ(code_of(verify_jws(rfc_token(base64url(flipped)), {kRfcKey}, kEs256)), "signature_invalid");
  // r and s swapped, one byte short, one byte more.
  const std::string swapped = signature.substr(32) + signature.substr(0, 32);
  EXPECT_EQ(code_of(verify_jws(rfc_token(base64url(swapped)), {kRfcKey}, kEs256)), "signature_invalid");
  EXPECT_EQ(code_of(verify_jws(rfc_token(base64url(signature.substr(1))), {kRfcKey}, kEs256)), "signature_invalid");
  EXPECT_EQ(code_of(verify_jws(rfc_token(base64url(signature + "x")), {kRfcKey}, kEs256)), "signature_invalid");
  // Another payload under the same signature.
  const std::string other = std::string(kRfcHeader) + "." + base64url(R"({"iss":"joe"})") + "." + kRfcSignature;
  EXPECT_EQ(code_of(verify_jws(other, {kRfcKey}, kEs256)), "signature_invalid");
}

TEST(JoseTest, ADerSignatureIsNotAJwsSignature) {
  // Many ECDSA libraries give DER; JWS takes r || s (RFC 7518 §3.4) and nothing else.
  auto signature = *base64url_decode(kRfcSignature);
  ASSERT_LT(static_cast<unsigned char>(signature[0]), 0x80);   // r as it is
  ASSERT_GE(static_cast<unsigned char>(signature[32]), 0x80);  // s behind a zero byte
  const std::string der = std::string("\x30\x45\x02\x20", 4) + signature.substr(0, 32) +
                          std::string("\x02\x21\x00", 3) + signature.substr(32);
  EXPECT_EQ(code_of(verify_jws(rfc_token(base64url(der)), {kRfcKey}, kEs256)), "signature_invalid");
}

TEST(JoseTest, AKeyWhosePointIsNotOnTheCurveChecksNothing) {
  boost::json::object key = boost::json::parse(kRfcKey).as_object();
  auto y = *base64url_decode(std::string(key["y"].as_string()));
  y[31] = static_cast<char>(y[31] ^ 0x01);
  key["y"] = base64url(y);
  EXPECT_EQ(code_of(verify_jws(rfc_token(), {boost::json::serialize(key)}, kEs256)), "signature_invalid");
  // Nor does a key of another curve, or a key with a coordinate of the wrong length.
  key = boost::json::parse(kRfcKey).as_object();
  key["crv"] = "P-384";
  EXPECT_EQ(code_of(verify_jws(rfc_token(), {boost::json::serialize(key)}, kEs256)), "signature_invalid");
  key = boost::json::parse(kRfcKey).as_object();
  key["x"] = base64url(std::string(31, 'a'));
  EXPECT_EQ(code_of(verify_jws(rfc_token(), {boost::json::serialize(key)}, kEs256)), "signature_invalid");
  // The right key after a wrong one: each key is tried.
  EXPECT_TRUE(verify_jws(rfc_token(), {boost::json::serialize(key), kRfcKey}, kEs256).ok());
}

TEST(JoseTest, TheKeyIsChosenByKid) {
  auto first = generate_key_pair(SigningAlgorithm::es256);
  auto second = generate_key_pair(SigningAlgorithm::es256);
  ASSERT_TRUE(first.ok() && second.ok());
  const std::string token = *sign_jws(*second, R"({"sub":"x"})");
  auto verified = verify_jws(token, {first->public_jwk, second->public_jwk}, kEs256);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->kid, second->kid);
  EXPECT_EQ(verified->payload, R"({"sub":"x"})");
  // The token names the second key: given only the first, it does not check.
  EXPECT_EQ(code_of(verify_jws(token, {first->public_jwk}, kEs256)), "signature_invalid");
  // A key with the token's kid but another point does not check it.
  boost::json::object impostor = boost::json::parse(first->public_jwk).as_object();
  impostor["kid"] = second->kid;
  EXPECT_EQ(code_of(verify_jws(token, {boost::json::serialize(impostor)}, kEs256)), "signature_invalid");
}

TEST(JoseTest, TheVerifierNamesTheAlgorithmAndTheTokenItsShape) {
  EXPECT_EQ(code_of(verify_jws(rfc_token(), {kRfcKey}, {SigningAlgorithm::rs256})), "algorithm_refused");
  const std::string hs256 = base64url(R"({"alg":"HS256"})") + "." + kRfcPayload + "." + kRfcSignature;
  EXPECT_EQ(code_of(verify_jws(hs256, {kRfcKey}, kEs256)), "algorithm_refused");
  EXPECT_EQ(code_of(verify_jws(std::string(kRfcHeader) + "." + kRfcPayload, {kRfcKey}, kEs256)), "token_malformed");
  EXPECT_EQ(code_of(verify_jws(rfc_token() + ".", {kRfcKey}, kEs256)), "token_malformed");
  EXPECT_EQ(code_of(verify_jws(base64url("not json") + "." + kRfcPayload + "." + kRfcSignature, {kRfcKey}, kEs256)),
            "token_malformed");
  EXPECT_EQ(code_of(verify_jws(base64url(R"({"alg":"ES256","kid":7})") + "." + kRfcPayload + "." + kRfcSignature,
                               {kRfcKey}, kEs256)),
            "token_malformed");
  EXPECT_EQ(code_of(verify_jws(std::string(kRfcHeader) + ".***." + kRfcSignature, {kRfcKey}, kEs256)),
            "token_malformed");
}

// cjose, an implementation of its own, checks what sign_jws signs and signs what verify_jws checks.
TEST(JoseTest, Es256TokensTravelBothWaysWithCjose) {
  auto key = generate_key_pair(SigningAlgorithm::es256);
  ASSERT_TRUE(key.ok());
  const std::string payload = R"({"iss":"guichet","n":1})";
  cjose_err err{};
  cjose_jwk_t* public_jwk = cjose_jwk_import(key->public_jwk.data(), key->public_jwk.size(), &err);
  cjose_jwk_t* private_jwk = cjose_jwk_import(key->private_jwk.data(), key->private_jwk.size(), &err);
  ASSERT_NE(public_jwk, nullptr);
  ASSERT_NE(private_jwk, nullptr);
  for (int i = 0; i < 20; ++i) {  // random nonces: r and s of every length, leading zero bytes included
    const std::string ours = *sign_jws(*key, payload, "JWT");
    cjose_jws_t* imported = cjose_jws_import(ours.data(), ours.size(), &err);
    ASSERT_NE(imported, nullptr) << ours;
    EXPECT_TRUE(cjose_jws_verify(imported, public_jwk, &err)) << ours;
    cjose_jws_release(imported);
    auto header = boost::json::parse(*base64url_decode(ours.substr(0, ours.find('.')))).as_object();
    EXPECT_EQ(header["alg"].as_string(), "ES256");
    EXPECT_EQ(header["kid"].as_string(), key->kid);
    EXPECT_EQ(header["typ"].as_string(), "JWT");
  }
  cjose_header_t* header = cjose_header_new(&err);
  ASSERT_TRUE(cjose_header_set(header, CJOSE_HDR_ALG, CJOSE_HDR_ALG_ES256, &err));
  ASSERT_TRUE(cjose_header_set(header, CJOSE_HDR_KID, key->kid.c_str(), &err));
  cjose_jws_t* theirs =
      cjose_jws_sign(private_jwk, header, reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size(), &err);
  ASSERT_NE(theirs, nullptr);
  const char* compact = nullptr;
  ASSERT_TRUE(cjose_jws_export(theirs, &compact, &err));
  auto verified = verify_jws(compact, {key->public_jwk}, kEs256);
  ASSERT_TRUE(verified.ok()) << verified.error().message;
  EXPECT_EQ(verified->payload, payload);
  cjose_jws_release(theirs);
  cjose_header_release(header);
  cjose_jwk_release(private_jwk);
  cjose_jwk_release(public_jwk);
}

TEST(JoseTest, AKeyPairWhoseHalvesDoNotMatchSignsNothing) {
  auto first = generate_key_pair(SigningAlgorithm::es256);
  auto second = generate_key_pair(SigningAlgorithm::es256);
  ASSERT_TRUE(first.ok() && second.ok());
  boost::json::object mixed = boost::json::parse(first->private_jwk).as_object();
  const auto other = boost::json::parse(second->public_jwk).as_object();
  mixed["x"] = other.at("x");
  mixed["y"] = other.at("y");
  KeyPair broken = *first;
  broken.private_jwk = boost::json::serialize(mixed);
  auto signed_with_broken = sign_jws(broken, "{}");
  ASSERT_FALSE(signed_with_broken.ok());
  EXPECT_EQ(signed_with_broken.error().code.name(), "jwk_invalid");
  // Nor does a public key alone.
  KeyPair public_only = *first;
  public_only.private_jwk = first->public_jwk;
  EXPECT_FALSE(sign_jws(public_only, "{}").ok());
}

}  // namespace
}  // namespace guichet::oidc
