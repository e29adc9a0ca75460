#include "guichet/documents/personal.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "guichet/core/compute.hpp"
#include "guichet/core/digest.hpp"
#include "guichet/core/random.hpp"
#include "guichet/core/utf8.hpp"
#include "guichet/documents/content_type.hpp"
#include "guichet/documents/errors.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/errors.hpp"
#include "guichet/identity/second_factor.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/jobs/outbox.hpp"
#include "openssl.hpp"
#include "pdf_objects.hpp"

namespace guichet::documents {
namespace {

constexpr const char* kColumns =
    "token, file_name, size, sha256, status, created_at, expires_at, signed_at, signed_size, signed_sha256, "
    "certificate_serial, sealed_pdf IS NOT NULL";

PersonalSignature signature_of(const storage::Row& row) {
  PersonalSignature s;
  s.token = row.text(0);
  s.file_name = row.text(1);
  s.size = row.integer(2);
  s.sha256 = row.text(3);
  s.status = row.text(4);
  s.created_at = from_unix_micros(row.integer(5));
  s.expires_at = from_unix_micros(row.integer(6));
  if (auto at = row.optional_integer(7)) s.signed_at = from_unix_micros(*at);
  s.signed_size = row.optional_integer(8).value_or(0);
  s.signed_sha256 = row.optional_text(9).value_or("");
  s.certificate_serial = row.optional_text(10).value_or("");
  s.copy_available = s.status == "signed" && row.integer(11) != 0;
  return s;
}

// The sealed document is bound to its row, so it opens nowhere else.
std::string pdf_purpose(std::string_view token) {
  return std::string(kSealedSignaturePdfs.purpose_prefix) + std::string(token);
}

// A file name fit to show and to offer back: its last path part, no control characters, at most
// 120 characters, ending in .pdf.
std::string clean_file_name(std::string_view raw) {
  if (const auto slash = raw.find_last_of("/\\"); slash != std::string_view::npos) raw.remove_prefix(slash + 1);
  std::string name;
  if (is_valid_utf8(raw)) {
    for (unsigned char c : raw) {
      if (c >= 0x20 && c != 0x7f && c != '"') name += static_cast<char>(c);
    }
  }
  while (name.size() > 120) {  // cut at a character boundary
    name.pop_back();
    while (!name.empty() && (static_cast<unsigned char>(name.back()) & 0xc0) == 0x80) name.pop_back();
    if (!name.empty() && static_cast<unsigned char>(name.back()) >= 0xc0) name.pop_back();
  }
  if (name.empty() || name == ".pdf") return "document.pdf";
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!lower.ends_with(".pdf")) name += ".pdf";
  return name;
}

Error unavailable() { return make_error(Errc::no_secrets_key, "personal signatures need --secrets-key-file"); }

}  // namespace

PersonalSigning::PersonalSigning(storage::Database& db, CertificateAuthority& authority, const Clock& clock,
                                 std::optional<SecretKey> key, TimeStamper time_stamper, PersonalSigningPolicy policy)
    : db_(db),
      authority_(authority),
      clock_(clock),
      key_(std::move(key)),
      time_stamper_(std::move(time_stamper)),
      policy_(policy) {}

