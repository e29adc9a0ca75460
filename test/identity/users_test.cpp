#include "guichet/identity/users.hpp"

#include <gtest/gtest.h>

#include "guichet/identity/audit.hpp"
#include "guichet/identity/passwords.hpp"
#include "guichet/identity/sessions.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/test_database.hpp"

namespace guichet::identity {
namespace {

class UsersTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    ASSERT_TRUE(storage::apply_migrations(database->db(), storage::builtin_migrations(), clock).ok());
  }
  FakeClock clock{from_unix_micros(1'800'000'000'000'000)};
  std::unique_ptr<testing::TestDatabase> database;
};

TEST_P(UsersTest, CreatesAnAuditedAccountWithAHashedPassword) {
  auto user = create_user(
      database->db(),
      NewUser{" Ana.Silva@Example.ORG ", "correct horse battery", true, AssuranceLevel::substantial, "cli"}, clock);
  ASSERT_TRUE(user.ok()) << user.error().message;
  EXPECT_EQ(user->email, "ana.silva@example.org");
  EXPECT_TRUE(user->email_verified);
  EXPECT_EQ(user->level, AssuranceLevel::substantial);

  auto c = database->db().acquire();
  auto stored = (*c)->query("SELECT password_hash FROM users WHERE id = ?", {user->id});
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(verify_password("correct horse battery", stored->rows[0].text(0)).value());
  EXPECT_EQ(stored->rows[0].text(0).find("correct"), std::string::npos);

  auto audit = (*c)->query("SELECT actor, action, subject FROM audit_log");
  ASSERT_EQ(audit->size(), 1U);
  EXPECT_EQ(audit->rows[0].text(0), "cli");
  EXPECT_EQ(audit->rows[0].text(1), "user.created");
  EXPECT_EQ(audit->rows[0].text(2), "user:" + std::to_string(user->id));

  auto found = find_user_by_email(database->db(), "ANA.SILVA@example.org");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, user->id);
}

TEST_P(UsersTest, RemembersTheLanguageThePersonLastSignedInWith) {
  auto user = create_user(database->db(), NewUser{"lang@example.org", "correct horse battery", true}, clock);
  ASSERT_TRUE(user.ok());
  auto language = [&] {
    auto c = database->db().acquire();
    return language_of(**c, user->id).value();
  };
  EXPECT_EQ(language(), std::nullopt) << "never signed in";
  ASSERT_TRUE(
      sign_in(database->db(), "lang@example.org", "correct horse battery", "ua", "::1", clock, {}, {}, "vi").ok());
  EXPECT_EQ(language(), "vi");
  ASSERT_TRUE(
      sign_in(database->db(), "lang@example.org", "correct horse battery", "ua", "::1", clock, {}, {}, "xx").ok());
  EXPECT_EQ(language(), "vi") << "not one of the site's languages: the last good one stays";
  ASSERT_TRUE(
      sign_in(database->db(), "lang@example.org", "correct horse battery", "ua", "::1", clock, {}, {}, "fr").ok());
  EXPECT_EQ(language(), "fr");
}

TEST_P(UsersTest, RefusesDuplicatesBadAddressesAndWeakPasswordsWithoutWritingAnything) {
  ASSERT_TRUE(create_user(database->db(), NewUser{"a@example.org", "correct horse battery"}, clock).ok());
  auto twice = create_user(database->db(), NewUser{"A@EXAMPLE.org", "another good passphrase"}, clock);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code.name(), "email_taken");
  EXPECT_EQ(twice.error().kind, ErrorKind::conflict);
  EXPECT_EQ(create_user(database->db(), NewUser{"not-an-address", "correct horse battery"}, clock).error().code.name(),
            "email_invalid");
  EXPECT_EQ(create_user(database->db(), NewUser{"b@example.org", "password1234"}, clock).error().code.name(),
            "password_common");
  auto c = database->db().acquire();
  EXPECT_EQ((*c)->query("SELECT COUNT(*) FROM users")->rows[0].integer(0), 1);
  auto verified = verify_audit_chain(database->db());
  EXPECT_EQ(verified->events, 1) << "refused accounts leave no audit event";
}

// Issue 16, finding 8: mail goes through relays that may lack SMTPUTF8. An internationalised
// domain is kept in its ASCII form (one account whichever way it is typed); a non-ASCII local part
// is refused at input with its own message, never accepted and then undeliverable.
TEST(EmailAddresses, AreAsciiForTheMailRelays) {
  EXPECT_EQ(*normalise_email(" Ana@Example.ORG "), "ana@example.org");
  EXPECT_EQ(*normalise_email("jose@café.pt"), "jose@xn--caf-dma.pt");
  EXPECT_EQ(*normalise_email("jose@CAFÉ.pt"), "jose@xn--caf-dma.pt") << "case folded by IDNA too";
  EXPECT_EQ(*normalise_email("jose@xn--caf-dma.pt"), "jose@xn--caf-dma.pt");
  EXPECT_EQ(*normalise_email("lan@bưuđiện.vn"), "lan@xn--buin-1ua66gr30m.vn");
  EXPECT_EQ(normalise_email("josé@example.org").error().code.name(), "email_not_ascii");
  EXPECT_EQ(normalise_email("josé@example.org").error().code.message_key(), "register_error_email_ascii");
  EXPECT_EQ(normalise_email("a@exa_mple.org").error().code.name(), "email_invalid");
  EXPECT_EQ(normalise_email("a@-example.org").error().code.name(), "email_invalid");
  EXPECT_EQ(normalise_email(std::string("a@") + std::string(64, 'x') + ".org").error().code.name(), "email_invalid")
      << "a label longer than 63 octets";
}

TEST_P(UsersTest, AnInternationalDomainIsOneAccountWhicheverWayItIsTyped) {
  ASSERT_TRUE(create_user(database->db(), NewUser{"Rui@Café.pt", "correct horse battery"}, clock).ok());
  auto twice = create_user(database->db(), NewUser{"rui@xn--caf-dma.pt", "another good passphrase"}, clock);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code.name(), "email_taken");
  auto found = find_user_by_email(database->db(), "rui@café.pt");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->email, "rui@xn--caf-dma.pt");
}

INSTANTIATE_TEST_SUITE_P(Backends, UsersTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::identity
