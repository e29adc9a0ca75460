#pragma once
// Files people give: the vault of documents a person provided once (an identity document's scan,
// a proof of address, a bank statement...), with kind, issuer and expiry, offered in one click in
// any later form that asks for that kind; and the attachments of cases, copied from the vault when
// a case is submitted (or sent with a message), so that they stay with the administration's
// record whatever the person later deletes.
//
// Every file is checked before anything is stored: its size, and its type as libmagic reads it
// from the bytes (never the name or the type the browser claimed). Files live in the database,
// so every node serves them, and each person's vault is limited in number and total size.
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::procedures {

// The kinds of documents, each named in every language (`document_kind_<kind>`).
const std::vector<std::string>& document_kinds();
bool known_document_kind(std::string_view kind);

// What a file may be: PDF and the photo formats a phone takes.
const std::vector<std::string>& attachable_content_types();
inline constexpr std::int64_t kMaxFileBytes = 10 * 1024 * 1024;
// A page's form carries at most one file per question and some text: what its body may hold.
inline constexpr std::size_t kMaxUploadBodyBytes = 4 * (kMaxFileBytes + 64 * 1024);

struct VaultPolicy {
  int documents_per_person = 50;
  std::int64_t bytes_per_person = 100LL * 1024 * 1024;
};

// A stored file, without its bytes.
struct StoredFile {
  std::int64_t id = 0;
  std::string name;  // the file's name as given, cleaned of paths and control characters
  std::string content_type;
  std::int64_t size = 0;
  std::string sha256;  // hex
  Instant created_at;
};

struct VaultDocument : StoredFile {
  std::string kind;
  std::string issuer;
  std::string expires_on;  // YYYY-MM-DD, or empty
  bool expired(std::string_view today) const { return !expires_on.empty() && expires_on < today; }
};

struct NewDocument {
  std::string kind;
  std::string issuer;      // optional
  std::string expires_on;  // optional; YYYY-MM-DD (DD/MM/YYYY accepted)
  std::string name;
  std::string bytes;
};

// A file's checks before it is kept: Errc::file_empty, file_too_large (over `max_bytes`),
// file_type_refused (libmagic's type not in `accepted`). Gives the type found.
Result<std::string> check_file(std::string_view bytes, const std::vector<std::string>& accepted,
                               std::int64_t max_bytes = kMaxFileBytes);
// A name safe to keep and to send back in Content-Disposition: no path, no control characters,
// no quotes, at most 120 bytes of UTF-8; "file" when nothing is left.
std::string clean_file_name(std::string_view name);

// A fact the person gave once (a bank account's IBAN, a vehicle's registration...), offered again,
// pre-filled, in every later form whose field names it as its source ("vault.iban").
struct Fact {
  std::string name;            // the source without "vault.": iban, vehicle_plate...
  boost::json::value value;    // the answer as normalised (procedures/answers.hpp)
  std::string case_reference;  // the case it was last given with
  Instant updated_at;
};

class Vault {
 public:
  Vault(storage::Database& db, const Clock& clock, VaultPolicy policy = {});

  // Checks and keeps a document (Errc::bad_document_kind, bad_issuer past 200 characters,
  // bad_expiry when not a date; check_file's errors; Errc::vault_full).
  Result<VaultDocument> add(std::int64_t user_id, const NewDocument& document) const;
  // The person's documents, newest first; `kind` non-empty keeps that kind only.
  Result<std::vector<VaultDocument>> list(std::int64_t user_id, std::string_view kind = {}) const;
  // One of the person's documents (Errc::no_such_document for anyone else's).
  Result<VaultDocument> find(std::int64_t user_id, std::int64_t id) const;
  Result<std::string> content(std::int64_t user_id, std::int64_t id) const;
  Result<void> remove(std::int64_t user_id, std::int64_t id) const;
  // The person's facts, by name; forgetting one that is not there is not an error.
  Result<std::vector<Fact>> facts(std::int64_t user_id) const;
  Result<void> forget(std::int64_t user_id, std::string_view name) const;

  const Clock& clock() const { return clock_; }

 private:
  storage::Database& db_;
  const Clock& clock_;
  VaultPolicy policy_;
};

// Within the caller's transaction: one of the person's vault documents, without its bytes.
Result<VaultDocument> vault_document_on(storage::Connection& c, std::int64_t user_id, std::int64_t id);

// The person's vault as JSON, for the export of everything held about them: {"files": each
// document's description and its contents in base64, "facts": each fact given}.
Result<std::string> vault_personal_data(storage::Database& db, std::int64_t user_id);

// Within the caller's transaction: the person's facts, and keeping one given with a case (the one
// before replaced).
Result<std::vector<Fact>> facts_on(storage::Connection& c, std::int64_t user_id);
Result<void> keep_fact(storage::Connection& c, std::int64_t user_id, std::string_view name,
                       const boost::json::value& value, std::string_view case_reference, Instant now);

// A case's attachment: the question it answers, or the message it came with.
struct Attachment : StoredFile {
  std::string field;
  std::int64_t note_id = 0;
};

// Within the caller's transaction: copies a vault document to the case as the answer to `field`.
Result<Attachment> attach_from_vault(storage::Connection& c, std::int64_t case_id, std::string_view field,
                                     std::int64_t user_id, std::int64_t document_id, Instant now);
// Within the caller's transaction: keeps a file sent with a message (checked by the caller).
Result<Attachment> attach_to_note(storage::Connection& c, std::int64_t case_id, std::int64_t note_id,
                                  std::string_view name, std::string_view content_type, std::string_view bytes,
                                  Instant now);
Result<std::vector<Attachment>> attachments_of(storage::Database& db, std::int64_t case_id);
// An attachment's bytes with its description (Errc::no_such_document when not the case's).
Result<std::pair<Attachment, std::string>> attachment_content(storage::Database& db, std::int64_t case_id,
                                                              std::int64_t attachment_id);

}  // namespace guichet::procedures
