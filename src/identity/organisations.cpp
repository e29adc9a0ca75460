#include "guichet/identity/organisations.hpp"

#include <boost/json.hpp>

#include "guichet/core/utf8.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/errors.hpp"
#include "guichet/identity/users.hpp"

namespace guichet::identity {
namespace {

Error bad_number(std::string_view why) { return make_error(Errc::registration_number_invalid, std::string(why)); }

bool luhn(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool nipc_check(std::string_view digits) {
  int sum = 0;
  for (int i = 0; i < 8; ++i) sum += (digits[static_cast<std::size_t>(i)] - '0') * (9 - i);
  int rest = sum % 11;
  int check = rest < 2 ? 0 : 11 - rest;
  return check == digits[8] - '0';
}

bool mst_check(std::string_view digits) {
  static constexpr int kWeights[] = {31, 29, 23, 19, 17, 13, 7, 5, 3};
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (digits[static_cast<std::size_t>(i)] - '0') * kWeights[i];
  int check = 10 - sum % 11;
  return check < 10 && check == digits[9] - '0';
}

Membership membership_from(const storage::Row& row) {
  return Membership{Organisation{row.integer(0), row.text(1), row.text(2), row.text(3)},
                    parse_organisation_role(row.text(4)).value_or(OrganisationRole::staff)};
}

constexpr const char* kMembershipColumns = "o.id, o.country, o.registration_number, o.name, m.role";

Result<void> audit(storage::Connection& c, std::int64_t actor, std::string_view action, std::int64_t organisation_id,
                   const boost::json::object& details, const Clock& clock) {
  auto recorded =
      record_audit(c,
                   AuditEvent{"user:" + std::to_string(actor), std::string(action),
                              "organisation:" + std::to_string(organisation_id), boost::json::serialize(details)},
                   clock);
  if (!recorded) return std::move(recorded).error();
  return {};
}

Result<bool> is_owner(storage::Connection& c, std::int64_t user_id, std::int64_t organisation_id) {
  auto rows = c.query("SELECT 1 FROM organisation_members WHERE organisation_id = ? AND user_id = ? AND role = 'owner'",
                      {organisation_id, user_id});
  if (!rows) return std::move(rows).error();
  return !rows->empty();
}

Error no_such_organisation() { return make_error(Errc::no_such_organisation, "no such organisation"); }

// Whether removing or demoting `user_id` would leave the organisation with no owner.
Result<bool> last_owner(storage::Connection& c, std::int64_t organisation_id, std::int64_t user_id) {
  auto rows = c.query(
      "SELECT COUNT(*), SUM(CASE WHEN user_id = ? THEN 1 ELSE 0 END) FROM organisation_members "
      "WHERE organisation_id = ? AND role = 'owner'",
      {user_id, organisation_id});
  if (!rows) return std::move(rows).error();
  return rows->rows[0].integer(0) == 1 && !rows->rows[0].is_null(1) && rows->rows[0].integer(1) == 1;
}

}  // namespace

std::string_view to_string(OrganisationRole role) {
  switch (role) {
    case OrganisationRole::owner:
      return "owner";
    case OrganisationRole::representative:
      return "representative";
    case OrganisationRole::staff:
      return "staff";
  }
  return "staff";
}

std::optional<OrganisationRole> parse_organisation_role(std::string_view text) {
  if (text == "owner") return OrganisationRole::owner;
  if (text == "representative") return OrganisationRole::representative;
  if (text == "staff") return OrganisationRole::staff;
  return std::nullopt;
}

Result<std::string> normalise_registration_number(std::string_view country, std::string_view number) {
  std::string digits;
  for (char c : number) {
    if (c == ' ' || c == '.' || c == '-') continue;
    if (c < '0' || c > '9') return bad_number("a registration number has digits only");
    digits += c;
  }
  if (country == "FR") {
    if (digits.size() != 9) return bad_number("a SIREN has 9 digits");
    if (!luhn(digits)) return bad_number("this SIREN's check digit is wrong");
    return digits;
  }
  if (country == "PT") {
    if (digits.size() != 9) return bad_number("a NIPC has 9 digits");
    if (digits[0] != '5' && digits[0] != '6' && digits[0] != '8' && digits[0] != '9') {
      return bad_number("a NIPC of an organisation starts with 5, 6, 8 or 9");
    }
    if (!nipc_check(digits)) return bad_number("this NIPC's check digit is wrong");
    return digits;
  }
  if (country == "VN") {
    if (digits.size() != 10 && digits.size() != 13) return bad_number("an MST has 10 digits, or 13 for a branch");
    if (!mst_check(digits)) return bad_number("this MST's check digit is wrong");
    if (digits.size() == 13 && digits.substr(10) == "000") return bad_number("an MST branch number is 001 to 999");
    return digits;
  }
  return make_error(Errc::country_invalid, "the country is FR, PT or VN");
}

Result<Organisation> create_organisation(storage::Database& db, std::int64_t creator_id, std::string_view country,
                                         std::string_view number, std::string_view name, const Clock& clock) {
  auto normalised = normalise_registration_number(country, number);
  if (!normalised) return std::move(normalised).error();
  std::string trimmed(name);
  while (!trimmed.empty() && trimmed.back() == ' ') trimmed.pop_back();
  while (!trimmed.empty() && trimmed.front() == ' ') trimmed.erase(0, 1);
  if (trimmed.empty() || trimmed.size() > 200 || !is_valid_utf8(trimmed)) {
    return make_error(Errc::organisation_name_invalid, "the name has 1 to 200 characters");
  }
  return db.transaction([&](storage::Connection& c) -> Result<Organisation> {
    const std::int64_t now = to_unix_micros(clock.now());
    auto inserted = c.query(
        "INSERT INTO organisations (country, registration_number, name, created_by, created_at) VALUES (?, ?, ?, ?, ?) "
        "RETURNING id",
        {std::string(country), *normalised, trimmed, creator_id, now});
    if (!inserted) return std::move(inserted).error();
    Organisation organisation{inserted->rows.at(0).integer(0), std::string(country), *normalised, trimmed};
    auto member = c.execute(
        "INSERT INTO organisation_members (organisation_id, user_id, role, added_at) VALUES (?, ?, 'owner', ?)",
        {organisation.id, creator_id, now});
    if (!member) return std::move(member).error();
    auto audited =
        audit(c, creator_id, "organisation.created", organisation.id,
              {{"country", organisation.country}, {"registration_number", organisation.registration_number}}, clock);
    if (!audited) return std::move(audited).error();
    return organisation;
  });
}

Result<std::vector<Membership>> memberships_of(storage::Database& db, std::int64_t user_id) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows = (*connection)
                  ->query(std::string("SELECT ") + kMembershipColumns +
                              " FROM organisation_members m JOIN organisations o ON o.id = m.organisation_id "
                              "WHERE m.user_id = ? ORDER BY o.name, o.id",
                          {user_id});
  if (!rows) return std::move(rows).error();
  std::vector<Membership> out;
  for (const auto& row : rows->rows) out.push_back(membership_from(row));
  return out;
}

Result<std::optional<Membership>> membership(storage::Connection& c, std::int64_t user_id,
                                             std::int64_t organisation_id) {
  auto rows = c.query(std::string("SELECT ") + kMembershipColumns +
                          " FROM organisation_members m JOIN organisations o ON o.id = m.organisation_id "
                          "WHERE m.user_id = ? AND m.organisation_id = ?",
                      {user_id, organisation_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<Membership>();
  return std::optional<Membership>(membership_from(rows->rows[0]));
}

Result<std::optional<Membership>> membership(storage::Database& db, std::int64_t user_id,
                                             std::int64_t organisation_id) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  return membership(**connection, user_id, organisation_id);
}

Result<std::vector<Member>> members_of(storage::Database& db, std::int64_t owner_id, std::int64_t organisation_id) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto owner = is_owner(**connection, owner_id, organisation_id);
  if (!owner) return std::move(owner).error();
  if (!*owner) return no_such_organisation();
  auto rows = (*connection)
                  ->query(
                      "SELECT u.id, u.email, m.role FROM organisation_members m JOIN users u ON u.id = m.user_id "
                      "WHERE m.organisation_id = ? ORDER BY u.email",
                      {organisation_id});
  if (!rows) return std::move(rows).error();
  std::vector<Member> out;
  for (const auto& row : rows->rows) {
    out.push_back(
        Member{row.integer(0), row.text(1), parse_organisation_role(row.text(2)).value_or(OrganisationRole::staff)});
  }
  return out;
}

Result<void> set_member(storage::Database& db, std::int64_t owner_id, std::int64_t organisation_id,
                        std::string_view email, OrganisationRole role, const Clock& clock) {
  auto address = normalise_email(email);
  if (!address) return std::move(address).error();
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto owner = is_owner(c, owner_id, organisation_id);
    if (!owner) return std::move(owner).error();
    if (!*owner) return no_such_organisation();
    auto user = c.query("SELECT id FROM users WHERE email = ? AND email_verified_at IS NOT NULL", {*address});
    if (!user) return std::move(user).error();
    if (user->empty()) {
      return make_error(Errc::no_such_person, "no verified account uses this address");
    }
    const std::int64_t user_id = user->rows[0].integer(0);
    if (role != OrganisationRole::owner) {
      auto last = last_owner(c, organisation_id, user_id);
      if (!last) return std::move(last).error();
      if (*last) return make_error(Errc::last_owner, "an organisation keeps at least one owner");
    }
    const std::int64_t now = to_unix_micros(clock.now());
    auto updated = c.execute("UPDATE organisation_members SET role = ? WHERE organisation_id = ? AND user_id = ?",
                             {std::string(to_string(role)), organisation_id, user_id});
    if (!updated) return std::move(updated).error();
    if (*updated == 0) {
      auto inserted =
          c.execute("INSERT INTO organisation_members (organisation_id, user_id, role, added_at) VALUES (?, ?, ?, ?)",
                    {organisation_id, user_id, std::string(to_string(role)), now});
      if (!inserted) return std::move(inserted).error();
    }
    return audit(c, owner_id, "organisation.member_set", organisation_id,
                 {{"user", user_id}, {"role", to_string(role)}}, clock);
  });
}

