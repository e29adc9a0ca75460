#include "guichet/procedures/vault.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "guichet/core/calendar.hpp"
#include "guichet/core/digest.hpp"
#include "guichet/core/encoding.hpp"
#include "guichet/core/utf8.hpp"
#include "guichet/documents/content_type.hpp"
#include "guichet/procedures/errors.hpp"
#include "text.hpp"

namespace guichet::procedures {

namespace {

constexpr const char* kVaultColumns =
    "id, name, content_type, size_bytes, sha256, created_at, kind, issuer, expires_on FROM procedures_vault";
constexpr const char* kAttachmentColumns =
    "id, name, content_type, size_bytes, sha256, created_at, field, note_id FROM procedures_attachments";

void read_stored(const storage::Row& row, StoredFile& file) {
  file.id = row.integer(0);
  file.name = row.text(1);
  file.content_type = row.text(2);
  file.size = row.integer(3);
  file.sha256 = row.text(4);
  file.created_at = from_unix_micros(row.integer(5));
}

VaultDocument document_of(const storage::Row& row) {
  VaultDocument d;
  read_stored(row, d);
  d.kind = row.text(6);
  d.issuer = row.text(7);
  d.expires_on = row.text(8);
  return d;
}

Attachment attachment_of(const storage::Row& row) {
  Attachment a;
  read_stored(row, a);
  a.field = row.text(6);
  a.note_id = row.integer(7);
  return a;
}

// An expiry as people type it: YYYY-MM-DD, or DD/MM/YYYY as on French, Portuguese and
// Vietnamese documents.
// At most `limit` bytes, cut before a UTF-8 continuation byte.
std::string cut_utf8(std::string text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
  text.resize(end);
  return text;
}

std::optional<std::string> expiry_of(std::string_view text) {
  if (auto day = parse_iso_day(text)) return format_iso_day(*day);
  if (text.size() == 10 && text[2] == '/' && text[5] == '/') {
    const std::string iso =
        std::string(text.substr(6, 4)) + "-" + std::string(text.substr(3, 2)) + "-" + std::string(text.substr(0, 2));
    if (auto day = parse_iso_day(iso)) return format_iso_day(*day);
  }
  return std::nullopt;
}

}  // namespace

Result<std::string> check_file(std::string_view bytes, const std::vector<std::string>& accepted,
                               std::int64_t max_bytes) {
  if (bytes.empty()) return make_error(Errc::file_empty, "the file is empty");
  if (static_cast<std::int64_t>(bytes.size()) > max_bytes) {
    return make_error(Errc::file_too_large, "the file is larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::string type = documents::content_type_of(bytes);
  if (std::find(accepted.begin(), accepted.end(), type) == accepted.end()) {
    return make_error(Errc::file_type_refused,
                      "files of type " + (type.empty() ? std::string("unknown") : type) + " are not accepted here");
  }
  return type;
}

std::string clean_file_name(std::string_view name) {
  // Browsers on Windows once sent whole paths: keep what follows the last separator.
  if (auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string out;
  for (char ch : name) {
    const auto byte = static_cast<unsigned char>(ch);
    if (byte < 0x20 || byte == 0x7f || ch == '"' || ch == ';') continue;
    out += ch;
  }
  out = cut_utf8(is_valid_utf8(out) ? out : std::string("file"), 120);
  const auto first = out.find_first_not_of(" .");
  if (first == std::string::npos) return "file";
  return out.substr(first);
}

Vault::Vault(storage::Database& db, const Clock& clock, VaultPolicy policy) : db_(db), clock_(clock), policy_(policy) {}

Result<VaultDocument> Vault::add(std::int64_t user_id, const NewDocument& document) const {
  if (!known_document_kind(document.kind)) return make_error(Errc::bad_document_kind, "kind: not a kind of document");
  const std::string issuer = trimmed(document.issuer);
  if (!is_valid_utf8(issuer) || code_points(issuer) > 200) {
    return make_error(Errc::bad_issuer, "issuer: at most 200 characters");
  }
  std::string expires_on;
  if (!trimmed(document.expires_on).empty()) {
    auto expiry = expiry_of(trimmed(document.expires_on));
    if (!expiry) return make_error(Errc::bad_expiry, "expires_on: not a date (YYYY-MM-DD or DD/MM/YYYY)");
    expires_on = *expiry;
  }
  auto type = check_file(document.bytes, attachable_content_types());
  if (!type) return std::move(type).error();
  VaultDocument added;
  added.kind = document.kind;
  added.issuer = issuer;
  added.expires_on = expires_on;
  added.name = clean_file_name(document.name);
  added.content_type = *type;
  added.size = static_cast<std::int64_t>(document.bytes.size());
  added.sha256 = sha256_hex(document.bytes);
  added.created_at = clock_.now();
  const std::string content = base64(document.bytes);
  auto stored = db_.transaction([&](storage::Connection& c) -> Result<void> {
    // Counted inside the write transaction, so two uploads at once cannot both pass the limit
    // (PostgreSQL: the user's row is held first, as every vault write does).
    if (c.backend() == storage::Backend::postgresql) {
      auto held = c.query("SELECT id FROM users WHERE id = ? FOR UPDATE", {user_id});
      if (!held) return std::move(held).error();
    }
    auto usage =
        c.query("SELECT COUNT(*), COALESCE(SUM(size_bytes), 0) FROM procedures_vault WHERE user_id = ?", {user_id});
    if (!usage) return std::move(usage).error();
    const std::int64_t count = usage->rows.at(0).integer(0);
    const std::int64_t bytes = usage->rows.at(0).integer(1);
    if (count >= policy_.documents_per_person || bytes + added.size > policy_.bytes_per_person) {
      return make_error(Errc::vault_full, "the vault holds " + std::to_string(count) + " documents, " +
                                              std::to_string(bytes) + " bytes: delete some first");
    }
    auto id = c.query(
        "INSERT INTO procedures_vault (user_id, kind, issuer, expires_on, name, content_type, size_bytes, sha256, "
        "content, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        {user_id, added.kind, added.issuer,
         added.expires_on.empty() ? storage::Value(nullptr) : storage::Value(added.expires_on), added.name,
         added.content_type, added.size, added.sha256, content, to_unix_micros(added.created_at)});
    if (!id) return std::move(id).error();
    added.id = id->rows.at(0).integer(0);
    return {};
  });
  if (!stored) return std::move(stored).error();
  return added;
}

Result<std::vector<VaultDocument>> Vault::list(std::int64_t user_id, std::string_view kind) const {
  auto rows = db_.read([&](storage::Connection& c) {
    if (kind.empty()) {
      return c.query(std::string("SELECT ") + kVaultColumns + " WHERE user_id = ? ORDER BY created_at DESC, id DESC",
                     {user_id});
    }
    return c.query(
        std::string("SELECT ") + kVaultColumns + " WHERE user_id = ? AND kind = ? ORDER BY created_at DESC, id DESC",
        {user_id, std::string(kind)});
  });
  if (!rows) return std::move(rows).error();
  std::vector<VaultDocument> out;
  out.reserve(rows->size());
  for (const storage::Row& row : rows->rows) out.push_back(document_of(row));
  return out;
}

Result<VaultDocument> vault_document_on(storage::Connection& c, std::int64_t user_id, std::int64_t id) {
  auto rows = c.query(std::string("SELECT ") + kVaultColumns + " WHERE id = ? AND user_id = ?", {id, user_id});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return make_error(Errc::no_such_document, "no such document");
  return document_of(rows->rows.front());
}

Result<VaultDocument> Vault::find(std::int64_t user_id, std::int64_t id) const {
  return db_.read([&](storage::Connection& c) { return vault_document_on(c, user_id, id); });
}

Result<std::string> Vault::content(std::int64_t user_id, std::int64_t id) const {
  auto rows = db_.read([&](storage::Connection& c) {
    return c.query("SELECT content FROM procedures_vault WHERE id = ? AND user_id = ?", {id, user_id});
  });
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return make_error(Errc::no_such_document, "no such document");
  return base64_decode(rows->rows.front().text(0));
}

Result<void> Vault::remove(std::int64_t user_id, std::int64_t id) const {
  auto removed = db_.transaction([&](storage::Connection& c) {
    return c.execute("DELETE FROM procedures_vault WHERE id = ? AND user_id = ?", {id, user_id});
  });
  if (!removed) return std::move(removed).error();
  if (*removed == 0) return make_error(Errc::no_such_document, "no such document");
  return {};
}

Result<std::vector<Fact>> facts_on(storage::Connection& c, std::int64_t user_id) {
  auto rows =
      c.query("SELECT name, value, case_reference, updated_at FROM procedures_facts WHERE user_id = ? ORDER BY name",
              {user_id});
  if (!rows) return std::move(rows).error();
  std::vector<Fact> out;
  for (const storage::Row& row : rows->rows) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(row.text(1), ec);
    if (ec) continue;  // never written so: keep_fact serialises a checked answer
    out.push_back(Fact{row.text(0), std::move(value), row.text(2), from_unix_micros(row.integer(3))});
  }
  return out;
}

Result<void> keep_fact(storage::Connection& c, std::int64_t user_id, std::string_view name,
                       const boost::json::value& value, std::string_view case_reference, Instant now) {
  auto kept = c.execute(
      "INSERT INTO procedures_facts (user_id, name, value, case_reference, updated_at) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT (user_id, name) DO UPDATE SET value = excluded.value, case_reference = excluded.case_reference, "
      "updated_at = excluded.updated_at",
      {user_id, std::string(name), boost::json::serialize(value), std::string(case_reference), to_unix_micros(now)});
  if (!kept) return std::move(kept).error();
  return {};
}

Result<std::vector<Fact>> Vault::facts(std::int64_t user_id) const {
  return db_.read([&](storage::Connection& c) { return facts_on(c, user_id); });
}

Result<void> Vault::forget(std::int64_t user_id, std::string_view name) const {
  auto removed = db_.transaction([&](storage::Connection& c) {
    return c.execute("DELETE FROM procedures_facts WHERE user_id = ? AND name = ?", {user_id, std::string(name)});
  });
  if (!removed) return std::move(removed).error();
  return {};
}

Result<std::string> vault_personal_data(storage::Database& db, std::int64_t user_id) {
  auto rows = db.read([&](storage::Connection& c) {
    return c.query(std::string("SELECT ") + "id, name, content_type, size_bytes, sha256, created_at, kind, issuer, " +
                       "expires_on, content FROM procedures_vault WHERE user_id = ? ORDER BY id",
                   {user_id});
  });
  if (!rows) return std::move(rows).error();
  auto facts = db.read([&](storage::Connection& c) { return facts_on(c, user_id); });
  if (!facts) return std::move(facts).error();
  boost::json::array given;
  for (const Fact& f : *facts) {
    given.push_back(boost::json::object{{"name", f.name},
                                        {"value", f.value},
                                        {"case", f.case_reference},
                                        {"updated_at", format_rfc3339(f.updated_at)}});
  }
  boost::json::array out;
  for (const storage::Row& row : rows->rows) {
    const VaultDocument d = document_of(row);
    out.push_back(boost::json::object{{"kind", d.kind},
                                      {"issuer", d.issuer},
                                      {"expires_on", d.expires_on},
                                      {"name", d.name},
                                      {"content_type", d.content_type},
                                      {"sha256", d.sha256},
                                      {"created_at", format_rfc3339(d.created_at)},
                                      {"content_base64", row.text(9)}});
  }
  return boost::json::serialize(boost::json::object{{"files", std::move(out)}, {"facts", std::move(given)}});
}

Result<Attachment> attach_from_vault(storage::Connection& c, std::int64_t case_id, std::string_view field,
                                     std::int64_t user_id, std::int64_t document_id, Instant now) {
  // Copied in the database, so the bytes never pass through this process.
  auto id = c.query(
      "INSERT INTO procedures_attachments (case_id, field, note_id, name, content_type, size_bytes, sha256, content, "
      "created_at) SELECT ?, ?, NULL, name, content_type, size_bytes, sha256, content, ? FROM procedures_vault "
      "WHERE id = ? AND user_id = ? RETURNING id",
      {case_id, std::string(field), to_unix_micros(now), document_id, user_id});
  if (!id) return std::move(id).error();
  if (id->empty()) return make_error(Errc::no_such_document, "the document is no longer in the vault");
  auto rows = c.query(std::string("SELECT ") + kAttachmentColumns + " WHERE id = ?", {id->rows.front().integer(0)});
  if (!rows) return std::move(rows).error();
  return attachment_of(rows->rows.at(0));
}

Result<Attachment> attach_to_note(storage::Connection& c, std::int64_t case_id, std::int64_t note_id,
                                  std::string_view name, std::string_view content_type, std::string_view bytes,
                                  Instant now) {
  Attachment a;
  a.note_id = note_id;
  a.name = clean_file_name(name);
  a.content_type = std::string(content_type);
  a.size = static_cast<std::int64_t>(bytes.size());
  a.sha256 = sha256_hex(bytes);
  a.created_at = now;
  auto id = c.query(
      "INSERT INTO procedures_attachments (case_id, field, note_id, name, content_type, size_bytes, sha256, content, "
      "created_at) VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {case_id, note_id, a.name, a.content_type, a.size, a.sha256, base64(bytes), to_unix_micros(now)});
  if (!id) return std::move(id).error();
  a.id = id->rows.at(0).integer(0);
  return a;
}

Result<std::vector<Attachment>> attachments_of(storage::Database& db, std::int64_t case_id) {
  auto rows = db.read([&](storage::Connection& c) {
    return c.query(std::string("SELECT ") + kAttachmentColumns + " WHERE case_id = ? ORDER BY id", {case_id});
  });
  if (!rows) return std::move(rows).error();
  std::vector<Attachment> out;
  out.reserve(rows->size());
  for (const storage::Row& row : rows->rows) out.push_back(attachment_of(row));
  return out;
}

Result<std::pair<Attachment, std::string>> attachment_content(storage::Database& db, std::int64_t case_id,
                                                              std::int64_t attachment_id) {
  auto rows = db.read([&](storage::Connection& c) {
    return c.query(std::string("SELECT ") + "id, name, content_type, size_bytes, sha256, created_at, field, note_id, " +
                       "content FROM procedures_attachments WHERE id = ? AND case_id = ?",
                   {attachment_id, case_id});
  });
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return make_error(Errc::no_such_document, "no such attachment");
  const storage::Row& row = rows->rows.front();
  auto bytes = base64_decode(row.text(8));
  if (!bytes) return std::move(bytes).error();
  return std::make_pair(attachment_of(row), std::move(bytes).value());
}

}  // namespace guichet::procedures
