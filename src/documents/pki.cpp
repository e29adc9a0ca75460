#include "guichet/documents/pki.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>

#include <map>

#include "guichet/core/digest.hpp"
#include "guichet/core/random.hpp"
#include "guichet/documents/errors.hpp"
#include "openssl.hpp"

namespace guichet::documents {
namespace {

constexpr const char* kColumns =
    "id, role, owner, serial, subject, certificate_pem, not_before, not_after, revoked_at, sealed_key, issuer_id, "
    "chain_pem";

CertificateRecord record_of(const storage::Row& row) {
  CertificateRecord r;
  r.id = row.integer(0);
  r.role = row.text(1);
  r.owner = row.text(2);
  r.serial = row.text(3);
  r.subject = row.text(4);
  r.certificate_pem = row.text(5);
  r.not_before = from_unix_micros(row.integer(6));
  r.not_after = from_unix_micros(row.integer(7));
  if (auto revoked = row.optional_integer(8)) r.revoked_at = from_unix_micros(*revoked);
  return r;
}

// What a sealed key is bound to: its table, column and certificate, so it opens nowhere else.
std::string key_purpose(const std::string& serial) {
  return std::string(kSealedCertificateKeys.purpose_prefix) + serial;
}

std::string person_owner(std::int64_t user_id) { return "user:" + std::to_string(user_id); }

struct Issued {
  X509Ptr certificate;
  PkeyPtr key;
  std::string serial;
};

struct Name {
  std::string common_name;
  std::string organisation;
  std::string organisational_unit;
  // A natural person's certificate (ETSI EN 319 412-2): given name and surname once verified,
  // else a pseudonym; with the pairwise serial number in both cases.
  std::string given_name;
  std::string surname;
  std::string pseudonym;
  std::string serial_number;
};

Name organisation_entity(std::string common_name, std::string organisation, std::string unit) {
  Name name;
  name.common_name = std::move(common_name);
  name.organisation = std::move(organisation);
  name.organisational_unit = std::move(unit);
  return name;
}

Name person_name(const PersonalSubject& subject) {
  Name name;
  name.serial_number = subject.serial_number;
  if (!subject.given_name.empty() || !subject.family_name.empty()) {
    name.given_name = subject.given_name;
    name.surname = subject.family_name;
    name.common_name = subject.given_name.empty()    ? subject.family_name
                       : subject.family_name.empty() ? subject.given_name
                                                     : subject.given_name + " " + subject.family_name;
  } else {
    name.pseudonym = subject.serial_number;
    name.common_name = subject.serial_number;
  }
  return name;
}

void fill_name(X509_NAME* subject, const Name& name) {
  auto add = [&](const char* field, const std::string& value) {
    if (value.empty()) return;
    X509_NAME_add_entry_by_txt(subject, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.c_str()), -1,
                               -1, 0);
  };
  add("CN", name.common_name);
  add("GN", name.given_name);
  add("SN", name.surname);
  add("pseudonym", name.pseudonym);
  add("serialNumber", name.serial_number);
  add("OU", name.organisational_unit);
  add("O", name.organisation);
}

// The subject line a certificate for `name` has, as stored in documents_certificates.subject.
std::string subject_line_of(const Name& name) {
  std::unique_ptr<X509_NAME, OpenSslFree<X509_NAME, X509_NAME_free>> subject(X509_NAME_new());
  fill_name(subject.get(), name);
  return name_line(subject.get());
}

enum class Profile { root, issuing, seal, tsa, person };

// A new key and a certificate for it, signed by `issuer` (itself for the root).
Result<Issued> issue(const Name& name, Profile profile, Instant now, std::chrono::days validity, X509* issuer,
                     EVP_PKEY* issuer_key, const std::string& public_url = "") {
  Issued out;
  out.key.reset(EVP_EC_gen("P-256"));
  if (!out.key) return crypto_error("generating a key");
  out.certificate.reset(X509_new());
  X509* x = out.certificate.get();
  X509_set_version(x, 2);
  // 16 random bytes, the first between 0x40 and 0x7f: a positive serial of exactly 16 bytes (no
  // leading zero for DER to drop) that no one can predict (CA/B Forum asks 64 random bits).
  std::string serial = random_bytes(16);
  serial[0] = static_cast<char>((serial[0] & 0x3f) | 0x40);
  std::unique_ptr<BIGNUM, OpenSslFree<BIGNUM, BN_free>> bn(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()), static_cast<int>(serial.size()), nullptr));
  BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x));
  out.serial = serial_hex(x);
  const auto seconds = std::chrono::floor<std::chrono::seconds>(now).time_since_epoch().count();
  ASN1_TIME_set(X509_getm_notBefore(x), static_cast<time_t>(seconds));
  ASN1_TIME_set(X509_getm_notAfter(x),
                static_cast<time_t>(seconds + std::chrono::duration_cast<std::chrono::seconds>(validity).count()));
  X509_NAME* subject = X509_get_subject_name(x);
  fill_name(subject, name);
  X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : subject);
  X509_set_pubkey(x, out.key.get());

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : x, x, nullptr, nullptr, 0);
  std::vector<std::pair<int, const char*>> extensions;
  switch (profile) {
    case Profile::root:
      extensions = {{NID_basic_constraints, "critical,CA:TRUE"}, {NID_key_usage, "critical,keyCertSign,cRLSign"}};
      break;
    case Profile::issuing:
      extensions = {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                    {NID_key_usage, "critical,keyCertSign,cRLSign"}};
      break;
    case Profile::seal:
    case Profile::person:
      // An electronic seal, or a person's signing certificate: it signs documents
      // (non-repudiation), nothing else.
      extensions = {{NID_basic_constraints, "critical,CA:FALSE"},
                    {NID_key_usage, "critical,digitalSignature,nonRepudiation"}};
      break;
    case Profile::tsa:
      // A time-stamping unit: RFC 3161 asks for this one extended key usage, critical.
      extensions = {{NID_basic_constraints, "critical,CA:FALSE"},
                    {NID_key_usage, "critical,digitalSignature,nonRepudiation"},
                    {NID_ext_key_usage, "critical,timeStamping"}};
      break;
  }
  extensions.emplace_back(NID_subject_key_identifier, "hash");
  extensions.emplace_back(NID_authority_key_identifier, "keyid:always");
  // An end-entity certificate says where its status is published, so a verifier that does not
  // know Guichet finds it (RFC 5280 4.2.1.13, 4.2.2.1).
  const std::string crl_point = "URI:" + public_url + "/pki/issuing.crl";
  const std::string access = "OCSP;URI:" + public_url + "/pki/ocsp,caIssuers;URI:" + public_url + "/pki/issuing.pem";
  if (!public_url.empty() && profile != Profile::root && profile != Profile::issuing) {
    extensions.emplace_back(NID_crl_distribution_points, crl_point.c_str());
    extensions.emplace_back(NID_info_access, access.c_str());
  }
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (extension == nullptr) return crypto_error("building a certificate extension");
    X509_add_ext(x, extension, -1);
    X509_EXTENSION_free(extension);
  }
  if (X509_sign(x, issuer_key != nullptr ? issuer_key : out.key.get(), EVP_sha256()) == 0) {
    return crypto_error("signing a certificate");
  }
  return out;
}

