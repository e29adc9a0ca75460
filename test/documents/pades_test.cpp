// Documents laid out, sealed and checked by independent tools: poppler's pdfsig (with Guichet's
// root trusted in an NSS database made for the test), qpdf --check, openssl cms -verify and
// pdftotext. On both engines, since the certification authority lives in the database.
#include <openssl/cms.h>
#include <openssl/objects.h>

#include <cstdio>

#include "documents/fixture.hpp"

namespace guichet::documents {
namespace {

TEST_P(DocumentsTest, RendersTextThatToolsReadBackInVietnamese) {
  auto pdf = render_pdf(sample_document(clock.now()), fonts());
  ASSERT_TRUE(pdf) << pdf.error().message;
  write_file(dir.path() / "plain.pdf", *pdf);
  auto check = run("qpdf --check " + (dir.path() / "plain.pdf").string());
  EXPECT_EQ(check.status, 0) << check.output;
  auto text = run("pdftotext -enc UTF-8 " + (dir.path() / "plain.pdf").string() + " -");
  EXPECT_NE(text.output.find("Xác nhận lịch hẹn"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("Hộ chiếu điện tử"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("Thẻ căn cước công dân"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("1 / 1"), std::string::npos) << text.output;
  auto font_list = run("pdffonts " + (dir.path() / "plain.pdf").string());
  EXPECT_NE(font_list.output.find("PublicSans"), std::string::npos) << font_list.output;
  // The same document and time give the same bytes (a re-render is not a different document).
  auto again = render_pdf(sample_document(clock.now()), fonts());
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *pdf);
}

// PDF/A-2b's identity: an XMP packet declaring the conformance, saying what the Info dictionary
// says, an sRGB output intent, the language, a file identifier. (veraPDF, the reference
// validator, is Java and not in Debian; these are the parts ISO 19005-2 asks that Guichet adds.)
TEST_P(DocumentsTest, DocumentsCarryPdfaMetadataAndAnSrgbOutputIntent) {
  auto pdf = render_pdf(sample_document(clock.now()), fonts());
  ASSERT_TRUE(pdf);
  write_file(dir.path() / "archival.pdf", *pdf);
  const std::string file = (dir.path() / "archival.pdf").string();
  auto xmp = run("pdfinfo -meta " + file);
  EXPECT_NE(xmp.output.find("<pdfaid:part>2</pdfaid:part>"), std::string::npos) << xmp.output;
  EXPECT_NE(xmp.output.find("<pdfaid:conformance>B</pdfaid:conformance>"), std::string::npos);
  EXPECT_NE(xmp.output.find("<xmp:CreateDate>2026-12-02T09:00:00Z</xmp:CreateDate>"), std::string::npos);
  auto info = run("pdfinfo " + file);
  auto line = [&](const std::string& key) {
    const auto at = info.output.find(key + ":");
    return at == std::string::npos ? std::string() : info.output.substr(at, info.output.find('\n', at) - at);
  };
  EXPECT_NE(line("Producer").find("Guichet"), std::string::npos) << info.output;
  EXPECT_NE(line("Title").find("Xác nhận lịch hẹn"), std::string::npos) << info.output;
  EXPECT_NE(xmp.output.find(">Xác nhận lịch hẹn</rdf:li>"), std::string::npos) << "the same title in both";
  // Uncompressed (QDF), so the objects can be read as text.
  auto objects = run("qpdf --qdf --object-streams=disable " + file + " -");
  EXPECT_NE(objects.output.find("/ID ["), std::string::npos);
  EXPECT_NE(objects.output.find("/S /GTS_PDFA1"), std::string::npos);
  EXPECT_NE(objects.output.find("(sRGB IEC61966-2.1)"), std::string::npos);
  EXPECT_NE(objects.output.find("/Lang (vi)"), std::string::npos);
  EXPECT_EQ(run("qpdf --check " + file).status, 0);
  // And the seal still verifies over it.
  auto report = pdfsig(sealed(*pdf));
  EXPECT_NE(report.output.find("Signature is Valid."), std::string::npos) << report.output;
}

TEST_P(DocumentsTest, LongDocumentsBreakIntoPagesWithTheirCount) {
  DocumentSpec spec = sample_document(clock.now());
  Table table{{"#", "Dịch vụ"}, {}};
  for (int i = 0; i < 120; ++i) table.rows.push_back({std::to_string(i), "Hộ chiếu điện tử " + std::to_string(i)});
  spec.blocks.push_back(table);
  auto pdf = render_pdf(spec, fonts());
  ASSERT_TRUE(pdf);
  write_file(dir.path() / "long.pdf", *pdf);
  auto info = run("pdfinfo " + (dir.path() / "long.pdf").string());
  const std::size_t at = info.output.find("Pages:");
  ASSERT_NE(at, std::string::npos) << info.output;
  const int pages = std::stoi(info.output.substr(at + 6));
  EXPECT_GE(pages, 3) << "120 rows do not fit two pages";
  auto text = run("pdftotext -enc UTF-8 " + (dir.path() / "long.pdf").string() + " -");
  for (int page = 1; page <= pages; ++page) {
    const std::string footer = std::to_string(page) + " / " + std::to_string(pages);
    EXPECT_NE(text.output.find(footer), std::string::npos) << footer;
  }
  // The table's header is repeated on every page it runs onto.
  std::size_t headers = 0;
  for (std::size_t p = 0; (p = text.output.find("Dịch vụ", p)) != std::string::npos; ++p) ++headers;
  EXPECT_GE(headers, static_cast<std::size_t>(pages));
  EXPECT_NE(text.output.find("Hộ chiếu điện tử 119"), std::string::npos);
}

TEST_P(DocumentsTest, ASealedDocumentIsValidTrustedAndWhollySignedForPdfsig) {
  auto pdf = render_pdf(sample_document(clock.now()), fonts());
  ASSERT_TRUE(pdf);
  const std::string signed_pdf = sealed(*pdf);
  ASSERT_FALSE(signed_pdf.empty());
  EXPECT_EQ(signed_pdf.substr(0, pdf->size()), *pdf) << "an incremental update leaves the original bytes";
  auto report = pdfsig(signed_pdf);
  EXPECT_EQ(report.status, 0) << report.output;
  EXPECT_NE(report.output.find("Signature Validation: Signature is Valid."), std::string::npos) << report.output;
  EXPECT_NE(report.output.find("Certificate Validation: Certificate is Trusted."), std::string::npos) << report.output;
  EXPECT_NE(report.output.find("Total document signed"), std::string::npos) << report.output;
  EXPECT_NE(report.output.find("ETSI.CAdES.detached"), std::string::npos) << report.output;
  write_file(dir.path() / "signed.pdf", signed_pdf);
  auto check = run("qpdf --check " + (dir.path() / "signed.pdf").string());
  EXPECT_EQ(check.status, 0) << check.output;
}

// The CMS itself: openssl verifies it over the byte ranges, and it holds exactly the signed
// attributes PAdES baseline asks for.
TEST_P(DocumentsTest, TheCmsVerifiesWithOpensslAndHasNoSigningTime) {
  auto pdf = render_pdf(sample_document(clock.now()), fonts());
  ASSERT_TRUE(pdf);
  const std::string signed_pdf = sealed(*pdf);
  const std::size_t range = signed_pdf.rfind("/ByteRange [");
  ASSERT_NE(range, std::string::npos);
  std::size_t a = 0, b = 0, c = 0, d = 0;
  ASSERT_EQ(std::sscanf(signed_pdf.c_str() + range, "/ByteRange [%zu %zu %zu %zu]", &a, &b, &c, &d), 4);
  const std::string covered = signed_pdf.substr(a, b) + signed_pdf.substr(c, d);
  const std::string hex_cms = signed_pdf.substr(a + b + 1, c - b - 2);
  std::string der;
  for (std::size_t i = 0; i + 1 < hex_cms.size(); i += 2) {
    der += static_cast<char>(std::stoi(hex_cms.substr(i, 2), nullptr, 16));
  }
  // The zero padding after the DER: its length is in its header (a SEQUENCE, long form).
  ASSERT_EQ(static_cast<unsigned char>(der[0]), 0x30);
  const auto length_bytes = static_cast<std::size_t>(static_cast<unsigned char>(der[1]) & 0x7f);
  std::size_t length = 0;
  for (std::size_t i = 0; i < length_bytes; ++i) length = (length << 8) | static_cast<unsigned char>(der[2 + i]);
  der.resize(2 + length_bytes + length);
  write_file(dir.path() / "covered.bin", covered);
  write_file(dir.path() / "signature.der", der);
  auto verified = run("openssl cms -verify -binary -inform DER -in " + (dir.path() / "signature.der").string() +
                      " -content " + (dir.path() / "covered.bin").string() + " -CAfile " +
                      (dir.path() / "root.pem").string() + " -purpose any -out /dev/null");
  EXPECT_EQ(verified.status, 0) << verified.output;
  EXPECT_NE(verified.output.find("Verification successful"), std::string::npos) << verified.output;

  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<CMS_ContentInfo, decltype(&CMS_ContentInfo_free)> cms(
      d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())), &CMS_ContentInfo_free);
  ASSERT_TRUE(cms);
  auto* signers = CMS_get0_SignerInfos(cms.get());
  ASSERT_EQ(sk_CMS_SignerInfo_num(signers), 1);
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(signers, 0);
  EXPECT_LT(CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1), 0);
  EXPECT_GE(CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1), 0);
  EXPECT_GE(CMS_signed_get_attr_by_NID(si, NID_pkcs9_messageDigest, -1), 0);
  EXPECT_GE(CMS_signed_get_attr_by_NID(si, NID_pkcs9_contentType, -1), 0);
  EXPECT_TRUE(CMS_is_detached(cms.get()));
}

