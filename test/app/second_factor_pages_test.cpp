// The second factor through the whole site: enrolment page with its QR code, the code page after
// the password, and what a pending session may not do.
#include <gtest/gtest.h>

#include <regex>

#include "guichet/app/site.hpp"
#include "guichet/identity/second_factor.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/mini_browser.hpp"
#include "support/test_database.hpp"

namespace guichet::app {
namespace {
using http::Response;
using testing::Browser;

class SecondFactorPagesTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    ASSERT_TRUE(storage::apply_migrations(database->db(), storage::builtin_migrations(), clock).ok());
    ASSERT_TRUE(identity::create_user(database->db(),
                                      identity::NewUser{"ana@example.org", "correct horse battery", true}, clock)
                    .ok());
    auto site_loaded =
        Site::load(SiteOptions{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test", "http://guichet.test"},
                   database->db(), clock);
    ASSERT_TRUE(site_loaded.ok()) << site_loaded.error().message;
    site = std::move(site_loaded).value();
  }
  Browser signed_in_browser() {
    Browser b(site->application());
    (void)b.get("/account/sign-in");
    Response r = b.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}});
    EXPECT_EQ(r.status, 303);
    return b;
  }
  // Enrols through the pages and returns the secret shown.
  std::string enrol(Browser& b) {
    Response page = b.get("/account/second-factor");
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.body.find("<svg"), std::string::npos) << "the QR code is inline, no script needed";
    std::smatch m;
    EXPECT_TRUE(std::regex_search(page.body, m, std::regex("id=\"totp-secret\">([A-Z2-7 ]+)<")));
    std::string secret = std::regex_replace(m[1].str(), std::regex(" "), "");
    Response confirmed =
        b.post("/account/second-factor/confirm", {{"code", *identity::totp_code(secret, clock.now())}});
    EXPECT_EQ(confirmed.status, 200) << confirmed.body;
    EXPECT_NE(confirmed.body.find("Keep these recovery codes now"), std::string::npos);
    const std::regex code("<code>[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}</code>");
    EXPECT_EQ(
        std::distance(std::sregex_iterator(confirmed.body.begin(), confirmed.body.end(), code), std::sregex_iterator()),
        10);
    EXPECT_EQ(*confirmed.headers.get("Cache-Control"), "no-store");
    return secret;
  }

  FakeClock clock{from_unix_micros(1'800'000'015'000'000)};
  std::unique_ptr<testing::TestDatabase> database;
  std::unique_ptr<Site> site;
};

TEST_P(SecondFactorPagesTest, EnrolThenSignInAsksForTheCode) {
  Browser first = signed_in_browser();
  EXPECT_NE(first.get("/account").body.find("With your password only"), std::string::npos)
      << "in words, not \"Low (password)\" (issue 14, problem 10)";
  std::string secret = enrol(first);
  EXPECT_NE(first.get("/account").body.find("With your password and a code from your phone"), std::string::npos)
      << "this session proved the factor";
  EXPECT_NE(first.get("/account/second-factor").body.find("Unused recovery codes: 10."), std::string::npos);

  clock.advance(std::chrono::seconds(30));
  Browser b(site->application());
  (void)b.get("/account/sign-in");
  Response password = b.post("/account/sign-in",
                             {{"email", "ana@example.org"}, {"password", "correct horse battery"}, {"return", "/"}});
  ASSERT_EQ(password.status, 303);
  EXPECT_EQ(*password.headers.get("Location"), "/account/sign-in/code?return=%2F");
  EXPECT_EQ(b.get("/account").status, 303) << "a pending session opens nothing";
  Response form = b.get("/account/sign-in/code?return=%2F");
  EXPECT_EQ(form.status, 200);
  EXPECT_NE(form.body.find("autocomplete=\"one-time-code\""), std::string::npos);

  Response wrong = b.post("/account/sign-in/code", {{"code", "000000"}, {"return", "/"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("This code is wrong"), std::string::npos);

  Response right =
      b.post("/account/sign-in/code", {{"code", *identity::totp_code(secret, clock.now())}, {"return", "/"}});
  ASSERT_EQ(right.status, 303);
  EXPECT_EQ(*right.headers.get("Location"), "/");
  Response account = b.get("/account");
  EXPECT_EQ(account.status, 200);
  EXPECT_NE(account.body.find("With your password and a code from your phone"), std::string::npos);
}

TEST_P(SecondFactorPagesTest, TurningOffNeedsThePassword) {
  Browser b = signed_in_browser();
  (void)enrol(b);
  Response wrong = b.post("/account/second-factor/disable", {{"password", "not it at all"}});
  EXPECT_EQ(wrong.status, 400);
  EXPECT_TRUE(*identity::has_second_factor(database->db(), 1));
  Response off = b.post("/account/second-factor/disable", {{"password", "correct horse battery"}});
  EXPECT_EQ(off.status, 200);
  EXPECT_FALSE(*identity::has_second_factor(database->db(), 1));
  auto mail = testing::queued_mail(database->db());
  ASSERT_GE(mail.size(), 2U);
  EXPECT_EQ(mail.back().subject, "A security change on your Guichet account");
}

TEST_P(SecondFactorPagesTest, TheCodePageWithoutASessionSendsToSignIn) {
  Browser b(site->application());
  Response r = b.get("/account/sign-in/code?return=%2Faccount");
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(*r.headers.get("Location"), "/account/sign-in?return=%2Faccount");
}

INSTANTIATE_TEST_SUITE_P(Backends, SecondFactorPagesTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::app
