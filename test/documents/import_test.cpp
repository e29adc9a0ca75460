// An administration's own seal, imported from a PKCS#12 bundle made by OpenSSL's command line (as
// its own CA or a qualified provider would hand it over): documents are sealed with it from then
// on, Guichet's verifier and pdfsig accept them, and bad bundles are refused with the reason.
#include <fmt/format.h>

#include "fixture.hpp"
#include "guichet/documents/verify.hpp"

namespace guichet::documents {
namespace {

class ImportTest : public DocumentsTest {
 protected:
  void SetUp() override {
    DocumentsTest::SetUp();
    if (HasFatalFailure()) return;
    d = dir.path().string();
    ASSERT_EQ(openssl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout {0}/ca.key "
                      "-out {0}/ca.pem -subj '/CN=AT Root CA/O=Autoridade Tributaria' -days 3650 "
                      "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign"),
              0);
    make_leaf("seal", "digitalSignature,nonRepudiation");
    make_leaf("tls", "keyEncipherment");
    // openssl stamps its certificates with the machine's time (to the second): the clock follows,
    // a little after.
    clock.set(SystemClock().now() + std::chrono::seconds(2));
  }

  int openssl(const std::string& arguments) {
    auto ran = run("openssl " + fmt::format(fmt::runtime(arguments), d) + " 2>&1");
    EXPECT_EQ(ran.status, 0) << ran.output;
    return ran.status;
  }

  // A certificate from the bundle's CA with this key usage, and its PKCS#12 (password "s3cret").
  void make_leaf(const std::string& name, const std::string& usage) {
    write_file(dir.path() / (name + ".ext"), "basicConstraints=CA:FALSE\nkeyUsage=critical," + usage + "\n");
    openssl("req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout {0}/" + name + ".key -out {0}/" + name +
            ".csr -subj '/CN=Autoridade Tributaria e Aduaneira/O=AT'");
    openssl("x509 -req -in {0}/" + name + ".csr -CA {0}/ca.pem -CAkey {0}/ca.key -CAcreateserial -out {0}/" + name +
            ".pem -days 365 -extfile {0}/" + name + ".ext");
    openssl("pkcs12 -export -inkey {0}/" + name + ".key -in {0}/" + name + ".pem -certfile {0}/ca.pem -out {0}/" +
            name + ".p12 -passout pass:s3cret");
  }

  std::string bundle(const std::string& name) { return testing::read_file(dir.path() / (name + ".p12")); }

  std::string d;
};

TEST_P(ImportTest, DocumentsAreSealedWithTheImportedCertificateAndVerify) {
  auto before = authority->seal_of("at", "Autoridade Tributária e Aduaneira");
  ASSERT_TRUE(before) << "a seal from Guichet's CA first";
  auto imported = authority->import_seal("at", bundle("seal"), "s3cret");
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_NE(imported->subject.find("CN=Autoridade Tributaria e Aduaneira"), std::string::npos);

  auto seal = authority->seal_of("at", "Autoridade Tributária e Aduaneira");
  ASSERT_TRUE(seal);
  EXPECT_EQ(seal->certificate_pem, testing::read_file(dir.path() / "seal.pem"));
  ASSERT_EQ(seal->chain_pem.size(), 1U);
  EXPECT_EQ(seal->chain_pem[0], testing::read_file(dir.path() / "ca.pem"));

  auto pdf = render_pdf(sample_document(clock.now()), fonts());
  ASSERT_TRUE(pdf);
  auto signed_pdf = sign_pdf(*pdf, *seal, {"AT", "", "", clock.now()});
  ASSERT_TRUE(signed_pdf);
  auto trust = authority->trust_settings();
  ASSERT_TRUE(trust);
  auto report = verify_pdf(*signed_pdf, *trust);
  ASSERT_TRUE(report);
  ASSERT_EQ(report->signatures.size(), 1U);
  EXPECT_EQ(report->signatures[0].indication, Indication::total_passed) << report->signatures[0].sub_indication;
  // pdfsig, with the administration's root trusted as a relying party would.
  auto added = run("certutil -A -n at-root -t C,C,C -d sql:" + d + " -i " + d + "/ca.pem");
  ASSERT_EQ(added.status, 0) << added.output;
  auto checked = pdfsig(*signed_pdf);
  EXPECT_NE(checked.output.find("Signature is Valid"), std::string::npos) << checked.output;
  EXPECT_NE(checked.output.find("Certificate is Trusted"), std::string::npos) << checked.output;

  // The seal Guichet's CA issued before is retired, not published as revoked.
  auto listed = authority->certificates();
  ASSERT_TRUE(listed);
  int current = 0;
  for (const auto& c : *listed) {
    if (c.role == "seal" && c.owner == "at" && !c.revoked_at) ++current;
  }
  EXPECT_EQ(current, 1);
  EXPECT_FALSE(trust->revoked.contains(imported->serial));
}

TEST_P(ImportTest, BadBundlesAreRefusedWithTheReason) {
  auto wrong = authority->import_seal("at", bundle("seal"), "not the password");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, Errc::bad_pkcs12);
  EXPECT_NE(wrong.error().message.find("password"), std::string::npos);
  auto garbage = authority->import_seal("at", "not a bundle", "s3cret");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, Errc::bad_pkcs12);
  auto tls = authority->import_seal("at", bundle("tls"), "s3cret");
  ASSERT_FALSE(tls);
  EXPECT_NE(tls.error().message.find("key usage"), std::string::npos) << tls.error().message;
  clock.advance(std::chrono::days(400));
  auto expired = authority->import_seal("at", bundle("seal"), "s3cret");
  ASSERT_FALSE(expired);
  EXPECT_NE(expired.error().message.find("not valid now"), std::string::npos);
}

TEST_P(ImportTest, AnExpiredImportedSealIsNeverReplacedByGuichets) {
  ASSERT_TRUE(authority->import_seal("at", bundle("seal"), "s3cret"));
  clock.advance(std::chrono::days(360));
  EXPECT_TRUE(authority->seal_of("at", "AT")) << "still valid: used, not renewed by Guichet's CA";
  clock.advance(std::chrono::days(10));
  auto lapsed = authority->seal_of("at", "AT");
  ASSERT_FALSE(lapsed);
  EXPECT_EQ(lapsed.error().code, Errc::imported_seal_expired);
}

INSTANTIATE_TEST_SUITE_P(Backends, ImportTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::documents
