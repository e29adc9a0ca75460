#include "guichet/identity/roles.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "guichet/identity/audit.hpp"
#include "guichet/identity/errors.hpp"
#include "guichet/storage/errors.hpp"

namespace guichet::identity {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::platform_admin:
      return "platform_admin";
    case Role::administration_admin:
      return "administration_admin";
    case Role::agent:
      return "agent";
    case Role::identity_verifier:
      return "identity_verifier";
  }
  return "agent";
}

std::optional<Role> parse_role(std::string_view text) {
  for (Role role : {Role::platform_admin, Role::administration_admin, Role::agent, Role::identity_verifier}) {
    if (to_string(role) == text) return role;
  }
  return std::nullopt;
}

namespace {
bool valid_administration_code(std::string_view code) {
  return !code.empty() && code.size() <= 64 && std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}
}  // namespace

Result<void> grant_role(storage::Database& db, std::int64_t user_id, const RoleGrant& grant, const std::string& actor,
                        const Clock& clock) {
  bool scoped = grant.role == Role::administration_admin || grant.role == Role::agent;
  if (grant.role == Role::platform_admin && !grant.administration.empty()) {
    return make_error(Errc::bad_role, "a platform administrator is not tied to an administration");
  }
  if (scoped && grant.administration.empty()) {
    return make_error(Errc::bad_role, "this role needs an administration (--administration)");
  }
  if (!grant.administration.empty() && !valid_administration_code(grant.administration)) {
    return make_error(Errc::bad_role, "an administration code has lowercase letters, digits and dashes only");
  }
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    std::int64_t now = to_unix_micros(clock.now());
    auto inserted = c.execute(
        "INSERT INTO user_roles (user_id, role, administration, granted_at, granted_by) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (user_id, role, administration) DO NOTHING",
        {user_id, std::string(to_string(grant.role)), grant.administration, now, actor});
    if (!inserted) {
      Error error = std::move(inserted).error();
      if (error.code == storage::Errc::constraint_violation) return make_error(Errc::no_such_user, "no such account");
      return error;
    }
    if (*inserted == 0) return {};  // already held
    boost::json::object details{{"role", std::string(to_string(grant.role))}, {"administration", grant.administration}};
    auto audited = record_audit(
        c, AuditEvent{actor, "role.granted", "user:" + std::to_string(user_id), boost::json::serialize(details)},
        clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

Result<std::vector<RoleGrant>> roles_of(storage::Database& db, std::int64_t user_id) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows =
      (*connection)->query("SELECT role, administration FROM user_roles WHERE user_id = ? ORDER BY id", {user_id});
  if (!rows) return std::move(rows).error();
  std::vector<RoleGrant> grants;
  for (const auto& row : rows->rows) {
    if (auto role = parse_role(row.text(0))) grants.push_back(RoleGrant{*role, row.text(1)});
  }
  return grants;
}

bool allows(const std::vector<RoleGrant>& roles, Role role, std::string_view administration) {
  return std::any_of(roles.begin(), roles.end(), [&](const RoleGrant& grant) {
    if (grant.role == Role::platform_admin) return true;
    if (grant.role != role) return false;
    return grant.administration.empty() || grant.administration == administration;
  });
}

Result<std::vector<RoleAssignment>> list_role_assignments(storage::Database& db) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows = (*connection)
                  ->query(
                      "SELECT r.id, r.user_id, u.email, r.role, r.administration, r.granted_at, r.granted_by FROM "
                      "user_roles r JOIN users u ON u.id = r.user_id ORDER BY u.email, r.role, r.administration");
  if (!rows) return std::move(rows).error();
  std::vector<RoleAssignment> out;
  for (const auto& row : rows->rows) {
    auto role = parse_role(row.text(3));
    if (!role) continue;
    out.push_back(RoleAssignment{row.integer(0), row.integer(1), row.text(2), RoleGrant{*role, row.text(4)},
                                 from_unix_micros(row.integer(5)), row.text(6)});
  }
  return out;
}

Result<RoleAssignment> revoke_role(storage::Database& db, std::int64_t assignment_id, const std::string& actor,
                                   const Clock& clock) {
  return db.transaction([&](storage::Connection& c) -> Result<RoleAssignment> {
    auto rows = c.query(
        "SELECT r.id, r.user_id, u.email, r.role, r.administration, r.granted_at, r.granted_by FROM user_roles r "
        "JOIN users u ON u.id = r.user_id WHERE r.id = ?",
        {assignment_id});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return make_error(Errc::no_such_role, "no such role assignment");
    const auto& row = rows->rows[0];
    RoleAssignment removed{row.integer(0),
                           row.integer(1),
                           row.text(2),
                           RoleGrant{parse_role(row.text(3)).value_or(Role::agent), row.text(4)},
                           from_unix_micros(row.integer(5)),
                           row.text(6)};
    auto deleted = c.execute("DELETE FROM user_roles WHERE id = ?", {assignment_id});
    if (!deleted) return std::move(deleted).error();
    boost::json::object details{{"role", std::string(to_string(removed.grant.role))},
                                {"administration", removed.grant.administration}};
    auto audited = record_audit(
        c,
        AuditEvent{actor, "role.revoked", "user:" + std::to_string(removed.user_id), boost::json::serialize(details)},
        clock);
    if (!audited) return std::move(audited).error();
    return removed;
  });
}

bool may_manage(const std::vector<RoleGrant>& roles, const RoleGrant& grant) {
  return std::any_of(roles.begin(), roles.end(), [&](const RoleGrant& held) {
    if (held.role == Role::platform_admin) return true;
    return held.role == Role::administration_admin && !held.administration.empty() &&
           held.administration == grant.administration &&
           (grant.role == Role::agent || grant.role == Role::administration_admin);
  });
}

std::vector<std::pair<std::string, std::string>> staff_pages(const std::vector<RoleGrant>& roles) {
  bool agent = false;
  bool verifier = false;
  bool administration_admin = false;
  bool platform_admin = false;
  for (const auto& grant : roles) {
    agent = agent || grant.role == Role::agent;
    verifier = verifier || grant.role == Role::identity_verifier;
    administration_admin = administration_admin || grant.role == Role::administration_admin;
    platform_admin = platform_admin || grant.role == Role::platform_admin;
  }
  std::vector<std::pair<std::string, std::string>> pages;
  if (agent || platform_admin) {
    pages.emplace_back("/agent/agenda", "agenda_title");
    pages.emplace_back("/agent/counter", "queue_counter_title");
    pages.emplace_back("/agent/book", "agent_book_title");
    pages.emplace_back("/agent/cases", "agent_cases_title");
    pages.emplace_back("/agent/queue/measures", "queue_measures_title");
  }
  if (verifier || platform_admin) pages.emplace_back("/agent/identity", "verify_identity_title");
  if (administration_admin || platform_admin) {
    pages.emplace_back("/admin/roles", "admin_roles_title");
    pages.emplace_back("/admin/agent-shops", "admin_agent_shops_title");
    pages.emplace_back("/admin/procedures", "admin_procedures_title");
    pages.emplace_back("/admin/benefits", "admin_benefits_title");
  }
  if (platform_admin) {
    pages.emplace_back("/admin/catalogue", "admin_catalogue_title");
    pages.emplace_back("/admin/exchange/journal", "exchange_audit_title");
  }
  return pages;
}

}  // namespace guichet::identity
