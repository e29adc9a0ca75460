#pragma once
// Self-service registration with e-mail verification. The account, its single-use link and the
// e-mail carrying it are written in one transaction (the e-mail goes out through the outbox).
#include <chrono>
#include <functional>
#include <string>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/jobs/email.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::identity {

struct RegistrationMail {
  // Builds the message for a link, in the person's language: the verification link for a new
  // account, or a warning for an address that already has one.
  std::function<jobs::EmailMessage(const std::string& to, const std::string& link)> verify;
  std::function<jobs::EmailMessage(const std::string& to, const std::string& sign_in_link)> already_registered;
};

inline constexpr std::chrono::hours kVerificationLifetime{24};
// An address nobody confirmed within this time is no one's: the unverified account's password is
// cleared and its links die (the account stays, with anything an agent booked for it).
inline constexpr std::chrono::hours kUnverifiedAccountLifetime{24 * 7};

// Validates the address and password. A new address gets an unverified account and a verification
// e-mail; an address whose account is verified gets an e-mail saying so instead, and the caller
// answers both alike, so registration does not reveal who has an account. An address whose
// account is not verified yet starts over: the new password replaces the old one and only the new
// link works, so nobody can hold an address against its owner by registering it first.
// `return_path` (a local path, checked by the caller): where the person was going when they
// registered — a booking being confirmed — carried in the verification link so that signing in
// after it leads back there.
Result<void> register_account(storage::Database& db, std::string_view email, std::string_view password,
                              const std::string& public_url, const RegistrationMail& mail, const Clock& clock,
                              std::string_view return_path = {});

// Clears the password and voids the links of unverified accounts untouched for
// kUnverifiedAccountLifetime (at most `limit` per call); returns how many. Run hourly by the job
// below, on whichever node takes it.
Result<std::int64_t> expire_unverified_accounts(storage::Database& db, const Clock& clock, int limit = 500);
inline constexpr const char* kExpireUnverifiedJobKind = "identity.expire_unverified";
// Queues the next hourly run (once across nodes: the job's key is its hour).
Result<void> schedule_unverified_expiry(storage::Database& db, const Clock& clock);

inline constexpr std::chrono::minutes kResetLifetime{30};

struct ResetMail {
  std::function<jobs::EmailMessage(const std::string& to, const std::string& link)> reset;
  std::function<jobs::EmailMessage(const std::string& to)> password_changed;
};

// Sends a single-use reset link (30 minutes) to an address with an account that has a password or
// is verified; does nothing visible otherwise, so the caller answers every address alike. Using
// the link also verifies the address: the person has just shown they read its mail.
Result<void> request_password_reset(storage::Database& db, std::string_view email, const std::string& public_url,
                                    const ResetMail& mail, const Clock& clock);
// True when the reset link can still be used (to show the form, or a clear error instead).
Result<bool> reset_link_usable(storage::Database& db, std::string_view token, const Clock& clock);
// Sets the new password, uses up the link, ends every session of the account and e-mails the
// person that their password changed.
Result<void> reset_password(storage::Database& db, std::string_view token, std::string_view new_password,
                            const ResetMail& mail, const Clock& clock);

// Marks the address verified and the link used. Unknown, used and expired links are refused alike.
// Called from the POST of the page the link opens, never from the link's GET, so a mail scanner
// fetching the link verifies nothing.
Result<void> verify_email(storage::Database& db, std::string_view token, const Clock& clock);
// True when a verification link can still be used (its page then shows the button).
Result<bool> verification_link_usable(storage::Database& db, std::string_view token, const Clock& clock);

struct EmailChangeMail {
  // To the new address: the confirmation link, or (when it already has an account) a warning.
  std::function<jobs::EmailMessage(const std::string& to, const std::string& link)> confirm;
  std::function<jobs::EmailMessage(const std::string& to, const std::string& sign_in_link)> already_registered;
  // To the old address: a change was asked for; the change was made.
  std::function<jobs::EmailMessage(const std::string& to)> requested;
  std::function<jobs::EmailMessage(const std::string& to, const std::string& new_address)> changed;
};

// Checks the current password (throttled like sign-in), then sends a 24-hour single-use link to the
// new address and a notice to the old one. An address that already has an account gets a warning
// instead, and the caller answers alike, so the form reveals nothing about other accounts.
Result<void> request_email_change(storage::Database& db, std::int64_t user_id, std::string_view password,
                                  std::string_view new_email, std::string_view remote_address,
                                  const std::string& public_url, const EmailChangeMail& mail, const Clock& clock);
// Uses the link: the account takes the new, now verified, address; `email.changed` is audited and
// the old address is told. Unknown, used and expired links are refused alike (`link_invalid`).
Result<void> confirm_email_change(storage::Database& db, std::string_view token, const EmailChangeMail& mail,
                                  const Clock& clock);

}  // namespace guichet::identity
