#pragma once
// The register of what Guichet issued: each sealed document names a verification code (printed,
// and as a QR code leading to /verify/<code>), so whoever holds it can see what was issued and
// check that a file is exactly the one issued, as a Portuguese certidão's access code does.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::documents {

struct IssuedDocument {
  std::string code;       // XXXX-XXXX-XXXX
  std::string kind;       // "booking_confirmation", ...
  std::string issuer;     // the administration, as its seal names it
  std::string title;      // in the document's language
  std::string reference;  // what the document is about (a booking's reference, ...)
  std::string sha256;     // of the file as issued, sealed
  std::int64_t size = 0;
  Instant issued_at;
};

// Twelve characters of Crockford's base32 (60 random bits) in groups of four: no I, L, O or U, so
// nothing is misread when typed from paper.
std::string new_verification_code();
// Upper case, the separators and look-alike letters folded, so "abcd efgh-ijk1" finds ABCD-EFGH-1JK1.
std::string canonical_verification_code(std::string_view typed);

Result<void> record_issued(storage::Database& db, const IssuedDocument& document);
Result<std::optional<IssuedDocument>> find_issued(storage::Database& db, std::string_view code);
// The document issued as exactly these bytes, if any.
Result<std::optional<IssuedDocument>> find_issued_by_hash(storage::Database& db, std::string_view sha256);

}  // namespace guichet::documents
