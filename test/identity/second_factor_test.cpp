#include "guichet/identity/second_factor.hpp"

#include <gtest/gtest.h>

#include <set>

#include "guichet/identity/audit.hpp"
#include "guichet/identity/sessions.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/jobs/outbox.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/test_database.hpp"

namespace guichet::identity {
namespace {
using std::chrono::minutes;
using std::chrono::seconds;

jobs::EmailMessage notice_to(const std::string& to) { return jobs::EmailMessage{to, "Security change", "text", {}}; }

class SecondFactorTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    ASSERT_TRUE(storage::apply_migrations(db(), storage::builtin_migrations(), clock).ok());
    auto created = create_user(db(), NewUser{"ana@example.org", "correct horse battery", true}, clock);
    ASSERT_TRUE(created.ok());
    user_id = created->id;
  }
  storage::Database& db() { return database->db(); }

  SignIn sign_in_ok() {
    auto signed_in = sign_in(db(), "ana@example.org", "correct horse battery", "test", "198.51.100.1", clock);
    EXPECT_TRUE(signed_in.ok()) << signed_in.error().message;
    return *signed_in;
  }
  // Enrols and confirms; returns the secret and the recovery codes.
  std::pair<std::string, std::vector<std::string>> enrol(std::int64_t session_id) {
    auto enrolment = begin_totp_enrolment(db(), user_id, "ana@example.org", "Guichet", clock, &kek);
    EXPECT_TRUE(enrolment.ok());
    auto codes = confirm_totp_enrolment(db(), user_id, session_id, *totp_code(enrolment->secret, clock.now()),
                                        "198.51.100.1", notice_to, clock, &kek);
    EXPECT_TRUE(codes.ok()) << codes.error().message;
    return {enrolment->secret, codes ? *codes : std::vector<std::string>{}};
  }
  SessionInfo session_of(const std::string& token) {
    auto session = resolve_session(db(), token, clock);
    EXPECT_TRUE(session.ok() && session->has_value());
    return **session;
  }
  Result<SecondFactorMethod> prove(std::int64_t session_id, const std::string& code,
                                   const std::string& address = "198.51.100.1") {
    return prove_second_factor(db(), user_id, session_id, code, address, notice_to, clock, &kek);
  }