Result<void> store(storage::Connection& c, const SecretKey& key, const CertificateAudit& audit, const Issued& issued,
                   const std::string& role, const std::string& owner, std::optional<std::int64_t> issuer_id,
                   Instant now, std::string_view actor = "system") {
  X509* x = issued.certificate.get();
  storage::Value issuer = nullptr;
  if (issuer_id) issuer = *issuer_id;
  std::string pem = private_key_pem(issued.key.get());
  const std::string sealed = key.seal(pem, key_purpose(issued.serial));
  std::fill(pem.begin(), pem.end(), '\0');
  std::tm before{};
  std::tm after{};
  ASN1_TIME_to_tm(X509_get0_notBefore(x), &before);
  ASN1_TIME_to_tm(X509_get0_notAfter(x), &after);
  auto micros = [](std::tm t) { return static_cast<std::int64_t>(timegm(&t)) * 1'000'000; };
  auto inserted = c.execute(
      "INSERT INTO documents_certificates (role, owner, serial, subject, issuer_id, certificate_pem, sealed_key, "
      "not_before, not_after, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {role, owner, issued.serial, subject_line(x), issuer, certificate_pem(x), sealed, micros(before), micros(after),
       to_unix_micros(now)});
  if (!inserted) return std::move(inserted).error();
  if (!audit) return {};
  CertificateRecord record;
  record.role = role;
  record.owner = owner;
  record.serial = issued.serial;
  record.subject = subject_line(x);
  record.not_before = from_unix_micros(micros(before));
  record.not_after = from_unix_micros(micros(after));
  return audit(c, "certificate.issued", record, actor);
}

struct Loaded {
  CertificateRecord record;
  std::string sealed_key;
  bool imported = false;  // an administration's own certificate, not issued by Guichet's CA
  std::string chain_pem;  // an imported one's chain, PEM, nearest first
};

Loaded loaded_of(const storage::Row& row) {
  Loaded out{record_of(row), row.text(9)};
  out.imported = out.record.role == "seal" && !row.optional_integer(10);
  out.chain_pem = row.text(11);
  return out;
}

// The PEM certificates of a concatenation, in order.
std::vector<std::string> split_pem(const std::string& pems) {
  std::vector<std::string> out;
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  std::size_t from = 0;
  while (true) {
    const auto begin = pems.find("-----BEGIN CERTIFICATE-----", from);
    if (begin == std::string::npos) break;
    const auto end = pems.find(kEnd, begin);
    if (end == std::string::npos) break;
    out.push_back(pems.substr(begin, end + kEnd.size() - begin) + "\n");
    from = end + kEnd.size();
  }
  return out;
}

