#pragma once
// Guichet's certification authority: a root (created once by `guichet admin pki init`, kept
// offline in spirit: it signs only the issuing CA), an issuing CA, and the certificates it issues
// — each administration's electronic seal, issued on first use. Certificates and keys live in the
// database (table documents_certificates) so every node seals with the same ones; private keys are
// sealed with the operator's secrets key (core/secrets.hpp) and opened only in memory to sign.
// Keys are ECDSA P-256, signatures SHA-256.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/core/secrets.hpp"
#include "guichet/documents/pades.hpp"
#include "guichet/documents/verify.hpp"
#include "guichet/storage/database.hpp"
#include "guichet/storage/sealed.hpp"

namespace guichet::documents {

struct CertificateRecord {
  std::int64_t id = 0;
  std::string role;    // "root", "issuing", "seal", "tsa", "person"
  std::string owner;   // the administration's code for a seal, "user:<id>" for a person's, empty for the CA's own
  std::string serial;  // hex
  std::string subject;
  std::string certificate_pem;
  Instant not_before;
  Instant not_after;
  std::optional<Instant> revoked_at;
};

struct PkiValidity {
  std::chrono::days root{365 * 20};
  std::chrono::days issuing{365 * 10};
  std::chrono::days seal{365 * 3};
  // A time-stamping unit's tokens are checked long after they were made, so it outlives the
  // seals whose signatures it proves (up to the issuing CA's own end).
  std::chrono::days tsa{365 * 9};
  // A person's signing certificate: two years, within the one to three years such certificates
  // usually last (long enough not to bother people, short enough to follow a change of name).
  std::chrono::days person{365 * 2};
  // Where verifiers find revocation status, written into every certificate the issuing CA issues
  // (CRL distribution point <url>/pki/issuing.crl, OCSP <url>/pki/ocsp, CA issuers
  // <url>/pki/issuing.pem); none when empty (the command line, which does not serve them).
  std::string public_url;
};

// Whom a personal certificate names: the person's verified given and family names at the `high`
// level of assurance (both empty below it: the certificate then carries a pseudonym), and the
// pairwise serial number that stays the same across their certificates.
struct PersonalSubject {
  std::string given_name;
  std::string family_name;
  std::string serial_number;
};

// Called in the transaction that issues or revokes a certificate ("certificate.issued",
// "certificate.revoked"), so the audit log records it with the change, by `actor` ("system" for
// what the authority does by itself, "user:<id>" for a person revoking theirs); app passes
// identity::record_audit.
using CertificateAudit = std::function<Result<void>(storage::Connection&, std::string_view action,
                                                    const CertificateRecord&, std::string_view actor)>;

class CertificateAuthority {
 public:
  // Without a secrets key the authority can say whether it is initialised and publish its root,
  // but neither create nor use a key (Errc::no_secrets_key).
  CertificateAuthority(storage::Database& db, const Clock& clock, std::optional<SecretKey> key,
                       CertificateAudit audit = {}, PkiValidity validity = {});

  // Creates the root and the issuing CA, named after `organisation`;
  // Errc::pki_already_initialised when they exist.
  Result<void> initialise(const std::string& organisation);
  Result<bool> initialised() const;
  // For start-up: when the authority is initialised, the configured key must open the issuing
  // CA's private key (a clear error names the key that sealed it). Succeeds when not initialised.
  Result<void> check_key() const;

  Result<CertificateRecord> root() const;
  // The administration's electronic seal (issued now if it has none that is valid), ready to
  // sign: its certificate, the issuing CA's, and the opened private key.
  Result<SigningIdentity> seal_of(const std::string& administration_code, const std::string& administration_name);
  // The time-stamping unit's certificate and key (RFC 3161), issued on first use like a seal.
  Result<SigningIdentity> time_stamping_unit();
  // A person's own signing certificate and key (remote signing: the key is generated, kept sealed
  // and used by Guichet, only after the person's second factor, which the caller checks). Issued
  // on first use, renewed a month before it lapses or when `subject` no longer matches it.
  Result<SigningIdentity> personal_identity(std::int64_t user_id, const PersonalSubject& subject);
  // The person's valid certificate, if any.
  Result<std::optional<CertificateRecord>> personal_certificate(std::int64_t user_id) const;
  // The person revokes their certificate (audited as theirs); the next signature gets a new one.
  Result<void> revoke_personal(std::int64_t user_id);
  Result<std::vector<CertificateRecord>> certificates() const;
  // What a verifier of Guichet's documents trusts: every root, and every revocation, at `now`.
  Result<TrustSettings> trust_settings() const;
  // The issuing CA's certificate revocation list (DER, RFC 5280): every certificate it issued
  // and revoked, with the reason; valid for a day, numbered by its time. Needs the secrets key.
  Result<std::string> revocation_list();
  // An OCSP response (RFC 6960) to a DER OCSPRequest, signed by the issuing CA: good, revoked
  // (with time and reason) or unknown for each certificate asked about, the request's nonce
  // echoed, valid for an hour. A request that does not parse gets a malformedRequest response,
  // not an error. Needs the secrets key.
  Result<std::string> ocsp_response(std::string_view request_der);
  // An administration's own seal certificate and key from a PKCS#12 bundle (its chain with it),
  // used in place of one from Guichet's CA from now on (the current one retired). The key is
  // sealed like every other; the certificate must be valid now and allow signing
  // (Errc::bad_pkcs12 says what is wrong, including a wrong password). Guichet never renews an
  // imported seal: once it expires, sealing for that administration fails with
  // imported_seal_expired until its successor is imported. A self-signed root in the bundle's
  // chain becomes a trust anchor of Guichet's verifier. Audited as `certificate.issued`.
  Result<CertificateRecord> import_seal(const std::string& administration_code, std::string_view pkcs12,
                                        const std::string& password);
  // The issuing CA's certificate (PEM), for verifiers that need the chain.
  Result<std::string> issuing_certificate() const;
  // Whether this authority can sign (it was given the secrets key).
  bool can_sign() const { return key_.has_value(); }
  // Revokes a certificate (audited); Errc::no_such_certificate for an unknown or revoked serial.
  // A revoked seal is replaced by a new one at its administration's next document.
  Result<void> revoke(const std::string& serial, const std::string& reason, const std::string& actor = "system");

 private:
  Result<SigningIdentity> current_identity(const std::string& role, const std::string& owner, const std::string& name,
                                           const std::optional<PersonalSubject>& person);
  std::string organisation_name() const;  // the root's O=

  storage::Database& db_;
  const Clock& clock_;
  std::optional<SecretKey> key_;
  CertificateAudit audit_;
  PkiValidity validity_;
};

// Certificates' private keys, sealed with the secrets key (admin keys rotate-kek, start-up check).
inline constexpr storage::SealedColumn kSealedCertificateKeys{"documents_certificates", "serial", false, "sealed_key",
                                                              "documents_certificates.sealed_key:"};

}  // namespace guichet::documents
