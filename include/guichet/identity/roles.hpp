#pragma once
// What a person may do beyond their own account. A platform administrator may do everything;
// the other roles apply within one administration.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::identity {

enum class Role { platform_admin, administration_admin, agent, identity_verifier };
std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);

struct RoleGrant {
  Role role = Role::agent;
  std::string administration;  // empty for platform_admin and platform-wide identity verifiers
};

// Records the grant and `role.granted`; granting what is already held changes nothing. Platform
// administrators take no administration; administration administrators and agents need one.
Result<void> grant_role(storage::Database& db, std::int64_t user_id, const RoleGrant& grant, const std::string& actor,
                        const Clock& clock);
Result<std::vector<RoleGrant>> roles_of(storage::Database& db, std::int64_t user_id);

// The staff pages these roles open, as (path, title message key), in the order staff use them:
// the account page lists them and every page's header shows them to staff.
std::vector<std::pair<std::string, std::string>> staff_pages(const std::vector<RoleGrant>& roles);

struct RoleAssignment {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string email;
  RoleGrant grant;
  Instant granted_at;
  std::string granted_by;
};
// Every role held, by account address then role.
Result<std::vector<RoleAssignment>> list_role_assignments(storage::Database& db);
// Removes one assignment and records `role.revoked`; the assignment removed is returned.
Result<RoleAssignment> revoke_role(storage::Database& db, std::int64_t assignment_id, const std::string& actor,
                                   const Clock& clock);
// Whether a person holding `roles` may grant or revoke `grant`: a platform administrator any role,
// an administration administrator the agent and administration-administrator roles of their own
// administration.
bool may_manage(const std::vector<RoleGrant>& roles, const RoleGrant& grant);

// True when `roles` allow `role` in `administration` (a platform administrator is allowed all).
bool allows(const std::vector<RoleGrant>& roles, Role role, std::string_view administration = {});

}  // namespace guichet::identity