Result<std::optional<Loaded>> current(storage::Connection& c, const std::string& role, const std::string& owner) {
  auto rows = c.query(std::string("SELECT ") + kColumns +
                          " FROM documents_certificates WHERE role = ? AND owner = ? AND revoked_at IS NULL",
                      {role, owner});
  if (!rows) return std::move(rows).error();
  if (rows->empty()) return std::optional<Loaded>();
  return std::optional<Loaded>(loaded_of(rows->rows.front()));
}

Result<PkeyPtr> open_key(const SecretKey& key, const Loaded& loaded) {
  auto pem = key.open(loaded.sealed_key, key_purpose(loaded.record.serial));
  if (!pem) return std::move(pem).error();
  auto parsed = parse_private_key(*pem);
  std::fill(pem->begin(), pem->end(), '\0');
  return parsed;
}

}  // namespace

CertificateAuthority::CertificateAuthority(storage::Database& db, const Clock& clock, std::optional<SecretKey> key,
                                           CertificateAudit audit, PkiValidity validity)
    : db_(db), clock_(clock), key_(std::move(key)), audit_(std::move(audit)), validity_(std::move(validity)) {}

Result<void> CertificateAuthority::initialise(const std::string& organisation) {
  if (!key_) return make_error(Errc::no_secrets_key, "the certification authority needs --secrets-key-file");
  const Instant now = clock_.now();
  return db_.transaction([&](storage::Connection& c) -> Result<void> {
    auto existing = current(c, "root", "");
    if (!existing) return std::move(existing).error();
    if (*existing) return make_error(Errc::pki_already_initialised, "the certification authority exists already");
    auto root = issue(organisation_entity(organisation + " Root CA", organisation, ""), Profile::root, now,
                      validity_.root, nullptr, nullptr);
    if (!root) return std::move(root).error();
    if (auto stored = store(c, *key_, audit_, *root, "root", "", std::nullopt, now); !stored) return stored;
    auto root_row = current(c, "root", "");
    if (!root_row || !*root_row) return make_error(Errc::crypto_failed, "the root was not stored");
    auto issuing = issue(organisation_entity(organisation + " Issuing CA 1", organisation, ""), Profile::issuing, now,
                         validity_.issuing, root->certificate.get(), root->key.get());
    if (!issuing) return std::move(issuing).error();
    return store(c, *key_, audit_, *issuing, "issuing", "", (*root_row)->record.id, now);
  });
}

Result<bool> CertificateAuthority::initialised() const {
  auto connection = db_.acquire();
  if (!connection) return std::move(connection).error();
  auto issuing = current(**connection, "issuing", "");
  if (!issuing) return std::move(issuing).error();
  return issuing->has_value();
}

Result<void> CertificateAuthority::check_key() const {
  auto connection = db_.acquire();
  if (!connection) return std::move(connection).error();
  auto issuing = current(**connection, "issuing", "");
  if (!issuing) return std::move(issuing).error();
  if (!*issuing) return {};
  if (!key_) {
    return make_error(Errc::no_secrets_key,
                      "the certification authority is initialised: give its secrets key with --secrets-key-file");
  }
  auto opened = open_key(*key_, **issuing);
  if (!opened) return std::move(opened).error();
  return {};
}

Result<CertificateRecord> CertificateAuthority::root() const {
  auto connection = db_.acquire();
  if (!connection) return std::move(connection).error();
  auto root = current(**connection, "root", "");
  if (!root) return std::move(root).error();
  if (!*root) return make_error(Errc::pki_not_initialised, "run guichet admin pki init first");
  return (*root)->record;
}

Result<SigningIdentity> CertificateAuthority::seal_of(const std::string& administration_code,
                                                      const std::string& administration_name) {
  return current_identity("seal", administration_code, administration_name, std::nullopt);
}

Result<SigningIdentity> CertificateAuthority::time_stamping_unit() {
  return current_identity("tsa", "", organisation_name() + " Time-Stamping Unit 1", std::nullopt);
}

Result<SigningIdentity> CertificateAuthority::personal_identity(std::int64_t user_id, const PersonalSubject& subject) {
  return current_identity("person", person_owner(user_id), "", subject);
}

Result<std::optional<CertificateRecord>> CertificateAuthority::personal_certificate(std::int64_t user_id) const {
  auto connection = db_.acquire();
  if (!connection) return std::move(connection).error();
  auto found = current(**connection, "person", person_owner(user_id));
  if (!found) return std::move(found).error();
  if (!*found) return std::optional<CertificateRecord>();
  return std::optional<CertificateRecord>((*found)->record);
}

