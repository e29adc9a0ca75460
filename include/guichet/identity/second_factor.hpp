#pragma once
// The second factor: TOTP (RFC 6238, 30-second steps, six digits, HMAC-SHA1 as every
// authenticator app expects) with a window of one step either side that never widens, and ten
// single-use recovery codes. A code is never accepted twice: the newest accepted step is stored.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/core/secrets.hpp"
#include "guichet/jobs/email.hpp"
#include "guichet/storage/database.hpp"
#include "guichet/storage/sealed.hpp"

namespace guichet::identity {

inline constexpr int kRecoveryCodeCount = 10;

struct TotpEnrolment {
  std::string secret;       // base32, for typing into an app by hand
  std::string otpauth_uri;  // otpauth://totp/Issuer:email?secret=...&issuer=Issuer
  std::string qr_svg;       // the URI as a QR code, an inline SVG document fragment
};

// The six-digit code for `secret_base32` at `at`: for tests and the demo, never for checking.
Result<std::string> totp_code(std::string_view secret_base32, Instant at);

// A QR code of `text` as an <svg> element with a single path, so a page can inline it without
// scripts or inline styles.
Result<std::string> qr_code_svg(std::string_view text, std::string_view title);

// Starts (or restarts) an enrolment: a fresh secret, stored unconfirmed. An account that already
// has a confirmed second factor gets a conflict.
// `secrets` (nullable) seals the TOTP secret at rest; every function reading it gets the same key.
Result<TotpEnrolment> begin_totp_enrolment(storage::Database& db, std::int64_t user_id, std::string_view email,
                                           std::string_view issuer, const Clock& clock, const SecretKey* secrets);
Result<std::optional<TotpEnrolment>> pending_totp_enrolment(storage::Database& db, std::int64_t user_id,
                                                            std::string_view email, std::string_view issuer,
                                                            const SecretKey* secrets);

// Called with the person's address, to tell them of a change to their second factor.
using SecurityNotice = std::function<jobs::EmailMessage(const std::string& to)>;

// Confirms the enrolment with a first code, marks the session as having proved the second factor,
// and returns ten new recovery codes (shown once, stored hashed). Audited and e-mailed.
Result<std::vector<std::string>> confirm_totp_enrolment(storage::Database& db, std::int64_t user_id,
                                                        std::int64_t session_id, std::string_view code,
                                                        std::string_view remote_address, const SecurityNotice& notice,
                                                        const Clock& clock, const SecretKey* secrets);

Result<bool> has_second_factor(storage::Database& db, std::int64_t user_id);
Result<int> unused_recovery_codes(storage::Database& db, std::int64_t user_id);

// Checks a TOTP code or a recovery code for the session's account, throttled per account and
// address like passwords; on success the session is no longer pending and records when and how
// the second factor was proved. A recovery code sends `recovery_notice`.
enum class SecondFactorMethod { totp, recovery_code };
Result<SecondFactorMethod> prove_second_factor(storage::Database& db, std::int64_t user_id, std::int64_t session_id,
                                               std::string_view code, std::string_view remote_address,
                                               const SecurityNotice& recovery_notice, const Clock& clock,
                                               const SecretKey* secrets);

// A fresh code from the authenticator app for one act of consequence (signing a document with
// the person's own certificate): checked and spent on the caller's connection, inside its
// transaction, so the act and the spent code commit together or not at all. Only TOTP codes:
// recovery codes restore access to an account, they do not consent to an act. Errc::wrong_code
// (wrong, or a step already spent), no_second_factor. Throttled like proving the second factor:
// ask second_factor_wait first, and record_second_factor_failure after a wrong code (outside the
// transaction, which rolled back).
Result<void> spend_totp_code(storage::Connection& c, std::int64_t user_id, std::string_view code, Instant now,
                             const SecretKey* secrets);
Result<std::chrono::seconds> second_factor_wait(storage::Database& db, std::int64_t user_id,
                                                std::string_view remote_address, const Clock& clock);
Result<void> record_second_factor_failure(storage::Database& db, std::int64_t user_id, std::string_view remote_address,
                                          const Clock& clock);

// Replaces the recovery codes (the old ones stop working). Audited and e-mailed.
Result<std::vector<std::string>> regenerate_recovery_codes(storage::Database& db, std::int64_t user_id,
                                                           const SecurityNotice& notice, const Clock& clock);

// Removes the second factor after checking the password. Audited and e-mailed.
Result<void> disable_second_factor(storage::Database& db, std::int64_t user_id, std::string_view password,
                                   std::string_view remote_address, const SecurityNotice& notice, const Clock& clock);

// TOTP secrets, sealed at rest (admin keys rotate-kek, start-up check).
inline constexpr storage::SealedColumn kSealedTotpSecrets{"totp_credentials", "user_id", true, "secret",
                                                          "totp_credentials.secret:"};

}  // namespace guichet::identity
