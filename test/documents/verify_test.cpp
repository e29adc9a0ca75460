// The verifier against a set of defective files, each with the indication and sub-indication the
// ETSI EN 319 102-1 validation gives it (as the EU's DSS reports them), and against pdfsig on the
// valid ones: the two must agree.
#include "guichet/documents/verify.hpp"
#include "guichet/documents/timestamp.hpp"

#include "documents/fixture.hpp"

namespace guichet::documents {
namespace {

class VerifyTest : public DocumentsTest {
 protected:
  SignatureReport only(std::string_view pdf) {
    auto trust = authority->trust_settings();
    EXPECT_TRUE(trust);
    if (!trust) return {};
    auto report = verify_pdf(pdf, *trust);
    EXPECT_TRUE(report) << (report ? "" : report.error().message);
    if (!report || report->signatures.size() != 1) {
      ADD_FAILURE() << "expected one signature";
      return {};
    }
    return report->signatures.front();
  }
  std::string plain() {
    auto pdf = render_pdf(sample_document(clock.now()), fonts());
    EXPECT_TRUE(pdf);
    return pdf ? *pdf : std::string();
  }
  SigningIdentity seal() {
    auto s = authority->seal_of("at", "Autoridade Tributária e Aduaneira");
    EXPECT_TRUE(s);
    return s ? *s : SigningIdentity{};
  }
  std::string signed_with(const SignatureFormat& format, const SigningIdentity& who) {
    auto out = sign_pdf(plain(), who, {"AT", "test", "Lisboa", clock.now()}, format);
    EXPECT_TRUE(out) << (out ? "" : out.error().message);
    return out ? *out : std::string();
  }
  // Where the CMS's DER starts in the file (just after "/Contents <"), and its length.
  static std::pair<std::size_t, std::size_t> cms_location(const std::string& pdf) {
    const std::size_t at = pdf.rfind("/Contents <") + 11;
    auto byte = [&](std::size_t i) { return std::stoi(pdf.substr(at + 2 * i, 2), nullptr, 16); };
    const std::size_t length_bytes = static_cast<std::size_t>(byte(1) & 0x7f);
    std::size_t length = 0;
    for (std::size_t i = 0; i < length_bytes; ++i) length = (length << 8) | static_cast<std::size_t>(byte(2 + i));
    return {at, 2 + length_bytes + length};
  }
  static void expect(const SignatureReport& r, Indication indication, const std::string& sub) {
    EXPECT_EQ(to_string(r.indication), to_string(indication)) << r.sub_indication;
    EXPECT_EQ(r.sub_indication, sub);
  }
};

TEST_P(VerifyTest, AValidSealPassesEveryStepAndPdfsigAgrees) {
  const std::string pdf = sealed(plain());
  const SignatureReport r = only(pdf);
  expect(r, Indication::total_passed, "");
  EXPECT_TRUE(r.covers_whole_document);
  EXPECT_EQ(r.revocation, "good");
  EXPECT_EQ(r.sub_filter, "ETSI.CAdES.detached");
  EXPECT_EQ(r.signer_name, "Autoridade Tributária e Aduaneira");
  ASSERT_TRUE(r.claimed_time);
  EXPECT_EQ(*r.claimed_time, clock.now());
  ASSERT_EQ(r.steps.size(), 6u);
  for (const auto& step : r.steps) EXPECT_EQ(step.status, StepStatus::passed) << step.name << ": " << step.detail;
  auto report = pdfsig(pdf);
  EXPECT_NE(report.output.find("Signature is Valid."), std::string::npos) << report.output;
}

TEST_P(VerifyTest, TwoSealsBothPassAndOnlyTheLastCoversTheWholeFile) {
  const std::string twice = sealed(sealed(plain(), "at"), "irn");
  auto trust = authority->trust_settings();
  ASSERT_TRUE(trust);
  auto report = verify_pdf(twice, *trust);
  ASSERT_TRUE(report);
  ASSERT_EQ(report->signatures.size(), 2u);
  EXPECT_EQ(report->signatures[0].indication, Indication::total_passed);
  EXPECT_EQ(report->signatures[1].indication, Indication::total_passed);
  EXPECT_FALSE(report->signatures[0].covers_whole_document);
  EXPECT_TRUE(report->signatures[1].covers_whole_document);
  EXPECT_EQ(report->signatures[0].field, "Signature1");
  auto checked = pdfsig(twice);
  std::size_t valid = 0;
  for (std::size_t at = 0; (at = checked.output.find("Signature is Valid.", at)) != std::string::npos; ++at) ++valid;
  EXPECT_EQ(valid, 2u) << "pdfsig agrees on both";
}

TEST_P(VerifyTest, ADocumentWithoutSignaturesHasNone) {
  auto trust = authority->trust_settings();
  ASSERT_TRUE(trust);
  auto report = verify_pdf(plain(), *trust);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->signatures.empty());
  EXPECT_EQ(report->sha256.size(), 64u);
  auto garbage = verify_pdf("GIF89a", *trust);
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, Errc::not_a_pdf);
}