Result<void> CertificateAuthority::revoke_personal(std::int64_t user_id) {
  const std::string actor = person_owner(user_id);
  auto found = personal_certificate(user_id);
  if (!found) return std::move(found).error();
  if (!*found) return make_error(Errc::no_such_certificate, "this person has no valid certificate");
  return revoke((*found)->serial, "unspecified", actor);
}

Result<SigningIdentity> CertificateAuthority::current_identity(const std::string& role, const std::string& owner,
                                                               const std::string& name,
                                                               const std::optional<PersonalSubject>& person) {
  if (!key_) return make_error(Errc::no_secrets_key, "signing needs --secrets-key-file");
  const Instant now = clock_.now();
  auto read = [&](storage::Connection& c) -> Result<std::pair<std::optional<Loaded>, std::optional<Loaded>>> {
    auto issuing = current(c, "issuing", "");
    if (!issuing) return std::move(issuing).error();
    auto seal = current(c, role, owner);
    if (!seal) return std::move(seal).error();
    return std::make_pair(std::move(*issuing), std::move(*seal));
  };
  auto found = db_.read(read);
  if (!found) return std::move(found).error();
  if (!found->first) return make_error(Errc::pki_not_initialised, "run guichet admin pki init first");
  const Loaded issuing = *found->first;
  std::optional<Loaded> seal = found->second;
  // Renewed a month before it lapses, so a document is never sealed with a certificate that
  // expires before anyone could check it.
  // An imported seal is the administration's to renew: Guichet never replaces it with its own.
  if (seal && seal->imported) {
    if (seal->record.not_after <= now) {
      return make_error(Errc::imported_seal_expired, "the seal imported for " + owner +
                                                         " has expired: import its successor (admin pki import-seal)");
    }
    auto key = open_key(*key_, *seal);
    if (!key) return std::move(key).error();
    SigningIdentity out;
    out.certificate_pem = seal->record.certificate_pem;
    out.chain_pem = split_pem(seal->chain_pem);
    out.private_key_pem = private_key_pem(key->get());
    return out;
  }
  bool renew = seal && seal->record.not_after - std::chrono::days(30) <= now;
  // A person's certificate names them as their account does now: verified in person since, they
  // get one with their name in place of the pseudonym.
  if (person && seal && subject_line_of(person_name(*person)) != seal->record.subject) renew = true;
  if (!seal || renew) {
    auto issuer_key = open_key(*key_, issuing);
    if (!issuer_key) return std::move(issuer_key).error();
    auto issuer = parse_certificate(issuing.record.certificate_pem);
    if (!issuer) return std::move(issuer).error();
    const bool tsa = role == "tsa";
    const std::string& url = validity_.public_url;
    auto issued = person ? issue(person_name(*person), Profile::person, now, validity_.person, issuer->get(),
                                 issuer_key->get(), url)
                  : tsa  ? issue(organisation_entity(name, organisation_name(), ""), Profile::tsa, now, validity_.tsa,
                                 issuer->get(), issuer_key->get(), url)
                         : issue(organisation_entity(name, name, owner), Profile::seal, now, validity_.seal,
                                 issuer->get(), issuer_key->get(), url);
    if (!issued) return std::move(issued).error();
    auto written = db_.transaction([&](storage::Connection& c) -> Result<void> {
      if (renew) {
        auto revoked = c.execute(
            "UPDATE documents_certificates SET revoked_at = ?, revocation_reason = 'superseded' "
            "WHERE id = ? AND revoked_at IS NULL",
            {to_unix_micros(now), seal->record.id});
        if (!revoked) return std::move(revoked).error();
        if (audit_) {
          if (auto audited = audit_(c, "certificate.revoked", seal->record, "system"); !audited) return audited;
        }
      }
      return store(c, *key_, audit_, *issued, role, owner, issuing.record.id, now);
    });
    // Another node issued one at the same moment: use whichever is current.
    if (!written && written.error().kind != ErrorKind::conflict) return std::move(written).error();
    auto again = db_.read(read);
    if (!again) return std::move(again).error();
    if (!again->second) return make_error(Errc::crypto_failed, "the certificate was not stored");
    seal = again->second;
  }
  auto key = open_key(*key_, *seal);
  if (!key) return std::move(key).error();
  SigningIdentity out;
  out.certificate_pem = seal->record.certificate_pem;
  out.chain_pem = {issuing.record.certificate_pem};
  out.private_key_pem = private_key_pem(key->get());
  return out;
}

std::string CertificateAuthority::organisation_name() const {
  auto root = this->root();
  if (!root) return "Guichet";
  auto certificate = parse_certificate(root->certificate_pem);
  if (!certificate) return "Guichet";
  X509_NAME* subject = X509_get_subject_name(certificate->get());
  const int at = X509_NAME_get_index_by_NID(subject, NID_organizationName, -1);
  if (at < 0) return "Guichet";
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at)));
  if (length < 0) return "Guichet";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return out;
}