TEST_P(DocumentsTest, ASecondSignatureLeavesTheFirstValid) {
  auto pdf = render_pdf(sample_document(clock.now()), fonts());
  ASSERT_TRUE(pdf);
  const std::string once = sealed(*pdf, "at");
  const std::string twice = sealed(once, "irn");
  auto report = pdfsig(twice);
  EXPECT_NE(report.output.find("Signature #1"), std::string::npos) << report.output;
  EXPECT_NE(report.output.find("Signature #2"), std::string::npos) << report.output;
  std::size_t valid = 0;
  for (std::size_t at = 0; (at = report.output.find("Signature is Valid.", at)) != std::string::npos; ++at) ++valid;
  EXPECT_EQ(valid, 2u) << report.output;
  EXPECT_NE(report.output.find("Total document signed"), std::string::npos) << report.output;
}

TEST_P(DocumentsTest, AFileWithCrossReferenceStreamsIsSignedWithOne) {
  auto pdf = render_pdf(sample_document(clock.now()), fonts());
  ASSERT_TRUE(pdf);
  write_file(dir.path() / "plain.pdf", *pdf);
  ASSERT_EQ(run("qpdf --object-streams=generate " + (dir.path() / "plain.pdf").string() + " " +
                (dir.path() / "streams.pdf").string())
                .status,
            0);
  const std::string signed_pdf = sealed(read_file(dir.path() / "streams.pdf"));
  auto report = pdfsig(signed_pdf);
  EXPECT_NE(report.output.find("Signature is Valid."), std::string::npos) << report.output;
  EXPECT_NE(report.output.find("Total document signed"), std::string::npos) << report.output;
  write_file(dir.path() / "signed.pdf", signed_pdf);
  auto check = run("qpdf --check " + (dir.path() / "signed.pdf").string());
  EXPECT_EQ(check.status, 0) << check.output;
}