Result<PersonalSignature> PersonalSigning::upload(std::int64_t user_id, std::string_view file_name,
                                                  std::string_view pdf) {
  if (!key_) return unavailable();
  if (pdf.size() > policy_.max_pdf_bytes) return make_error(Errc::pdf_too_large, "the PDF is over the size limit");
  if (pdf.empty() || content_type_of(pdf) != "application/pdf") {
    return make_error(Errc::not_a_pdf, "the file is not a PDF");
  }
  // Read through now, so a damaged or encrypted file is refused before the person is asked for a
  // code, not after.
  auto readable = ComputePool::shared().run([&]() -> Result<void> {
    auto fields = signature_dictionaries(pdf);
    if (!fields) return std::move(fields).error();
    return {};
  });
  if (!readable) return std::move(readable).error();
  if (!*readable) return std::move(*readable).error();

  const Instant now = clock_.now();
  PersonalSignature s;
  s.token = random_token(18);
  s.file_name = clean_file_name(file_name);
  s.size = static_cast<std::int64_t>(pdf.size());
  s.sha256 = sha256_hex(pdf);
  s.status = "pending";
  s.created_at = now;
  s.expires_at = now + policy_.confirm_within;
  const std::string sealed = key_->seal(pdf, pdf_purpose(s.token));
  auto stored = db_.transaction([&](storage::Connection& c) -> Result<void> {
    // One person's uploads are counted one at a time.
    auto held = identity::hold_account(c, user_id);
    if (!held) return std::move(held).error();
    if (!*held) return make_error(Errc::no_such_signature, "this account no longer exists");
    auto lapsed = c.execute(
        "DELETE FROM documents_signatures WHERE user_id = ? AND status IN ('pending', 'signing') AND expires_at <= ?",
        {user_id, to_unix_micros(now)});
    if (!lapsed) return std::move(lapsed).error();
    auto waiting =
        c.query("SELECT COUNT(*) FROM documents_signatures WHERE user_id = ? AND status = 'pending'", {user_id});
    if (!waiting) return std::move(waiting).error();
    if (waiting->rows.front().integer(0) >= policy_.pending_per_person) {
      return make_error(Errc::too_many_pending, "sign or let lapse the documents already waiting first");
    }
    auto inserted = c.execute(
        "INSERT INTO documents_signatures (token, user_id, file_name, size, sha256, status, sealed_pdf, created_at, "
        "expires_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
        {s.token, user_id, s.file_name, s.size, s.sha256, sealed, to_unix_micros(now), to_unix_micros(s.expires_at)});
    if (!inserted) return std::move(inserted).error();
    return {};
  });
  if (!stored) return std::move(stored).error();
  return s;
}