Result<TrustSettings> CertificateAuthority::trust_settings() const {
  TrustSettings trust;
  trust.now = clock_.now();
  auto rows = db_.read([&](storage::Connection& c) -> Result<std::pair<storage::Rows, storage::Rows>> {
    auto roots = c.query(
        "SELECT certificate_pem, chain_pem FROM documents_certificates WHERE role = 'root' "
        "OR (role = 'seal' AND issuer_id IS NULL)");
    if (!roots) return std::move(roots).error();
    // An imported seal that was replaced is marked revoked here only to retire it; its own CA
    // says whether it is revoked, so only what Guichet's CA issued counts.
    auto revoked = c.query(
        "SELECT serial, revoked_at FROM documents_certificates WHERE revoked_at IS NOT NULL "
        "AND issuer_id IS NOT NULL");
    if (!revoked) return std::move(revoked).error();
    return std::make_pair(std::move(*roots), std::move(*revoked));
  });
  if (!rows) return std::move(rows).error();
  for (const auto& row : rows->first.rows) {
    if (row.text(1).empty()) {
      trust.anchors_pem.push_back(row.text(0));
      continue;
    }
    // The self-signed root an operator imported with an administration's seal: trusted, as the
    // operator chose it (the PKCS#12 is imported on the server's command line, not the web).
    for (const auto& pem : split_pem(row.text(1))) {
      auto certificate = parse_certificate(pem);
      if (certificate && X509_check_issued(certificate->get(), certificate->get()) == X509_V_OK) {
        trust.anchors_pem.push_back(pem);
      }
    }
  }
  for (const auto& row : rows->second.rows) trust.revoked[row.text(0)] = from_unix_micros(row.integer(1));
  return trust;
}

Result<std::string> CertificateAuthority::revocation_list() {
  if (!key_) return make_error(Errc::no_secrets_key, "the revocation list is signed with the issuing CA's key");
  const Instant now = clock_.now();
  struct Read {
    std::optional<Loaded> issuing;
    storage::Rows revoked;
  };
  auto read = db_.read([&](storage::Connection& c) -> Result<Read> {
    auto issuing = current(c, "issuing", "");
    if (!issuing) return std::move(issuing).error();
    auto revoked = c.query(
        "SELECT serial, revoked_at, revocation_reason FROM documents_certificates "
        "WHERE revoked_at IS NOT NULL AND role IN ('seal', 'tsa', 'person') AND issuer_id IS NOT NULL "
        "ORDER BY revoked_at");
    if (!revoked) return std::move(revoked).error();
    return Read{std::move(*issuing), std::move(*revoked)};
  });
  if (!read) return std::move(read).error();
  if (!read->issuing) return make_error(Errc::pki_not_initialised, "run guichet admin pki init first");
  auto issuer = parse_certificate(read->issuing->record.certificate_pem);
  if (!issuer) return std::move(issuer).error();
  auto issuer_key = open_key(*key_, *read->issuing);
  if (!issuer_key) return std::move(issuer_key).error();
  std::unique_ptr<X509_CRL, OpenSslFree<X509_CRL, X509_CRL_free>> crl(X509_CRL_new());
  X509_CRL_set_version(crl.get(), 1);  // v2
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer->get()));
  const auto seconds = static_cast<time_t>(to_unix_micros(now) / 1'000'000);
  std::unique_ptr<ASN1_TIME, OpenSslFree<ASN1_TIME, ASN1_TIME_free>> last(ASN1_TIME_set(nullptr, seconds));
  std::unique_ptr<ASN1_TIME, OpenSslFree<ASN1_TIME, ASN1_TIME_free>> next(ASN1_TIME_set(nullptr, seconds + 86400));
  X509_CRL_set1_lastUpdate(crl.get(), last.get());
  X509_CRL_set1_nextUpdate(crl.get(), next.get());
  static const std::map<std::string, int, std::less<>> kReasons{
      {"unspecified", CRL_REASON_UNSPECIFIED},
      {"keyCompromise", CRL_REASON_KEY_COMPROMISE},
      {"affiliationChanged", CRL_REASON_AFFILIATION_CHANGED},
      {"superseded", CRL_REASON_SUPERSEDED},
      {"cessationOfOperation", CRL_REASON_CESSATION_OF_OPERATION}};
  for (const auto& row : read->revoked.rows) {
    X509_REVOKED* entry = X509_REVOKED_new();
    std::unique_ptr<BIGNUM, OpenSslFree<BIGNUM, BN_free>> bn;
    BIGNUM* parsed = nullptr;
    BN_hex2bn(&parsed, row.text(0).c_str());
    bn.reset(parsed);
    std::unique_ptr<ASN1_INTEGER, OpenSslFree<ASN1_INTEGER, ASN1_INTEGER_free>> serial(
        BN_to_ASN1_INTEGER(bn.get(), nullptr));
    X509_REVOKED_set_serialNumber(entry, serial.get());
    std::unique_ptr<ASN1_TIME, OpenSslFree<ASN1_TIME, ASN1_TIME_free>> when(
        ASN1_TIME_set(nullptr, static_cast<time_t>(row.integer(1) / 1'000'000)));
    X509_REVOKED_set_revocationDate(entry, when.get());
    const auto reason = kReasons.find(row.optional_text(2).value_or("unspecified"));
    std::unique_ptr<ASN1_ENUMERATED, OpenSslFree<ASN1_ENUMERATED, ASN1_ENUMERATED_free>> code(ASN1_ENUMERATED_new());
    ASN1_ENUMERATED_set(code.get(), reason == kReasons.end() ? CRL_REASON_UNSPECIFIED : reason->second);
    X509_REVOKED_add1_ext_i2d(entry, NID_crl_reason, code.get(), 0, 0);
    X509_CRL_add0_revoked(crl.get(), entry);
  }
  std::unique_ptr<ASN1_INTEGER, OpenSslFree<ASN1_INTEGER, ASN1_INTEGER_free>> number(ASN1_INTEGER_new());
  ASN1_INTEGER_set_int64(number.get(), static_cast<std::int64_t>(seconds));
  X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0);
  X509_CRL_sort(crl.get());
  if (X509_CRL_sign(crl.get(), issuer_key->get(), EVP_sha256()) == 0)
    return crypto_error("signing the revocation list");
  unsigned char* der = nullptr;
  const int length = i2d_X509_CRL(crl.get(), &der);
  if (length <= 0) return crypto_error("encoding the revocation list");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