TEST_P(DocumentsTest, AChangedByteOrAppendedContentIsNoLongerValidOrWhole) {
  auto pdf = render_pdf(sample_document(clock.now()), fonts());
  ASSERT_TRUE(pdf);
  std::string changed = sealed(*pdf);
  const std::size_t title = changed.find("/Title");
  ASSERT_NE(title, std::string::npos);
  changed[title + 8] = changed[title + 8] == 'X' ? 'Y' : 'X';
  auto report = pdfsig(changed);
  EXPECT_EQ(report.output.find("Signature is Valid."), std::string::npos) << report.output;

  std::string appended = sealed(*pdf) + "\n% appended after the signature\n";
  report = pdfsig(appended);
  EXPECT_EQ(report.output.find("Total document signed"), std::string::npos) << report.output;
}

TEST_P(DocumentsTest, RefusesWhatIsNotAPdfOrIsEncrypted) {
  auto seal = authority->seal_of("at", "Autoridade Tributária e Aduaneira");
  ASSERT_TRUE(seal);
  auto garbage = sign_pdf("hello, world", *seal, {});
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, Errc::not_a_pdf);
  auto truncated = sign_pdf("%PDF-1.5\n1 0 obj\n<<", *seal, {});
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, Errc::not_a_pdf);

  auto pdf = render_pdf(sample_document(clock.now()), fonts());
  ASSERT_TRUE(pdf);
  write_file(dir.path() / "plain.pdf", *pdf);
  ASSERT_EQ(run("qpdf --encrypt user owner 256 -- " + (dir.path() / "plain.pdf").string() + " " +
                (dir.path() / "encrypted.pdf").string())
                .status,
            0);
  auto encrypted = sign_pdf(read_file(dir.path() / "encrypted.pdf"), *seal, {});
  ASSERT_FALSE(encrypted);
  EXPECT_TRUE(encrypted.error().code == Errc::pdf_encrypted || encrypted.error().code == Errc::not_a_pdf)
      << encrypted.error().message;
}