  // The operator's key-encryption key: TOTP secrets are sealed with it at rest (issue 16).
  const SecretKey kek = *SecretKey::from_base64(SecretKey::generate_base64());
  // 30-second steps: start in the middle of one so that "one step later" is unambiguous.
  FakeClock clock{from_unix_micros(1'800'000'015'000'000)};
  std::unique_ptr<testing::TestDatabase> database;
  std::int64_t user_id = 0;
};

TEST_P(SecondFactorTest, RfcTestVectorsGiveTheExpectedCodes) {
  // RFC 6238 appendix B, SHA-1 secret "12345678901234567890" (base32 below), last six digits.
  const std::string secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
  EXPECT_EQ(*totp_code(secret, from_unix_micros(59'000'000)), "287082");
  EXPECT_EQ(*totp_code(secret, from_unix_micros(1'111'111'109'000'000)), "081804");
  EXPECT_EQ(*totp_code(secret, from_unix_micros(1'234'567'890'000'000)), "005924");
}

TEST_P(SecondFactorTest, EnrolmentShowsAQrCodeAndNeedsAFirstCode) {
  auto signed_in = sign_in_ok();
  auto enrolment = begin_totp_enrolment(db(), user_id, "ana@example.org", "Guichet", clock, &kek);
  ASSERT_TRUE(enrolment.ok());
  EXPECT_EQ(enrolment->secret.size(), 32U) << "160 bits in base32";
  EXPECT_TRUE(
      enrolment->otpauth_uri.starts_with("otpauth://totp/Guichet:ana%40example.org?secret=" + enrolment->secret));
  EXPECT_TRUE(enrolment->qr_svg.starts_with("<svg")) << enrolment->qr_svg.substr(0, 40);
  EXPECT_NE(enrolment->qr_svg.find("<title id=\"qr-title\">"), std::string::npos);
  EXPECT_FALSE(*has_second_factor(db(), user_id)) << "not before the first code";
  {
    auto c = db().acquire();
    const std::string stored =
        (*c)->query("SELECT secret FROM totp_credentials WHERE user_id = ?", {user_id})->rows.at(0).text(0);
    EXPECT_EQ(SecretKey::sealed_by(stored), kek.id()) << "sealed at rest";
    EXPECT_EQ(stored.find(enrolment->secret), std::string::npos);
  }
  EXPECT_EQ(pending_totp_enrolment(db(), user_id, "ana@example.org", "Guichet", nullptr).error().code.name(),
            "secret_key_missing");
  EXPECT_EQ(pending_totp_enrolment(db(), user_id, "ana@example.org", "Guichet", &kek)->value().secret,
            enrolment->secret);

  auto wrong = confirm_totp_enrolment(db(), user_id, signed_in.session.session_id, "000000", "198.51.100.1", notice_to,
                                      clock, &kek);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code.name(), "wrong_code");
  EXPECT_FALSE(*has_second_factor(db(), user_id));

  auto codes =
      confirm_totp_enrolment(db(), user_id, signed_in.session.session_id, *totp_code(enrolment->secret, clock.now()),
                             "198.51.100.1", notice_to, clock, &kek);
  ASSERT_TRUE(codes.ok()) << codes.error().message;
  EXPECT_TRUE(*has_second_factor(db(), user_id));
  ASSERT_EQ(codes->size(), 10U);
  std::set<std::string> distinct(codes->begin(), codes->end());
  EXPECT_EQ(distinct.size(), 10U);
  for (const auto& code : *codes) EXPECT_EQ(code.size(), 14U) << code;  // xxxx-xxxx-xxxx
  EXPECT_EQ(*unused_recovery_codes(db(), user_id), 10);

  auto session = session_of(signed_in.token);
  EXPECT_EQ(authentication_of(session).acr, AssuranceLevel::substantial) << "enrolling proved the factor";
  auto mail = jobs::list_jobs(db(), std::nullopt, 10);
  ASSERT_EQ(mail->size(), 1U) << "the person is told by e-mail";
  auto again = begin_totp_enrolment(db(), user_id, "ana@example.org", "Guichet", clock, &kek);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code.name(), "second_factor_exists") << "an attacker with the session cannot swap the factor";
}

TEST_P(SecondFactorTest, WithASecondFactorThePasswordOpensOnlyAPendingSession) {
  auto first = sign_in_ok();
  auto [secret, codes] = enrol(first.session.session_id);
  clock.advance(seconds(30));

  auto second = sign_in_ok();
  EXPECT_TRUE(second.session.pending_second_factor);
  SessionInfo pending = session_of(second.token);
  EXPECT_TRUE(pending.pending_second_factor);
  EXPECT_EQ(authentication_of(pending).acr, AssuranceLevel::low);
  auto listed = active_sessions(db(), user_id, clock);
  EXPECT_EQ(listed->size(), 1U) << "a pending session is no active session";

  auto proved = prove(second.session.session_id, *totp_code(secret, clock.now()));
  ASSERT_TRUE(proved.ok()) << proved.error().message;
  EXPECT_EQ(*proved, SecondFactorMethod::totp);
  SessionInfo done = session_of(second.token);
  EXPECT_FALSE(done.pending_second_factor);
  Authentication authentication = authentication_of(done);
  EXPECT_EQ(authentication.acr, AssuranceLevel::substantial);
  EXPECT_EQ(authentication.amr, (std::vector<std::string>{"pwd", "otp", "mfa"}));
  EXPECT_EQ(authentication.auth_time, done.created_at);
}

TEST_P(SecondFactorTest, ACodeWorksOnceAndTheWindowIsOneStepEitherSide) {
  auto first = sign_in_ok();
  auto [secret, codes] = enrol(first.session.session_id);
  const Instant enrolled_at = clock.now();

  auto replay = sign_in_ok();
  auto reused = prove(replay.session.session_id, *totp_code(secret, enrolled_at));
  ASSERT_FALSE(reused.ok()) << "the code that confirmed the enrolment is spent";
  EXPECT_EQ(reused.error().code.name(), "wrong_code");

  clock.advance(seconds(30 * 5));
  auto s = sign_in_ok();
  EXPECT_FALSE(prove(s.session.session_id, *totp_code(secret, clock.now() - seconds(60))).ok()) << "two steps old";
  EXPECT_FALSE(prove(s.session.session_id, *totp_code(secret, clock.now() + seconds(60))).ok()) << "two ahead";
  EXPECT_TRUE(prove(s.session.session_id, *totp_code(secret, clock.now() - seconds(30))).ok()) << "one step old";

  auto t = sign_in_ok();
  EXPECT_FALSE(prove(t.session.session_id, *totp_code(secret, clock.now() - seconds(30))).ok())
      << "the same code in another session";
  EXPECT_TRUE(prove(t.session.session_id, *totp_code(secret, clock.now() + seconds(30))).ok()) << "one ahead";
}

TEST_P(SecondFactorTest, RecoveryCodesWorkOnceEachAndTellThePerson) {
  auto first = sign_in_ok();
  auto [secret, codes] = enrol(first.session.session_id);
  auto before = jobs::list_jobs(db(), std::nullopt, 100)->size();

  auto s = sign_in_ok();
  std::string typed = codes[3];
  for (auto& c : typed) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto proved = prove(s.session.session_id, " " + typed + " ");
  ASSERT_TRUE(proved.ok()) << "case and spaces do not matter";
  EXPECT_EQ(*proved, SecondFactorMethod::recovery_code);
  EXPECT_EQ(*unused_recovery_codes(db(), user_id), 9);
  EXPECT_EQ(jobs::list_jobs(db(), std::nullopt, 100)->size(), before + 1) << "an e-mail says a code was used";
  EXPECT_EQ(authentication_of(session_of(s.token)).acr, AssuranceLevel::substantial);

  auto t = sign_in_ok();
  auto reused = prove(t.session.session_id, codes[3]);
  ASSERT_FALSE(reused.ok());
  EXPECT_EQ(reused.error().code.name(), "wrong_code");

  auto regenerated = regenerate_recovery_codes(db(), user_id, notice_to, clock);
  ASSERT_TRUE(regenerated.ok());
  EXPECT_FALSE(prove(t.session.session_id, codes[4]).ok()) << "old codes stop working";
  EXPECT_TRUE(prove(t.session.session_id, (*regenerated)[0]).ok());
}

TEST_P(SecondFactorTest, WrongCodesAreThrottledAndTheWaitDoesNotWiden) {
  auto first = sign_in_ok();
  auto [secret, codes] = enrol(first.session.session_id);
  clock.advance(seconds(30));
  auto s = sign_in_ok();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(prove(s.session.session_id, "123456").error().code.name(), "wrong_code");
  auto blocked = prove(s.session.session_id, *totp_code(secret, clock.now()));
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().kind, ErrorKind::rate_limited) << "even the right code waits";
  clock.advance(seconds(31));
  // After the wait the window is still one step either side.
  EXPECT_FALSE(prove(s.session.session_id, *totp_code(secret, clock.now() - seconds(60))).ok());
  clock.advance(seconds(61));
  EXPECT_TRUE(prove(s.session.session_id, *totp_code(secret, clock.now())).ok());
}

TEST_P(SecondFactorTest, APendingSessionLapsesAfterFiveMinutes) {
  auto first = sign_in_ok();
  auto [secret, codes] = enrol(first.session.session_id);
  auto s = sign_in_ok();
  clock.advance(minutes(5));
  auto session = resolve_session(db(), s.token, clock);
  ASSERT_TRUE(session.ok());
  EXPECT_FALSE(session->has_value());
  EXPECT_TRUE(resolve_session(db(), first.token, clock)->has_value()) << "a completed session lives on";
}

TEST_P(SecondFactorTest, HighNeedsAnIdentityVerifiedInPersonAndASecondFactor) {
  ASSERT_TRUE(db().transaction([&](storage::Connection& c) -> Result<void> {
                    auto r = c.execute("UPDATE users SET assurance_level = 'high' WHERE id = ?", {user_id});
                    if (!r) return std::move(r).error();
                    return {};
                  })
                  .ok());
  auto first = sign_in_ok();
  EXPECT_EQ(authentication_of(session_of(first.token)).acr, AssuranceLevel::low) << "a password alone is low";
  auto [secret, codes] = enrol(first.session.session_id);
  EXPECT_EQ(authentication_of(session_of(first.token)).acr, AssuranceLevel::high);
}

TEST_P(SecondFactorTest, TurningItOffNeedsThePasswordAndIsAudited) {
  auto first = sign_in_ok();
  auto [secret, codes] = enrol(first.session.session_id);
  auto refused = disable_second_factor(db(), user_id, "not my password", "198.51.100.1", notice_to, clock);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code.name(), "wrong_password");
  EXPECT_TRUE(*has_second_factor(db(), user_id));
  ASSERT_TRUE(disable_second_factor(db(), user_id, "correct horse battery", "198.51.100.1", notice_to, clock).ok());
  EXPECT_FALSE(*has_second_factor(db(), user_id));
  EXPECT_EQ(*unused_recovery_codes(db(), user_id), 0);
  EXPECT_FALSE(sign_in_ok().session.pending_second_factor);
  auto verified = verify_audit_chain(db());
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->intact);
  auto connection = db().acquire();
  auto actions = (*connection)->query("SELECT action FROM audit_log ORDER BY seq");
  std::vector<std::string> seen;
  for (const auto& row : actions->rows) seen.push_back(row.text(0));
  EXPECT_NE(std::find(seen.begin(), seen.end(), "second_factor.enabled"), seen.end());
  EXPECT_NE(std::find(seen.begin(), seen.end(), "second_factor.disabled"), seen.end());
}

INSTANTIATE_TEST_SUITE_P(Backends, SecondFactorTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::identity
