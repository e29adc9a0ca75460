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
  std::chrono::minutes second_factor_grace{5};
};

struct SessionInfo {
  std::int64_t session_id = 0;
  User user;
  Instant created_at;
  Instant last_seen_at;
  std::string user_agent;
  std::string remote_address;
  // Opened by a password on an account with a second factor, and not yet completed by a code: it
  // signs no one in and lapses after SessionPolicy::second_factor_grace.
  bool pending_second_factor = false;
  std::optional<Instant> second_factor_at;  // when the second factor was last proved here
  std::string second_factor_method;         // "otp" or "recovery"
  std::optional<std::int64_t> acting_for;   // the organisation this session acts for, if any
  bool has_roles = false;                   // holds a staff role (resolve_session only)
};

// What a session proves, as OpenID Connect states it: `acr` is "low" for a password alone,
// "substantial" with a second factor, "high" with a second factor on an identity verified in
// person; `auth_time` is when the oldest factor counted in `acr` was proved, so that a relying
// party's max_age covers every factor; `amr` lists the methods (RFC 8176).
struct Authentication {
  AssuranceLevel acr = AssuranceLevel::low;
  Instant auth_time;
  std::vector<std::string> amr;
};
Authentication authentication_of(const SessionInfo& session);

// Checks the password (in constant work whether or not the address exists), then opens a session
// and records `session.started` (a pending session when the account has a second factor); a wrong password records
// `sign_in.failed`. Returns the token for the cookie.
struct SignIn {
  std::string token;
  SessionInfo session;
  std::string device_token;  // for the device cookie (a new one, or the one presented, kept)
};
// When the account has signed in before but never from this device (browser signature), the
// person gets `new_device_notice` by e-mail, in the same transaction as the session. `language`
// (fr, pt, vi or en: the page's) is remembered as the account's, for messages sent later unasked.
// `device_token`, the device cookie a successful sign-in set in this browser, lets its holder past
// the per-account throttle a stranger's failures may have set (throttle.hpp).
using NewDeviceNotice =
    std::function<jobs::EmailMessage(const std::string& to, const std::string& device, const std::string& address)>;
Result<SignIn> sign_in(storage::Database& db, std::string_view email, std::string_view password,
                       std::string_view user_agent, std::string_view remote_address, const Clock& clock,
                       const SessionPolicy& policy = {}, const NewDeviceNotice& new_device_notice = {},
                       std::string_view language = {}, std::string_view device_token = {});
// How long a device cookie lives, and how many devices an account keeps trusted (the least
// recently used go first).
inline constexpr std::chrono::days kTrustedDeviceLifetime{365};
inline constexpr int kTrustedDevicesPerAccount = 20;

// The live session of a cookie token, or nothing when unknown, ended or expired.
Result<std::optional<SessionInfo>> resolve_session(storage::Database& db, std::string_view token, const Clock& clock,
                                                   const SessionPolicy& policy = {});

// Whether a session still stands for what was granted under it (OpenID Connect tokens bound to
// it): it exists, has not ended and is before its absolute expiry. Idle expiry does not end them;
// relying parties refresh without the browser. On the caller's connection, inside its
// transaction or read snapshot.
Result<bool> session_stands(storage::Connection& c, std::int64_t session_id, Instant now);

// Ends one of the user's sessions (their own only) and records `session.ended`.
Result<void> end_session(storage::Database& db, std::int64_t user_id, std::int64_t session_id, const Clock& clock);
Result<std::vector<SessionInfo>> active_sessions(storage::Database& db, std::int64_t user_id, const Clock& clock,
                                                 const SessionPolicy& policy = {});

}  // namespace guichet::identity
