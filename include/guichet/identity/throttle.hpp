#pragma once
// Brute-force protection for sign-in, on by default: after a few failures an account, or a client
// address, must wait before the next attempt, and each further failure doubles the wait. The
// e-mailed reset link is never throttled here, so an attacker cannot lock the real person out.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

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

// Who is trying: the account, the client's address, and the device token hash when the browser
// presented a device cookie this account set (a trusted device), else empty.
struct SignInAttempt {
  std::string account;
  std::string address;
  std::string trusted_device;
};
// The wait still to run for this attempt; zero when it may go ahead. Counted under the
// (account, address) pair and the address always; under the account for an untrusted client,
// under the device for a trusted one — so a stranger's failures, which lock the account for
// untrusted clients, never lock the owner's own browser out.
Result<std::chrono::seconds> sign_in_wait(storage::Database& db, const SignInAttempt& attempt, const Clock& clock,
                                          const ThrottlePolicy& policy = {});
Result<void> record_sign_in_failure(storage::Database& db, const SignInAttempt& attempt, const Clock& clock,
                                    const ThrottlePolicy& policy = {});
// The same for an attempt without a device cookie (second-factor codes, the current password on
// the account page: the person is signed in already).
inline Result<std::chrono::seconds> sign_in_wait(storage::Database& db, std::string_view account,
                                                 std::string_view address, const Clock& clock) {
  return sign_in_wait(db, SignInAttempt{std::string(account), std::string(address), ""}, clock);
}
inline Result<void> record_sign_in_failure(storage::Database& db, std::string_view account, std::string_view address,
                                           const Clock& clock) {
  return record_sign_in_failure(db, SignInAttempt{std::string(account), std::string(address), ""}, clock);
}
// After a successful sign-in or a password reset: the account starts afresh.
Result<void> clear_account_failures(storage::Connection& transaction, std::string_view account);

}  // namespace guichet::identity
