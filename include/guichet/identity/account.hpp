#pragma once
// What a signed-in person does with their own account: change the password, download what is
// held about them, delete the account.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/jobs/email.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::identity {

struct StoredCredentials {
  std::string email;
  std::string hash;
};
// The current password, with the same throttling as sign-in, so forms that ask for it again are
// no side door: a wrong one is `wrong_password`, too many are `sign_in_throttled`.
Result<StoredCredentials> confirm_password(storage::Database& db, std::int64_t user_id, std::string_view password,
                                           std::string_view remote_address, const Clock& clock);

// Checks the current password (a failure counts towards throttling like a failed sign-in),
// applies the password rules, ends the account's other sessions, e-mails the person through the
// outbox and records `password.changed`.
Result<void> change_password(storage::Database& db, std::int64_t user_id, std::int64_t current_session_id,
                             std::string_view current_password, std::string_view new_password,
                             std::string_view remote_address,
                             const std::function<jobs::EmailMessage(const std::string& to)>& notice,
                             const Clock& clock);

// A part of the person's data that another module holds (its tables, its query), as JSON; the
// export names it. Modules that identity does not link (oidc's consents, later procedures) give
// theirs through app.
using PersonalDataSection = std::function<Result<std::string>(std::int64_t user_id)>;
using PersonalDataSections = std::vector<std::pair<std::string, PersonalDataSection>>;

// Everything held about the person, as a JSON document: the account, its sessions, the audit
// events about it, and each of `others` under its name.
Result<std::string> export_personal_data(storage::Database& db, std::int64_t user_id, const Clock& clock,
                                         const PersonalDataSections& others = {});

// Deletes the account after checking its password; sessions and links go with it (foreign keys).
// The audit log keeps `user.deleted` with the account number only.
Result<void> delete_account(storage::Database& db, std::int64_t user_id, std::string_view password,
                            std::string_view remote_address, const Clock& clock);

}  // namespace guichet::identity