Result<void> CertificateAuthority::revoke(const std::string& serial, const std::string& reason,
                                          const std::string& actor) {
  const Instant now = clock_.now();
  return db_.transaction([&](storage::Connection& c) -> Result<void> {
    auto rows = c.query(
        std::string("SELECT ") + kColumns + " FROM documents_certificates WHERE serial = ? AND revoked_at IS NULL",
        {serial});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return make_error(Errc::no_such_certificate, "no unrevoked certificate has serial " + serial);
    auto revoked = c.execute("UPDATE documents_certificates SET revoked_at = ?, revocation_reason = ? WHERE serial = ?",
                             {to_unix_micros(now), reason, serial});
    if (!revoked) return std::move(revoked).error();
    if (!audit_) return {};
    CertificateRecord record = record_of(rows->rows.front());
    record.revoked_at = now;
    return audit_(c, "certificate.revoked", record, actor);
  });
}

Result<std::vector<CertificateRecord>> CertificateAuthority::certificates() const {
  auto connection = db_.acquire();
  if (!connection) return std::move(connection).error();
  auto rows = (**connection).query(std::string("SELECT ") + kColumns + " FROM documents_certificates ORDER BY id");
  if (!rows) return std::move(rows).error();
  std::vector<CertificateRecord> out;
  for (const auto& row : rows->rows) out.push_back(record_of(row));
  return out;
}

Result<std::string> CertificateAuthority::issuing_certificate() const {
  auto connection = db_.acquire();
  if (!connection) return std::move(connection).error();
  auto issuing = current(**connection, "issuing", "");
  if (!issuing) return std::move(issuing).error();
  if (!*issuing) return make_error(Errc::pki_not_initialised, "run guichet admin pki init first");
  return (*issuing)->record.certificate_pem;
}

