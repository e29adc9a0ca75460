#include "guichet/identity/registration.hpp"

#include "guichet/http/parsing.hpp"

#include <boost/json.hpp>

#include "guichet/core/digest.hpp"
#include "guichet/core/random.hpp"
#include "guichet/identity/account.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/errors.hpp"
#include "guichet/identity/passwords.hpp"
#include "guichet/identity/throttle.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/jobs/outbox.hpp"

namespace guichet::identity {

namespace {
// Stores a single-use link's hash and queues the e-mail carrying it, in the caller's transaction.
Result<void> send_link(storage::Connection& c, std::int64_t user_id, std::string_view purpose,
                       std::chrono::microseconds lifetime, const std::string& token, const jobs::EmailMessage& message,
                       const Clock& clock) {
  std::int64_t now = to_unix_micros(clock.now());
  auto stored = c.execute(
      "INSERT INTO email_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
      {sha256_hex(token), user_id, std::string(purpose), now, now + lifetime.count()});
  if (!stored) return std::move(stored).error();
  auto sent = jobs::enqueue_email(c, message, clock, std::nullopt, jobs::JobPriority::urgent);
  if (!sent) return std::move(sent).error();
  return {};
}

// Every outstanding link of the account (verification and reset) stops working.
Result<void> void_links(storage::Connection& c, std::int64_t user_id, std::int64_t now) {
  auto voided = c.execute("UPDATE email_tokens SET used_at = ? WHERE user_id = ? AND used_at IS NULL", {now, user_id});
  if (!voided) return std::move(voided).error();
  return {};
}
}  // namespace

Result<void> register_account(storage::Database& db, std::string_view email, std::string_view password,
                              const std::string& public_url, const RegistrationMail& mail, const Clock& clock,
                              std::string_view return_path) {
  auto address = normalise_email(email);
  if (!address) return std::move(address).error();
  if (auto allowed = check_new_password(password, *address); !allowed) return std::move(allowed).error();
  auto hash = hash_password(password);  // before the transaction: it takes tens of milliseconds
  if (!hash) return std::move(hash).error();
  std::string token = random_token(32);
  std::string link = public_url + "/account/verify?token=" + token;
  if (!return_path.empty()) link += "&return=" + http::url_encode(return_path);

  return db.transaction([&](storage::Connection& c) -> Result<void> {
    std::int64_t now = to_unix_micros(clock.now());
    auto existing = c.query("SELECT id, email_verified_at FROM users WHERE email = ?", {*address});
    if (!existing) return std::move(existing).error();
    if (!existing->empty() && existing->rows[0].is_null(1)) {
      // Not verified yet: whoever registered before (perhaps not the owner) loses the address.
      std::int64_t id = existing->rows[0].integer(0);
      auto replaced = c.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", {*hash, now, id});
      if (!replaced) return std::move(replaced).error();
      if (auto voided = void_links(c, id, now); !voided) return voided;
      auto sent = send_link(c, id, "verify_email", kVerificationLifetime, token, mail.verify(*address, link), clock);
      if (!sent) return sent;
      auto audited = record_audit(
          c, AuditEvent{"anonymous", "user.registration_restarted", "user:" + std::to_string(id), "{}"}, clock);
      if (!audited) return std::move(audited).error();
      return {};
    }
    if (!existing->empty()) {
      std::int64_t id = existing->rows[0].integer(0);
      auto sent = jobs::enqueue_email(c, mail.already_registered(*address, public_url + "/account/sign-in"), clock,
                                      std::nullopt, jobs::JobPriority::urgent);
      if (!sent) return std::move(sent).error();
      auto audited = record_audit(
          c, AuditEvent{"anonymous", "user.registration_repeated", "user:" + std::to_string(id), "{}"}, clock);
      if (!audited) return std::move(audited).error();
      return {};
    }
    auto user = c.query(
        "INSERT INTO users (email, password_hash, assurance_level, created_at, updated_at) VALUES (?, ?, 'low', ?, ?) "
        "RETURNING id",
        {*address, *hash, now, now});
    if (!user) return std::move(user).error();
    std::int64_t id = user->rows.at(0).integer(0);
    auto sent = send_link(c, id, "verify_email", kVerificationLifetime, token, mail.verify(*address, link), clock);
    if (!sent) return sent;
    auto audited =
        record_audit(c, AuditEvent{"anonymous", "user.registered", "user:" + std::to_string(id), "{}"}, clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

Result<void> verify_email(storage::Database& db, std::string_view token, const Clock& clock) {
  const Error invalid = make_error(Errc::link_invalid, "this link is not valid, was already used or has expired");
  if (token.size() != 43) return invalid;
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    std::int64_t now = to_unix_micros(clock.now());
    std::string hash = sha256_hex(token);
    auto rows = c.query(
        "SELECT user_id FROM email_tokens WHERE token_hash = ? AND purpose = 'verify_email' AND used_at IS NULL AND "
        "expires_at > ?",
        {hash, now});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return invalid;
    std::int64_t user_id = rows->rows[0].integer(0);
    auto used = c.execute("UPDATE email_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL", {now, hash});
    if (!used) return std::move(used).error();
    if (*used == 0) return invalid;
    auto verified =
        c.execute("UPDATE users SET email_verified_at = COALESCE(email_verified_at, ?), updated_at = ? WHERE id = ?",
                  {now, now, user_id});
    if (!verified) return std::move(verified).error();
    auto audited = record_audit(
        c,
        AuditEvent{"user:" + std::to_string(user_id), "user.email_verified", "user:" + std::to_string(user_id), "{}"},
        clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

Result<bool> verification_link_usable(storage::Database& db, std::string_view token, const Clock& clock) {
  if (token.size() != 43) return false;
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows = (*connection)
                  ->query(
                      "SELECT 1 FROM email_tokens WHERE token_hash = ? AND purpose = 'verify_email' AND used_at IS "
                      "NULL AND expires_at > ?",
                      {sha256_hex(token), to_unix_micros(clock.now())});
  if (!rows) return std::move(rows).error();
  return !rows->empty();
}

Result<std::int64_t> expire_unverified_accounts(storage::Database& db, const Clock& clock, int limit) {
  return db.transaction([&](storage::Connection& c) -> Result<std::int64_t> {
    const std::int64_t now = to_unix_micros(clock.now());
    const std::int64_t before =
        now - std::chrono::duration_cast<std::chrono::microseconds>(kUnverifiedAccountLifetime).count();
    auto stale = c.query(
        "SELECT id FROM users WHERE email_verified_at IS NULL AND password_hash IS NOT NULL AND updated_at < ? "
        "ORDER BY id LIMIT ?",
        {before, std::int64_t{limit}});
    if (!stale) return std::move(stale).error();
    for (const auto& row : stale->rows) {
      const std::int64_t id = row.integer(0);
      auto cleared = c.execute("UPDATE users SET password_hash = NULL, updated_at = ? WHERE id = ?", {now, id});
      if (!cleared) return std::move(cleared).error();
      if (auto voided = void_links(c, id, now); !voided) return std::move(voided).error();
      auto audited =
          record_audit(c, AuditEvent{"system", "user.registration_expired", "user:" + std::to_string(id), "{}"}, clock);
      if (!audited) return std::move(audited).error();
    }
    return static_cast<std::int64_t>(stale->rows.size());
  });
}

Result<void> schedule_unverified_expiry(storage::Database& db, const Clock& clock) {
  return jobs::schedule_next_hour(db, kExpireUnverifiedJobKind, clock);
}

namespace {
struct LiveToken {
  std::int64_t user_id;
  std::string email;
};

// The user of an unused, unexpired link of this purpose.
Result<std::optional<LiveToken>> live_token(storage::Connection& c, std::string_view token, std::string_view purpose,
                                            std::int64_t now) {
  if (token.size() != 43) return std::optional<LiveToken>();
  auto rows = c.query(
      "SELECT t.user_id, u.email FROM email_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND "
      "t.purpose = ? AND t.used_at IS NULL AND t.expires_at > ?",
      {sha256_hex(token), std::string(purpose), now});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<LiveToken>();
  return std::optional<LiveToken>(LiveToken{rows->rows[0].integer(0), rows->rows[0].text(1)});
}
}  // namespace

Result<void> request_password_reset(storage::Database& db, std::string_view email, const std::string& public_url,
                                    const ResetMail& mail, const Clock& clock) {
  auto address = normalise_email(email);
  if (!address) return std::move(address).error();
  std::string token = random_token(32);
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    // A verified account, or one whose registration is under way (its link may have expired, or
    // someone else may have registered the address first): the owner reads the mail either way.
    auto user =
        c.query("SELECT id FROM users WHERE email = ? AND (email_verified_at IS NOT NULL OR password_hash IS NOT NULL)",
                {*address});
    if (!user) return std::move(user).error();
    if (user->empty()) return {};
    std::int64_t id = user->rows[0].integer(0);
    auto sent = send_link(c, id, "reset_password", kResetLifetime, token,
                          mail.reset(*address, public_url + "/account/reset?token=" + token), clock);
    if (!sent) return sent;
    auto audited =
        record_audit(c, AuditEvent{"anonymous", "password.reset_requested", "user:" + std::to_string(id), "{}"}, clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

Result<bool> reset_link_usable(storage::Database& db, std::string_view token, const Clock& clock) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto live = live_token(**connection, token, "reset_password", to_unix_micros(clock.now()));
  if (!live) return std::move(live).error();
  return live->has_value();
}

Result<void> reset_password(storage::Database& db, std::string_view token, std::string_view new_password,
                            const ResetMail& mail, const Clock& clock) {
  const Error invalid = make_error(Errc::link_invalid, "this link is not valid, was already used or has expired");
  std::string email;
  {
    auto connection = db.acquire();
    if (!connection) return std::move(connection).error();
    auto live = live_token(**connection, token, "reset_password", to_unix_micros(clock.now()));
    if (!live) return std::move(live).error();
    if (!live->has_value()) return invalid;
    email = (*live)->email;
  }
  if (auto allowed = check_new_password(new_password, email); !allowed) return std::move(allowed).error();
  auto hash = hash_password(new_password);
  if (!hash) return std::move(hash).error();
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    std::int64_t now = to_unix_micros(clock.now());
    // Checked again inside the transaction: two submissions of one link cannot both succeed.
    auto live = live_token(c, token, "reset_password", now);
    if (!live) return std::move(live).error();
    if (!live->has_value()) return invalid;
    std::int64_t id = (*live)->user_id;
    auto used = c.execute("UPDATE email_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
                          {now, sha256_hex(token)});
    if (!used) return std::move(used).error();
    if (*used == 0) return invalid;
    // Using the link proves the address, so an unverified account is verified now; and every
    // other link of the account (an older reset, an attacker's verification) dies with this one.
    auto updated = c.execute(
        "UPDATE users SET password_hash = ?, email_verified_at = COALESCE(email_verified_at, ?), updated_at = ? "
        "WHERE id = ?",
        {*hash, now, now, id});
    if (!updated) return std::move(updated).error();
    if (auto voided = void_links(c, id, now); !voided) return voided;
    auto ended = c.execute("UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL", {now, id});
    if (!ended) return std::move(ended).error();
    // A reset may follow a theft: no browser stays trusted by the sign-in throttle.
    auto untrusted = c.execute("DELETE FROM trusted_devices WHERE user_id = ?", {id});
    if (!untrusted) return std::move(untrusted).error();
    if (auto cleared = clear_account_failures(c, (*live)->email); !cleared) return std::move(cleared).error();
    auto sent =
        jobs::enqueue_email(c, mail.password_changed((*live)->email), clock, std::nullopt, jobs::JobPriority::urgent);
    if (!sent) return std::move(sent).error();
    auto audited = record_audit(c,
                                AuditEvent{"user:" + std::to_string(id), "password.reset", "user:" + std::to_string(id),
                                           boost::json::serialize(boost::json::object{{"sessions_ended", *ended}})},
                                clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

Result<void> request_email_change(storage::Database& db, std::int64_t user_id, std::string_view password,
                                  std::string_view new_email, std::string_view remote_address,
                                  const std::string& public_url, const EmailChangeMail& mail, const Clock& clock) {
  auto address = normalise_email(new_email);
  if (!address) return std::move(address).error();
  auto confirmed = confirm_password(db, user_id, password, remote_address, clock);
  if (!confirmed) return std::move(confirmed).error();
  if (*address == confirmed->email) {
    return make_error(Errc::email_same, "this is already the account's address");
  }
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto taken = c.query("SELECT 1 FROM users WHERE email = ?", {*address});
    if (!taken) return std::move(taken).error();
    if (!taken->empty()) {
      auto warned = jobs::enqueue_email(c, mail.already_registered(*address, public_url + "/account/sign-in"), clock,
                                        std::nullopt, jobs::JobPriority::urgent);
      if (!warned) return std::move(warned).error();
    } else {
      const std::string token = random_token(32);
      const std::int64_t now = to_unix_micros(clock.now());
      auto stored = c.execute(
          "INSERT INTO email_changes (token_hash, user_id, new_email, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
          {sha256_hex(token), user_id, *address, now,
           now + std::chrono::duration_cast<std::chrono::microseconds>(kVerificationLifetime).count()});
      if (!stored) return std::move(stored).error();
      auto sent = jobs::enqueue_email(c, mail.confirm(*address, public_url + "/account/email/confirm?token=" + token),
                                      clock, std::nullopt, jobs::JobPriority::urgent);
      if (!sent) return std::move(sent).error();
    }
    auto told =
        jobs::enqueue_email(c, mail.requested(confirmed->email), clock, std::nullopt, jobs::JobPriority::urgent);
    if (!told) return std::move(told).error();
    auto audited = record_audit(c,
                                AuditEvent{"user:" + std::to_string(user_id), "email.change_requested",
                                           "user:" + std::to_string(user_id), "{}"},
                                clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

Result<void> confirm_email_change(storage::Database& db, std::string_view token, const EmailChangeMail& mail,
                                  const Clock& clock) {
  const Error invalid = make_error(Errc::link_invalid, "this link is unknown, used or expired");
  if (token.size() != 43) return invalid;
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    const std::int64_t now = to_unix_micros(clock.now());
    auto rows = c.query(
        "SELECT e.user_id, e.new_email, u.email FROM email_changes e JOIN users u ON u.id = e.user_id "
        "WHERE e.token_hash = ? AND e.used_at IS NULL AND e.expires_at > ?",
        {sha256_hex(token), now});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return invalid;
    const std::int64_t user_id = rows->rows[0].integer(0);
    const std::string new_email = rows->rows[0].text(1);
    const std::string old_email = rows->rows[0].text(2);
    auto used = c.execute("UPDATE email_changes SET used_at = ? WHERE user_id = ? AND used_at IS NULL", {now, user_id});
    if (!used) return std::move(used).error();
    // Another account may have taken the address since: the unique index refuses it (a conflict).
    auto updated = c.execute("UPDATE users SET email = ?, email_verified_at = ?, updated_at = ? WHERE id = ?",
                             {new_email, now, now, user_id});
    if (!updated) return std::move(updated).error();
    auto told =
        jobs::enqueue_email(c, mail.changed(old_email, new_email), clock, std::nullopt, jobs::JobPriority::urgent);
    if (!told) return std::move(told).error();
    auto audited = record_audit(
        c, AuditEvent{"user:" + std::to_string(user_id), "email.changed", "user:" + std::to_string(user_id), "{}"},
        clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

}  // namespace guichet::identity
