// Signing in and out through the whole site (real templates, middleware and database), on each
// backend, with a fake clock for expiry.
#include <gtest/gtest.h>

#include <map>

#include "guichet/app/site.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/registration.hpp"
#include "guichet/identity/roles.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/jobs/email.hpp"
#include "guichet/jobs/outbox.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/mini_browser.hpp"
#include "support/test_database.hpp"

namespace guichet::app {
namespace {
using http::Request;
using http::Response;
using testing::Browser;
using testing::link_in;
using testing::queued_mail;

class AccountTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    ASSERT_TRUE(storage::apply_migrations(database->db(), storage::builtin_migrations(), clock).ok());
    auto user = identity::create_user(database->db(),
                                      identity::NewUser{"ana@example.org", "correct horse battery", true}, clock);
    ASSERT_TRUE(user.ok()) << user.error().message;
    auto unverified =
        identity::create_user(database->db(), identity::NewUser{"new@example.org", "another good passphrase"}, clock);
    ASSERT_TRUE(unverified.ok());
    auto site_loaded =
        Site::load(SiteOptions{GUICHET_TEST_WEB_ROOT, "en", false, nullptr, nullptr, "test", "http://guichet.test"},
                   database->db(), clock);
    ASSERT_TRUE(site_loaded.ok()) << site_loaded.error().message;
    site = std::move(site_loaded).value();
  }

  Browser browser() {
    Browser b(site->application());
    (void)b.get("/account/sign-in");  // receives its CSRF cookie
    return b;
  }

  FakeClock clock{from_unix_micros(1'800'000'000'000'000)};
  std::unique_ptr<testing::TestDatabase> database;
  std::unique_ptr<Site> site;
};

TEST_P(AccountTest, SignInShowsTheAccountAndSignOutEndsTheSession) {
  Browser b = browser();
  Response form = b.get("/account/sign-in");
  EXPECT_EQ(form.status, 200);
  EXPECT_NE(form.body.find("autocomplete=\"current-password\""), std::string::npos);

  Response signed_in =
      b.post("/account/sign-in", {{"email", "Ana@Example.org"}, {"password", "correct horse battery"}});
  ASSERT_EQ(signed_in.status, 303) << signed_in.body;
  EXPECT_EQ(*signed_in.headers.get("Location"), "/account");
  ASSERT_TRUE(b.cookies_.contains("guichet_session"));
  bool http_only = false;
  for (const auto& [n, v] : signed_in.headers.fields()) {
    if (v.starts_with("guichet_session="))
      http_only = v.find("HttpOnly") != std::string::npos && v.find("SameSite=Lax") != std::string::npos;
  }
  EXPECT_TRUE(http_only);

  Response account = b.get("/account");
  EXPECT_EQ(account.status, 200);
  EXPECT_NE(account.body.find("ana@example.org"), std::string::npos);
  EXPECT_NE(account.body.find("TestBrowser/1.0"), std::string::npos) << "as the browser said it, under details";
  EXPECT_NE(account.body.find("An unknown browser"), std::string::npos) << "named as people name devices";
  EXPECT_NE(account.body.find("192.0.2.7"), std::string::npos);
  EXPECT_EQ(*account.headers.get("Cache-Control"), "no-store");
  Response home = b.get("/");
  EXPECT_NE(home.body.find("href=\"/account\""), std::string::npos) << "the header links to the account";

  Response out = b.post("/account/sign-out", {});
  EXPECT_EQ(out.status, 303);
  EXPECT_FALSE(b.cookies_.contains("guichet_session"));
  Response after = b.get("/account");
  EXPECT_EQ(after.status, 303);
  EXPECT_EQ(*after.headers.get("Location"), "/account/sign-in?return=%2Faccount");
}

// Issue 16, finding 4: a stranger's wrong passwords lock the account for strangers only; the
// owner's own browser, which a successful sign-in gave a device cookie, still signs in.
TEST_P(AccountTest, AStrangersFailuresDoNotLockTheOwnersBrowserOut) {
  Browser own = browser();
  own.remote_address = "192.0.2.10";
  ASSERT_EQ(own.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
            303);
  ASSERT_TRUE(own.cookies_.contains("guichet_device")) << "a successful sign-in trusts this browser";
  ASSERT_EQ(own.post("/account/sign-out", {}).status, 303);

  Browser stranger = browser();
  stranger.remote_address = "198.51.100.66";
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(
        stranger.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "guess " + std::to_string(i)}})
            .status,
        401);
  }
  Response held =
      stranger.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}});
  EXPECT_EQ(held.status, 429) << "even the right password waits";
  EXPECT_TRUE(held.headers.has("Retry-After"));

  // Another browser without the cookie, from elsewhere: the account is locked for it too.
  Browser borrowed = browser();
  borrowed.remote_address = "203.0.113.20";
  Response locked =
      borrowed.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}});
  EXPECT_EQ(locked.status, 429);
  EXPECT_GT(std::stoi(std::string(locked.headers.get("Retry-After").value_or("0"))), 0);
  // A made-up device cookie trusts nothing.
  Browser forged = browser();
  forged.remote_address = "203.0.113.22";
  forged.cookies_["guichet_device"] = "not-a-device";
  EXPECT_EQ(
      forged.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
      429);
  // Her own browser goes through, from wherever it is (and her success clears the account's count).
  own.remote_address = "203.0.113.21";
  EXPECT_EQ(own.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
            303);
}

