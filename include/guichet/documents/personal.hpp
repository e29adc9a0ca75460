#pragma once
// A person's own signature, done remotely as Chave Móvel Digital does: the person uploads a PDF
// (or another module hands one over), sees its name, size and SHA-256, and confirms with a fresh
// code from their authenticator app; only then does Guichet open the person's private key (held
// by Guichet, sealed with the secrets key) and sign the PDF (PAdES B-B, B-T when a time-stamping
// authority is configured) with the personal certificate its CA issued them. The person lists
// what they signed and can revoke their certificate.
//
// The code is bound to the hash: the confirmation names the SHA-256 the person was shown, and is
// refused unless it is the stored document's, in the same transaction that spends the code, so a
// document swapped after it was shown is never signed with that code.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/core/secrets.hpp"
#include "guichet/documents/pades.hpp"
#include "guichet/documents/pki.hpp"
#include "guichet/storage/database.hpp"
#include "guichet/storage/sealed.hpp"

namespace guichet::documents {

struct PersonalSigningPolicy {
  std::size_t max_pdf_bytes = 20 * 1024 * 1024;
  std::chrono::minutes confirm_within{15};  // an upload not confirmed by then is deleted
  std::chrono::days copy_kept{7};           // the signed copy can be downloaded this long
  int pending_per_person = 5;               // uploads waiting for a code at once
  int signatures_per_day = 20;              // per person: each one costs a signature and a time-stamp
};

struct PersonalSignature {
  std::string token;  // the random name in its URLs
  std::string file_name;
  std::int64_t size = 0;
  std::string sha256;  // of the document as uploaded, hex
  std::string status;  // "pending", "signing", "signed"
  Instant created_at;
  Instant expires_at;  // pending: when the upload lapses; signed: when the copy is dropped
  std::optional<Instant> signed_at;
  std::int64_t signed_size = 0;
  std::string signed_sha256;
  std::string certificate_serial;
  bool copy_available = false;  // signed, and the copy still kept
};

class PersonalSigning {
 public:
  // Needs the secrets key (uploads are sealed at rest with it, as the person's key is);
  // without one every call answers Errc::no_secrets_key.
  PersonalSigning(storage::Database& db, CertificateAuthority& authority, const Clock& clock,
                  std::optional<SecretKey> key, TimeStamper time_stamper = {}, PersonalSigningPolicy policy = {});

  // Checks the upload (a PDF by content, within the size limit, readable and not encrypted:
  // Errc::pdf_too_large, not_a_pdf, pdf_encrypted), then keeps it sealed, pending confirmation.
  // Errc::too_many_pending when the person has as many waiting as the policy allows.
  Result<PersonalSignature> upload(std::int64_t user_id, std::string_view file_name, std::string_view pdf);

  // One of the person's documents; Errc::no_such_signature for another's, an unknown token, or a
  // lapsed upload.
  Result<PersonalSignature> find(std::int64_t user_id, std::string_view token) const;

  // The person confirms with a TOTP code over `sha256` (what they were shown): the code is spent
  // and the document marked as being signed in one transaction, then the PDF is signed on the
  // compute pool and the signed copy stored with the record, audited `document.signed`.
  // Errc::hash_mismatch, already_signed, signature_limit; identity's wrong_code (the wrong try is
  // counted), sign_in_throttled, no_second_factor. `details` gives /Reason and /Location in the
  // person's language; /Name and /M are filled in here.
  Result<PersonalSignature> confirm(std::int64_t user_id, std::string_view token, std::string_view sha256,
                                    std::string_view code, std::string_view remote_address,
                                    const SignatureDetails& details);

  // The signed copy while it is kept: Errc::no_such_signature otherwise.
  Result<std::string> signed_copy(std::int64_t user_id, std::string_view token) const;

  // What the person signed, newest first.
  Result<std::vector<PersonalSignature>> signatures(std::int64_t user_id) const;

  // Deletes lapsed uploads and signed copies past their week (every node may run it).
  Result<void> purge() const;

 private:
  Result<PersonalSubject> subject_of(std::int64_t user_id);

  storage::Database& db_;
  CertificateAuthority& authority_;
  const Clock& clock_;
  std::optional<SecretKey> key_;
  TimeStamper time_stamper_;
  PersonalSigningPolicy policy_;
};

// Lapsed uploads and old copies are purged hourly by this job, on whichever node takes it.
inline constexpr const char* kPurgeSignaturesJobKind = "documents.purge_signatures";
// Queues the next hourly run (once across nodes: the job's key is its hour).
Result<void> schedule_signature_purge(storage::Database& db, const Clock& clock);

// Documents waiting for or given a personal signature, sealed with the secrets key.
inline constexpr storage::SealedColumn kSealedSignaturePdfs{"documents_signatures", "token", false, "sealed_pdf",
                                                            "documents_signatures.sealed_pdf:"};

}  // namespace guichet::documents
