// A person signs their own document through the wired site: upload, see the name, size and
// SHA-256, confirm with a fresh code bound to that hash, download, verify (Guichet's verifier and
// poppler's pdfsig); and what is refused: a weak session, a wrong or reused code, another hash,
// another person's document, too many uploads, a lapsed one. Revoking the certificate.
#include <gtest/gtest.h>

#include <regex>

#include "fixture.hpp"
#include "guichet/app/site.hpp"
#include "guichet/core/digest.hpp"
#include "guichet/documents/pdf.hpp"
#include "guichet/documents/personal.hpp"
#include "guichet/documents/verify.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/identity/second_factor.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/identity/verification.hpp"
#include "support/mini_browser.hpp"

namespace guichet::documents {
namespace {
using http::Response;
using testing::Browser;

class PersonalSigningTest : public DocumentsTest {
 protected:
  void SetUp() override {
    DocumentsTest::SetUp();
    if (HasFatalFailure()) return;
    app::SiteOptions options{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test", "http://guichet.test"};
    options.secrets_key = key;
    auto loaded = app::Site::load(options, db(), clock);
    ASSERT_TRUE(loaded) << loaded.error().message;
    site = std::move(loaded).value();
    ana = make_user("ana@example.org");
    auto pdf = render_pdf(sample_document(clock.now()), fonts());
    ASSERT_TRUE(pdf);
    document = *pdf;
  }
  storage::Database& db() { return database->db(); }

  std::int64_t make_user(const std::string& email) {
    auto user = identity::create_user(db(), identity::NewUser{email, "correct horse battery", true}, clock);
    EXPECT_TRUE(user) << (user ? "" : user.error().message);
    return user ? user->id : 0;
  }

  // Signs in with the password and enrols an authenticator through the pages: a session at
  // `substantial`. Returns the TOTP secret.
  std::string sign_in_with_second_factor(Browser& b, const std::string& email) {
    (void)b.get("/account/sign-in");
    Response r = b.post("/account/sign-in", {{"email", email}, {"password", "correct horse battery"}});
    EXPECT_EQ(r.status, 303);
    Response page = b.get("/account/second-factor");
    std::smatch m;
    EXPECT_TRUE(std::regex_search(page.body, m, std::regex("id=\"totp-secret\">([A-Z2-7 ]+)<")));
    std::string secret = std::regex_replace(m[1].str(), std::regex(" "), "");
    Response confirmed = b.post("/account/second-factor/confirm", {{"code", code(secret)}});
    EXPECT_EQ(confirmed.status, 200) << confirmed.body;
    clock.advance(std::chrono::seconds(30));  // the enrolment spent this step's code
    return secret;
  }

  std::string code(const std::string& secret) { return *identity::totp_code(secret, clock.now()); }

  // (actor, details) of the audit log's events of this action.
  std::vector<std::pair<std::string, std::string>> audit_rows(const std::string& action) {
    std::vector<std::pair<std::string, std::string>> out;
    auto c = db().acquire();
    EXPECT_TRUE(c);
    if (!c) return out;
    auto rows = (*c)->query("SELECT actor, details FROM audit_log WHERE action = ? ORDER BY seq", {action});
    EXPECT_TRUE(rows);
    if (!rows) return out;
    for (const auto& row : rows->rows) out.emplace_back(row.text(0), row.text(1));
    return out;
  }

  Response upload(Browser& b, const std::string& content, const std::string& name) {
    const std::string boundary = "----guichet-test-boundary";
    std::string body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" +
                       b.csrf_token() + "\r\n--" + boundary +
                       "\r\nContent-Disposition: form-data; name=\"document\"; filename=\"" + name +
                       "\"\r\nContent-Type: application/pdf\r\n\r\n" + content + "\r\n--" + boundary + "--\r\n";
    return b.send(http::Method::post, "/account/sign", body,
                  {{"Content-Type", "multipart/form-data; boundary=" + boundary}});
  }

  // Uploads and returns the confirmation page's path.
  std::string uploaded(Browser& b, const std::string& content, const std::string& name = "contrato.pdf") {
    Response r = upload(b, content, name);
    EXPECT_EQ(r.status, 303) << r.body;
    return std::string(r.headers.get("Location").value_or(""));
  }

  std::unique_ptr<app::Site> site;
  std::int64_t ana = 0;
  std::string document;
};

TEST_P(PersonalSigningTest, APersonSignsWithACodeBoundToTheHashAndAnyoneVerifiesIt) {
  Browser b(site->application());
  const std::string secret = sign_in_with_second_factor(b, "ana@example.org");
  Response form = b.get("/account/sign");
  ASSERT_EQ(form.status, 200);
  EXPECT_NE(form.body.find("enctype=\"multipart/form-data\""), std::string::npos);
  EXPECT_NE(form.body.find("20.0 MiB"), std::string::npos) << "the limit is stated on the page";

  const std::string confirm_path = uploaded(b, document, "../contrato de arrendamento.pdf");
  ASSERT_TRUE(confirm_path.starts_with("/account/sign/")) << confirm_path;
  Response confirm = b.get(confirm_path);
  ASSERT_EQ(confirm.status, 200);
  EXPECT_NE(confirm.body.find("contrato de arrendamento.pdf"), std::string::npos) << "the name, without its path";
  EXPECT_EQ(confirm.body.find("../"), std::string::npos);
  EXPECT_NE(confirm.body.find(sha256_hex(document)), std::string::npos) << "the person sees the hash they sign";
  EXPECT_NE(confirm.body.find("KiB"), std::string::npos);

  Response wrong = b.post(confirm_path, {{"sha256", sha256_hex(document)}, {"code", "000000"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("id=\"code-error\""), std::string::npos) << "the error sits by the field";

  Response other_hash = b.post(confirm_path, {{"sha256", sha256_hex("another document")}, {"code", code(secret)}});
  EXPECT_EQ(other_hash.status, 409) << "a code given for another hash signs nothing";
  clock.advance(std::chrono::seconds(30));

  Response signed_ = b.post(confirm_path, {{"sha256", sha256_hex(document)}, {"code", code(secret)}});
  ASSERT_EQ(signed_.status, 303) << signed_.body;
  const std::string list_path(signed_.headers.get("Location").value_or(""));
  ASSERT_TRUE(list_path.starts_with("/account/signatures?signed=")) << list_path;
  Response list = b.get(list_path);
  ASSERT_EQ(list.status, 200);
  EXPECT_NE(list.body.find("The document is signed"), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(list.body, m, std::regex("href=\"(/account/signatures/[^/\"]+/signed\\.pdf)\"")));
  Response copy = b.get(m[1].str());
  ASSERT_EQ(copy.status, 200);
  EXPECT_EQ(copy.headers.get("Content-Type").value_or(""), "application/pdf");
  EXPECT_NE(copy.headers.get("Content-Disposition").value_or("").find("contrato%20de%20arrendamento-signed.pdf"),
            std::string::npos);
  EXPECT_EQ(copy.body.substr(0, document.size()), document) << "an incremental update: the original bytes stay";

  auto trust = authority->trust_settings();
  ASSERT_TRUE(trust);
  auto report = verify_pdf(copy.body, *trust);
  ASSERT_TRUE(report);
  ASSERT_EQ(report->signatures.size(), 1U);
  EXPECT_EQ(report->signatures[0].indication, Indication::total_passed) << report->signatures[0].sub_indication;
  EXPECT_TRUE(report->signatures[0].covers_whole_document);
  EXPECT_TRUE(report->signatures[0].signer_name.starts_with("GU-"))
      << "a pseudonym below the high level: " << report->signatures[0].signer_name;
  auto checked = pdfsig(copy.body);
  EXPECT_NE(checked.output.find("Signature is Valid"), std::string::npos) << checked.output;
  EXPECT_NE(checked.output.find("Total document signed"), std::string::npos) << checked.output;

  // The certificate is the person's: listed with its subject, recorded in the audit log.
  auto certificate = authority->personal_certificate(ana);
  ASSERT_TRUE(certificate && *certificate);
  EXPECT_EQ((*certificate)->role, "person");
  EXPECT_NE(list.body.find((*certificate)->serial), std::string::npos);
  auto audited = audit_rows("document.signed");
  ASSERT_EQ(audited.size(), 1U);
  EXPECT_EQ(audited[0].first, "user:" + std::to_string(ana));
  EXPECT_NE(audited[0].second.find(sha256_hex(document)), std::string::npos) << audited[0].second;

  // The same code twice signs nothing, whatever the document.
  const std::string second = uploaded(b, document, "outro.pdf");
  Response reused = b.post(second, {{"sha256", sha256_hex(document)}, {"code", code(secret)}});
  EXPECT_EQ(reused.status, 401) << "the step was spent by the first signature";
}

TEST_P(PersonalSigningTest, AVerifiedPersonsCertificateNamesThem) {
  const std::int64_t verifier = make_user("agent@example.org");
  ASSERT_TRUE(
      identity::grant_role(db(), verifier, identity::RoleGrant{identity::Role::identity_verifier, ""}, "cli", clock));
  identity::IdentityCheck check{"identity_card",
                                "PT",
                                "12345678",
                                "Ana",
                                "Silva Ferreira",
                                "1990-05-17",
                                "Lisboa",
                                "",
                                "Loja do Cidadão Laranjeiras"};
  ASSERT_TRUE(identity::record_identity_check(db(), verifier, ana, check, {}, clock));

  Browser b(site->application());
  const std::string secret = sign_in_with_second_factor(b, "ana@example.org");
  const std::string path = uploaded(b, document);
  ASSERT_EQ(b.post(path, {{"sha256", sha256_hex(document)}, {"code", code(secret)}}).status, 303);
  auto certificate = authority->personal_certificate(ana);
  ASSERT_TRUE(certificate && *certificate);
  EXPECT_NE((*certificate)->subject.find("CN=Ana Silva Ferreira"), std::string::npos) << (*certificate)->subject;
  EXPECT_NE((*certificate)->subject.find("serialNumber=GU-"), std::string::npos) << (*certificate)->subject;
  EXPECT_EQ((*certificate)->subject.find("12345678"), std::string::npos) << "not their document number";
}

TEST_P(PersonalSigningTest, APasswordOnlySessionCannotSign) {
  Browser b(site->application());
  (void)b.get("/account/sign-in");
  ASSERT_EQ(b.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
            303);
  Response form = b.get("/account/sign");
  ASSERT_EQ(form.status, 200);
  EXPECT_NE(form.body.find("A second factor is needed to sign"), std::string::npos);
  EXPECT_EQ(form.body.find("type=\"file\""), std::string::npos);
  EXPECT_EQ(upload(b, document, "a.pdf").status, 403);

  Browser anonymous(site->application());
  Response redirected = anonymous.get("/account/sign");
  EXPECT_EQ(redirected.status, 303);
  EXPECT_EQ(redirected.headers.get("Location").value_or(""), "/account/sign-in?return=%2Faccount%2Fsign");
}

TEST_P(PersonalSigningTest, BadUploadsAreRefusedByTheField) {
  Browser b(site->application());
  (void)sign_in_with_second_factor(b, "ana@example.org");
  Response text = upload(b, "hello, this is not a PDF", "a.pdf");
  EXPECT_EQ(text.status, 400);
  EXPECT_NE(text.body.find("id=\"document-error\""), std::string::npos);
  Response broken = upload(b, "%PDF-1.7\n1 0 obj\n<< /Type /Catalog", "broken.pdf");
  EXPECT_EQ(broken.status, 400) << "a damaged PDF is refused before any code is asked";

  for (int i = 0; i < PersonalSigningPolicy{}.pending_per_person; ++i) {
    ASSERT_EQ(upload(b, document, "a.pdf").status, 303);
  }
  Response too_many = upload(b, document, "a.pdf");
  EXPECT_EQ(too_many.status, 429);
  clock.advance(PersonalSigningPolicy{}.confirm_within + std::chrono::seconds(1));
  EXPECT_EQ(upload(b, document, "a.pdf").status, 303) << "lapsed uploads no longer count";
}

TEST_P(PersonalSigningTest, NoOneElseSeesOrSignsAPersonsDocument) {
  Browser ana_browser(site->application());
  (void)sign_in_with_second_factor(ana_browser, "ana@example.org");
  const std::string path = uploaded(ana_browser, document);

  make_user("rui@example.org");
  Browser rui(site->application());
  const std::string rui_secret = sign_in_with_second_factor(rui, "rui@example.org");
  EXPECT_EQ(rui.get(path).status, 404);
  EXPECT_EQ(rui.post(path, {{"sha256", sha256_hex(document)}, {"code", code(rui_secret)}}).status, 404);
  EXPECT_EQ(rui.get(path.substr(0, path.size()) + "/../x").status, 404);

  clock.advance(PersonalSigningPolicy{}.confirm_within + std::chrono::seconds(1));
  EXPECT_EQ(ana_browser.get(path).status, 404) << "an upload not confirmed in time is gone";
}

TEST_P(PersonalSigningTest, APersonRevokesTheirCertificateAndTheNextSignatureGetsANewOne) {
  Browser b(site->application());
  const std::string secret = sign_in_with_second_factor(b, "ana@example.org");
  ASSERT_EQ(b.post(uploaded(b, document), {{"sha256", sha256_hex(document)}, {"code", code(secret)}}).status, 303);
  auto first = authority->personal_certificate(ana);
  ASSERT_TRUE(first && *first);

  EXPECT_EQ(b.post("/account/certificate/revoke", {}).status, 400) << "the box must be ticked";
  Response revoked = b.post("/account/certificate/revoke", {{"confirm", "yes"}});
  ASSERT_EQ(revoked.status, 303);
  EXPECT_NE(b.get("/account/signatures?revoked=1").body.find("Your certificate is revoked"), std::string::npos);
  auto none = authority->personal_certificate(ana);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  auto trust = authority->trust_settings();
  ASSERT_TRUE(trust);
  EXPECT_TRUE(trust->revoked.contains((*first)->serial));
  auto audited = audit_rows("certificate.revoked");
  ASSERT_EQ(audited.size(), 1U);
  EXPECT_EQ(audited[0].first, "user:" + std::to_string(ana)) << "recorded as the person's act";

  clock.advance(std::chrono::seconds(30));
  ASSERT_EQ(b.post(uploaded(b, document), {{"sha256", sha256_hex(document)}, {"code", code(secret)}}).status, 303);
  auto second = authority->personal_certificate(ana);
  ASSERT_TRUE(second && *second);
  EXPECT_NE((*second)->serial, (*first)->serial);
}

TEST_P(PersonalSigningTest, TheSignedCopyIsKeptAWeek) {
  Browser b(site->application());
  const std::string secret = sign_in_with_second_factor(b, "ana@example.org");
  const std::string path = uploaded(b, document);
  ASSERT_EQ(b.post(path, {{"sha256", sha256_hex(document)}, {"code", code(secret)}}).status, 303);
  const std::string token = path.substr(std::string("/account/sign/").size());
  EXPECT_EQ(b.get("/account/signatures/" + token + "/signed.pdf").status, 200);
  clock.advance(std::chrono::days(8));
  PersonalSigning signing(db(), *authority, clock, key);
  ASSERT_TRUE(signing.purge());
  auto copy = signing.signed_copy(ana, token);
  ASSERT_FALSE(copy);
  EXPECT_EQ(copy.error().code, Errc::no_such_signature);
  // The record stays, without the copy.
  auto list = signing.signatures(ana);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1U);
  EXPECT_FALSE((*list)[0].copy_available);
  EXPECT_EQ((*list)[0].sha256, sha256_hex(document));
}

INSTANTIATE_TEST_SUITE_P(Backends, PersonalSigningTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::documents
