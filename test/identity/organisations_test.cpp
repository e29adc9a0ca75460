#include "guichet/identity/organisations.hpp"

#include <gtest/gtest.h>

#include "guichet/identity/sessions.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/test_database.hpp"

namespace guichet::identity {
namespace {

TEST(RegistrationNumbers, EachCountrysFormatAndCheckDigit) {
  EXPECT_EQ(*normalise_registration_number("FR", "732 829 320"), "732829320");
  EXPECT_EQ(normalise_registration_number("FR", "732829321").error().code.name(), "registration_number_invalid");
  EXPECT_FALSE(normalise_registration_number("FR", "73282932").ok()) << "8 digits";
  EXPECT_EQ(*normalise_registration_number("PT", "500 100 144"), "500100144");
  EXPECT_EQ(*normalise_registration_number("PT", "503504564"), "503504564");
  EXPECT_FALSE(normalise_registration_number("PT", "500100145").ok()) << "check digit";
  EXPECT_FALSE(normalise_registration_number("PT", "123456789").ok()) << "a person's number, not an organisation's";
  EXPECT_EQ(*normalise_registration_number("VN", "0100109106"), "0100109106");
  EXPECT_EQ(*normalise_registration_number("VN", "0100109106-001"), "0100109106001") << "a branch";
  EXPECT_FALSE(normalise_registration_number("VN", "0100109107").ok());
  EXPECT_FALSE(normalise_registration_number("VN", "0100109106-000").ok());
  EXPECT_FALSE(normalise_registration_number("VN", "01001O9106").ok()) << "a letter O";
  EXPECT_EQ(normalise_registration_number("DE", "123456789").error().code.name(), "country_invalid");
}

class OrganisationsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    ASSERT_TRUE(storage::apply_migrations(db(), storage::builtin_migrations(), clock).ok());
    ana = create_user(db(), NewUser{"ana@example.org", "correct horse battery", true}, clock)->id;
    bo = create_user(db(), NewUser{"bo@example.org", "another good passphrase", true}, clock)->id;
  }
  storage::Database& db() { return database->db(); }
  FakeClock clock{from_unix_micros(1'800'000'000'000'000)};
  std::unique_ptr<testing::TestDatabase> database;
  std::int64_t ana = 0;
  std::int64_t bo = 0;
};

TEST_P(OrganisationsTest, TheDeclarerOwnsItAndManagesWhoActsForIt) {
  auto org = create_organisation(db(), ana, "PT", "500 100 144", "  Padaria Central, Lda ", clock);
  ASSERT_TRUE(org.ok()) << org.error().message;
  EXPECT_EQ(org->name, "Padaria Central, Lda");
  auto again = create_organisation(db(), bo, "PT", "500100144", "Someone else", clock);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::conflict) << "one organisation per number";

  EXPECT_EQ(members_of(db(), bo, org->id).error().kind, ErrorKind::not_found) << "not bo's to see";
  EXPECT_EQ(set_member(db(), bo, org->id, "bo@example.org", OrganisationRole::owner, clock).error().kind,
            ErrorKind::not_found)
      << "no one adds themselves";
  ASSERT_TRUE(set_member(db(), ana, org->id, "Bo@Example.org", OrganisationRole::representative, clock).ok());
  auto members = members_of(db(), ana, org->id);
  ASSERT_EQ(members->size(), 2U);
  EXPECT_EQ(memberships_of(db(), bo)->at(0).role, OrganisationRole::representative);
  EXPECT_EQ(set_member(db(), ana, org->id, "ana@example.org", OrganisationRole::staff, clock).error().code.name(),
            "last_owner");
  EXPECT_EQ(remove_member(db(), ana, org->id, ana, clock).error().code.name(), "last_owner");
  EXPECT_EQ(set_member(db(), ana, org->id, "nobody@example.org", OrganisationRole::staff, clock).error().code.name(),
            "no_such_person");
}

TEST_P(OrganisationsTest, ASessionActsForAnOrganisationOnlyWhileThePersonBelongsToIt) {
  auto org = create_organisation(db(), ana, "FR", "732829320", "Boulangerie", clock);
  ASSERT_TRUE(set_member(db(), ana, org->id, "bo@example.org", OrganisationRole::staff, clock).ok());
  auto session = sign_in(db(), "bo@example.org", "another good passphrase", "t", "192.0.2.1", clock);
  ASSERT_TRUE(session.ok());
  EXPECT_FALSE(acting_for(db(), session->session.session_id)->has_value());
  auto other = create_organisation(db(), ana, "VN", "0100109106", "Công ty", clock);
  EXPECT_EQ(act_for(db(), bo, session->session.session_id, other->id, clock).error().kind, ErrorKind::not_found)
      << "not a member";
  ASSERT_TRUE(act_for(db(), bo, session->session.session_id, org->id, clock).ok());
  auto acting = acting_for(db(), session->session.session_id);
  ASSERT_TRUE(acting->has_value());
  EXPECT_EQ((*acting)->organisation.name, "Boulangerie");
  EXPECT_EQ((*acting)->role, OrganisationRole::staff);
  ASSERT_TRUE(remove_member(db(), ana, org->id, bo, clock).ok());
  EXPECT_FALSE(acting_for(db(), session->session.session_id)->has_value()) << "removal ends the acting";
}

INSTANTIATE_TEST_SUITE_P(Backends, OrganisationsTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::identity