Result<void> remove_member(storage::Database& db, std::int64_t owner_id, std::int64_t organisation_id,
                           std::int64_t user_id, const Clock& clock) {
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto owner = is_owner(c, owner_id, organisation_id);
    if (!owner) return std::move(owner).error();
    if (!*owner) return no_such_organisation();
    auto last = last_owner(c, organisation_id, user_id);
    if (!last) return std::move(last).error();
    if (*last) return make_error(Errc::last_owner, "an organisation keeps at least one owner");
    auto removed = c.execute("DELETE FROM organisation_members WHERE organisation_id = ? AND user_id = ?",
                             {organisation_id, user_id});
    if (!removed) return std::move(removed).error();
    if (*removed == 0) return make_error(Errc::no_such_member, "no such member");
    // Sessions acting for the organisation go back to acting for their person.
    auto sessions = c.execute("UPDATE sessions SET acting_for = NULL WHERE user_id = ? AND acting_for = ?",
                              {user_id, organisation_id});
    if (!sessions) return std::move(sessions).error();
    return audit(c, owner_id, "organisation.member_removed", organisation_id, {{"user", user_id}}, clock);
  });
}

Result<void> act_for(storage::Database& db, std::int64_t user_id, std::int64_t session_id,
                     std::optional<std::int64_t> organisation_id, const Clock& clock) {
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    if (organisation_id) {
      auto member = c.query("SELECT 1 FROM organisation_members WHERE organisation_id = ? AND user_id = ?",
                            {*organisation_id, user_id});
      if (!member) return std::move(member).error();
      if (member->empty()) return no_such_organisation();
    }
    auto updated =
        c.execute("UPDATE sessions SET acting_for = ? WHERE id = ? AND user_id = ?",
                  {organisation_id ? storage::Value(*organisation_id) : storage::Value(nullptr), session_id, user_id});
    if (!updated) return std::move(updated).error();
    auto recorded = record_audit(
        c,
        AuditEvent{"user:" + std::to_string(user_id), "session.acting_for", "session:" + std::to_string(session_id),
                   organisation_id ? boost::json::serialize(boost::json::object{{"organisation", *organisation_id}})
                                   : std::string("{}")},
        clock);
    if (!recorded) return std::move(recorded).error();
    return {};
  });
}

Result<std::optional<Membership>> acting_for(storage::Database& db, std::int64_t session_id) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows = (*connection)
                  ->query(std::string("SELECT ") + kMembershipColumns +
                              " FROM sessions s JOIN organisation_members m ON m.organisation_id = s.acting_for AND "
                              "m.user_id = s.user_id JOIN organisations o ON o.id = m.organisation_id WHERE s.id = ?",
                          {session_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<Membership>();
  return std::optional<Membership>(membership_from(rows->rows[0]));
}

}  // namespace guichet::identity