Result<PersonalSignature> PersonalSigning::find(std::int64_t user_id, std::string_view token) const {
  auto connection = db_.acquire();
  if (!connection) return std::move(connection).error();
  auto rows =
      (**connection)
          .query(std::string("SELECT ") + kColumns + " FROM documents_signatures WHERE token = ? AND user_id = ?",
                 {std::string(token), user_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return make_error(Errc::no_such_signature, "no such document");
  PersonalSignature s = signature_of(rows->rows.front());
  if (s.status != "signed" && s.expires_at <= clock_.now()) {
    return make_error(Errc::no_such_signature, "this upload has lapsed");
  }
  if (s.status == "signed" && s.expires_at <= clock_.now()) s.copy_available = false;
  return s;
}

Result<PersonalSubject> PersonalSigning::subject_of(std::int64_t user_id) {
  auto user = identity::find_user(db_, user_id);
  if (!user) return std::move(user).error();
  if (!*user) return make_error(Errc::no_such_signature, "this account no longer exists");
  PersonalSubject subject;
  auto read = db_.transaction([&](storage::Connection& c) -> Result<void> {
    if ((*user)->level == identity::AssuranceLevel::high) {
      auto person = identity::person_attributes(c, user_id);
      if (!person) return std::move(person).error();
      if (*person) {
        subject.given_name = (*person)->given_name.value_or("");
        subject.family_name = (*person)->family_name.value_or("");
      }
    }
    auto serial = c.query("SELECT serial_number FROM documents_signers WHERE user_id = ?", {user_id});
    if (!serial) return std::move(serial).error();
    if (!serial->empty()) {
      subject.serial_number = serial->rows.front().text(0);
      return {};
    }
    // Pairwise: random, so it says nothing of the account or the person, and kept for renewals.
    std::string hex = random_hex(10);
    std::transform(hex.begin(), hex.end(), hex.begin(), [](unsigned char ch) { return std::toupper(ch); });
    subject.serial_number = "GU-" + hex;
    auto inserted = c.execute("INSERT INTO documents_signers (user_id, serial_number, created_at) VALUES (?, ?, ?)",
                              {user_id, subject.serial_number, to_unix_micros(clock_.now())});
    if (!inserted) return std::move(inserted).error();
    return {};
  });
  if (!read) return std::move(read).error();
  return subject;
}

Result<PersonalSignature> PersonalSigning::confirm(std::int64_t user_id, std::string_view token,
                                                   std::string_view sha256, std::string_view code,
                                                   std::string_view remote_address, const SignatureDetails& details) {
  if (!key_) return unavailable();
  auto wait = identity::second_factor_wait(db_, user_id, remote_address, clock_);
  if (!wait) return std::move(wait).error();
  if (wait->count() > 0) {
    return make_error(identity::Errc::sign_in_throttled,
                      "too many wrong codes; wait " + std::to_string(wait->count()) + " seconds");
  }
  auto subject = subject_of(user_id);
  if (!subject) return std::move(subject).error();

  const Instant now = clock_.now();
  std::string lowered(sha256);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](unsigned char c) { return std::tolower(c); });
  bool wrong_code = false;
  auto authorised = db_.transaction([&](storage::Connection& c) -> Result<std::string> {
    auto rows = c.query(
        "SELECT status, expires_at, sha256, sealed_pdf FROM documents_signatures "
        "WHERE token = ? AND user_id = ?",
        {std::string(token), user_id});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return make_error(Errc::no_such_signature, "no such document");
    const storage::Row& row = rows->rows.front();
    if (row.text(0) == "signed") return make_error(Errc::already_signed, "this document is signed already");
    if (row.integer(1) <= to_unix_micros(now)) return make_error(Errc::no_such_signature, "this upload has lapsed");
    if (row.text(0) != "pending") return make_error(Errc::already_signed, "this document is being signed");
    if (row.text(2) != lowered) {
      return make_error(Errc::hash_mismatch, "the code was given for another document than this one");
    }
    auto today =
        c.query("SELECT COUNT(*) FROM documents_signatures WHERE user_id = ? AND status = 'signed' AND signed_at > ?",
                {user_id, to_unix_micros(now - std::chrono::hours(24))});
    if (!today) return std::move(today).error();
    if (today->rows.front().integer(0) >= policy_.signatures_per_day) {
      return make_error(Errc::signature_limit, "the day's signatures are used up");
    }
    if (auto spent = identity::spend_totp_code(c, user_id, code, now, key_ ? &*key_ : nullptr); !spent) {
      wrong_code = spent.error().code == identity::Errc::wrong_code;
      return std::move(spent).error();
    }
    auto marked = c.execute(
        "UPDATE documents_signatures SET status = 'signing' WHERE token = ? AND user_id = ? AND status = 'pending'",
        {std::string(token), user_id});
    if (!marked) return std::move(marked).error();
    if (*marked == 0) return make_error(Errc::already_signed, "this document is being signed");
    return row.text(3);
  });
  if (!authorised) {
    if (wrong_code) {
      if (auto counted = identity::record_second_factor_failure(db_, user_id, remote_address, clock_); !counted) {
        return std::move(counted).error();
      }
    }
    return std::move(authorised).error();
  }

  // From here the code is spent: a failure puts the document back to pending, for a new code.
  auto back_to_pending = [&](Error error) -> Result<PersonalSignature> {
    (void)db_.transaction([&](storage::Connection& c) -> Result<void> {
      auto reset = c.execute(
          "UPDATE documents_signatures SET status = 'pending' WHERE token = ? AND user_id = ? AND status = 'signing'",
          {std::string(token), user_id});
      if (!reset) return std::move(reset).error();
      return {};
    });
    return error;
  };
  auto pdf = key_->open(*authorised, pdf_purpose(token));
  if (!pdf) return back_to_pending(std::move(pdf).error());
  auto signer = authority_.personal_identity(user_id, *subject);
  if (!signer) return back_to_pending(std::move(signer).error());
  auto certificate = parse_certificate(signer->certificate_pem);
  if (!certificate) return back_to_pending(std::move(certificate).error());
  const std::string serial = serial_hex(certificate->get());
  SignatureDetails filled = details;
  filled.name = subject->given_name.empty() && subject->family_name.empty()
                    ? subject->serial_number
                    : subject->given_name + (subject->given_name.empty() ? "" : " ") + subject->family_name;
  filled.time = now;
  auto signed_pdf = ComputePool::shared().run([&] { return sign_pdf(*pdf, *signer, filled, {}, time_stamper_); });
  std::fill(signer->private_key_pem.begin(), signer->private_key_pem.end(), '\0');
  if (!signed_pdf) return back_to_pending(std::move(signed_pdf).error());
  if (!*signed_pdf) return back_to_pending(std::move(*signed_pdf).error());

  const std::string& out = **signed_pdf;
  const std::string out_sha256 = sha256_hex(out);
  const Instant kept_until = now + policy_.copy_kept;
  const std::string sealed = key_->seal(out, pdf_purpose(token));
  auto stored = db_.transaction([&](storage::Connection& c) -> Result<void> {
    auto updated = c.execute(
        "UPDATE documents_signatures SET status = 'signed', sealed_pdf = ?, signed_size = ?, signed_sha256 = ?, "
        "certificate_serial = ?, signed_at = ?, expires_at = ? WHERE token = ? AND user_id = ? AND status = 'signing'",
        {sealed, static_cast<std::int64_t>(out.size()), out_sha256, serial, to_unix_micros(now),
         to_unix_micros(kept_until), std::string(token), user_id});
    if (!updated) return std::move(updated).error();
    if (*updated == 0) return make_error(Errc::no_such_signature, "the document went away while it was signed");
    boost::json::object audit_details{{"sha256", lowered}, {"signed_sha256", out_sha256}, {"certificate", serial}};
    const std::string who = "user:" + std::to_string(user_id);
    auto audited =
        identity::record_audit(c,
                               identity::AuditEvent{who, "document.signed", "signature:" + std::string(token),
                                                    boost::json::serialize(audit_details)},
                               clock_);
    if (!audited) return std::move(audited).error();
    return {};
  });
  if (!stored) return back_to_pending(std::move(stored).error());
  return find(user_id, token);
}

