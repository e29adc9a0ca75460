// Verification through the wired site: the /verify form (a multipart upload, no JavaScript), its
// errors next to the field, the JSON API, and the root certificate verifiers download.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "guichet/app/site.hpp"
#include "guichet/documents/pades.hpp"
#include "guichet/documents/pdf.hpp"
#include "guichet/documents/pki.hpp"
#include "guichet/documents/timestamp.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/mini_browser.hpp"
#include "support/run_command.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace guichet::documents {
namespace {
namespace json = boost::json;

class VerifySiteTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    ASSERT_TRUE(storage::apply_migrations(db(), storage::builtin_migrations(), clock).ok());
    ASSERT_TRUE(CertificateAuthority(db(), clock, key).initialise("Guichet Test"));
    app::SiteOptions options{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test", "http://guichet.test"};
    auto loaded = app::Site::load(options, db(), clock);
    ASSERT_TRUE(loaded) << loaded.error().message;
    site = std::move(loaded).value();
  }
  storage::Database& db() { return database->db(); }

  std::string sealed_pdf() {
    DocumentSpec spec{"pt", "Autoridade Tributária", "Recibo", "R-1", {Paragraph{"Olá"}}, "", clock.now()};
    auto pdf = render_pdf(spec, RenderOptions{std::string(GUICHET_TEST_WEB_ROOT) + "/fonts"});
    EXPECT_TRUE(pdf);
    auto seal = CertificateAuthority(db(), clock, key).seal_of("at", "Autoridade Tributária");
    EXPECT_TRUE(seal);
    auto out = sign_pdf(*pdf, *seal, {"AT", "", "", clock.now()});
    EXPECT_TRUE(out);
    return *out;
  }

  // The /verify form posted as a browser does: multipart/form-data with the CSRF token.
  http::Response upload(testing::Browser& browser, const std::string& content, const std::string& name,
                        const std::string& lang = "fr") {
    const std::string boundary = "----guichet-test-boundary";
    std::string body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" +
                       browser.csrf_token() + "\r\n--" + boundary +
                       "\r\nContent-Disposition: form-data; name=\"document\"; filename=\"" + name +
                       "\"\r\nContent-Type: application/pdf\r\n\r\n" + content + "\r\n--" + boundary + "--\r\n";
    return browser.send(http::Method::post, "/verify", body,
                        {{"Content-Type", "multipart/form-data; boundary=" + boundary}, {"Accept-Language", lang}});
  }

  FakeClock clock{std::chrono::sys_days(std::chrono::year{2026} / 12 / 2) + std::chrono::hours(9)};
  SecretKey key = SecretKey::from_base64(SecretKey::generate_base64()).value();
  std::unique_ptr<testing::TestDatabase> database;
  std::unique_ptr<app::Site> site;
};

TEST_P(VerifySiteTest, AnyoneChecksADocumentOnTheVerifyPage) {
  testing::Browser browser(site->application());
  auto form = browser.get("/verify", {{"Accept-Language", "fr"}});
  ASSERT_EQ(form.status, 200);
  EXPECT_NE(form.body.find("Vérifier un document signé"), std::string::npos);
  EXPECT_NE(form.body.find("enctype=\"multipart/form-data\""), std::string::npos);

  auto checked = upload(browser, sealed_pdf(), "recibo.pdf");
  ASSERT_EQ(checked.status, 200) << checked.body;
  EXPECT_NE(checked.body.find("Signature valide"), std::string::npos);
  EXPECT_NE(checked.body.find("Autoridade Tributária"), std::string::npos);
  EXPECT_NE(checked.body.find("recibo.pdf"), std::string::npos);
  EXPECT_NE(checked.body.find("TOTAL_PASSED"), std::string::npos);
  EXPECT_EQ(checked.headers.get("Cache-Control").value_or(""), "no-store");

  std::string changed = sealed_pdf();
  changed[changed.find("/Title") + 8] ^= 1;
  auto tampered = upload(browser, changed, "recibo.pdf");
  EXPECT_EQ(tampered.status, 200);
  EXPECT_NE(tampered.body.find("Signature non valide"), std::string::npos);
  EXPECT_NE(tampered.body.find("HASH_FAILURE"), std::string::npos);
  EXPECT_NE(tampered.body.find("le document a été modifié après sa signature"), std::string::npos);
}

