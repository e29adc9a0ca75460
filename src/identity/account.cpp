#include "guichet/identity/account.hpp"

#include <boost/json.hpp>

#include "guichet/identity/audit.hpp"
#include "guichet/identity/errors.hpp"
#include "guichet/identity/passwords.hpp"
#include "guichet/identity/throttle.hpp"

namespace guichet::identity {
namespace {
Result<StoredCredentials> stored_credentials(storage::Database& db, std::int64_t user_id) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows = (*connection)->query("SELECT email, password_hash FROM users WHERE id = ?", {user_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return make_error(Errc::no_such_user, "this account no longer exists");
  return StoredCredentials{rows->rows[0].text(0), rows->rows[0].text(1)};
}

}  // namespace

Result<StoredCredentials> confirm_password(storage::Database& db, std::int64_t user_id, std::string_view password,
                                           std::string_view remote_address, const Clock& clock) {
  auto stored = stored_credentials(db, user_id);
  if (!stored) return stored;
  auto wait = sign_in_wait(db, stored->email, remote_address, clock);
  if (!wait) return std::move(wait).error();
  if (wait->count() > 0) {
    return make_error(Errc::sign_in_throttled, "too many failed attempts; wait and try again");
  }
  auto matches = verify_password(password, stored->hash);
  if (!matches) return std::move(matches).error();
  if (!*matches) {
    if (auto recorded = record_sign_in_failure(db, stored->email, remote_address, clock); !recorded) {
      return std::move(recorded).error();
    }
    return make_error(Errc::wrong_password, "the current password is wrong");
  }
  return stored;
}

Result<void> change_password(storage::Database& db, std::int64_t user_id, std::int64_t current_session_id,
                             std::string_view current_password, std::string_view new_password,
                             std::string_view remote_address,
                             const std::function<jobs::EmailMessage(const std::string& to)>& notice,
                             const Clock& clock) {
  auto stored = confirm_password(db, user_id, current_password, remote_address, clock);
  if (!stored) return std::move(stored).error();
  if (auto allowed = check_new_password(new_password, stored->email); !allowed) return allowed;
  auto hash = hash_password(new_password);
  if (!hash) return std::move(hash).error();
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    std::int64_t now = to_unix_micros(clock.now());
    if (auto r = c.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", {*hash, now, user_id});
        !r) {
      return std::move(r).error();
    }
    auto ended = c.execute("UPDATE sessions SET ended_at = ? WHERE user_id = ? AND id <> ? AND ended_at IS NULL",
                           {now, user_id, current_session_id});
    if (!ended) return std::move(ended).error();
    if (auto sent = jobs::enqueue_email(c, notice(stored->email), clock, std::nullopt, jobs::JobPriority::urgent);
        !sent)
      return std::move(sent).error();
    auto audited = record_audit(
        c,
        AuditEvent{"user:" + std::to_string(user_id), "password.changed", "user:" + std::to_string(user_id),
                   boost::json::serialize(boost::json::object{{"other_sessions_ended", *ended}})},
        clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

Result<std::string> export_personal_data(storage::Database& db, std::int64_t user_id, const Clock& clock,
                                         const PersonalDataSections& others) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto user =
      (*connection)
          ->query(
              "SELECT id, email, email_verified_at, assurance_level, created_at, updated_at FROM users WHERE id = ?",
              {user_id});
  if (!user) return std::move(user).error();
  if (user->empty()) return make_error(Errc::no_such_user, "this account no longer exists");
  const auto& u = user->rows[0];
  auto instant = [](const storage::Row& row, std::size_t i) -> boost::json::value {
    if (row.is_null(i)) return nullptr;
    return boost::json::value(format_rfc3339(from_unix_micros(row.integer(i))));
  };
  boost::json::object account{
      {"id", u.integer(0)},           {"email", u.text(1)},          {"email_verified_at", instant(u, 2)},
      {"assurance_level", u.text(3)}, {"created_at", instant(u, 4)}, {"updated_at", instant(u, 5)}};
  auto sessions = (*connection)
                      ->query(
                          "SELECT id, created_at, last_seen_at, ended_at, user_agent, remote_address FROM sessions "
                          "WHERE user_id = ? ORDER BY id",
                          {user_id});
  if (!sessions) return std::move(sessions).error();
  boost::json::array session_list;
  for (const auto& s : sessions->rows) {
    session_list.push_back({{"id", s.integer(0)},
                            {"started_at", instant(s, 1)},
                            {"last_seen_at", instant(s, 2)},
                            {"ended_at", instant(s, 3)},
                            {"device", s.text(4)},
                            {"address", s.text(5)}});
  }
  std::string subject = "user:" + std::to_string(user_id);
  auto events = (*connection)
                    ->query(
                        "SELECT seq, at, actor, action, subject, details FROM audit_log WHERE subject = ? OR actor = ? "
                        "OR subject = ? "
                        "ORDER BY seq",
                        {subject, subject, "email:" + u.text(1)});
  if (!events) return std::move(events).error();
  boost::json::array event_list;
  for (const auto& e : events->rows) {
    event_list.push_back({{"seq", e.integer(0)},
                          {"at", instant(e, 1)},
                          {"actor", e.text(2)},
                          {"action", e.text(3)},
                          {"subject", e.text(4)},
                          {"details", boost::json::parse(e.text(5))}});
  }
  // Each further section is one query; a list of rows becomes an array of objects.
  auto section = [&](const char* sql, std::vector<const char*> names,
                     std::vector<bool> instants) -> Result<boost::json::array> {
    auto rows = (*connection)->query(sql, {user_id});
    if (!rows) return std::move(rows).error();
    boost::json::array out;
    for (const auto& row : rows->rows) {
      boost::json::object item;
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (instants[i]) {
          item[names[i]] = instant(row, i);
        } else if (row.is_null(i)) {
          item[names[i]] = nullptr;
        } else {
          item[names[i]] = row.text(i);
        }
      }
      out.push_back(std::move(item));
    }
    return out;
  };
  auto profile = section(
      "SELECT given_name, family_name, birthdate, birthplace, gender, phone_number, address, national_id, language "
      "FROM users WHERE id = ?",
      {"given_name", "family_name", "birthdate", "birthplace", "gender", "phone_number", "address", "national_id",
       "language"},
      {false, false, false, false, false, false, false, false, false});
  auto second_factor = section(
      "SELECT 'totp', confirmed_at, (SELECT COUNT(*) FROM recovery_codes r WHERE r.user_id = t.user_id AND "
      "r.used_at IS NULL) FROM totp_credentials t WHERE t.user_id = ? AND t.confirmed_at IS NOT NULL",
      {"method", "enabled_at", "unused_recovery_codes"}, {false, true, false});
  auto verifications = section(
      "SELECT document_type, document_country, document_number_hint, place, verified_at FROM identity_verifications "
      "WHERE user_id = ? ORDER BY id",
      {"document_type", "document_country", "document_number_hint", "place", "verified_at"},
      {false, false, false, false, true});
  auto organisations = section(
      "SELECT o.name, o.country, o.registration_number, m.role, m.added_at FROM organisation_members m JOIN "
      "organisations o ON o.id = m.organisation_id WHERE m.user_id = ? ORDER BY o.id",
      {"name", "country", "registration_number", "role", "since"}, {false, false, false, false, true});
  auto roles = section("SELECT role, administration, granted_at FROM user_roles WHERE user_id = ? ORDER BY id",
                       {"role", "administration", "granted_at"}, {false, false, true});
  auto devices =
      section("SELECT created_at, last_used_at FROM trusted_devices WHERE user_id = ? ORDER BY last_used_at DESC",
              {"trusted_since", "last_used_at"}, {true, true});
  for (auto* part : {&profile, &second_factor, &verifications, &organisations, &roles, &devices}) {
    if (!*part) return std::move(*part).error();
  }
  boost::json::object document{
      {"exported_at", format_rfc3339(clock.now())},
      {"account", account},
      {"profile", profile->empty() ? boost::json::value(nullptr) : (*profile)[0]},
      {"second_factor", second_factor->empty() ? boost::json::value(nullptr) : (*second_factor)[0]},
      {"identity_verifications", *verifications},
      {"organisations", *organisations},
      {"roles", *roles},
      {"trusted_devices", *devices},
      {"sessions", session_list},
      {"audit_events", event_list}};
  for (const auto& [name, read] : others) {
    auto part = read(user_id);
    if (!part) return std::move(part).error();
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(*part, ec);
    if (ec) return make_error(Errc::bad_personal_data_section, name + " is not JSON");
    document[name] = std::move(parsed);
  }
  return boost::json::serialize(document);
}

Result<void> delete_account(storage::Database& db, std::int64_t user_id, std::string_view password,
                            std::string_view remote_address, const Clock& clock) {
  auto stored = confirm_password(db, user_id, password, remote_address, clock);
  if (!stored) return std::move(stored).error();
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto removed = c.execute("DELETE FROM users WHERE id = ?", {user_id});
    if (!removed) return std::move(removed).error();
    if (*removed == 0) return make_error(Errc::no_such_user, "this account no longer exists");
    auto audited = record_audit(
        c, AuditEvent{"user:" + std::to_string(user_id), "user.deleted", "user:" + std::to_string(user_id), "{}"},
        clock);
    if (!audited) return std::move(audited).error();
    return {};
  });
}

}  // namespace guichet::identity