// Every administration gets its own seal once; the keys are stored sealed, and only the key that
// sealed them opens them.
TEST_P(DocumentsTest, SealsAreIssuedOncePerAdministrationAndKeysAreSealedAtRest) {
  auto first = authority->seal_of("at", "Autoridade Tributária e Aduaneira");
  auto second = authority->seal_of("at", "Autoridade Tributária e Aduaneira");
  auto other = authority->seal_of("irn", "Instituto dos Registos e do Notariado");
  ASSERT_TRUE(first && second && other);
  EXPECT_EQ(first->certificate_pem, second->certificate_pem);
  EXPECT_NE(first->certificate_pem, other->certificate_pem);
  auto all = authority->certificates();
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 4u);  // root, issuing, two seals

  auto connection = database->db().acquire();
  ASSERT_TRUE(connection);
  auto keys = (**connection).query("SELECT sealed_key FROM documents_certificates");
  ASSERT_TRUE(keys);
  for (const auto& row : keys->rows) {
    EXPECT_TRUE(row.text(0).starts_with("gk1." + key.id() + ".")) << row.text(0);
    EXPECT_EQ(row.text(0).find("PRIVATE KEY"), std::string::npos);
  }
  EXPECT_TRUE(authority->check_key());
  CertificateAuthority wrong(database->db(), clock, SecretKey::from_base64(SecretKey::generate_base64()).value());
  auto refused = wrong.check_key();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, CoreErrc::secret_key_mismatch);
  EXPECT_NE(refused.error().message.find(key.id()), std::string::npos);
  CertificateAuthority keyless(database->db(), clock, std::nullopt);
  ASSERT_FALSE(keyless.check_key());
  EXPECT_EQ(keyless.check_key().error().code, Errc::no_secrets_key);
  auto again = authority->initialise("Guichet Test");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::pki_already_initialised);
}

TEST_P(DocumentsTest, ASealNearItsEndIsRenewedAndTheOldOneRevoked) {
  auto first = authority->seal_of("at", "AT");
  ASSERT_TRUE(first);
  clock.advance(std::chrono::days(365 * 3 - 20));
  auto renewed = authority->seal_of("at", "AT");
  ASSERT_TRUE(renewed);
  EXPECT_NE(renewed->certificate_pem, first->certificate_pem);
  auto all = authority->certificates();
  ASSERT_TRUE(all);
  int revoked = 0;
  for (const auto& c : *all) revoked += c.revoked_at.has_value() ? 1 : 0;
  EXPECT_EQ(revoked, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, DocumentsTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::documents
