#pragma once
// Server-side sessions: an opaque random token in an HttpOnly SameSite=Lax cookie, its hash in
// the database (so every node sees every session), an idle and an absolute expiry.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/jobs/email.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::identity {

struct SessionPolicy {
  std::chrono::minutes idle{30};
  std::chrono::hours absolute{12};
  // last_seen_at is written at most this often, so browsing does not write on every request.
  std::chrono::seconds touch_every{60};
};

struct SessionInfo {
  std::int64_t session_id = 0;
  User user;
  Instant created_at;
  Instant last_seen_at;
  std::string user_agent;
  std::string remote_address;
};

// Checks the password (in constant work whether or not the address exists), then opens a session
// and records `session.started`; a wrong password records `sign_in.failed`. Returns the token for
// the cookie.
struct SignIn {
  std::string token;
  SessionInfo session;
};
// When the account has signed in before but never from this device (browser signature), the
// person gets `new_device_notice` by e-mail, in the same transaction as the session.
using NewDeviceNotice =
    std::function<jobs::EmailMessage(const std::string& to, const std::string& device, const std::string& address)>;
Result<SignIn> sign_in(storage::Database& db, std::string_view email, std::string_view password,
                       std::string_view user_agent, std::string_view remote_address, const Clock& clock,
                       const SessionPolicy& policy = {}, const NewDeviceNotice& new_device_notice = {});

// The live session of a cookie token, or nothing when unknown, ended or expired.
Result<std::optional<SessionInfo>> resolve_session(storage::Database& db, std::string_view token, const Clock& clock,
                                                   const SessionPolicy& policy = {});

// Ends one of the user's sessions (their own only) and records `session.ended`.
Result<void> end_session(storage::Database& db, std::int64_t user_id, std::int64_t session_id, const Clock& clock);
Result<std::vector<SessionInfo>> active_sessions(storage::Database& db, std::int64_t user_id, const Clock& clock,
                                                 const SessionPolicy& policy = {});

}  // namespace guichet::identity
