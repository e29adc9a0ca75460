#include "guichet/identity/second_factor.hpp"

#include <liboath/oath.h>
#include <qrencode.h>

#include <cctype>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "guichet/core/digest.hpp"
#include "guichet/core/random.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/identity/account.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/errors.hpp"
#include "guichet/identity/throttle.hpp"

namespace guichet::identity {
namespace {

constexpr unsigned kStepSeconds = 30;
constexpr std::size_t kWindowSteps = 1;   // one step either side, whatever happens
constexpr std::size_t kSecretBytes = 20;  // 160 bits, as RFC 4226 recommends

void ensure_oath() {
  static std::once_flag once;
  std::call_once(once, [] { oath_init(); });
}

Result<std::string> decode_secret(std::string_view base32) {
  ensure_oath();
  char* raw = nullptr;
  std::size_t length = 0;
  if (oath_base32_decode(base32.data(), base32.size(), &raw, &length) != OATH_OK) {
    return make_error(Errc::totp_secret_invalid, "a stored TOTP secret is not base32");
  }
  std::string secret(raw, length);
  free(raw);  // NOLINT(cppcoreguidelines-no-malloc): liboath allocates with malloc
  return secret;
}

std::string encode_secret(std::string_view raw) {
  ensure_oath();
  char* out = nullptr;
  std::size_t length = 0;
  oath_base32_encode(raw.data(), raw.size(), &out, &length);
  std::string text(out, length);
  free(out);  // NOLINT(cppcoreguidelines-no-malloc): liboath allocates with malloc
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

Result<TotpEnrolment> enrolment_for(std::string secret, std::string_view email, std::string_view issuer) {
  std::string label = http::url_encode(issuer) + ":" + http::url_encode(email);
  std::string uri = "otpauth://totp/" + label + "?secret=" + secret + "&issuer=" + http::url_encode(issuer) +
                    "&algorithm=SHA1&digits=6&period=30";
  auto svg = qr_code_svg(uri, std::string(issuer) + " " + std::string(email));
  if (!svg) return std::move(svg).error();
  return TotpEnrolment{std::move(secret), std::move(uri), std::move(svg).value()};
}

// Codes may be typed with spaces or dashes; only digits (TOTP) or letters and digits (recovery)
// are kept, and recovery codes are compared in lower case.
std::string canonical_code(std::string_view code) {
  std::string out;
  for (unsigned char c : code) {
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
  }
  return out;
}

std::string recovery_hash(std::int64_t user_id, std::string_view canonical) {
  return sha256_hex(std::to_string(user_id) + ":" + std::string(canonical));
}

// Ten codes of twelve base32 characters (60 bits each), shown as xxxx-xxxx-xxxx.
Result<std::vector<std::string>> store_new_recovery_codes(storage::Connection& c, std::int64_t user_id) {
  if (auto cleared = c.execute("DELETE FROM recovery_codes WHERE user_id = ?", {user_id}); !cleared) {
    return std::move(cleared).error();
  }
  std::vector<std::string> codes;
  for (int i = 0; i < kRecoveryCodeCount; ++i) {
    std::string raw = encode_secret(random_bytes(8)).substr(0, 12);
    for (auto& ch : raw) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto stored = c.execute("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)",
                            {user_id, recovery_hash(user_id, raw)});
    if (!stored) return std::move(stored).error();
    codes.push_back(raw.substr(0, 4) + "-" + raw.substr(4, 4) + "-" + raw.substr(8, 4));
  }
  return codes;
}

Result<std::string> email_of(storage::Connection& c, std::int64_t user_id) {
  auto rows = c.query("SELECT email FROM users WHERE id = ?", {user_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return make_error(Errc::no_such_user, "this account no longer exists");
  return rows->rows[0].text(0);
}

Result<void> audit_and_notify(storage::Connection& c, std::int64_t user_id, std::string_view action,
                              const SecurityNotice& notice, const Clock& clock) {
  if (notice) {
    auto email = email_of(c, user_id);
    if (!email) return std::move(email).error();
    if (auto sent = jobs::enqueue_email(c, notice(*email), clock, std::nullopt, jobs::JobPriority::urgent); !sent)
      return std::move(sent).error();
  }
  std::string who = "user:" + std::to_string(user_id);
  auto audited = record_audit(c, AuditEvent{who, std::string(action), who, "{}"}, clock);
  if (!audited) return std::move(audited).error();
  return {};
}

// Whether `code` is the TOTP code of `secret` within the window, and at a step newer than
// `last_step` (so a code seen once, by anyone, is spent). Returns the matched step.
Result<std::optional<std::uint64_t>> match_totp(std::string_view secret_base32, std::string_view code,
                                                std::int64_t last_step, Instant now) {
  if (code.size() != 6) return std::optional<std::uint64_t>();
  auto secret = decode_secret(secret_base32);
  if (!secret) return std::move(secret).error();
  ensure_oath();
  std::string otp(code);
  int position = 0;
  std::uint64_t counter = 0;
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  int rc = oath_totp_validate3(secret->data(), secret->size(), static_cast<time_t>(seconds), kStepSeconds, 0,
                               kWindowSteps, &position, &counter, otp.c_str());
  if (rc < 0) return std::optional<std::uint64_t>();
  if (static_cast<std::int64_t>(counter) <= last_step) return std::optional<std::uint64_t>();
  return std::optional<std::uint64_t>(counter);
}

Error wrong_code() { return make_error(Errc::wrong_code, "the code is wrong or already used"); }

std::string throttle_account(std::int64_t user_id) { return "second-factor:" + std::to_string(user_id); }

}  // namespace

Result<std::string> totp_code(std::string_view secret_base32, Instant at) {
  auto secret = decode_secret(secret_base32);
  if (!secret) return std::move(secret).error();
  char out[7] = {};
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
  if (oath_totp_generate(secret->data(), secret->size(), static_cast<time_t>(seconds), kStepSeconds, 0, 6, out) !=
      OATH_OK) {
    return make_error(Errc::totp_failed, "the TOTP code could not be computed");
  }
  return std::string(out, 6);
}

Result<std::string> qr_code_svg(std::string_view text, std::string_view title) {
  std::string input(text);
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(QRcode_encodeString8bit(input.c_str(), 0, QR_ECLEVEL_M),
                                                       &QRcode_free);
  if (!code) return make_error(Errc::qr_failed, "the QR code could not be made");
  const int width = code->width;
  const int size = width + 8;  // a quiet zone of four modules each side
  std::string path;
  for (int y = 0; y < width; ++y) {
    for (int x = 0; x < width; ++x) {
      if (code->data[y * width + x] & 1) {
        path += 'M' + std::to_string(x + 4) + ' ' + std::to_string(y + 4) + "h1v1h-1z";
      }
    }
  }
  const std::string escaped_title = http::escape_html(std::string(title));
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + std::to_string(size) + " " +
         std::to_string(size) + "\" width=\"232\" height=\"232\" role=\"img\" aria-labelledby=\"qr-title\">" +
         "<title id=\"qr-title\">" + escaped_title + "</title><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>" +
         "<path fill=\"#000\" shape-rendering=\"crispEdges\" d=\"" + path + "\"/></svg>";
}

namespace {
std::string totp_purpose(std::int64_t user_id) {
  return std::string(kSealedTotpSecrets.purpose_prefix) + std::to_string(user_id);
}
}  // namespace

Result<TotpEnrolment> begin_totp_enrolment(storage::Database& db, std::int64_t user_id, std::string_view email,
                                           std::string_view issuer, const Clock& clock, const SecretKey* secrets) {
  std::string secret = encode_secret(random_bytes(kSecretBytes));
  auto stored = db.transaction([&](storage::Connection& c) -> Result<void> {
    auto existing = c.query("SELECT confirmed_at FROM totp_credentials WHERE user_id = ?", {user_id});
    if (!existing) return std::move(existing).error();
    if (!existing->empty() && !existing->rows[0].is_null(0)) {
      return make_error(Errc::second_factor_exists, "a second factor is already set up");
    }
    if (auto removed = c.execute("DELETE FROM totp_credentials WHERE user_id = ?", {user_id}); !removed) {
      return std::move(removed).error();
    }
    auto inserted =
        c.execute("INSERT INTO totp_credentials (user_id, secret, created_at) VALUES (?, ?, ?)",
                  {user_id, seal_at_rest(secrets, secret, totp_purpose(user_id)), to_unix_micros(clock.now())});
    if (!inserted) return std::move(inserted).error();
    return {};
  });
  if (!stored) return std::move(stored).error();
  return enrolment_for(std::move(secret), email, issuer);
}

Result<std::optional<TotpEnrolment>> pending_totp_enrolment(storage::Database& db, std::int64_t user_id,
                                                            std::string_view email, std::string_view issuer,
                                                            const SecretKey* secrets) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows =
      (*connection)->query("SELECT secret FROM totp_credentials WHERE user_id = ? AND confirmed_at IS NULL", {user_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<TotpEnrolment>();
  auto secret = open_at_rest(secrets, rows->rows[0].text(0), totp_purpose(user_id));
  if (!secret) return std::move(secret).error();
  auto enrolment = enrolment_for(std::move(*secret), email, issuer);
  if (!enrolment) return std::move(enrolment).error();
  return std::optional<TotpEnrolment>(std::move(enrolment).value());
}

Result<std::vector<std::string>> confirm_totp_enrolment(storage::Database& db, std::int64_t user_id,
                                                        std::int64_t session_id, std::string_view code,
                                                        std::string_view remote_address, const SecurityNotice& notice,
                                                        const Clock& clock, const SecretKey* secrets) {
  const std::string account = throttle_account(user_id);
  auto wait = sign_in_wait(db, account, remote_address, clock);
  if (!wait) return std::move(wait).error();
  if (wait->count() > 0) {
    return make_error(Errc::sign_in_throttled, "too many wrong codes; wait and try again");
  }
  bool wrong = false;
  auto codes = db.transaction([&](storage::Connection& c) -> Result<std::vector<std::string>> {
    auto rows =
        c.query("SELECT secret, last_step FROM totp_credentials WHERE user_id = ? AND confirmed_at IS NULL", {user_id});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) {
      return make_error(Errc::no_enrolment, "no second-factor enrolment is under way");
    }
    Instant now = clock.now();
    auto secret = open_at_rest(secrets, rows->rows[0].text(0), totp_purpose(user_id));
    if (!secret) return std::move(secret).error();
    auto step = match_totp(*secret, canonical_code(code), rows->rows[0].integer(1), now);
    if (!step) return std::move(step).error();
    if (!*step) {
      wrong = true;
      return wrong_code();
    }
    std::int64_t at = to_unix_micros(now);
    auto confirmed = c.execute("UPDATE totp_credentials SET confirmed_at = ?, last_step = ? WHERE user_id = ?",
                               {at, static_cast<std::int64_t>(**step), user_id});
    if (!confirmed) return std::move(confirmed).error();
    auto session =
        c.execute("UPDATE sessions SET second_factor_at = ?, second_factor_method = 'otp' WHERE id = ? AND user_id = ?",
                  {at, session_id, user_id});
    if (!session) return std::move(session).error();
    auto recovery = store_new_recovery_codes(c, user_id);
    if (!recovery) return recovery;
    if (auto done = audit_and_notify(c, user_id, "second_factor.enabled", notice, clock); !done) {
      return std::move(done).error();
    }
    if (auto cleared = clear_account_failures(c, account); !cleared) return std::move(cleared).error();
    return recovery;
  });
  if (!codes && wrong) {
    if (auto recorded = record_sign_in_failure(db, account, remote_address, clock); !recorded) {
      return std::move(recorded).error();
    }
  }
  return codes;
}

Result<bool> has_second_factor(storage::Database& db, std::int64_t user_id) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows =
      (*connection)->query("SELECT 1 FROM totp_credentials WHERE user_id = ? AND confirmed_at IS NOT NULL", {user_id});
  if (!rows) return std::move(rows).error();
  return !rows->empty();
}

Result<int> unused_recovery_codes(storage::Database& db, std::int64_t user_id) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows =
      (*connection)->query("SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", {user_id});
  if (!rows) return std::move(rows).error();
  return static_cast<int>(rows->rows[0].integer(0));
}

Result<SecondFactorMethod> prove_second_factor(storage::Database& db, std::int64_t user_id, std::int64_t session_id,
                                               std::string_view code, std::string_view remote_address,
                                               const SecurityNotice& recovery_notice, const Clock& clock,
                                               const SecretKey* secrets) {
  const std::string account = throttle_account(user_id);
  auto wait = sign_in_wait(db, account, remote_address, clock);
  if (!wait) return std::move(wait).error();
  if (wait->count() > 0) {
    return make_error(Errc::sign_in_throttled,
                      "too many wrong codes; wait " + std::to_string(wait->count()) + " seconds");
  }
  const std::string canonical = canonical_code(code);
  bool wrong = false;
  auto proved = db.transaction([&](storage::Connection& c) -> Result<SecondFactorMethod> {
    auto rows = c.query("SELECT secret, last_step FROM totp_credentials WHERE user_id = ? AND confirmed_at IS NOT NULL",
                        {user_id});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return make_error(Errc::no_second_factor, "no second factor is set up");
    Instant now = clock.now();
    std::int64_t at = to_unix_micros(now);
    SecondFactorMethod method = SecondFactorMethod::totp;
    auto secret = open_at_rest(secrets, rows->rows[0].text(0), totp_purpose(user_id));
    if (!secret) return std::move(secret).error();
    auto step = match_totp(*secret, canonical, rows->rows[0].integer(1), now);
    if (!step) return std::move(step).error();
    if (*step) {
      auto spent = c.execute("UPDATE totp_credentials SET last_step = ? WHERE user_id = ? AND last_step < ?",
                             {static_cast<std::int64_t>(**step), user_id, static_cast<std::int64_t>(**step)});
      if (!spent) return std::move(spent).error();
      if (*spent == 0) {  // another request spent this step first
        wrong = true;
        return wrong_code();
      }
    } else {
      auto used =
          c.execute("UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
                    {at, user_id, recovery_hash(user_id, canonical)});
      if (!used) return std::move(used).error();
      if (*used == 0) {
        wrong = true;
        return wrong_code();
      }
      method = SecondFactorMethod::recovery_code;
    }
    auto session = c.execute(
        "UPDATE sessions SET pending_second_factor = 0, second_factor_at = ?, second_factor_method = ? "
        "WHERE id = ? AND user_id = ? AND ended_at IS NULL",
        {at, std::string(method == SecondFactorMethod::totp ? "otp" : "recovery"), session_id, user_id});
    if (!session) return std::move(session).error();
    if (*session == 0) return make_error(Errc::no_such_session, "this sign-in has expired");
    if (auto cleared = clear_account_failures(c, account); !cleared) return std::move(cleared).error();
    std::string who = "user:" + std::to_string(user_id);
    if (method == SecondFactorMethod::recovery_code) {
      if (auto done = audit_and_notify(c, user_id, "recovery_code.used", recovery_notice, clock); !done) {
        return std::move(done).error();
      }
    }
    auto audited = record_audit(
        c,
        AuditEvent{who, "second_factor.proved", "session:" + std::to_string(session_id),
                   method == SecondFactorMethod::totp ? "{\"method\":\"otp\"}" : "{\"method\":\"recovery\"}"},
        clock);
    if (!audited) return std::move(audited).error();
    return method;
  });
  if (!proved && wrong) {
    if (auto recorded = record_sign_in_failure(db, account, remote_address, clock); !recorded) {
      return std::move(recorded).error();
    }
  }
  return proved;
}

Result<void> spend_totp_code(storage::Connection& c, std::int64_t user_id, std::string_view code, Instant now,
                             const SecretKey* secrets) {
  auto rows = c.query("SELECT secret, last_step FROM totp_credentials WHERE user_id = ? AND confirmed_at IS NOT NULL",
                      {user_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return make_error(Errc::no_second_factor, "no second factor is set up");
  auto secret = open_at_rest(secrets, rows->rows[0].text(0), totp_purpose(user_id));
  if (!secret) return std::move(secret).error();
  auto step = match_totp(*secret, canonical_code(code), rows->rows[0].integer(1), now);
  if (!step) return std::move(step).error();
  if (!*step) return wrong_code();
  auto spent = c.execute("UPDATE totp_credentials SET last_step = ? WHERE user_id = ? AND last_step < ?",
                         {static_cast<std::int64_t>(**step), user_id, static_cast<std::int64_t>(**step)});
  if (!spent) return std::move(spent).error();
  if (*spent == 0) return wrong_code();  // another request spent this step first
  return clear_account_failures(c, throttle_account(user_id));
}

Result<std::chrono::seconds> second_factor_wait(storage::Database& db, std::int64_t user_id,
                                                std::string_view remote_address, const Clock& clock) {
  return sign_in_wait(db, throttle_account(user_id), remote_address, clock);
}

Result<void> record_second_factor_failure(storage::Database& db, std::int64_t user_id, std::string_view remote_address,
                                          const Clock& clock) {
  return record_sign_in_failure(db, throttle_account(user_id), remote_address, clock);
}

Result<std::vector<std::string>> regenerate_recovery_codes(storage::Database& db, std::int64_t user_id,
                                                           const SecurityNotice& notice, const Clock& clock) {
  return db.transaction([&](storage::Connection& c) -> Result<std::vector<std::string>> {
    auto rows = c.query("SELECT 1 FROM totp_credentials WHERE user_id = ? AND confirmed_at IS NOT NULL", {user_id});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return make_error(Errc::no_second_factor, "no second factor is set up");
    auto codes = store_new_recovery_codes(c, user_id);
    if (!codes) return codes;
    if (auto done = audit_and_notify(c, user_id, "recovery_codes.replaced", notice, clock); !done) {
      return std::move(done).error();
    }
    return codes;
  });
}

Result<void> disable_second_factor(storage::Database& db, std::int64_t user_id, std::string_view password,
                                   std::string_view remote_address, const SecurityNotice& notice, const Clock& clock) {
  auto confirmed = confirm_password(db, user_id, password, remote_address, clock);
  if (!confirmed) return std::move(confirmed).error();
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto removed = c.execute("DELETE FROM totp_credentials WHERE user_id = ?", {user_id});
    if (!removed) return std::move(removed).error();
    if (*removed == 0) return make_error(Errc::no_second_factor, "no second factor is set up");
    if (auto codes = c.execute("DELETE FROM recovery_codes WHERE user_id = ?", {user_id}); !codes) {
      return std::move(codes).error();
    }
    return audit_and_notify(c, user_id, "second_factor.disabled", notice, clock);
  });
}

}  // namespace guichet::identity
