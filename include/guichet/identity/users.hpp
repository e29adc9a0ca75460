#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::identity {

enum class AssuranceLevel { low, substantial, high };
std::string_view to_string(AssuranceLevel level);
std::optional<AssuranceLevel> parse_assurance_level(std::string_view text);

struct NewUser {
  std::string email;
  std::string password;
  bool email_verified = false;
  AssuranceLevel level = AssuranceLevel::low;
  std::string actor = "system";  // who creates it, for the audit log
};

struct User {
  std::int64_t id = 0;
  std::string email;
  bool email_verified = false;
  AssuranceLevel level = AssuranceLevel::low;
  Instant created_at;
};

// What the account says of the person, for the claims a relying party was granted: the address,
// and the attributes an identity check recorded or the person declared; nullopt where unknown.
struct PersonAttributes {
  std::string email;
  bool email_verified = false;
  std::optional<std::string> given_name;
  std::optional<std::string> family_name;
  std::optional<std::string> birthdate;  // YYYY-MM-DD
  std::optional<std::string> birthplace;
  std::optional<std::string> gender;
  std::optional<std::string> phone_number;  // declared, not checked
  std::optional<std::string> address;       // a JSON object (OpenID Connect's address claim)
  std::optional<std::string> national_id;   // "PT:123456789", recorded by an identity verifier
  std::int64_t updated_at_us = 0;           // when the account's record last changed
};
// nullopt when the account no longer exists. On the caller's connection.
Result<std::optional<PersonAttributes>> person_attributes(storage::Connection& c, std::int64_t user_id);

// Accounts whose identity carries a national identification number, by id after `after_id`, at
// most `limit`: (id, "PT:123456789"). For the exchange module's benefits, on the caller's connection.
Result<std::vector<std::pair<std::int64_t, std::string>>> people_with_national_id(storage::Connection& c,
                                                                                  std::int64_t after_id,
                                                                                  std::int64_t limit);

// The addresses of these accounts, by id (accounts that no longer exist are left out); on the
// caller's connection, for pages and messages of other modules that name people.
Result<std::map<std::int64_t, std::string>> emails_of(storage::Connection& c, const std::set<std::int64_t>& ids);
Result<std::optional<std::string>> email_of(storage::Connection& c, std::int64_t user_id);
// The language the person last signed in with (fr, pt, vi or en), or nothing before their first
// sign-in: for messages sent to them unasked. On the caller's connection.
Result<std::optional<std::string>> language_of(storage::Connection& c, std::int64_t user_id);
// Whether `language` is one of the site's four.
bool is_site_language(std::string_view language);
// Holds the account's row until the caller's transaction ends (PostgreSQL: SELECT ... FOR
// UPDATE; SQLite's writer lock already serialises writers), so that one person's acts that check
// a limit run one at a time. False when the account does not exist.
Result<bool> hold_account(storage::Connection& c, std::int64_t user_id);

// Lowercased and trimmed, or an error when it is not a plausible address.
Result<std::string> normalise_email(std::string_view email);

// Validates the address and the password (NIST rules), hashes it with argon2id and records
// `user.created` in the audit log, all in one transaction. An address already taken is a conflict.
Result<User> create_user(storage::Database& db, const NewUser& user, const Clock& clock);
Result<std::optional<User>> find_user_by_email(storage::Database& db, std::string_view email);
Result<std::optional<User>> find_user(storage::Database& db, std::int64_t id);

// The account of a person an agent serves on the phone or at the desk: the existing one, or a new
// one without a password (the person can set one with "forgot password" and the e-mail sent to
// them). Recorded as `user.created` by `actor`.
// The same on the caller's transaction (a booking's, so that a refused booking makes no account).
Result<User> account_for_caller(storage::Connection& transaction, std::string_view email, const std::string& actor,
                                const Clock& clock);
Result<User> account_for_caller(storage::Database& db, std::string_view email, const std::string& actor,
                                const Clock& clock);

}  // namespace guichet::identity