// 1. A byte changed inside the signed range.
TEST_P(VerifyTest, AChangedByteIsAHashFailure) {
  std::string pdf = sealed(plain());
  const std::size_t title = pdf.find("/Title");
  pdf[title + 8] = pdf[title + 8] == 'X' ? 'Y' : 'X';
  expect(only(pdf), Indication::total_failed, "HASH_FAILURE");
}

// 2. Content appended after the signature: the signature stands for what it covers, and the
// report says the file goes on beyond it.
TEST_P(VerifyTest, ContentAppendedAfterTheSignatureIsReported) {
  const std::string pdf = sealed(plain()) + "\n1000 0 obj\n(added later)\nendobj\n";
  const SignatureReport r = only(pdf);
  EXPECT_FALSE(r.covers_whole_document);
  auto report = pdfsig(pdf);
  EXPECT_EQ(report.output.find("Total document signed"), std::string::npos) << "pdfsig agrees";
}

// 3. A certificate of the same name from another authority.
TEST_P(VerifyTest, AForgedCertificateHasNoChain) {
  testing::TestDatabase other(GetParam());
  ASSERT_TRUE(storage::apply_migrations(other.db(), storage::builtin_migrations(), clock).ok());
  CertificateAuthority forger(other.db(), clock, key);
  ASSERT_TRUE(forger.initialise("Guichet Test"));
  auto forged = forger.seal_of("at", "Autoridade Tributária e Aduaneira");
  ASSERT_TRUE(forged);
  expect(only(signed_with({}, *forged)), Indication::indeterminate, "NO_CERTIFICATE_CHAIN_FOUND");
}

// 4. A certificate that has expired, with no time-stamp to prove the signature came before.
TEST_P(VerifyTest, AnExpiredCertificateWithoutTimeStampIsOutOfBounds) {
  const std::string pdf = sealed(plain());
  clock.advance(std::chrono::days(365 * 3 + 2));
  const SignatureReport r = only(pdf);
  expect(r, Indication::indeterminate, "OUT_OF_BOUNDS_NO_POE");
  EXPECT_EQ(r.steps[3].status, StepStatus::indeterminate);
  EXPECT_EQ(r.steps[4].status, StepStatus::passed) << "the bytes themselves are intact";
}

// 5. A revoked certificate: signed before the revocation (nothing proves it), or claiming a time
// after it.
TEST_P(VerifyTest, ARevokedCertificateIsRevokedNoPoeOrRevoked) {
  const SigningIdentity who = seal();
  const std::string before = signed_with({}, who);
  clock.advance(std::chrono::hours(1));
  auto certificates = authority->certificates();
  ASSERT_TRUE(certificates);
  std::string seal_serial;
  for (const auto& c : *certificates) {
    if (c.role == "seal") seal_serial = c.serial;
  }
  ASSERT_TRUE(authority->revoke(seal_serial, "keyCompromise"));
  expect(only(before), Indication::indeterminate, "REVOKED_NO_POE");
  clock.advance(std::chrono::hours(1));
  const std::string after = signed_with({}, who);
  const SignatureReport r = only(after);
  expect(r, Indication::total_failed, "REVOKED");
  EXPECT_EQ(r.revocation, "revoked");
  auto again = authority->revoke(seal_serial, "keyCompromise");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::no_such_certificate);
  // The administration's next document gets a new seal.
  auto renewed = authority->seal_of("at", "Autoridade Tributária e Aduaneira");
  ASSERT_TRUE(renewed);
  EXPECT_NE(renewed->certificate_pem, who.certificate_pem);
}

// 6. No ESS signing-certificate-v2 attribute.
TEST_P(VerifyTest, AMissingSigningCertificateReferenceIsNoSigningCertificateFound) {
  SignatureFormat format;
  format.signing_certificate_v2 = false;
  expect(only(signed_with(format, seal())), Indication::indeterminate, "NO_SIGNING_CERTIFICATE_FOUND");
}

// 7. A signing-time attribute, which PAdES baseline forbids.
TEST_P(VerifyTest, ASigningTimeAttributeIsAFormatFailure) {
  SignatureFormat format;
  format.signing_time = true;
  const std::string pdf = signed_with(format, seal());
  const SignatureReport r = only(pdf);
  expect(r, Indication::total_failed, "FORMAT_FAILURE");
  EXPECT_NE(r.steps[0].detail.find("signing-time"), std::string::npos);
}