Result<std::string> PersonalSigning::signed_copy(std::int64_t user_id, std::string_view token) const {
  if (!key_) return unavailable();
  auto connection = db_.acquire();
  if (!connection) return std::move(connection).error();
  auto rows = (**connection)
                  .query(
                      "SELECT sealed_pdf FROM documents_signatures WHERE token = ? AND user_id = ? "
                      "AND status = 'signed' AND sealed_pdf IS NOT NULL AND expires_at > ?",
                      {std::string(token), user_id, to_unix_micros(clock_.now())});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return make_error(Errc::no_such_signature, "the signed copy is no longer kept");
  return key_->open(rows->rows.front().text(0), pdf_purpose(token));
}

Result<std::vector<PersonalSignature>> PersonalSigning::signatures(std::int64_t user_id) const {
  auto connection = db_.acquire();
  if (!connection) return std::move(connection).error();
  auto rows = (**connection)
                  .query(std::string("SELECT ") + kColumns +
                             " FROM documents_signatures WHERE user_id = ? AND status = 'signed' "
                             "ORDER BY signed_at DESC, id DESC",
                         {user_id});
  if (!rows) return std::move(rows).error();
  const Instant now = clock_.now();
  std::vector<PersonalSignature> out;
  for (const auto& row : rows->rows) {
    PersonalSignature s = signature_of(row);
    if (s.expires_at <= now) s.copy_available = false;
    out.push_back(std::move(s));
  }
  return out;
}

Result<void> PersonalSigning::purge() const {
  const std::int64_t now = to_unix_micros(clock_.now());
  return db_.transaction([&](storage::Connection& c) -> Result<void> {
    auto lapsed =
        c.execute("DELETE FROM documents_signatures WHERE status IN ('pending', 'signing') AND expires_at <= ?", {now});
    if (!lapsed) return std::move(lapsed).error();
    auto dropped = c.execute(
        "UPDATE documents_signatures SET sealed_pdf = NULL WHERE status = 'signed' AND expires_at <= ? "
        "AND sealed_pdf IS NOT NULL",
        {now});
    if (!dropped) return std::move(dropped).error();
    return {};
  });
}

Result<void> schedule_signature_purge(storage::Database& db, const Clock& clock) {
  return jobs::schedule_next_hour(db, kPurgeSignaturesJobKind, clock);
}

}  // namespace guichet::documents