namespace {
using OcspResponsePtr = std::unique_ptr<OCSP_RESPONSE, OpenSslFree<OCSP_RESPONSE, OCSP_RESPONSE_free>>;
using TimePtr = std::unique_ptr<ASN1_TIME, OpenSslFree<ASN1_TIME, ASN1_TIME_free>>;

Result<std::string> ocsp_der(OCSP_RESPONSE* response) {
  if (response == nullptr) return crypto_error("building an OCSP response");
  unsigned char* der = nullptr;
  const int length = i2d_OCSP_RESPONSE(response, &der);
  if (length <= 0) return crypto_error("encoding an OCSP response");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

Result<std::string> ocsp_refusal(int status) {
  OcspResponsePtr response(OCSP_response_create(status, nullptr));
  return ocsp_der(response.get());
}

// In the form documents_certificates.serial keeps: lowercase hex of the serial's bytes.
std::string serial_hex_of(const ASN1_INTEGER* serial) {
  std::unique_ptr<BIGNUM, OpenSslFree<BIGNUM, BN_free>> bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn) return {};
  char* hex = BN_bn2hex(bn.get());
  std::string out(hex);
  OPENSSL_free(hex);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct OcspStatus {
  std::optional<std::int64_t> revoked_at;
  std::string reason;
};
}  // namespace

Result<std::string> CertificateAuthority::ocsp_response(std::string_view request_der) {
  if (!key_) return make_error(Errc::no_secrets_key, "OCSP responses are signed with the issuing CA's key");
  const auto* in = reinterpret_cast<const unsigned char*>(request_der.data());
  std::unique_ptr<OCSP_REQUEST, OpenSslFree<OCSP_REQUEST, OCSP_REQUEST_free>> request(
      d2i_OCSP_REQUEST(nullptr, &in, static_cast<long>(request_der.size())));
  const int count = request ? OCSP_request_onereq_count(request.get()) : 0;
  // At most a few certificates per request: a chain's worth, not a scan of the register.
  if (!request || count <= 0 || count > 16) {
    ERR_clear_error();
    return ocsp_refusal(OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
  }
  std::vector<std::string> asked;
  for (int i = 0; i < count; ++i) {
    ASN1_INTEGER* serial = nullptr;
    OCSP_id_get0_info(nullptr, nullptr, nullptr, &serial,
                      OCSP_onereq_get0_id(OCSP_request_onereq_get0(request.get(), i)));
    asked.push_back(serial != nullptr ? serial_hex_of(serial) : std::string());
  }
  struct Read {
    std::optional<Loaded> issuing;
    std::map<std::string, OcspStatus> issued;  // what the issuing CA issued, of what was asked
  };
  auto read = db_.read([&](storage::Connection& c) -> Result<Read> {
    Read out;
    auto issuing = current(c, "issuing", "");
    if (!issuing) return std::move(issuing).error();
    out.issuing = std::move(*issuing);
    if (!out.issuing) return out;
    for (const auto& serial : asked) {
      auto rows =
          c.query("SELECT revoked_at, revocation_reason FROM documents_certificates WHERE serial = ? AND issuer_id = ?",
                  {serial, out.issuing->record.id});
      if (!rows) return std::move(rows).error();
      if (!rows->empty()) {
        out.issued[serial] = OcspStatus{rows->rows.front().optional_integer(0),
                                        rows->rows.front().optional_text(1).value_or("unspecified")};
      }
    }
    return out;
  });
  if (!read) return std::move(read).error();
  if (!read->issuing) return ocsp_refusal(OCSP_RESPONSE_STATUS_UNAUTHORIZED);
  auto issuer = parse_certificate(read->issuing->record.certificate_pem);
  if (!issuer) return std::move(issuer).error();
  auto issuer_key = open_key(*key_, *read->issuing);
  if (!issuer_key) return std::move(issuer_key).error();

  static const std::map<std::string, int, std::less<>> kReasons{
      {"unspecified", OCSP_REVOKED_STATUS_UNSPECIFIED},
      {"keyCompromise", OCSP_REVOKED_STATUS_KEYCOMPROMISE},
      {"affiliationChanged", OCSP_REVOKED_STATUS_AFFILIATIONCHANGED},
      {"superseded", OCSP_REVOKED_STATUS_SUPERSEDED},
      {"cessationOfOperation", OCSP_REVOKED_STATUS_CESSATIONOFOPERATION}};
  std::unique_ptr<OCSP_BASICRESP, OpenSslFree<OCSP_BASICRESP, OCSP_BASICRESP_free>> basic(OCSP_BASICRESP_new());
  const auto seconds = static_cast<time_t>(to_unix_micros(clock_.now()) / 1'000'000);
  TimePtr this_update(ASN1_TIME_set(nullptr, seconds));
  // A status may change at any moment; a relying party keeps this answer an hour at most.
  TimePtr next_update(ASN1_TIME_set(nullptr, seconds + 3600));
  for (int i = 0; i < count; ++i) {
    OCSP_CERTID* id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(request.get(), i));
    ASN1_OBJECT* hash_algorithm = nullptr;
    OCSP_id_get0_info(nullptr, &hash_algorithm, nullptr, nullptr, id);
    const EVP_MD* md = hash_algorithm != nullptr ? EVP_get_digestbyobj(hash_algorithm) : nullptr;
    // The request names the issuer by hashes of its name and key, in a hash of its choosing.
    std::unique_ptr<OCSP_CERTID, OpenSslFree<OCSP_CERTID, OCSP_CERTID_free>> ours(
        md != nullptr ? OCSP_cert_to_id(md, nullptr, issuer->get()) : nullptr);
    const auto found = read->issued.find(asked[static_cast<std::size_t>(i)]);
    int status = V_OCSP_CERTSTATUS_UNKNOWN;
    int reason = 0;
    TimePtr revoked_time;
    if (ours && OCSP_id_issuer_cmp(ours.get(), id) == 0 && found != read->issued.end()) {
      if (found->second.revoked_at) {
        status = V_OCSP_CERTSTATUS_REVOKED;
        const auto named = kReasons.find(found->second.reason);
        reason = named == kReasons.end() ? OCSP_REVOKED_STATUS_UNSPECIFIED : named->second;
        revoked_time.reset(ASN1_TIME_set(nullptr, static_cast<time_t>(*found->second.revoked_at / 1'000'000)));
      } else {
        status = V_OCSP_CERTSTATUS_GOOD;
      }
    }
    if (OCSP_basic_add1_status(basic.get(), id, status, reason, revoked_time.get(), this_update.get(),
                               next_update.get()) == nullptr) {
      return crypto_error("adding a status to an OCSP response");
    }
  }
  ERR_clear_error();
  OCSP_copy_nonce(basic.get(), request.get());
  // Signed by the CA that issued the certificates, so no delegated responder certificate is
  // needed (RFC 6960 4.2.2.2).
  if (OCSP_basic_sign(basic.get(), issuer->get(), issuer_key->get(), EVP_sha256(), nullptr, 0) == 0) {
    return crypto_error("signing an OCSP response");
  }
  OcspResponsePtr response(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
  return ocsp_der(response.get());
}

Result<CertificateRecord> CertificateAuthority::import_seal(const std::string& administration_code,
                                                            std::string_view pkcs12, const std::string& password) {
  if (!key_) return make_error(Errc::no_secrets_key, "an imported key is sealed with --secrets-key-file");
  if (administration_code.empty()) return make_error(Errc::bad_pkcs12, "name the administration");
  const auto* in = reinterpret_cast<const unsigned char*>(pkcs12.data());
  std::unique_ptr<PKCS12, OpenSslFree<PKCS12, PKCS12_free>> bundle(
      d2i_PKCS12(nullptr, &in, static_cast<long>(pkcs12.size())));
  if (!bundle) {
    ERR_clear_error();
    return make_error(Errc::bad_pkcs12, "the file is not a PKCS#12 bundle");
  }
  EVP_PKEY* raw_key = nullptr;
  X509* raw_certificate = nullptr;
  STACK_OF(X509)* raw_chain = nullptr;
  if (PKCS12_parse(bundle.get(), password.c_str(), &raw_key, &raw_certificate, &raw_chain) != 1) {
    ERR_clear_error();
    return make_error(Errc::bad_pkcs12, "the PKCS#12 bundle does not open with this password");
  }
  PkeyPtr key(raw_key);
  X509Ptr certificate(raw_certificate);
  std::unique_ptr<STACK_OF(X509), decltype([](STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); })> chain(
      raw_chain);
  if (!key || !certificate) return make_error(Errc::bad_pkcs12, "the bundle holds no certificate with its key");
  if (X509_check_private_key(certificate.get(), key.get()) != 1) {
    ERR_clear_error();
    return make_error(Errc::bad_pkcs12, "the bundle's key is not the certificate's");
  }
  // A seal signs documents: the certificate must allow it, and be valid now.
  const std::uint32_t usage = X509_get_key_usage(certificate.get());
  if ((usage & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0) {
    return make_error(Errc::bad_pkcs12, "the certificate's key usage does not allow signing");
  }
  const auto seconds = static_cast<time_t>(to_unix_micros(clock_.now()) / 1'000'000);
  if (X509_cmp_time(X509_get0_notAfter(certificate.get()), const_cast<time_t*>(&seconds)) <= 0 ||
      X509_cmp_time(X509_get0_notBefore(certificate.get()), const_cast<time_t*>(&seconds)) > 0) {
    return make_error(Errc::bad_pkcs12, "the certificate is not valid now");
  }
  Issued imported;
  imported.serial = serial_hex(certificate.get());
  imported.certificate = std::move(certificate);
  imported.key = std::move(key);
  std::string chain_pem;
  for (int i = 0; chain && i < sk_X509_num(chain.get()); ++i)
    chain_pem += certificate_pem(sk_X509_value(chain.get(), i));
  const Instant now = clock_.now();
  CertificateRecord out;
  auto written = db_.transaction([&](storage::Connection& c) -> Result<void> {
    auto existing = current(c, "seal", administration_code);
    if (!existing) return std::move(existing).error();
    if (*existing) {
      auto retired = c.execute(
          "UPDATE documents_certificates SET revoked_at = ?, revocation_reason = 'superseded' "
          "WHERE id = ? AND revoked_at IS NULL",
          {to_unix_micros(now), (*existing)->record.id});
      if (!retired) return std::move(retired).error();
      if (audit_) {
        if (auto audited = audit_(c, "certificate.revoked", (*existing)->record, "system"); !audited) return audited;
      }
    }
    if (auto stored = store(c, *key_, audit_, imported, "seal", administration_code, std::nullopt, now, "system");
        !stored) {
      return stored;
    }
    auto updated =
        c.execute("UPDATE documents_certificates SET chain_pem = ? WHERE serial = ?", {chain_pem, imported.serial});
    if (!updated) return std::move(updated).error();
    auto stored = current(c, "seal", administration_code);
    if (!stored) return std::move(stored).error();
    if (!*stored) return make_error(Errc::crypto_failed, "the imported seal was not stored");
    out = (*stored)->record;
    return {};
  });
  if (!written) return std::move(written).error();
  return out;
}

}  // namespace guichet::documents