// Issue 16, finding 8: once signed in, the CSRF token is the session's own. The anonymous cookie
// token (which a sibling subdomain could plant) and another session's token are refused; the page
// carries the bound token, and the token in a form shown before signing in no longer works.
TEST_P(AccountTest, TheCsrfTokenIsBoundToTheSession) {
  Browser b = browser();
  const std::string before_sign_in = b.csrf_token();
  ASSERT_EQ(b.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
            303);
  const std::string bound = b.csrf_token();
  EXPECT_NE(bound, before_sign_in);
  Response account = b.get("/account");
  EXPECT_NE(account.body.find("name=\"csrf_token\" value=\"" + bound + "\""), std::string::npos);
  EXPECT_EQ(account.body.find(before_sign_in), std::string::npos);

  const auto post_with = [&](const std::string& token) {
    return b.send(http::Method::post, "/account/password",
                  testing::form_encode({{"current_password", "correct horse battery"},
                                        {"new_password", "a much longer passphrase"},
                                        {"csrf_token", token}}),
                  {{"Content-Type", "application/x-www-form-urlencoded"}});
  };
  // The double-submit pair an attacker could plant: the cookie and the field agree, yet refused.
  b.cookies_["guichet_csrf"] = before_sign_in;
  EXPECT_EQ(post_with(before_sign_in).status, 403);
  Browser other = browser();
  ASSERT_EQ(
      other.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
      303);
  EXPECT_EQ(post_with(other.csrf_token()).status, 403) << "another session's token, even of the same person";
  Response changed = post_with(bound);
  EXPECT_EQ(changed.status, 303) << changed.body;
}

// Issue 16, finding 8: a User-Agent that is not UTF-8 is kept readable, not a reason to refuse.
TEST_P(AccountTest, ABrowserNameThatIsNotUtf8DoesNotStopASignIn) {
  Browser b = browser();
  Response signed_in =
      b.send(http::Method::post, "/account/sign-in",
             testing::form_encode(
                 {{"email", "ana@example.org"}, {"password", "correct horse battery"}, {"csrf_token", b.csrf_token()}}),
             {{"Content-Type", "application/x-www-form-urlencoded"},
              {"User-Agent", std::string("Navigateur \xFF\xFE/1.0 ") + std::string(300, 'x')}});
  ASSERT_EQ(signed_in.status, 303) << signed_in.body;
  Response account = b.get("/account");
  EXPECT_EQ(account.status, 200);
  EXPECT_NE(account.body.find("Navigateur \xEF\xBF\xBD\xEF\xBF\xBD/1.0"), std::string::npos);
}

// Issue 14, problem 10: sessions are named as people name their devices, not by raw User-Agents.
TEST_P(AccountTest, SessionsAreNamedAsPeopleNameTheirDevices) {
  const std::string phone =
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile "
      "Safari/537.36";
  Browser b = browser();
  Response signed_in =
      b.send(http::Method::post, "/account/sign-in",
             testing::form_encode(
                 {{"email", "ana@example.org"}, {"password", "correct horse battery"}, {"csrf_token", b.csrf_token()}}),
             {{"Content-Type", "application/x-www-form-urlencoded"}, {"User-Agent", phone}});
  ASSERT_EQ(signed_in.status, 303);
  Response account = b.get("/account");
  EXPECT_NE(account.body.find(">Chrome on Android <strong>"), std::string::npos) << account.body;
}

TEST_P(AccountTest, WrongCredentialsReShowTheFormWithTheError) {
  Browser b = browser();
  Response wrong = b.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "not the password!"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("The e-mail address or the password is wrong."), std::string::npos);
  EXPECT_NE(wrong.body.find("value=\"ana@example.org\""), std::string::npos) << "the address is kept";
  EXPECT_FALSE(b.cookies_.contains("guichet_session"));
  Response unknown =
      b.post("/account/sign-in", {{"email", "nobody@example.org"}, {"password", "correct horse battery"}});
  EXPECT_EQ(unknown.status, 401) << "an unknown address gets the same answer";
  Response missing = b.post("/account/sign-in", {{"email", ""}, {"password", ""}});
  EXPECT_EQ(missing.status, 400);
  Response unverified =
      b.post("/account/sign-in", {{"email", "new@example.org"}, {"password", "another good passphrase"}});
  EXPECT_EQ(unverified.status, 403);
  EXPECT_NE(unverified.body.find("Confirm your e-mail address"), std::string::npos);
  Response forged =
      b.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}, false);
  EXPECT_EQ(forged.status, 403) << "no CSRF token, no sign-in";

  auto c = database->db().acquire();
  auto failures = (*c)->query("SELECT COUNT(*) FROM audit_log WHERE action = 'sign_in.failed'");
  EXPECT_EQ(failures->rows[0].integer(0), 2);
  EXPECT_TRUE(identity::verify_audit_chain(database->db())->intact);
}

TEST_P(AccountTest, SessionsExpireWhenIdleAndAtTheirAbsoluteLimit) {
  Browser b = browser();
  ASSERT_EQ(b.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
            303);
  for (int i = 0; i < 24; ++i) {  // active every 29 minutes for 11 h 36 min: the idle limit never bites
    clock.advance(std::chrono::minutes(29));
    ASSERT_EQ(b.get("/account").status, 200) << "after " << (i + 1) * 29 << " minutes";
  }
  clock.advance(std::chrono::minutes(29));  // 12 h 05 min: past the absolute limit
  EXPECT_EQ(b.get("/account").status, 303);
  EXPECT_FALSE(b.cookies_.contains("guichet_session")) << "a dead session's cookie is cleared";

  Browser idle = browser();
  ASSERT_EQ(idle.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
            303);
  clock.advance(std::chrono::minutes(31));
  EXPECT_EQ(idle.get("/account").status, 303);
}

