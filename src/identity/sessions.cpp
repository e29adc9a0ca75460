#include "guichet/identity/sessions.hpp"

#include <mutex>

#include "guichet/core/digest.hpp"
#include "guichet/core/random.hpp"
#include "guichet/core/utf8.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/errors.hpp"
#include "guichet/identity/passwords.hpp"
#include "guichet/identity/throttle.hpp"

namespace guichet::identity {
namespace {

Error bad_credentials() { return make_error(Errc::bad_credentials, "the e-mail address or the password is wrong"); }

// Checked when the address is unknown, so that a wrong address costs as much as a wrong password
// and response times do not reveal which addresses have accounts.
// Made once, on the compute pool like every hash; if the pool refuses (its queue is full), the
// sign-in is refused with the same 503 and the next one tries again.
Result<std::string> dummy_hash() {
  static std::mutex mutex;
  static std::string hash;
  std::lock_guard lock(mutex);
  if (hash.empty()) {
    auto made = hash_password("no account has this password, it only spends time");
    if (!made) return std::move(made).error();
    hash = std::move(*made);
  }
  return hash;
}

std::int64_t micros(std::chrono::microseconds d) { return d.count(); }

constexpr const char* kSessionColumns =
    "s.id, s.created_at, s.last_seen_at, s.user_agent, s.remote_address, u.id, u.email, u.email_verified_at, "
    "u.assurance_level, u.created_at, s.pending_second_factor, s.second_factor_at, s.second_factor_method, "
    "s.acting_for";

SessionInfo session_from_row(const storage::Row& row) {
  SessionInfo info;
  info.session_id = row.integer(0);
  info.created_at = from_unix_micros(row.integer(1));
  info.last_seen_at = from_unix_micros(row.integer(2));
  info.user_agent = row.text(3);
  info.remote_address = row.text(4);
  info.user = User{row.integer(5), row.text(6), !row.is_null(7),
                   parse_assurance_level(row.text(8)).value_or(AssuranceLevel::low), from_unix_micros(row.integer(9))};
  info.pending_second_factor = row.integer(10) != 0;
  if (!row.is_null(11)) info.second_factor_at = from_unix_micros(row.integer(11));
  if (!row.is_null(12)) info.second_factor_method = row.text(12);
  if (!row.is_null(13)) info.acting_for = row.integer(13);
  return info;
}

Result<void> record_failure(storage::Database& db, const std::string& subject, const Clock& clock) {
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto recorded = record_audit(c, AuditEvent{"anonymous", "sign_in.failed", subject, "{}"}, clock);
    if (!recorded) return std::move(recorded).error();
    return {};
  });
}

// The device cookie's hash when it is one this account's sign-in set and it has not aged out;
// empty otherwise.
Result<std::string> trusted_device(storage::Database& db, std::string_view token, const std::string& email,
                                   Instant now) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  const std::string hash = sha256_hex(token);
  auto rows = (*connection)
                  ->query(
                      "SELECT d.token_hash, d.last_used_at FROM trusted_devices d JOIN users u ON u.id = d.user_id "
                      "WHERE d.token_hash = ? AND u.email = ?",
                      {hash, email});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::string();
  if (from_unix_micros(rows->rows[0].integer(1)) + kTrustedDeviceLifetime < now) return std::string();
  return hash;
}

}  // namespace

