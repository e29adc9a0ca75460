#pragma once
// Business accounts: an organisation is known by its national registration number (France: SIREN,
// Portugal: NIPC, Vietnam: MST), and the persons who may act for it hold a role in it. A session
// acts either for its person or for one of their organisations.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::identity {

enum class OrganisationRole { owner, representative, staff };
std::string_view to_string(OrganisationRole role);
std::optional<OrganisationRole> parse_organisation_role(std::string_view text);

// The number with spaces, dots and dashes removed when it is well formed for the country (check
// digits included), or an invalid_input error `registration_number_invalid`.
//  FR: SIREN, 9 digits, Luhn.  PT: NIPC, 9 digits starting 5, 6, 8 or 9, mod-11 check digit.
//  VN: MST, 10 digits with a weighted mod-11 check digit, or 13 for a branch (10 + 3 digits).
Result<std::string> normalise_registration_number(std::string_view country, std::string_view number);

struct Organisation {
  std::int64_t id = 0;
  std::string country;
  std::string registration_number;
  std::string name;
};

struct Membership {
  Organisation organisation;
  OrganisationRole role = OrganisationRole::staff;
};

// Declares an organisation with its creator as owner; audited. A number already declared is a
// conflict (the owner adds further persons).
Result<Organisation> create_organisation(storage::Database& db, std::int64_t creator_id, std::string_view country,
                                         std::string_view number, std::string_view name, const Clock& clock);
Result<std::vector<Membership>> memberships_of(storage::Database& db, std::int64_t user_id);

struct Member {
  std::int64_t user_id = 0;
  std::string email;
  OrganisationRole role = OrganisationRole::staff;
};
// The members, for an owner of the organisation only (anyone else: not_found).
Result<std::vector<Member>> members_of(storage::Database& db, std::int64_t owner_id, std::int64_t organisation_id);
// An owner adds (or changes the role of) a person by address, or removes one; audited. The last
// owner cannot be removed or demoted.
Result<void> set_member(storage::Database& db, std::int64_t owner_id, std::int64_t organisation_id,
                        std::string_view email, OrganisationRole role, const Clock& clock);
Result<void> remove_member(storage::Database& db, std::int64_t owner_id, std::int64_t organisation_id,
                           std::int64_t user_id, const Clock& clock);

// Switches the session to act for an organisation the person belongs to, or for themselves
// (nullopt); audited.
Result<void> act_for(storage::Database& db, std::int64_t user_id, std::int64_t session_id,
                     std::optional<std::int64_t> organisation_id, const Clock& clock);
// The organisation the session acts for, while the person still belongs to it.
Result<std::optional<Membership>> acting_for(storage::Database& db, std::int64_t session_id);
// The person's membership of an organisation, if any.
Result<std::optional<Membership>> membership(storage::Database& db, std::int64_t user_id, std::int64_t organisation_id);
// The same on a connection the caller holds (inside its transaction or read snapshot).
Result<std::optional<Membership>> membership(storage::Connection& c, std::int64_t user_id,
                                             std::int64_t organisation_id);

}  // namespace guichet::identity