TEST_P(AccountTest, APersonEndsTheirOtherSessionsButNoOneElses) {
  Browser laptop = browser();
  Browser phone = browser();
  ASSERT_EQ(
      laptop.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
      303);
  ASSERT_EQ(
      phone.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
      303);
  auto c = database->db().acquire();
  auto ids = (*c)->query("SELECT id FROM sessions ORDER BY id");
  ASSERT_EQ(ids->size(), 2U);
  std::string phone_session = std::to_string(ids->rows[1].integer(0));

  Response ended = laptop.post("/account/sessions/" + phone_session + "/end", {});
  EXPECT_EQ(ended.status, 303);
  EXPECT_EQ(phone.get("/account").status, 303) << "the phone is signed out";
  EXPECT_EQ(laptop.get("/account").status, 200);

  // Another person cannot end Ana's session by changing the id.
  ASSERT_TRUE(
      identity::create_user(database->db(), identity::NewUser{"eve@example.org", "eve's long passphrase", true}, clock)
          .ok());
  Browser eve = browser();
  ASSERT_EQ(eve.post("/account/sign-in", {{"email", "eve@example.org"}, {"password", "eve's long passphrase"}}).status,
            303);
  std::string laptop_session = std::to_string(ids->rows[0].integer(0));
  EXPECT_EQ(eve.post("/account/sessions/" + laptop_session + "/end", {}).status, 404);
  EXPECT_EQ(eve.post("/account/sessions/not-a-number/end", {}).status, 404);
  EXPECT_EQ(laptop.get("/account").status, 200) << "Ana's laptop is still signed in";
}

// Registrations and reset requests are limited per client address and mails per recipient,
// whatever sends them, in the database (every node counts the same): 429 with Retry-After,
// nothing hashed, stored or mailed past the limit.
TEST_P(AccountTest, RegistrationsAndMailsAreLimitedPerClientAndPerRecipient) {
  Browser b = browser();
  (void)b.get("/account/register");
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(b.post("/account/register",
                     {{"email", "flood" + std::to_string(i) + "@example.org"}, {"password", "a long enough phrase"}})
                  .status,
              303)
        << i;
  }
  const std::size_t mails = queued_mail(database->db()).size();
  Response limited =
      b.post("/account/register", {{"email", "flood10@example.org"}, {"password", "a long enough phrase"}});
  EXPECT_EQ(limited.status, 429);
  EXPECT_NE(limited.body.find("Too many attempts"), std::string::npos);
  const int retry = std::stoi(std::string(limited.headers.get("Retry-After").value_or("0")));
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 3601);
  EXPECT_EQ(queued_mail(database->db()).size(), mails) << "no mail past the limit";
  EXPECT_FALSE(identity::find_user_by_email(database->db(), "flood10@example.org")->has_value());
  // Another client is not held back by this one.
  Browser elsewhere = browser();
  elsewhere.remote_address = "198.51.100.4";
  (void)elsewhere.get("/account/register");
  EXPECT_EQ(
      elsewhere.post("/account/register", {{"email", "someone@example.org"}, {"password", "a long enough phrase"}})
          .status,
      303);

  // One inbox gets at most five of these mails an hour, from any client and any form.
  Browser other = browser();
  other.remote_address = "203.0.113.50";
  (void)other.get("/account/forgot");
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(other.post("/account/forgot", {{"email", "someone@example.org"}}).status, 303) << i;
  }
  Response inbox_full = other.post("/account/forgot", {{"email", "SOMEONE@example.org"}});
  EXPECT_EQ(inbox_full.status, 429) << "the registration's mail and four resets: the fifth request is the sixth mail";
  EXPECT_TRUE(inbox_full.headers.has("Retry-After"));
  // An hour later, it may be asked again.
  clock.advance(std::chrono::hours(1));
  EXPECT_EQ(other.post("/account/forgot", {{"email", "someone@example.org"}}).status, 303);
}

