#pragma once
// Brute-force protection for sign-in, on by default: after a few failures an account, or a client
// address, must wait before the next attempt, and each further failure doubles the wait. The
// e-mailed reset link is never throttled here, so an attacker cannot lock the real person out.
#include <chrono>
#include <cstdint>
#include <string>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::identity {

struct ThrottlePolicy {
  int free_account_failures = 5;   // before the first wait, per account
  int free_address_failures = 20;  // per client address, across accounts
  std::chrono::seconds first_wait{30};
  std::chrono::seconds longest_wait{std::chrono::minutes(15)};
  std::chrono::hours forget_after{24};  // failures older than this no longer count
};

// The wait still to run for this account or address; zero when an attempt may go ahead.
Result<std::chrono::seconds> sign_in_wait(storage::Database& db, std::string_view account, std::string_view address,
                                          const Clock& clock, const ThrottlePolicy& policy = {});
Result<void> record_sign_in_failure(storage::Database& db, std::string_view account, std::string_view address,
                                    const Clock& clock, const ThrottlePolicy& policy = {});
// After a successful sign-in or a password reset: the account starts afresh.
Result<void> clear_account_failures(storage::Connection& transaction, std::string_view account);

}  // namespace guichet::identity
