#include "guichet/identity/users.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "guichet/core/idna.hpp"
#include "guichet/core/utf8.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/errors.hpp"
#include "guichet/identity/passwords.hpp"
#include "guichet/storage/errors.hpp"

namespace guichet::identity {

std::string_view to_string(AssuranceLevel level) {
  switch (level) {
    case AssuranceLevel::low:
      return "low";
    case AssuranceLevel::substantial:
      return "substantial";
    case AssuranceLevel::high:
      return "high";
  }
  return "low";
}

std::optional<AssuranceLevel> parse_assurance_level(std::string_view text) {
  if (text == "low") return AssuranceLevel::low;
  if (text == "substantial") return AssuranceLevel::substantial;
  if (text == "high") return AssuranceLevel::high;
  return std::nullopt;
}

Result<std::string> normalise_email(std::string_view email) {
  while (!email.empty() && (email.front() == ' ' || email.front() == '\t')) email.remove_prefix(1);
  while (!email.empty() && (email.back() == ' ' || email.back() == '\t')) email.remove_suffix(1);
  std::string out(email);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  auto at = out.find('@');
  bool plausible = is_valid_utf8(out) && out.size() <= 254 && at != std::string::npos && at > 0 &&
                   at + 1 < out.size() && out.find('@', at + 1) == std::string::npos &&
                   out.find('.', at + 1) != std::string::npos &&
                   out.find_first_of(" \t\r\n<>,;\"()[]\\") == std::string::npos;
  if (!plausible) return make_error(Errc::email_invalid, "enter an e-mail address like name@example.org");
  // Mail leaves through relays that may not offer SMTPUTF8 (RFC 6531), so the address must be
  // ASCII: an internationalised domain is written in its ASCII form (IDNA, "xn--"), which every
  // relay carries and which makes "josé@café.pt" and "josé@xn--caf-dma.pt" one account; a local
  // part with non-ASCII letters cannot be carried that way and is refused here, said clearly,
  // rather than accepted and never delivered.
  const std::string_view local = std::string_view(out).substr(0, at);
  const bool ascii_local = std::all_of(local.begin(), local.end(), [](char c) { return (c & 0x80) == 0; });
  if (!ascii_local) {
    return make_error(Errc::email_not_ascii, "the part before @ must be written without accents or other scripts");
  }
  auto domain = domain_to_ascii(std::string_view(out).substr(at + 1));
  if (!domain || domain->find('.') == std::string::npos) {
    return make_error(Errc::email_invalid, "enter an e-mail address like name@example.org");
  }
  out.replace(at + 1, std::string::npos, *domain);
  return out;
}

namespace {
User user_from_row(const storage::Row& row) {
  return User{row.integer(0), row.text(1), !row.is_null(2),
              parse_assurance_level(row.text(3)).value_or(AssuranceLevel::low), from_unix_micros(row.integer(4))};
}
}  // namespace

Result<User> create_user(storage::Database& db, const NewUser& request, const Clock& clock) {
  auto email = normalise_email(request.email);
  if (!email) return std::move(email).error();
  if (auto allowed = check_new_password(request.password, *email); !allowed) return std::move(allowed).error();
  // Hashing takes tens of milliseconds: done before the transaction, so the write lock is short.
  auto hash = hash_password(request.password);
  if (!hash) return std::move(hash).error();
  return db.transaction([&](storage::Connection& c) -> Result<User> {
    std::int64_t now = to_unix_micros(clock.now());
    storage::Value verified = request.email_verified ? storage::Value(now) : storage::Value(nullptr);
    auto inserted = c.query(
        "INSERT INTO users (email, password_hash, email_verified_at, assurance_level, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id, email, email_verified_at, assurance_level, created_at",
        {*email, *hash, verified, std::string(to_string(request.level)), now, now});
    if (!inserted) {
      Error error = std::move(inserted).error();
      if (error.code == storage::Errc::unique_violation) {
        return make_error(Errc::email_taken, "an account already uses this e-mail address");
      }
      return error;
    }
    User user = user_from_row(inserted->rows.at(0));
    boost::json::object details{{"email_verified", request.email_verified},
                                {"assurance_level", std::string(to_string(request.level))}};
    auto audited = record_audit(
        c,
        AuditEvent{request.actor, "user.created", "user:" + std::to_string(user.id), boost::json::serialize(details)},
        clock);
    if (!audited) return std::move(audited).error();
    return user;
  });
}

Result<User> account_for_caller(storage::Database& db, std::string_view email, const std::string& actor,
                                const Clock& clock) {
  return db.transaction(
      [&](storage::Connection& c) -> Result<User> { return account_for_caller(c, email, actor, clock); });
}

Result<User> account_for_caller(storage::Connection& c, std::string_view email, const std::string& actor,
                                const Clock& clock) {
  auto normalised = normalise_email(email);
  if (!normalised) return std::move(normalised).error();
  {
    auto existing = c.query(
        "SELECT id, email, email_verified_at, assurance_level, created_at FROM users WHERE email = ?", {*normalised});
    if (!existing) return std::move(existing).error();
    if (!existing->empty()) return user_from_row(existing->rows.at(0));
    std::int64_t now = to_unix_micros(clock.now());
    auto inserted = c.query(
        "INSERT INTO users (email, password_hash, email_verified_at, assurance_level, created_at, updated_at) "
        "VALUES (?, NULL, NULL, 'low', ?, ?) RETURNING id, email, email_verified_at, assurance_level, created_at",
        {*normalised, now, now});
    if (!inserted) return std::move(inserted).error();
    User user = user_from_row(inserted->rows.at(0));
    auto audited = record_audit(
        c, AuditEvent{actor, "user.created", "user:" + std::to_string(user.id), R"({"for_caller":true})"}, clock);
    if (!audited) return std::move(audited).error();
    return user;
  }
}

Result<std::optional<User>> find_user(storage::Database& db, std::int64_t id) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows =
      (*connection)
          ->query("SELECT id, email, email_verified_at, assurance_level, created_at FROM users WHERE id = ?", {id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<User>();
  return std::optional<User>(user_from_row(rows->rows[0]));
}

Result<std::optional<PersonAttributes>> person_attributes(storage::Connection& c, std::int64_t user_id) {
  auto rows = c.query(
      "SELECT email, email_verified_at, given_name, family_name, birthdate, birthplace, gender, phone_number, "
      "address, national_id, updated_at FROM users WHERE id = ?",
      {user_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<PersonAttributes>();
  const auto& row = rows->rows[0];
  PersonAttributes person;
  person.email = row.text(0);
  person.email_verified = !row.is_null(1);
  person.given_name = row.optional_text(2);
  person.family_name = row.optional_text(3);
  person.birthdate = row.optional_text(4);
  person.birthplace = row.optional_text(5);
  person.gender = row.optional_text(6);
  person.phone_number = row.optional_text(7);
  person.address = row.optional_text(8);
  person.national_id = row.optional_text(9);
  person.updated_at_us = row.integer(10);
  return std::optional<PersonAttributes>(std::move(person));
}

Result<std::vector<std::pair<std::int64_t, std::string>>> people_with_national_id(storage::Connection& c,
                                                                                  std::int64_t after_id,
                                                                                  std::int64_t limit) {
  auto rows = c.query("SELECT id, national_id FROM users WHERE national_id IS NOT NULL AND id > ? ORDER BY id LIMIT ?",
                      {after_id, limit});
  if (!rows) return std::move(rows).error();
  std::vector<std::pair<std::int64_t, std::string>> out;
  for (const storage::Row& row : rows->rows) out.emplace_back(row.integer(0), row.text(1));
  return out;
}

Result<std::map<std::int64_t, std::string>> emails_of(storage::Connection& c, const std::set<std::int64_t>& ids) {
  std::map<std::int64_t, std::string> out;
  if (ids.empty()) return out;
  auto rows = c.query("SELECT id, email FROM users WHERE id IN " + storage::in_list(ids.size()),
                      storage::Params(ids.begin(), ids.end()));
  if (!rows) return std::move(rows).error();
  for (const auto& row : rows->rows) out.emplace(row.integer(0), row.text(1));
  return out;
}

Result<std::optional<std::string>> email_of(storage::Connection& c, std::int64_t user_id) {
  auto rows = c.query("SELECT email FROM users WHERE id = ?", {user_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows->rows[0].text(0));
}

Result<std::optional<std::string>> language_of(storage::Connection& c, std::int64_t user_id) {
  auto rows = c.query("SELECT language FROM users WHERE id = ?", {user_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty() || rows->rows[0].is_null(0)) return std::optional<std::string>();
  return std::optional<std::string>(rows->rows[0].text(0));
}

bool is_site_language(std::string_view language) {
  return language == "fr" || language == "pt" || language == "vi" || language == "en";
}

Result<bool> hold_account(storage::Connection& c, std::int64_t user_id) {
  const char* sql = c.backend() == storage::Backend::postgresql ? "SELECT id FROM users WHERE id = ? FOR UPDATE"
                                                                : "SELECT id FROM users WHERE id = ?";
  auto rows = c.query(sql, {user_id});
  if (!rows) return std::move(rows).error();
  return !rows->empty();
}

Result<std::optional<User>> find_user_by_email(storage::Database& db, std::string_view email) {
  auto normalised = normalise_email(email);
  if (!normalised) return std::optional<User>();
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows = (*connection)
                  ->query("SELECT id, email, email_verified_at, assurance_level, created_at FROM users WHERE email = ?",
                          {*normalised});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<User>();
  return std::optional<User>(user_from_row(rows->rows[0]));
}

}  // namespace guichet::identity