// The e-mails queued in the outbox, newest first, as the SMTP worker would send them.
TEST_P(AccountTest, RegisterConfirmTheAddressThenSignIn) {
  Browser b = browser();
  (void)b.get("/account/register");
  Response registered =
      b.post("/account/register", {{"email", "Luis@Example.pt"}, {"password", "uma frase longa e boa"}});
  ASSERT_EQ(registered.status, 303) << registered.body;
  EXPECT_EQ(*registered.headers.get("Location"), "/account/register/sent");
  EXPECT_EQ(b.get("/account/register/sent").status, 200);

  auto mail = queued_mail(database->db());
  ASSERT_EQ(mail.size(), 1U);
  EXPECT_EQ(mail[0].to, "luis@example.pt");
  EXPECT_EQ(mail[0].subject, "Confirm your e-mail address for Guichet");
  std::string link = link_in(mail[0].text);
  ASSERT_TRUE(link.starts_with("/account/verify?token=")) << mail[0].text;

  Response too_early =
      b.post("/account/sign-in", {{"email", "luis@example.pt"}, {"password", "uma frase longa e boa"}});
  EXPECT_EQ(too_early.status, 403) << "no sign-in before the address is confirmed";

  // The link's page only offers a button: fetching it (a mail scanner does) confirms nothing.
  Response page = b.get(link);
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Confirm my address"), std::string::npos);
  EXPECT_EQ(*page.headers.get("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(b.get(link).status, 200) << "still usable after any number of GETs";
  EXPECT_EQ(b.post("/account/sign-in", {{"email", "luis@example.pt"}, {"password", "uma frase longa e boa"}}).status,
            403);
  const std::string token = link.substr(link.find('=') + 1);
  Response confirmed = b.post("/account/verify", {{"token", token}});
  EXPECT_EQ(confirmed.status, 200);
  EXPECT_NE(confirmed.body.find("Your address is confirmed"), std::string::npos);
  EXPECT_EQ(b.post("/account/verify", {{"token", token}}).status, 400) << "a link works once";
  EXPECT_EQ(b.get(link).status, 400);
  EXPECT_EQ(b.post("/account/verify", {{"token", token}}, false).status, 403) << "the form's CSRF token is checked";

  EXPECT_EQ(b.post("/account/sign-in", {{"email", "luis@example.pt"}, {"password", "uma frase longa e boa"}}).status,
            303);
  EXPECT_EQ(b.get("/account").status, 200);
  EXPECT_TRUE(identity::verify_audit_chain(database->db())->intact);
}

// Issue 14, problem 2: a person asked to sign in half-way through booking creates an account; the
// way back (the confirmation page with their choices) is kept through the register form, the
// e-mailed link and its page, to the sign-in that follows. Only local paths are carried.
TEST_P(AccountTest, RegisteringOnTheWayKeepsWhereThePersonWasGoing) {
  Browser b = browser();
  const std::string back = "/book/confirm?services=1&shop=2&start=2026-12-07T18:30:00Z";
  Response sign_in = b.get("/account/sign-in?return=" + http::url_encode(back));
  ASSERT_EQ(sign_in.status, 200);
  const std::string register_link = "/account/register?return=" + http::url_encode(back);
  EXPECT_NE(sign_in.body.find(register_link), std::string::npos) << "\"create an account\" keeps it";
  Response form = b.get(register_link);
  ASSERT_EQ(form.status, 200);
  EXPECT_NE(form.body.find("name=\"return\" value=\"/book/confirm?services=1&amp;shop=2"), std::string::npos);
  ASSERT_EQ(b.post("/account/register",
                   {{"email", "nova@example.pt"}, {"password", "uma frase longa e boa"}, {"return", back}})
                .status,
            303);
  auto mail = queued_mail(database->db());
  ASSERT_EQ(mail.size(), 1U);
  const std::string link = link_in(mail[0].text);
  EXPECT_NE(link.find("&return=" + http::url_encode(back)), std::string::npos) << link;
  Response page = b.get(link);
  ASSERT_EQ(page.status, 200);
  const std::string token = link.substr(link.find('=') + 1, 43);
  Response confirmed = b.post("/account/verify", {{"token", token}, {"return", back}});
  ASSERT_EQ(confirmed.status, 200);
  EXPECT_NE(confirmed.body.find("/account/sign-in?return=" + http::url_encode(back)), std::string::npos);
  Response signed_in = b.post("/account/sign-in",
                              {{"email", "nova@example.pt"}, {"password", "uma frase longa e boa"}, {"return", back}});
  ASSERT_EQ(signed_in.status, 303);
  EXPECT_EQ(signed_in.headers.get("Location").value_or(""), back);

  // Elsewhere is not a way back.
  Response outside = b.get("/account/register?return=https%3A%2F%2Fevil.example%2F");
  EXPECT_EQ(outside.body.find("evil.example"), std::string::npos);
}

// Issue 14, problem 9: an agent signing in with nowhere else to go lands on the day's agenda, and
// their account page lists the staff pages their roles open; a citizen sees none.
TEST_P(AccountTest, AgentsLandOnTheAgendaAndFindTheirWorkFromTheirAccount) {
  auto rita =
      identity::create_user(database->db(), identity::NewUser{"rita@example.org", "counter seven opens", true}, clock);
  ASSERT_TRUE(rita.ok());
  ASSERT_TRUE(identity::grant_role(database->db(), rita->id, {identity::Role::agent, "irn"}, "test", clock).ok());
  Browser agent = browser();
  auto signed_in = agent.post("/account/sign-in", {{"email", "rita@example.org"}, {"password", "counter seven opens"}});
  ASSERT_EQ(signed_in.status, 303);
  EXPECT_EQ(signed_in.headers.get("Location").value_or(""), "/agent/agenda");
  auto account = agent.get("/account");
  ASSERT_EQ(account.status, 200);
  EXPECT_NE(account.body.find("Your work"), std::string::npos);
  EXPECT_NE(account.body.find("href=\"/agent/agenda\""), std::string::npos);
  EXPECT_NE(account.body.find("href=\"/agent/counter\""), std::string::npos);
  EXPECT_EQ(account.body.find("href=\"/admin/roles\""), std::string::npos) << "not an administrator";

  Browser citizen = browser();
  auto ana = citizen.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}});
  EXPECT_EQ(ana.headers.get("Location").value_or(""), "/account");
  EXPECT_EQ(citizen.get("/account").body.find("Your work"), std::string::npos);
}