Result<SignIn> sign_in(storage::Database& db, std::string_view email, std::string_view password,
                       std::string_view user_agent, std::string_view remote_address, const Clock& clock,
                       const SessionPolicy& policy, const NewDeviceNotice& new_device_notice, std::string_view language,
                       std::string_view device_token) {
  auto address = normalise_email(email);
  const std::string account = address ? *address : std::string(email);
  SignInAttempt attempt{account, std::string(remote_address), ""};
  if (!device_token.empty() && device_token.size() <= 128 && address) {
    auto trusted = trusted_device(db, device_token, *address, clock.now());
    if (!trusted) return std::move(trusted).error();
    attempt.trusted_device = *trusted;
  }
  // Throttled before the password is even looked at: a waiting attacker learns nothing.
  auto wait = sign_in_wait(db, attempt, clock);
  if (!wait) return std::move(wait).error();
  if (wait->count() > 0) {
    return make_error(Errc::sign_in_throttled, "too many failed attempts; wait " + std::to_string(wait->count()) +
                                                   " seconds or reset your password by e-mail");
  }
  std::optional<storage::Row> row;
  if (address) {
    auto connection = db.acquire();
    if (!connection) return std::move(connection).error();
    auto rows = (*connection)
                    ->query(
                        "SELECT id, email, email_verified_at, assurance_level, created_at, password_hash FROM users "
                        "WHERE email = ?",
                        {*address});
    if (!rows) return std::move(rows).error();
    if (!rows->empty()) row = rows->rows[0];
  }
  if (!row || row->is_null(5)) {
    auto dummy = dummy_hash();
    if (!dummy) return std::move(dummy).error();
    if (auto spent = verify_password(password, *dummy); !spent) return std::move(spent).error();
    if (auto throttled = record_sign_in_failure(db, attempt, clock); !throttled) {
      return std::move(throttled).error();
    }
    if (auto recorded = record_failure(db, "email:" + (address ? *address : std::string("invalid")), clock);
        !recorded) {
      return std::move(recorded).error();
    }
    return bad_credentials();
  }
  User user{row->integer(0), row->text(1), !row->is_null(2),
            parse_assurance_level(row->text(3)).value_or(AssuranceLevel::low), from_unix_micros(row->integer(4))};
  std::string stored_hash = row->text(5);
  auto matches = verify_password(password, stored_hash);
  if (!matches) return std::move(matches).error();
  if (!*matches) {
    if (auto throttled = record_sign_in_failure(db, attempt, clock); !throttled) {
      return std::move(throttled).error();
    }
    if (auto recorded = record_failure(db, "user:" + std::to_string(user.id), clock); !recorded) {
      return std::move(recorded).error();
    }
    return bad_credentials();
  }
  if (!user.email_verified) {
    return make_error(Errc::email_unverified, "confirm your e-mail address before signing in");
  }
  std::optional<std::string> upgraded;
  if (password_needs_rehash(stored_hash)) {
    if (auto rehashed = hash_password(password)) upgraded = *rehashed;
  }

  std::string token = random_token(32);
  return db.transaction([&](storage::Connection& c) -> Result<SignIn> {
    std::int64_t now = to_unix_micros(clock.now());
    std::int64_t absolute = now + micros(policy.absolute);
    // Kept as sent, but readable: invalid bytes replaced, cut at a character's end.
    const std::string device = valid_utf8(user_agent, 256);
    if (new_device_notice) {
      auto seen =
          c.query("SELECT COUNT(*), SUM(CASE WHEN user_agent = ? THEN 1 ELSE 0 END) FROM sessions WHERE user_id = ?",
                  {device, user.id});
      if (!seen) return std::move(seen).error();
      if (seen->rows[0].integer(0) > 0 && seen->rows[0].integer(1) == 0) {
        auto sent = jobs::enqueue_email(c, new_device_notice(user.email, device, std::string(remote_address)), clock,
                                        std::nullopt, jobs::JobPriority::urgent);
        if (!sent) return std::move(sent).error();
      }
    }
    auto second_factor =
        c.query("SELECT 1 FROM totp_credentials WHERE user_id = ? AND confirmed_at IS NOT NULL", {user.id});
    if (!second_factor) return std::move(second_factor).error();
    const bool pending = !second_factor->empty();
    auto inserted = c.query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, absolute_expires_at, user_agent, "
        "remote_address, pending_second_factor) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        {sha256_hex(token), user.id, now, now, absolute, device, std::string(remote_address),
         std::int64_t{pending ? 1 : 0}});
    if (!inserted) return std::move(inserted).error();
    if (auto cleared = clear_account_failures(c, account); !cleared) return std::move(cleared).error();
    // This browser is the person's from now on (or again): its device cookie, kept a year.
    std::string device_cookie(device_token);
    if (!attempt.trusted_device.empty()) {
      auto used =
          c.execute("UPDATE trusted_devices SET last_used_at = ? WHERE token_hash = ?", {now, attempt.trusted_device});
      if (!used) return std::move(used).error();
      auto forgiven = c.execute("DELETE FROM sign_in_throttle WHERE key = ?", {"device:" + attempt.trusted_device});
      if (!forgiven) return std::move(forgiven).error();
    } else {
      device_cookie = random_token(32);
      auto trusted =
          c.execute("INSERT INTO trusted_devices (token_hash, user_id, created_at, last_used_at) VALUES (?, ?, ?, ?)",
                    {sha256_hex(device_cookie), user.id, now, now});
      if (!trusted) return std::move(trusted).error();
      auto oldest = c.execute(
          "DELETE FROM trusted_devices WHERE user_id = ? AND token_hash NOT IN (SELECT token_hash FROM "
          "trusted_devices WHERE user_id = ? ORDER BY last_used_at DESC, token_hash LIMIT ?)",
          {user.id, user.id, std::int64_t{kTrustedDevicesPerAccount}});
      if (!oldest) return std::move(oldest).error();
    }
    if (upgraded) {
      auto updated =
          c.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", {*upgraded, now, user.id});
      if (!updated) return std::move(updated).error();
    }
    if (is_site_language(language)) {
      auto remembered = c.execute("UPDATE users SET language = ? WHERE id = ? AND (language IS NULL OR language <> ?)",
                                  {std::string(language), user.id, std::string(language)});
      if (!remembered) return std::move(remembered).error();
    }
    SignIn result{token,
                  SessionInfo{inserted->rows.at(0).integer(0), user, from_unix_micros(now), from_unix_micros(now),
                              device, std::string(remote_address), pending, std::nullopt, "", std::nullopt},
                  device_cookie};
    auto audited = record_audit(c,
                                AuditEvent{"user:" + std::to_string(user.id), "session.started",
                                           "session:" + std::to_string(result.session.session_id),
                                           pending ? "{\"pending_second_factor\":true}" : "{}"},
                                clock);
    if (!audited) return std::move(audited).error();
    return result;
  });
}