TEST_P(VerifySiteTest, WhatIsNotAPdfIsRefusedNextToTheField) {
  testing::Browser browser(site->application());
  (void)browser.get("/verify");
  auto image = upload(browser, std::string("\x89PNG\r\n\x1a\n", 8) + std::string(64, 'x'), "photo.pdf");
  EXPECT_EQ(image.status, 400);
  EXPECT_NE(image.body.find("Le fichier n’est pas un PDF."), std::string::npos);
  EXPECT_NE(image.body.find("aria-invalid=\"true\""), std::string::npos);
  EXPECT_NE(image.body.find("id=\"document-error\""), std::string::npos);
  auto nothing = browser.post("/verify", {});
  EXPECT_EQ(nothing.status, 400);
  EXPECT_NE(nothing.body.find("Choose a PDF file to check."), std::string::npos);
  // Without the form's token, nothing is checked.
  testing::Browser stranger(site->application());
  auto forged =
      stranger.send(http::Method::post, "/verify", "x", {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(forged.status, 403);
}

TEST_P(VerifySiteTest, TheApiReportsAsJsonAndTheRootIsPublished) {
  testing::Browser api(site->application());
  auto report = api.send(http::Method::post, "/api/v1/verify", sealed_pdf(), {{"Content-Type", "application/pdf"}});
  ASSERT_EQ(report.status, 200) << report.body;
  json::value parsed = json::parse(report.body);
  const auto& signature = parsed.at("signatures").as_array().at(0).as_object();
  EXPECT_EQ(signature.at("indication").as_string(), "TOTAL_PASSED");
  EXPECT_EQ(signature.at("covers_whole_document").as_bool(), true);
  EXPECT_EQ(signature.at("steps").as_array().size(), 6u);
  EXPECT_EQ(signature.at("claimed_time").as_string(), "2026-12-02T09:00:00.000000Z");

  auto wrong_type = api.send(http::Method::post, "/api/v1/verify", "{}", {{"Content-Type", "application/json"}});
  EXPECT_EQ(wrong_type.status, 415);
  auto not_pdf = api.send(http::Method::post, "/api/v1/verify", "hello", {{"Content-Type", "application/pdf"}});
  EXPECT_EQ(not_pdf.status, 400);
  EXPECT_NE(not_pdf.body.find("not_a_pdf"), std::string::npos);

  auto root = api.get("/pki/root.pem");
  ASSERT_EQ(root.status, 200);
  EXPECT_TRUE(root.body.starts_with("-----BEGIN CERTIFICATE-----"));
  auto expected = CertificateAuthority(db(), clock, std::nullopt).root();
  ASSERT_TRUE(expected);
  EXPECT_EQ(root.body, expected->certificate_pem);
}

// Guichet's own time-stamping authority over HTTP, checked by openssl's RFC 3161 verifier.
TEST_P(VerifySiteTest, TheTimeStampingAuthorityAnswersRfc3161) {
  testing::Browser api(site->application());
  const std::string digest(32, '\x42');
  auto keyless = api.send(http::Method::post, "/tsa", time_stamp_request(digest),
                          {{"Content-Type", "application/timestamp-query"}});
  EXPECT_EQ(keyless.status, 503) << "no secrets key on this node";

  app::SiteOptions options{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test", "http://guichet.test"};
  options.secrets_key = key;
  options.tsa_url = "local";
  auto stamping = app::Site::load(options, db(), clock);
  ASSERT_TRUE(stamping);
  testing::Browser client((*stamping)->application());
  auto answer = client.send(http::Method::post, "/tsa", time_stamp_request(digest),
                            {{"Content-Type", "application/timestamp-query"}});
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.headers.get("Content-Type").value_or(""), "application/timestamp-reply");
  testing::TempDir dir;
  testing::write_file(dir.path() / "reply.tsr", answer.body);
  auto root = CertificateAuthority(db(), clock, std::nullopt).root();
  ASSERT_TRUE(root);
  testing::write_file(dir.path() / "root.pem", root->certificate_pem);
  std::string hex_digest;
  for (unsigned char c : digest) hex_digest += fmt::format("{:02x}", c);
  auto text = testing::run_command("openssl ts -reply -in " + (dir.path() / "reply.tsr").string() + " -text");
  EXPECT_NE(text.output.find("Status: Granted."), std::string::npos) << text.output;
  EXPECT_NE(text.output.find(kTimeStampPolicy), std::string::npos) << text.output;
  auto verified =
      testing::run_command("openssl ts -verify -digest " + hex_digest + " -in " + (dir.path() / "reply.tsr").string() +
                           " -CAfile " + (dir.path() / "root.pem").string());
  EXPECT_NE(verified.output.find("Verification: OK"), std::string::npos) << verified.output;
  auto wrong = client.send(http::Method::post, "/tsa", "x", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(wrong.status, 415);
  auto garbage =
      client.send(http::Method::post, "/tsa", "not a request", {{"Content-Type", "application/timestamp-query"}});
  ASSERT_EQ(garbage.status, 200) << "RFC 3161: a rejection is a response";
  testing::write_file(dir.path() / "rejection.tsr", garbage.body);
  auto rejection = testing::run_command("openssl ts -reply -in " + (dir.path() / "rejection.tsr").string() + " -text");
  EXPECT_NE(rejection.output.find("Status: Rejected"), std::string::npos) << rejection.output;
}

// The issuing CA's revocation list: openssl finds a revoked seal revoked with it.
TEST_P(VerifySiteTest, TheRevocationListNamesRevokedSeals) {
  testing::Browser anonymous(site->application());
  EXPECT_EQ(anonymous.get("/pki/issuing.crl").status, 503) << "no secrets key on this node";
  app::SiteOptions options{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test", "http://guichet.test"};
  options.secrets_key = key;
  auto keyed = app::Site::load(options, db(), clock);
  ASSERT_TRUE(keyed);
  CertificateAuthority authority(db(), clock, key);
  auto seal = authority.seal_of("at", "Autoridade Tributária");
  ASSERT_TRUE(seal);
  testing::Browser client((*keyed)->application());
  auto empty = client.get("/pki/issuing.crl");
  ASSERT_EQ(empty.status, 200);
  EXPECT_EQ(empty.headers.get("Content-Type").value_or(""), "application/pkix-crl");

  auto listed = authority.certificates();
  ASSERT_TRUE(listed);
  std::string serial;
  for (const auto& c : *listed) {
    if (c.role == "seal") serial = c.serial;
  }
  clock.advance(std::chrono::seconds(5));
  ASSERT_TRUE(authority.revoke(serial, "keyCompromise"));
  auto crl = client.get("/pki/issuing.crl");
  ASSERT_EQ(crl.status, 200);
  testing::TempDir dir;
  testing::write_file(dir.path() / "crl.der", crl.body);
  testing::write_file(dir.path() / "seal.pem", seal->certificate_pem);
  testing::write_file(dir.path() / "issuing.pem", seal->chain_pem.front());
  auto root = authority.root();
  ASSERT_TRUE(root);
  testing::write_file(dir.path() / "root.pem", root->certificate_pem);
  const std::string d = dir.path().string();
  auto text =
      testing::run_command("openssl crl -inform DER -in " + d + "/crl.der -noout -text -CAfile " + d + "/issuing.pem");
  EXPECT_NE(text.output.find("verify OK"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("Key Compromise"), std::string::npos) << text.output;
  std::string upper = serial;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_NE(text.output.find(upper), std::string::npos) << text.output;
  ASSERT_EQ(testing::run_command("openssl crl -inform DER -in " + d + "/crl.der -out " + d + "/crl.pem").status, 0);
  auto verified = testing::run_command("openssl verify -crl_check -CRLfile " + d + "/crl.pem -CAfile " + d +
                                       "/root.pem -untrusted " + d + "/issuing.pem " + d + "/seal.pem");
  EXPECT_NE(verified.output.find("certificate revoked"), std::string::npos) << verified.output;
}

// OCSP (RFC 6960) as OpenSSL's client asks it: good for a valid seal, revoked with its reason for
// a revoked one, unknown for a certificate Guichet never issued; the certificates name where to
// ask (AIA) and where the CRL is (CRL distribution point).
TEST_P(VerifySiteTest, TheOcspResponderAnswersForEveryCertificateTheCaIssued) {
  app::SiteOptions options{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test", "http://guichet.test"};
  options.secrets_key = key;
  auto keyed = app::Site::load(options, db(), clock);
  ASSERT_TRUE(keyed);
  testing::Browser client((*keyed)->application());
  // A seal issued by the serving site, which knows its public URL.
  CertificateAuthority serving(db(), clock, key, {}, PkiValidity{.public_url = "http://guichet.test"});
  auto good = serving.seal_of("at", "Autoridade Tributária");
  ASSERT_TRUE(good);
  auto revoked = serving.seal_of("irn", "Instituto dos Registos e do Notariado");
  ASSERT_TRUE(revoked);
  std::string revoked_serial;
  auto listed = serving.certificates();
  ASSERT_TRUE(listed);
  for (const auto& c : *listed) {
    if (c.owner == "irn") revoked_serial = c.serial;
  }
  ASSERT_TRUE(serving.revoke(revoked_serial, "keyCompromise"));

  testing::TempDir dir;
  const std::string d = dir.path().string();
  auto issuing = client.get("/pki/issuing.pem");
  ASSERT_EQ(issuing.status, 200);
  EXPECT_EQ(issuing.body, good->chain_pem.front());
  testing::write_file(dir.path() / "issuing.pem", issuing.body);
  testing::write_file(dir.path() / "root.pem", serving.root()->certificate_pem);
  testing::write_file(dir.path() / "good.pem", good->certificate_pem);
  testing::write_file(dir.path() / "revoked.pem", revoked->certificate_pem);
  // Someone else's certificate, from another authority.
  auto other_db = std::make_unique<testing::TestDatabase>("sqlite");
  ASSERT_TRUE(storage::apply_migrations(other_db->db(), storage::builtin_migrations(), clock).ok());
  CertificateAuthority other(other_db->db(), clock, key);
  ASSERT_TRUE(other.initialise("Guichet Test"));
  auto stranger = other.seal_of("at", "Autoridade Tributária");
  ASSERT_TRUE(stranger);
  testing::write_file(dir.path() / "stranger.pem", stranger->certificate_pem);

  auto text = testing::run_command("openssl x509 -noout -text -in " + d + "/good.pem");
  EXPECT_NE(text.output.find("OCSP - URI:http://guichet.test/pki/ocsp"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("CA Issuers - URI:http://guichet.test/pki/issuing.pem"), std::string::npos);
  EXPECT_NE(text.output.find("URI:http://guichet.test/pki/issuing.crl"), std::string::npos);

  auto ask = [&](const std::string& certificate) {
    auto made = testing::run_command("openssl ocsp -issuer " + d + "/issuing.pem -cert " + d + "/" + certificate +
                                     " -reqout " + d + "/request.der");
    EXPECT_EQ(made.status, 0) << made.output;
    auto answer = client.send(http::Method::post, "/pki/ocsp", testing::read_file(dir.path() / "request.der"),
                              {{"Content-Type", "application/ocsp-request"}});
    EXPECT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(answer.headers.get("Content-Type").value_or(""), "application/ocsp-response");
    testing::write_file(dir.path() / "response.der", answer.body);
    // The fake clock is not the machine's: a wide validity period accepts its times.
    // (-no_nonce: the client would compare a new request's nonce; the echo is checked below.)
    return testing::run_command("openssl ocsp -respin " + d + "/response.der -issuer " + d + "/issuing.pem -cert " + d +
                                "/" + certificate + " -CAfile " + d +
                                "/root.pem -validity_period 315360000 -no_nonce -resp_text");
  };
  auto good_answer = ask("good.pem");
  EXPECT_NE(good_answer.output.find("Response verify OK"), std::string::npos) << good_answer.output;
  EXPECT_NE(good_answer.output.find(": good"), std::string::npos) << good_answer.output;
  auto request_text = testing::run_command("openssl ocsp -reqin " + d + "/request.der -req_text");
  const auto nonce_at = request_text.output.find("OCSP Nonce:");
  ASSERT_NE(nonce_at, std::string::npos) << request_text.output;
  const std::string nonce =
      request_text.output.substr(nonce_at, request_text.output.find('\n', nonce_at + 13) - nonce_at);
  EXPECT_NE(good_answer.output.find(nonce.substr(nonce.find('\n') + 1)), std::string::npos)
      << "the request's nonce is echoed: " << nonce << "\n"
      << good_answer.output;
  auto revoked_answer = ask("revoked.pem");
  EXPECT_NE(revoked_answer.output.find(": revoked"), std::string::npos) << revoked_answer.output;
  EXPECT_NE(revoked_answer.output.find("keyCompromise"), std::string::npos) << revoked_answer.output;
  // Asked with another issuer's name and key, the responder cannot vouch for it.
  testing::write_file(dir.path() / "issuing.pem", stranger->chain_pem.front());
  auto stranger_answer = ask("stranger.pem");
  EXPECT_NE(stranger_answer.output.find(": unknown"), std::string::npos) << stranger_answer.output;

  auto malformed =
      client.send(http::Method::post, "/pki/ocsp", "not DER at all", {{"Content-Type", "application/ocsp-request"}});
  ASSERT_EQ(malformed.status, 200) << "OCSP says malformedRequest itself";
  testing::write_file(dir.path() / "malformed.der", malformed.body);
  auto parsed = testing::run_command("openssl ocsp -respin " + d + "/malformed.der -resp_text -noverify");
  EXPECT_NE(parsed.output.find("malformedrequest"), std::string::npos) << parsed.output;
  EXPECT_EQ(client.send(http::Method::post, "/pki/ocsp", "x", {{"Content-Type", "text/plain"}}).status, 415);
}

INSTANTIATE_TEST_SUITE_P(Backends, VerifySiteTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::documents