// Issue 16, finding 1: someone registers an address before its owner does. The owner's own
// registration starts over (their password, a new link; the first link dies), and neither a
// scanner's GET nor the first link confirms the first registrant's account. The owner ends in
// control and the first password is refused.
TEST_P(AccountTest, AnAddressCannotBeClaimedBeforeItsOwnerRegisters) {
  Browser attacker = browser();
  ASSERT_EQ(
      attacker.post("/account/register", {{"email", "rosa@example.org"}, {"password", "attacker chose this"}}).status,
      303);
  const std::string first_link = link_in(queued_mail(database->db()).at(0).text);
  Response scanned = browser().get(first_link);  // the victim's mail scanner previews the link
  EXPECT_EQ(scanned.status, 200);

  Browser rosa = browser();
  ASSERT_EQ(rosa.post("/account/register", {{"email", "rosa@example.org"}, {"password", "a phrase of my own choosing"}})
                .status,
            303);
  auto mail = queued_mail(database->db());
  ASSERT_EQ(mail.size(), 2U);
  EXPECT_EQ(mail[0].subject, "Confirm your e-mail address for Guichet") << "a new link, not 'already registered'";
  const std::string second_link = link_in(mail[0].text);
  ASSERT_NE(second_link, first_link);
  EXPECT_EQ(rosa.get(first_link).status, 400) << "the first link died";
  EXPECT_EQ(attacker.post("/account/verify", {{"token", first_link.substr(first_link.find('=') + 1)}}).status, 400);

  EXPECT_EQ(rosa.post("/account/verify", {{"token", second_link.substr(second_link.find('=') + 1)}}).status, 200);
  EXPECT_EQ(
      attacker.post("/account/sign-in", {{"email", "rosa@example.org"}, {"password", "attacker chose this"}}).status,
      401)
      << "the first registrant's password is refused";
  EXPECT_EQ(rosa.post("/account/sign-in", {{"email", "rosa@example.org"}, {"password", "a phrase of my own choosing"}})
                .status,
            303);
  auto c = database->db().acquire();
  EXPECT_EQ(
      (*c)->query("SELECT COUNT(*) FROM audit_log WHERE action = 'user.registration_restarted'")->rows[0].integer(0),
      1);
}

// ... and when the owner uses "forgot password" instead: the reset link goes to the unverified
// address, sets the owner's password and verifies the address; the first password is refused.
TEST_P(AccountTest, AForgottenPasswordClaimsAnUnverifiedAddress) {
  Browser attacker = browser();
  ASSERT_EQ(
      attacker.post("/account/register", {{"email", "tiago@example.org"}, {"password", "attacker chose this"}}).status,
      303);
  const std::string verify_link = link_in(queued_mail(database->db()).at(0).text);
  Browser tiago = browser();
  (void)tiago.get("/account/forgot");
  ASSERT_EQ(tiago.post("/account/forgot", {{"email", "tiago@example.org"}}).status, 303);
  auto mail = queued_mail(database->db());
  ASSERT_EQ(mail.size(), 2U);
  const std::string reset = link_in(mail[0].text);
  ASSERT_TRUE(reset.starts_with("/account/reset?token=")) << mail[0].text;
  ASSERT_EQ(tiago
                .post("/account/reset",
                      {{"token", reset.substr(reset.find('=') + 1)}, {"password", "my very own secret phrase"}})
                .status,
            200);
  EXPECT_EQ(attacker.get(verify_link).status, 400) << "the reset voided the older verification link";
  EXPECT_EQ(
      attacker.post("/account/sign-in", {{"email", "tiago@example.org"}, {"password", "attacker chose this"}}).status,
      401);
  EXPECT_EQ(tiago.post("/account/sign-in", {{"email", "tiago@example.org"}, {"password", "my very own secret phrase"}})
                .status,
            303)
      << "signed in: the address counts as verified";
}

// Unverified registrations expire: after a week untouched, the password is cleared and the links
// die; the hourly job does it once across nodes.
TEST_P(AccountTest, UnverifiedRegistrationsExpireAfterAWeek) {
  Browser b = browser();
  ASSERT_EQ(b.post("/account/register", {{"email", "old@example.org"}, {"password", "a long enough phrase"}}).status,
            303);
  clock.advance(std::chrono::hours(24 * 6));
  auto c = database->db().acquire();
  auto cleared = [&] {
    return (*c)->query("SELECT password_hash FROM users WHERE email = 'old@example.org'")->rows[0].is_null(0);
  };
  ASSERT_TRUE(identity::expire_unverified_accounts(database->db(), clock));
  EXPECT_FALSE(cleared()) << "six days: not yet";
  clock.advance(std::chrono::hours(25));
  EXPECT_GE(*identity::expire_unverified_accounts(database->db(), clock), 1);
  EXPECT_TRUE(cleared());
  EXPECT_EQ(*identity::expire_unverified_accounts(database->db(), clock), 0) << "once";
  ASSERT_TRUE(identity::schedule_unverified_expiry(database->db(), clock));
  ASSERT_TRUE(identity::schedule_unverified_expiry(database->db(), clock)) << "a second node schedules the same run";
  EXPECT_EQ((*c)->query("SELECT COUNT(*) FROM jobs WHERE kind = 'identity.expire_unverified'")->rows[0].integer(0), 1);
  // The address can be registered again, by anyone, and verified by whoever reads its mail.
  ASSERT_EQ(b.post("/account/register", {{"email", "old@example.org"}, {"password", "another long phrase"}}).status,
            303);
  EXPECT_EQ(queued_mail(database->db()).at(0).subject, "Confirm your e-mail address for Guichet");
}

