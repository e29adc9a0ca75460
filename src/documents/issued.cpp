#include "guichet/documents/issued.hpp"

#include <cctype>

#include "guichet/core/random.hpp"

namespace guichet::documents {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford's base32
constexpr const char* kColumns = "code, kind, issuer, title, reference, sha256, size, issued_at";

IssuedDocument issued_of(const storage::Row& row) {
  return IssuedDocument{row.text(0), row.text(1), row.text(2),    row.text(3),
                        row.text(4), row.text(5), row.integer(6), from_unix_micros(row.integer(7))};
}

Result<std::optional<IssuedDocument>> find_by(storage::Database& db, const char* column, const std::string& value) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto rows = (**connection)
                  .query(std::string("SELECT ") + kColumns + " FROM documents_issued WHERE " + column +
                             " = ? ORDER BY id LIMIT 1",
                         {value});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<IssuedDocument>();
  return std::optional<IssuedDocument>(issued_of(rows->rows.front()));
}

}  // namespace

std::string new_verification_code() {
  const std::string bytes = random_bytes(8);
  std::uint64_t bits = 0;
  for (unsigned char b : bytes) bits = (bits << 8) | b;
  std::string code;
  for (int i = 0; i < 12; ++i) {
    if (i > 0 && i % 4 == 0) code += '-';
    code += kAlphabet[bits & 31U];
    bits >>= 5;
  }
  return code;
}

std::string canonical_verification_code(std::string_view typed) {
  std::string letters;
  for (unsigned char c : typed) {
    c = static_cast<unsigned char>(std::toupper(c));
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    if (kAlphabet.find(static_cast<char>(c)) != std::string_view::npos) letters += static_cast<char>(c);
  }
  if (letters.size() != 12) return letters;
  return letters.substr(0, 4) + "-" + letters.substr(4, 4) + "-" + letters.substr(8, 4);
}

Result<void> record_issued(storage::Database& db, const IssuedDocument& d) {
  return db.transaction([&](storage::Connection& c) -> Result<void> {
    auto inserted = c.execute(
        "INSERT INTO documents_issued (code, kind, issuer, title, reference, sha256, size, issued_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        {d.code, d.kind, d.issuer, d.title, d.reference, d.sha256, d.size, to_unix_micros(d.issued_at)});
    if (!inserted) return std::move(inserted).error();
    return {};
  });
}

Result<std::optional<IssuedDocument>> find_issued(storage::Database& db, std::string_view code) {
  return find_by(db, "code", canonical_verification_code(code));
}

Result<std::optional<IssuedDocument>> find_issued_by_hash(storage::Database& db, std::string_view sha256) {
  return find_by(db, "sha256", std::string(sha256));
}

}  // namespace guichet::documents
