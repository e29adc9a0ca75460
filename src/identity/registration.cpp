#include "guichet/identity/registration.hpp"

#include "guichet/core/digest.hpp"
#include "guichet/core/random.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/passwords.hpp"
#include "guichet/identity/users.hpp"

namespace guichet::identity {

Result<void> register_account(storage::Database& db, std::string_view email, std::string_view password,
                              const std::string& public_url, const RegistrationMail& mail, const Clock& clock) {
  auto address = normalise_email(email);
  if (!address) return std::move(address).error();
  if (auto allowed = check_new_password(password, *address); !allowed) return std::move(allowed).error();
  auto hash = hash_password(password);  // before the transaction: it takes tens of milliseconds
  if (!hash) return std::move(hash).error();
  std::string token = random_token(32);

  return db.transaction([&](storage::Connection& c) -> Result<void> {
    std::int64_t now = to_unix_micros(clock.now());
    auto existing = c.query("SELECT id FROM users WHERE email = ?", {*address});
    if (!existing) return std::move(existing).error();
    if (!existing->empty()) {
      std::int64_t id = existing->rows[0].integer(0);
      auto sent = jobs::enqueue_email(c, mail.already_registered(*address, public_url + "/account/sign-in"), clock);
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
    std::int64_t expires = now + std::chrono::duration_cast<std::chrono::microseconds>(kVerificationLifetime).count();
    auto stored = c.execute(
        "INSERT INTO email_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES (?, ?, 'verify_email', "
        "?, ?)",
        {sha256_hex(token), id, now, expires});
    if (!stored) return std::move(stored).error();
    auto sent = jobs::enqueue_email(c, mail.verify(*address, public_url + "/account/verify?token=" + token), clock);
    if (!sent) return std::move(sent).error();
    auto audited =
        record_audit(c, AuditEvent{"anonymous", "user.registered", "user:" + std::to_string(id), "{}"}, clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

Result<void> verify_email(storage::Database& db, std::string_view token, const Clock& clock) {
  const Error invalid =
      make_error(ErrorKind::invalid_input, "link_invalid", "this link is not valid, was already used or has expired");
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

}  // namespace guichet::identity