TEST_P(AccountTest, RegistrationDoesNotRevealWhoHasAnAccount) {
  Browser b = browser();
  Response repeated =
      b.post("/account/register", {{"email", "ana@example.org"}, {"password", "a different good phrase"}});
  EXPECT_EQ(repeated.status, 303);
  EXPECT_EQ(*repeated.headers.get("Location"), "/account/register/sent") << "the same answer as a new address";
  auto mail = queued_mail(database->db());
  ASSERT_EQ(mail.size(), 1U);
  EXPECT_EQ(mail[0].subject, "You already have a Guichet account");
  EXPECT_EQ(link_in(mail[0].text), "/account/sign-in");
  EXPECT_EQ(b.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
            303)
      << "the existing password still works";
}

TEST_P(AccountTest, BadRegistrationsReShowTheFormAndWriteNothing) {
  Browser b = browser();
  Response weak = b.post("/account/register", {{"email", "x@example.org"}, {"password", "password1234"}});
  EXPECT_EQ(weak.status, 400);
  EXPECT_NE(weak.body.find("This password is made of common words or names"), std::string::npos);
  EXPECT_NE(weak.body.find("value=\"x@example.org\""), std::string::npos);
  Response short_one = b.post("/account/register", {{"email", "x@example.org"}, {"password", "short"}});
  EXPECT_NE(short_one.body.find("at least 12 characters"), std::string::npos);
  Response bad_address =
      b.post("/account/register", {{"email", "not an address"}, {"password", "a long enough phrase"}});
  EXPECT_NE(bad_address.body.find("like name@example.org"), std::string::npos);
  EXPECT_EQ(
      b.post("/account/register", {{"email", "x@example.org"}, {"password", "a long enough phrase"}}, false).status,
      403);
  EXPECT_TRUE(queued_mail(database->db()).empty());
  auto c = database->db().acquire();
  EXPECT_EQ((*c)->query("SELECT COUNT(*) FROM users WHERE email = 'x@example.org'")->rows[0].integer(0), 0);
}

TEST_P(AccountTest, VerificationLinksExpireAfterADay) {
  Browser b = browser();
  ASSERT_EQ(b.post("/account/register", {{"email", "late@example.org"}, {"password", "a long enough phrase"}}).status,
            303);
  std::string link = link_in(queued_mail(database->db()).at(0).text);
  clock.advance(std::chrono::hours(25));
  Response expired = b.get(link);
  EXPECT_EQ(expired.status, 400);
  EXPECT_NE(expired.body.find("This link does not work"), std::string::npos);
  EXPECT_EQ(b.get("/account/verify?token=nonsense").status, 400);
  EXPECT_EQ(b.get("/account/verify").status, 400);
}

TEST_P(AccountTest, PasswordResetByEmailLinkEndsEverySession) {
  Browser laptop = browser();
  ASSERT_EQ(
      laptop.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
      303);

  Browser b = browser();
  (void)b.get("/account/forgot");
  Response asked = b.post("/account/forgot", {{"email", "ANA@example.org"}});
  ASSERT_EQ(asked.status, 303);
  EXPECT_EQ(*asked.headers.get("Location"), "/account/forgot/sent");
  Response unknown = b.post("/account/forgot", {{"email", "nobody@example.org"}});
  EXPECT_EQ(*unknown.headers.get("Location"), "/account/forgot/sent") << "unknown addresses are answered alike";
  EXPECT_EQ(b.post("/account/forgot", {{"email", "new@example.org"}}).status, 303) << "unverified: answered alike";

  auto mail = queued_mail(database->db());
  ASSERT_EQ(mail.size(), 2U) << "the accounts get a link, verified or not (issue 16: the owner claims the address)";
  EXPECT_EQ(mail[0].to, "new@example.org");
  EXPECT_EQ(mail[1].to, "ana@example.org");
  std::string link = link_in(mail[1].text);
  ASSERT_TRUE(link.starts_with("/account/reset?token=")) << mail[1].text;
  std::string token = link.substr(link.find('=') + 1);

  Response form = b.get(link);
  EXPECT_EQ(form.status, 200);
  EXPECT_EQ(*form.headers.get("Referrer-Policy"), "no-referrer");
  Response weak = b.post("/account/reset", {{"token", token}, {"password", "password1234"}});
  EXPECT_EQ(weak.status, 400);
  EXPECT_NE(weak.body.find("common words or names"), std::string::npos);
  Response done = b.post("/account/reset", {{"token", token}, {"password", "a brand new passphrase"}});
  EXPECT_EQ(done.status, 200);
  EXPECT_NE(done.body.find("Your password has been changed"), std::string::npos);

  EXPECT_EQ(laptop.get("/account").status, 303) << "every session ended with the reset";
  EXPECT_EQ(b.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
            401);
  EXPECT_EQ(b.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "a brand new passphrase"}}).status,
            303);
  EXPECT_EQ(b.post("/account/reset", {{"token", token}, {"password", "yet another passphrase"}}).status, 400)
      << "the link works once";
  auto after = queued_mail(database->db());
  ASSERT_EQ(after.size(), 3U);
  EXPECT_EQ(after[0].subject, "Your Guichet password was changed") << "the person is told of the change";
  EXPECT_TRUE(identity::verify_audit_chain(database->db())->intact);
}