// A signature computed over the signed attributes in an unsorted SET OF (node-signpdf #183,
// #187): the file holds them DER-sorted, as every encoder writes a SET OF, so the signature does
// not match what it claims to sign; pdfsig agrees.
TEST_P(VerifyTest, ASignatureOverAnUnsortedSetOfIsASignatureCryptoFailure) {
  SignatureFormat format;
  format.der_sorted_attributes = false;
  const std::string pdf = signed_with(format, seal());
  expect(only(pdf), Indication::total_failed, "SIG_CRYPTO_FAILURE");
  EXPECT_EQ(pdfsig(pdf).output.find("Signature is Valid"), std::string::npos);
}

// 8. Another /SubFilter: reported, never silently left out (pyHanko #845).
TEST_P(VerifyTest, AnotherSubFilterIsReportedAsAFormatFailure) {
  SignatureFormat format;
  format.sub_filter = "adbe.pkcs7.detached";
  const SignatureReport r = only(signed_with(format, seal()));
  expect(r, Indication::total_failed, "FORMAT_FAILURE");
  EXPECT_EQ(r.sub_filter, "adbe.pkcs7.detached");
}

// 9. A truncated CMS: its second half zeroed, the file's size unchanged.
TEST_P(VerifyTest, ATruncatedCmsIsAFormatFailure) {
  std::string pdf = sealed(plain());
  const auto [at, length] = cms_location(pdf);
  for (std::size_t i = at + length; i < at + 2 * length; ++i) pdf[i] = '0';
  expect(only(pdf), Indication::total_failed, "FORMAT_FAILURE");
}

// 10. The signature value altered (a byte of the ECDSA s value, at the end of the CMS).
TEST_P(VerifyTest, AnAlteredSignatureValueIsASignatureCryptoFailure) {
  std::string pdf = sealed(plain());
  const auto [at, length] = cms_location(pdf);
  const std::size_t digit = at + 2 * (length - 6);
  pdf[digit] = pdf[digit] == '1' ? '2' : '1';
  expect(only(pdf), Indication::total_failed, "SIG_CRYPTO_FAILURE");
}

// 11. A /ByteRange that does not leave out exactly the signature.
TEST_P(VerifyTest, AByteRangeThatDoesNotFitTheSignatureIsAFormatFailure) {
  std::string pdf = sealed(plain());
  const std::size_t range = pdf.rfind("/ByteRange [0 ") + 14;
  pdf[range] = pdf[range] == '1' ? '2' : '1';  // the first range now ends elsewhere
  expect(only(pdf), Indication::total_failed, "FORMAT_FAILURE");
}

// 12. A trust list without Guichet's root: the chain cannot be built.
TEST_P(VerifyTest, WithoutTheRootTheChainIsNotFound) {
  const std::string pdf = sealed(plain());
  TrustSettings nobody;
  nobody.now = clock.now();
  auto report = verify_pdf(pdf, nobody);
  ASSERT_TRUE(report);
  ASSERT_EQ(report->signatures.size(), 1u);
  expect(report->signatures.front(), Indication::indeterminate, "NO_CERTIFICATE_CHAIN_FOUND");
}

// B-T: a time-stamp from Guichet's own authority over the signature value.
TEST_P(VerifyTest, ATimeStampedSignaturePassesAndOutlivesItsCertificate) {
  TimeStampAuthority tsa(*authority, clock);
  auto pdf = sign_pdf(plain(), seal(), {"AT", "test", "Lisboa", clock.now()}, {}, tsa.stamper());
  ASSERT_TRUE(pdf) << pdf.error().message;
  SignatureReport r = only(*pdf);
  expect(r, Indication::total_passed, "");
  EXPECT_EQ(r.time_stamp_status, "valid");
  ASSERT_TRUE(r.time_stamp);
  EXPECT_EQ(*r.time_stamp, std::chrono::floor<std::chrono::seconds>(clock.now()));
  auto report = pdfsig(*pdf);
  EXPECT_NE(report.output.find("Signature is Valid."), std::string::npos) << report.output;
  // Four years on the seal has expired, but the time-stamp proves the signature came before.
  clock.advance(std::chrono::days(365 * 3 + 30));
  r = only(*pdf);
  expect(r, Indication::total_passed, "");
  EXPECT_NE(r.steps[3].detail.find("expired since"), std::string::npos) << r.steps[3].detail;
}

