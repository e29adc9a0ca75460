#pragma once
// Limits on every act that sends mail or hashes a password (registrations, password reset
// requests, address changes), counted in the database so every node shares them: per client
// address, per account, and per recipient whatever the source, so nobody floods an inbox or the
// password-hashing pool. Fixed windows; an act past any of its limits is refused whole (nothing
// counted) with how long to wait, which pages answer with 429 and Retry-After.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::identity {

struct Allowance {
  std::string key;  // "register:address:203.0.113.9", "mail:to:ana@example.org"
  int max = 0;      // acts within one window
  std::chrono::seconds window{std::chrono::hours(1)};
};

struct MailLimits {
  int registrations_per_address = 10;  // an hour
  int resets_per_address = 10;         // an hour
  int mails_per_recipient = 5;         // an hour, whatever sends them
  int email_changes_per_account = 5;   // an hour
};

// Counts one act under every allowance, or none when one is spent: then the wait until the
// window that refused ends (nullopt: go ahead).
Result<std::optional<std::chrono::seconds>> take_allowances(storage::Database& db,
                                                            const std::vector<Allowance>& allowances,
                                                            const Clock& clock);

// The allowances of each act, from the client's address and the recipient's address (as typed:
// it is normalised here; an address that is not one counts under its raw text).
std::vector<Allowance> registration_allowances(const MailLimits& limits, std::string_view client_address,
                                               std::string_view recipient);
std::vector<Allowance> reset_allowances(const MailLimits& limits, std::string_view client_address,
                                        std::string_view recipient);
std::vector<Allowance> email_change_allowances(const MailLimits& limits, std::int64_t user_id,
                                               std::string_view recipient);

}  // namespace guichet::identity