TEST_P(AccountTest, ResetLinksExpireAfterThirtyMinutes) {
  Browser b = browser();
  ASSERT_EQ(b.post("/account/forgot", {{"email", "ana@example.org"}}).status, 303);
  std::string link = link_in(queued_mail(database->db()).at(0).text);
  clock.advance(std::chrono::minutes(31));
  Response expired = b.get(link);
  EXPECT_EQ(expired.status, 400);
  EXPECT_NE(expired.body.find("30 minutes"), std::string::npos);
  std::string token = link.substr(link.find('=') + 1);
  EXPECT_EQ(b.post("/account/reset", {{"token", token}, {"password", "a brand new passphrase"}}).status, 400);
  EXPECT_EQ(b.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
            303);
}

TEST_P(AccountTest, RepeatedFailuresGetAClearWaitMessageAndTheResetLinkStillWorks) {
  Browser b = browser();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(
        b.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "guess number " + std::to_string(i)}})
            .status,
        401);
  }
  Response slowed = b.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}});
  EXPECT_EQ(slowed.status, 429);
  EXPECT_NE(slowed.body.find("Too many attempts failed"), std::string::npos);
  // The attacker cannot lock Ana out: her e-mailed link still works, and resets the count.
  ASSERT_EQ(b.post("/account/forgot", {{"email", "ana@example.org"}}).status, 303);
  std::string link = link_in(queued_mail(database->db()).at(0).text);
  std::string token = link.substr(link.find('=') + 1);
  ASSERT_EQ(b.post("/account/reset", {{"token", token}, {"password", "a brand new passphrase"}}).status, 200);
  EXPECT_EQ(b.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "a brand new passphrase"}}).status,
            303);
}

TEST_P(AccountTest, ChangingThePasswordKeepsThisDeviceAndSignsOutTheOthers) {
  Browser laptop = browser();
  Browser phone = browser();
  ASSERT_EQ(
      laptop.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
      303);
  ASSERT_EQ(
      phone.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
      303);
  Response wrong = laptop.post("/account/password",
                               {{"current_password", "not it at all"}, {"new_password", "a brand new passphrase"}});
  EXPECT_EQ(wrong.status, 400);
  EXPECT_NE(wrong.body.find("The current password is wrong."), std::string::npos);
  Response weak =
      laptop.post("/account/password", {{"current_password", "correct horse battery"}, {"new_password", "short"}});
  EXPECT_EQ(weak.status, 400);
  Response changed = laptop.post(
      "/account/password", {{"current_password", "correct horse battery"}, {"new_password", "a brand new passphrase"}});
  ASSERT_EQ(changed.status, 303);
  Response page = laptop.get(std::string(*changed.headers.get("Location")));
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Your password has been changed"), std::string::npos);
  EXPECT_EQ(phone.get("/account").status, 303) << "the other device is signed out";
  auto mail = queued_mail(database->db());
  ASSERT_EQ(mail.size(), 1U);
  EXPECT_EQ(mail[0].subject, "Your Guichet password was changed");
  EXPECT_EQ(laptop.post("/account/password", {{"current_password", "x"}, {"new_password", "y"}}, false).status, 403);
}

TEST_P(AccountTest, APersonDownloadsTheirDataAndOnlyTheirs) {
  ASSERT_TRUE(
      identity::create_user(database->db(), identity::NewUser{"eve@example.org", "eve's long passphrase", true}, clock)
          .ok());
  Browser eve = browser();
  ASSERT_EQ(eve.post("/account/sign-in", {{"email", "eve@example.org"}, {"password", "eve's long passphrase"}}).status,
            303);
  Browser b = browser();
  ASSERT_EQ(b.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
            303);
  Response data = b.get("/account/data.json");
  EXPECT_EQ(data.status, 200);
  EXPECT_EQ(*data.headers.get("Content-Type"), "application/json");
  EXPECT_NE(data.headers.get("Content-Disposition")->find("attachment"), std::string_view::npos);
  EXPECT_NE(data.body.find(R"("email":"ana@example.org")"), std::string::npos);
  EXPECT_NE(data.body.find(R"("action":"session.started")"), std::string::npos);
  EXPECT_NE(data.body.find(R"("device":"TestBrowser/1.0")"), std::string::npos);
  EXPECT_EQ(data.body.find("eve@example.org"), std::string::npos);
  EXPECT_EQ(data.body.find("password_hash"), std::string::npos);
  for (const char* section :
       {R"("second_factor":null)", R"("identity_verifications":[])", R"("organisations":[])", R"("consents":[])",
        R"("cases":[])", R"("roles":[])", R"("profile":{"given_name":null)"}) {
    EXPECT_NE(data.body.find(section), std::string::npos) << section << " in " << data.body;
  }
  EXPECT_EQ(browser().get("/account/data.json").status, 303) << "signed out: no data";
}