// A time-stamp whose unit's certificate was revoked since proves nothing: reported invalid and
// ignored, so a seal revoked after it is no longer covered (REVOKED_NO_POE).
TEST_P(VerifyTest, ATimeStampFromARevokedUnitProvesNothing) {
  TimeStampAuthority tsa(*authority, clock);
  auto pdf = sign_pdf(plain(), seal(), {"AT", "test", "Lisboa", clock.now()}, {}, tsa.stamper());
  ASSERT_TRUE(pdf);
  clock.advance(std::chrono::hours(2));
  auto certificates = authority->certificates();
  ASSERT_TRUE(certificates);
  for (const auto& c : *certificates) {
    if (c.role == "tsa") ASSERT_TRUE(authority->revoke(c.serial, "keyCompromise"));
  }
  SignatureReport r = only(*pdf);
  expect(r, Indication::total_passed, "");
  EXPECT_NE(r.time_stamp_status.find("revoked"), std::string::npos) << r.time_stamp_status;
  EXPECT_FALSE(r.time_stamp);
  for (const auto& c : *certificates) {
    if (c.role == "seal") ASSERT_TRUE(authority->revoke(c.serial, "keyCompromise"));
  }
  expect(only(*pdf), Indication::indeterminate, "REVOKED_NO_POE");
}

TEST_P(VerifyTest, ARevocationAfterTheTimeStampDoesNotUndoTheSignature) {
  TimeStampAuthority tsa(*authority, clock);
  auto pdf = sign_pdf(plain(), seal(), {"AT", "test", "Lisboa", clock.now()}, {}, tsa.stamper());
  ASSERT_TRUE(pdf);
  clock.advance(std::chrono::hours(2));
  auto certificates = authority->certificates();
  ASSERT_TRUE(certificates);
  for (const auto& c : *certificates) {
    if (c.role == "seal") {
      ASSERT_TRUE(authority->revoke(c.serial, "keyCompromise"));
    }
  }
  const SignatureReport r = only(*pdf);
  expect(r, Indication::total_passed, "");
  EXPECT_EQ(r.revocation, "revoked");
  EXPECT_NE(r.steps[3].detail.find("after the time-stamp"), std::string::npos) << r.steps[3].detail;
}

// 13. A time-stamp over other data: it proves nothing about this signature and is ignored, so an
// expired certificate is again out of bounds.
TEST_P(VerifyTest, ATimeStampOverOtherDataIsIgnored) {
  TimeStampAuthority tsa(*authority, clock);
  SignatureFormat format;
  format.time_stamp_over_signature = false;
  auto pdf = sign_pdf(plain(), seal(), {"AT", "test", "Lisboa", clock.now()}, format, tsa.stamper());
  ASSERT_TRUE(pdf) << pdf.error().message;
  SignatureReport r = only(*pdf);
  EXPECT_TRUE(r.time_stamp_status.starts_with("invalid")) << r.time_stamp_status;
  EXPECT_FALSE(r.time_stamp);
  expect(r, Indication::total_passed, "");
  clock.advance(std::chrono::days(365 * 3 + 30));
  expect(only(*pdf), Indication::indeterminate, "OUT_OF_BOUNDS_NO_POE");
}

TEST_P(VerifyTest, ARefusedOrUnreachableTimeStampStopsTheSignature) {
  TimeStamper refusing = [](std::string_view) -> Result<std::string> { return std::string("not a response"); };
  auto refused = sign_pdf(plain(), seal(), {"AT", "", "", clock.now()}, {}, refusing);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::time_stamp_failed);
  auto unreachable = sign_pdf(plain(), seal(), {"AT", "", "", clock.now()}, {},
                              http_time_stamper("http://127.0.0.1:9/tsa", std::chrono::milliseconds(500)));
  ASSERT_FALSE(unreachable);
  EXPECT_EQ(unreachable.error().code, Errc::time_stamp_failed);
}

// A claimed time with a malformed offset (a file's author writes what they like there): reported
// without a time, never an exception.
TEST_P(VerifyTest, AMalformedClaimedTimeIsLeftOut) {
  std::string pdf = sealed(plain());
  const std::size_t m = pdf.rfind("/M (D:");
  ASSERT_NE(m, std::string::npos);
  const std::size_t close = pdf.find(')', m);
  pdf.replace(m, close - m + 1, "/M (D:20261202090000+xx'yy')");
  auto trust = authority->trust_settings();
  ASSERT_TRUE(trust);
  auto report = verify_pdf(pdf, *trust);
  ASSERT_TRUE(report) << report.error().message;
  ASSERT_EQ(report->signatures.size(), 1u);
  EXPECT_FALSE(report->signatures.front().claimed_time);
}

INSTANTIATE_TEST_SUITE_P(Backends, VerifyTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::documents