Authentication authentication_of(const SessionInfo& session) {
  Authentication result;
  result.auth_time = session.created_at;
  result.amr = {"pwd"};
  if (session.second_factor_at && !session.pending_second_factor) {
    result.acr = session.user.level == AssuranceLevel::high ? AssuranceLevel::high : AssuranceLevel::substantial;
    result.amr.emplace_back("otp");  // a TOTP code or a single-use recovery code
    result.amr.emplace_back("mfa");
    // The oldest factor counted: a step-up does not make an old password look fresh.
    result.auth_time = std::min(session.created_at, *session.second_factor_at);
  }
  return result;
}

Result<std::optional<SessionInfo>> resolve_session(storage::Database& db, std::string_view token, const Clock& clock,
                                                   const SessionPolicy& policy) {
  if (token.size() != 43) return std::optional<SessionInfo>();
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  std::int64_t now = to_unix_micros(clock.now());
  auto rows = (*connection)
                  ->query(std::string("SELECT ") + kSessionColumns +
                              ", s.absolute_expires_at, s.created_at, EXISTS (SELECT 1 FROM user_roles r WHERE "
                              "r.user_id = u.id) FROM sessions s JOIN users u ON u.id = s.user_id WHERE "
                              "s.token_hash = ? AND s.ended_at IS NULL",
                          {sha256_hex(token)});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<SessionInfo>();
  const storage::Row& row = rows->rows[0];
  SessionInfo info = session_from_row(row);
  info.has_roles = row.integer(16) != 0;
  std::int64_t last_seen = row.integer(2);
  if (now >= row.integer(14) || now - last_seen >= micros(policy.idle)) return std::optional<SessionInfo>();
  if (info.pending_second_factor && now - row.integer(15) >= micros(policy.second_factor_grace)) {
    return std::optional<SessionInfo>();
  }
  if (now - last_seen >= micros(policy.touch_every)) {
    auto touched = (*connection)->execute("UPDATE sessions SET last_seen_at = ? WHERE id = ?", {now, info.session_id});
    if (!touched) return std::move(touched).error();
    info.last_seen_at = from_unix_micros(now);
  }
  return std::optional<SessionInfo>(std::move(info));
}

Result<bool> session_stands(storage::Connection& c, std::int64_t session_id, Instant now) {
  auto rows = c.query("SELECT 1 FROM sessions WHERE id = ? AND ended_at IS NULL AND absolute_expires_at > ?",
                      {session_id, to_unix_micros(now)});
  if (!rows) return std::move(rows).error();
  return !rows->empty();
}

Result<void> end_session(storage::Database& db, std::int64_t user_id, std::int64_t session_id, const Clock& clock) {
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    std::int64_t now = to_unix_micros(clock.now());
    auto ended = c.execute("UPDATE sessions SET ended_at = ? WHERE id = ? AND user_id = ? AND ended_at IS NULL",
                           {now, session_id, user_id});
    if (!ended) return std::move(ended).error();
    // Someone else's session, or one already ended: the same answer, so ids reveal nothing.
    if (*ended == 0) return make_error(Errc::no_such_session, "no such session");
    auto audited = record_audit(
        c,
        AuditEvent{"user:" + std::to_string(user_id), "session.ended", "session:" + std::to_string(session_id), "{}"},
        clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

Result<std::vector<SessionInfo>> active_sessions(storage::Database& db, std::int64_t user_id, const Clock& clock,
                                                 const SessionPolicy& policy) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  std::int64_t now = to_unix_micros(clock.now());
  auto rows = (*connection)
                  ->query(std::string("SELECT ") + kSessionColumns +
                              " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.user_id = ? AND "
                              "s.ended_at IS NULL AND s.pending_second_factor = 0 AND s.absolute_expires_at > ? AND "
                              "s.last_seen_at > ? "
                              "ORDER BY s.last_seen_at DESC, s.id DESC",
                          {user_id, now, now - micros(policy.idle)});
  if (!rows) return std::move(rows).error();
  std::vector<SessionInfo> sessions;
  for (const auto& row : rows->rows) sessions.push_back(session_from_row(row));
  return sessions;
}

}  // namespace guichet::identity