TEST_P(AccountTest, DeletingTheAccountNeedsThePasswordAndRemovesIt) {
  Browser b = browser();
  ASSERT_EQ(b.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
            303);
  EXPECT_EQ(b.post("/account/delete", {{"password", "not the password"}}).status, 400);
  Response deleted = b.post("/account/delete", {{"password", "correct horse battery"}});
  ASSERT_EQ(deleted.status, 303);
  EXPECT_EQ(*deleted.headers.get("Location"), "/account/deleted");
  EXPECT_FALSE(b.cookies_.contains("guichet_session"));
  EXPECT_EQ(b.get("/account/deleted").status, 200);
  EXPECT_EQ(b.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
            401);
  auto c = database->db().acquire();
  EXPECT_EQ((*c)->query("SELECT COUNT(*) FROM users WHERE email = 'ana@example.org'")->rows[0].integer(0), 0);
  EXPECT_EQ((*c)->query("SELECT COUNT(*) FROM sessions")->rows[0].integer(0), 0);
  EXPECT_TRUE(identity::verify_audit_chain(database->db())->intact) << "the audit log survives the deletion";
}

TEST_P(AccountTest, ASignInFromANewDeviceIsReportedByEmail) {
  Browser first = browser();
  ASSERT_EQ(
      first.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
      303);
  EXPECT_TRUE(queued_mail(database->db()).empty()) << "the first device is not news";
  Browser same = browser();
  ASSERT_EQ(same.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
            303);
  EXPECT_TRUE(queued_mail(database->db()).empty()) << "the same browser again is not news either";

  // Another browser: its own User-Agent.
  http::Request r;
  r.method = http::Method::get;
  r.method_name = "GET";
  r.target = "/account/sign-in";
  auto d = site->application().route(r);
  Response form = site->application().handle(r, d);
  std::string csrf;
  for (const auto& [n, v] : form.headers.fields()) {
    if (v.starts_with("guichet_csrf=")) csrf = v.substr(13, 43);
  }
  http::Request post;
  post.method = http::Method::post;
  post.method_name = "POST";
  post.target = "/account/sign-in";
  post.remote_address = "203.0.113.5";
  post.headers.add("User-Agent", "OtherBrowser/9");
  post.headers.add("Cookie", "guichet_csrf=" + csrf);
  post.headers.add("Content-Type", "application/x-www-form-urlencoded");
  post.body = "email=ana%40example.org&password=correct+horse+battery&csrf_token=" + csrf;
  auto pd = site->application().route(post);
  ASSERT_EQ(site->application().handle(post, pd).status, 303);
  auto mail = queued_mail(database->db());
  ASSERT_EQ(mail.size(), 1U);
  EXPECT_EQ(mail[0].subject, "A new device signed in to your Guichet account");
  EXPECT_NE(mail[0].text.find("OtherBrowser/9"), std::string::npos);
  EXPECT_NE(mail[0].text.find("203.0.113.5"), std::string::npos);
}

TEST_P(AccountTest, ChangingTheEmailWaitsForTheNewAddressToConfirm) {
  Browser b = browser();
  ASSERT_EQ(b.post("/account/sign-in", {{"email", "ana@example.org"}, {"password", "correct horse battery"}}).status,
            303);
  EXPECT_NE(b.get("/account").body.find("action=\"/account/email\""), std::string::npos);
  Response wrong = b.post("/account/email", {{"new_email", "ana@novo.pt"}, {"password", "not my password"}});
  EXPECT_EQ(wrong.status, 400);
  EXPECT_TRUE(queued_mail(database->db()).empty());

  Response asked = b.post("/account/email", {{"new_email", "Ana@Novo.pt"}, {"password", "correct horse battery"}});
  ASSERT_EQ(asked.status, 200) << asked.body;
  auto mail = queued_mail(database->db());
  ASSERT_EQ(mail.size(), 2U);
  auto to_new = std::find_if(mail.begin(), mail.end(), [](const auto& m) { return m.to == "ana@novo.pt"; });
  ASSERT_NE(to_new, mail.end());
  EXPECT_TRUE(std::any_of(mail.begin(), mail.end(), [](const auto& m) { return m.to == "ana@example.org"; }))
      << "the old address is told";
  std::string link = link_in(to_new->text);
  ASSERT_TRUE(link.starts_with("/account/email/confirm?token=")) << to_new->text;
  EXPECT_TRUE(identity::find_user_by_email(database->db(), "ana@example.org")->has_value()) << "nothing changes yet";

  Response confirmed = b.get(link);
  EXPECT_EQ(confirmed.status, 200);
  EXPECT_EQ(*confirmed.headers.get("Referrer-Policy"), "no-referrer");
  EXPECT_FALSE(identity::find_user_by_email(database->db(), "ana@example.org")->has_value());
  auto moved = identity::find_user_by_email(database->db(), "ana@novo.pt");
  ASSERT_TRUE(moved->has_value());
  EXPECT_TRUE((*moved)->email_verified);
  EXPECT_EQ(b.get(link).status, 400) << "single use";

  Browser fresh = browser();
  EXPECT_EQ(fresh.post("/account/sign-in", {{"email", "ana@novo.pt"}, {"password", "correct horse battery"}}).status,
            303);

  // An address that has an account gets a warning, and the form answers alike.
  Response taken = b.post("/account/email", {{"new_email", "new@example.org"}, {"password", "correct horse battery"}});
  EXPECT_EQ(taken.status, 200);
  auto after = queued_mail(database->db());
  auto warning = std::find_if(after.begin(), after.end(), [](const auto& m) { return m.to == "new@example.org"; });
  ASSERT_NE(warning, after.end());
  EXPECT_EQ(warning->subject, "You already have a Guichet account");
}

INSTANTIATE_TEST_SUITE_P(Backends, AccountTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::app
