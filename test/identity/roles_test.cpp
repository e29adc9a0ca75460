#include "guichet/identity/roles.hpp"

#include <gtest/gtest.h>

#include "guichet/identity/audit.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/storage/migrations.hpp"
#include "support/test_database.hpp"

namespace guichet::identity {
namespace {

class RolesTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database = std::make_unique<testing::TestDatabase>(GetParam());
    ASSERT_TRUE(storage::apply_migrations(database->db(), storage::builtin_migrations(), clock).ok());
    auto user = create_user(database->db(), NewUser{"agent@example.org", "correct horse battery", true}, clock);
    ASSERT_TRUE(user.ok());
    id = user->id;
  }
  FakeClock clock{from_unix_micros(1'800'000'000'000'000)};
  std::unique_ptr<testing::TestDatabase> database;
  std::int64_t id = 0;
};

TEST_P(RolesTest, GrantsAreRecordedOnceAndAudited) {
  ASSERT_TRUE(grant_role(database->db(), id, RoleGrant{Role::agent, "finances-publiques"}, "cli", clock).ok());
  ASSERT_TRUE(grant_role(database->db(), id, RoleGrant{Role::agent, "finances-publiques"}, "cli", clock).ok())
      << "granting again is harmless";
  auto roles = roles_of(database->db(), id);
  ASSERT_TRUE(roles.ok());
  ASSERT_EQ(roles->size(), 1U);
  EXPECT_TRUE(allows(*roles, Role::agent, "finances-publiques"));
  EXPECT_FALSE(allows(*roles, Role::agent, "seguranca-social")) << "an agent of one administration only";
  EXPECT_FALSE(allows(*roles, Role::administration_admin, "finances-publiques"));
  auto c = database->db().acquire();
  EXPECT_EQ((*c)->query("SELECT COUNT(*) FROM audit_log WHERE action = 'role.granted'")->rows[0].integer(0), 1);
}

TEST_P(RolesTest, PlatformAdministratorsMayDoEverything) {
  ASSERT_TRUE(grant_role(database->db(), id, RoleGrant{Role::platform_admin, ""}, "cli", clock).ok());
  auto roles = roles_of(database->db(), id);
  EXPECT_TRUE(allows(*roles, Role::agent, "anything"));
  EXPECT_TRUE(allows(*roles, Role::identity_verifier));
}

TEST_P(RolesTest, RefusesIncoherentGrants) {
  EXPECT_EQ(grant_role(database->db(), id, RoleGrant{Role::agent, ""}, "cli", clock).error().code.name(), "bad_role");
  EXPECT_EQ(grant_role(database->db(), id, RoleGrant{Role::platform_admin, "x"}, "cli", clock).error().code.name(),
            "bad_role");
  EXPECT_EQ(grant_role(database->db(), id, RoleGrant{Role::agent, "Bad Code!"}, "cli", clock).error().code.name(),
            "bad_role");
  EXPECT_FALSE(grant_role(database->db(), 999999, RoleGrant{Role::identity_verifier, ""}, "cli", clock).ok());
  EXPECT_TRUE(roles_of(database->db(), id)->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, RolesTest, ::testing::ValuesIn(testing::test_backends()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace guichet::identity
