#include "guichet/identity/verification.hpp"

#include <algorithm>
#include <cctype>

#include <boost/json.hpp>

#include "guichet/core/calendar.hpp"
#include "guichet/core/utf8.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/errors.hpp"

namespace guichet::identity {
namespace {

Error field_error(const std::string& field, std::string message) {
  Error error = make_error(Errc::identity_field_invalid, std::move(message));
  error.field = field;
  return error;
}

// A date of birth: a real day, and no earlier than the oldest records.
bool valid_date(std::string_view text) {
  auto day = parse_iso_day(text);
  return day && text.substr(0, 4) >= "1880";
}

bool plain_text(std::string_view text, std::size_t max) {
  if (text.empty() || text.size() > max || !is_valid_utf8(text)) return false;
  for (unsigned char c : text) {
    if (c < 0x20) return false;
  }
  return true;
}

bool nif_check_digit_valid(std::string_view digits) {
  int sum = 0;
  for (int i = 0; i < 8; ++i) sum += (digits[static_cast<std::size_t>(i)] - '0') * (9 - i);
  const int rest = sum % 11;
  const int check = rest < 2 ? 0 : 11 - rest;
  return digits[8] - '0' == check;
}

Result<void> check_fields(const IdentityCheck& c, Instant now) {
  if (c.document_type != "passport" && c.document_type != "identity_card" && c.document_type != "residence_permit") {
    return field_error("document_type", "choose the kind of document checked");
  }
  if (c.document_country.size() != 2 || !std::isupper(static_cast<unsigned char>(c.document_country[0])) ||
      !std::isupper(static_cast<unsigned char>(c.document_country[1]))) {
    return field_error("document_country", "the issuing country is a two-letter code such as FR, PT or VN");
  }
  if (c.document_number.size() < 4 || c.document_number.size() > 30) {
    return field_error("document_number", "the document number has 4 to 30 characters");
  }
  for (unsigned char ch : c.document_number) {
    if (!std::isalnum(ch)) return field_error("document_number", "the document number has letters and digits only");
  }
  if (!plain_text(c.given_name, 200)) return field_error("given_name", "write the given names as on the document");
  if (!plain_text(c.family_name, 200)) return field_error("family_name", "write the family name as on the document");
  if (!valid_date(c.birthdate) || c.birthdate > format_rfc3339(now).substr(0, 10)) {
    return field_error("birthdate", "the date of birth is a past date written YYYY-MM-DD");
  }
  if (!plain_text(c.birthplace, 200)) return field_error("birthplace", "write the place of birth as on the document");
  if (!c.gender.empty() && c.gender != "female" && c.gender != "male") {
    return field_error("gender", "choose female, male, or leave it unset");
  }
  if (!plain_text(c.place, 200)) return field_error("place", "name the citizen shop where the check is done");
  if (!c.national_id.empty() && !normalise_national_id(c.document_country, c.national_id)) {
    return field_error("national_id", "the national identification number does not fit the document's country");
  }
  return {};
}

}  // namespace

std::optional<std::string> normalise_national_id(std::string_view country, std::string_view number) {
  std::string kept;
  for (char ch : number) {
    if (ch == ' ' || ch == '.') continue;
    if (!std::isalnum(static_cast<unsigned char>(ch))) return std::nullopt;
    kept += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  const bool digits =
      !kept.empty() && std::all_of(kept.begin(), kept.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  if (country == "PT") {
    if (kept.size() != 9 || !digits || !nif_check_digit_valid(kept)) return std::nullopt;
  } else if (country == "FR") {
    if (kept.size() != 13 || !digits || kept[0] > '3') return std::nullopt;
  } else if (country == "VN") {
    if (kept.size() != 12 || !digits) return std::nullopt;
  } else if (country.size() != 2 || kept.size() < 5 || kept.size() > 20) {
    return std::nullopt;
  }
  return std::string(country) + ":" + kept;
}

Result<void> record_identity_check(storage::Database& db, std::int64_t verifier_id, std::int64_t user_id,
                                   const IdentityCheck& check,
                                   const std::function<jobs::EmailMessage(const std::string&)>& notice,
                                   const Clock& clock) {
  if (verifier_id == user_id) {
    return make_error(Errc::self_verification, "no one may verify their own identity");
  }
  if (auto valid = check_fields(check, clock.now()); !valid) return valid;
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    const std::int64_t now = to_unix_micros(clock.now());
    auto person = c.query("SELECT email FROM users WHERE id = ?", {user_id});
    if (!person) return std::move(person).error();
    if (person->empty()) return make_error(Errc::no_such_user, "no such account");
    auto updated = c.execute(
        "UPDATE users SET assurance_level = 'high', given_name = ?, family_name = ?, birthdate = ?, birthplace = ?, "
        "gender = ?, updated_at = ? WHERE id = ?",
        {check.given_name, check.family_name, check.birthdate, check.birthplace,
         check.gender.empty() ? storage::Value(nullptr) : storage::Value(check.gender), now, user_id});
    if (!updated) return std::move(updated).error();
    if (!check.national_id.empty()) {
      const std::string national_id = *normalise_national_id(check.document_country, check.national_id);
      auto holder = c.query("SELECT id FROM users WHERE national_id = ? AND id <> ?", {national_id, user_id});
      if (!holder) return std::move(holder).error();
      if (!holder->empty()) {
        Error taken = make_error(Errc::national_id_taken, "another account holds this national identification number");
        taken.field = "national_id";
        return taken;
      }
      auto kept = c.execute("UPDATE users SET national_id = ? WHERE id = ?", {national_id, user_id});
      if (!kept) return std::move(kept).error();
    }
    const std::string hint = check.document_number.substr(check.document_number.size() - 4);
    auto stored = c.execute(
        "INSERT INTO identity_verifications (user_id, verifier_id, document_type, document_country, "
        "document_number_hint, place, verified_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        {user_id, verifier_id, check.document_type, check.document_country, hint, check.place, now});
    if (!stored) return std::move(stored).error();
    boost::json::object details{{"document_type", check.document_type},
                                {"document_country", check.document_country},
                                {"document_number_hint", hint},
                                {"place", check.place}};
    auto audited = record_audit(c,
                                AuditEvent{"user:" + std::to_string(verifier_id), "identity.verified",
                                           "user:" + std::to_string(user_id), boost::json::serialize(details)},
                                clock);
    if (!audited) return std::move(audited).error();
    if (notice) {
      if (auto sent =
              jobs::enqueue_email(c, notice(person->rows[0].text(0)), clock, std::nullopt, jobs::JobPriority::urgent);
          !sent) {
        return std::move(sent).error();
      }
    }
    return {};
  });
}

}  // namespace guichet::identity

namespace guichet::identity {

Result<std::string> set_national_id(storage::Database& db, std::int64_t user_id, std::string_view national_id,
                                    const std::string& actor, const Clock& clock) {
  const auto colon = national_id.find(':');
  auto normalised = colon == std::string_view::npos
                        ? std::nullopt
                        : normalise_national_id(national_id.substr(0, colon), national_id.substr(colon + 1));
  if (!normalised) {
    return field_error("national_id", "a national identification number is written CC:NUMBER, such as PT:123456789");
  }
  return db.transaction([&](storage::Connection& c) -> Result<std::string> {
    auto holder = c.query("SELECT id FROM users WHERE national_id = ? AND id <> ?", {*normalised, user_id});
    if (!holder) return std::move(holder).error();
    if (!holder->empty()) {
      Error taken = make_error(Errc::national_id_taken, "another account holds this national identification number");
      taken.field = "national_id";
      return taken;
    }
    auto changed = c.execute("UPDATE users SET national_id = ? WHERE id = ?", {*normalised, user_id});
    if (!changed) return std::move(changed).error();
    if (*changed == 0) return make_error(Errc::no_such_user, "no such account");
    auto audited =
        record_audit(c, AuditEvent{actor, "identity.national_id_set", "user:" + std::to_string(user_id), "{}"}, clock);
    if (!audited) return std::move(audited).error();
    return *normalised;
  });
}

}  // namespace guichet::identity
