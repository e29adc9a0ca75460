#include "guichet/identity/throttle.hpp"

#include <gtest/gtest.h>

#include "guichet/identity/sessions.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/test_database.hpp"

namespace guichet::identity {
namespace {
using std::chrono::seconds;

class ThrottleTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    ASSERT_TRUE(storage::apply_migrations(db(), storage::builtin_migrations(), clock).ok());
    ASSERT_TRUE(create_user(db(), NewUser{"ana@example.org", "correct horse battery", true}, clock).ok());
  }
  storage::Database& db() { return database->db(); }
  Result<SignIn> attempt(const std::string& password, const std::string& address = "198.51.100.1",
                         const std::string& email = "ana@example.org") {
    return sign_in(db(), email, password, "test", address, clock);
  }

  FakeClock clock{from_unix_micros(1'800'000'000'000'000)};
  std::unique_ptr<testing::TestDatabase> database;
};

TEST_P(ThrottleTest, AfterFiveFailuresEvenTheRightPasswordWaitsAndWaitsGrow) {
  for (int i = 0; i < 4; ++i) EXPECT_EQ(attempt("wrong password!").error().code.name(), "bad_credentials");
  EXPECT_EQ(attempt("wrong password!").error().code.name(), "bad_credentials");  // the fifth failure starts the wait
  auto blocked = attempt("correct horse battery");
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().kind, ErrorKind::rate_limited);
  EXPECT_EQ(*sign_in_wait(db(), "ana@example.org", "198.51.100.1", clock), seconds(30));

  clock.advance(seconds(31));
  EXPECT_EQ(attempt("wrong again!!").error().code.name(), "bad_credentials");
  EXPECT_EQ(*sign_in_wait(db(), "ana@example.org", "203.0.113.9", clock), seconds(60)) << "the wait doubles";
  clock.advance(seconds(61));
  ASSERT_TRUE(attempt("correct horse battery").ok()) << "the real person gets in once the wait is over";
  EXPECT_EQ(*sign_in_wait(db(), "ana@example.org", "203.0.113.9", clock), seconds(0)) << "success starts afresh";
}

// Clearing one account's counts leaves those of an address that only looks alike to LIKE.
TEST_P(ThrottleTest, ClearingAnAccountLeavesLookAlikeAddressesCounted) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(record_sign_in_failure(db(), "acb@example.org", "192.0.2.1", clock).ok());
  EXPECT_GT(sign_in_wait(db(), "acb@example.org", "192.0.2.9", clock)->count(), 0);
  ASSERT_TRUE(
      db().transaction([](storage::Connection& c) { return clear_account_failures(c, "a_b@example.org"); }).ok());
  EXPECT_GT(sign_in_wait(db(), SignInAttempt{"acb@example.org", "192.0.2.1", "device-hash"}, clock)->count(), 0)
      << "the (account, address) pair of acb is not a_b's";
}

TEST_P(ThrottleTest, OneAddressTryingManyAccountsIsSlowedToo) {
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(attempt("guess", "192.0.2.50", "user" + std::to_string(i) + "@example.org").error().code.name(),
              "bad_credentials");
  }
  auto blocked = attempt("correct horse battery", "192.0.2.50");
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code.name(), "sign_in_throttled");
  EXPECT_TRUE(attempt("correct horse battery", "192.0.2.51").ok()) << "another address is not affected";
}

TEST_P(ThrottleTest, WaitsNeverExceedFifteenMinutesAndOldFailuresAreForgotten) {
  for (int i = 0; i < 40; ++i) {
    (void)attempt("wrong password!");
    clock.advance(std::chrono::minutes(16));
  }
  EXPECT_LE(*sign_in_wait(db(), "ana@example.org", "198.51.100.1", clock), seconds(0));
  (void)attempt("wrong password!");
  EXPECT_LE(*sign_in_wait(db(), "ana@example.org", "198.51.100.1", clock), std::chrono::minutes(15));
  clock.advance(std::chrono::hours(25));
  (void)attempt("wrong password!");
  EXPECT_EQ(*sign_in_wait(db(), "ana@example.org", "198.51.100.1", clock), seconds(0)) << "a day later it starts over";
}

INSTANTIATE_TEST_SUITE_P(Backends, ThrottleTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::identity
