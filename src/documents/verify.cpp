#include "guichet/documents/verify.hpp"

#include <openssl/cms.h>
#include <openssl/ess.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <set>
#include <sstream>

#include <date/date.h>
#include <boost/json.hpp>

#include "guichet/core/digest.hpp"
#include "guichet/documents/errors.hpp"
#include "openssl.hpp"
#include "pdf_objects.hpp"

namespace guichet::documents {

std::string_view to_string(Indication indication) {
  switch (indication) {
    case Indication::total_passed:
      return "TOTAL_PASSED";
    case Indication::indeterminate:
      return "INDETERMINATE";
    case Indication::total_failed:
      return "TOTAL_FAILED";
  }
  return "INDETERMINATE";
}

std::string_view to_string(StepStatus status) {
  switch (status) {
    case StepStatus::passed:
      return "passed";
    case StepStatus::failed:
      return "failed";
    case StepStatus::indeterminate:
      return "indeterminate";
    case StepStatus::not_run:
      return "not_run";
  }
  return "not_run";
}

namespace {

enum Step : std::size_t { kFormat, kIdentification, kContext, kX509, kCrypto, kAcceptance, kSteps };
constexpr const char* kStepNames[kSteps] = {"format_checking",
                                            "identification_of_signing_certificate",
                                            "validation_context",
                                            "x509_validation",
                                            "cryptographic_verification",
                                            "signature_acceptance"};

using StackX509 = std::unique_ptr<STACK_OF(X509), decltype([](STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); })>;

// "D:YYYYMMDDHHmmSS" with an optional "Z" or "+HH'mm'" offset (PDF 32000 7.9.4).
std::optional<Instant> parse_pdf_date(std::string text) {
  if (text.starts_with("D:")) text = text.substr(2);
  if (text.size() < 14) return std::nullopt;
  std::istringstream in(text.substr(0, 14));
  date::sys_seconds t;
  in >> date::parse("%Y%m%d%H%M%S", t);
  if (in.fail()) return std::nullopt;
  std::string zone = text.substr(14);
  if (zone.size() >= 6 && (zone[0] == '+' || zone[0] == '-')) {
    // Whatever a file's author wrote there: digits or no claimed time at all, never an exception.
    int hours = 0;
    int minutes = 0;
    const char* z = zone.data();
    if (std::from_chars(z + 1, z + 3, hours).ptr != z + 3 || std::from_chars(z + 4, z + 6, minutes).ptr != z + 6) {
      return std::nullopt;
    }
    const auto offset = std::chrono::hours(hours) + std::chrono::minutes(minutes);
    t = zone[0] == '+' ? t - offset : t + offset;
  }
  return std::chrono::time_point_cast<std::chrono::microseconds>(t);
}

Instant asn1_instant(const ASN1_TIME* time) {
  std::tm tm{};
  ASN1_TIME_to_tm(time, &tm);
  return from_unix_micros(static_cast<std::int64_t>(timegm(&tm)) * 1'000'000);
}

std::string common_name(X509* certificate) {
  X509_NAME* name = X509_get_subject_name(certificate);
  const int at = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (at < 0) return {};
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at)));
  if (length < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(length));
  OPENSSL_free(utf8);
  return out;
}

std::string issuer_line(X509* certificate) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_issuer_name(certificate), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

// The value of a signed attribute, when present once.
const ASN1_TYPE* signed_attribute(CMS_SignerInfo* si, int nid) {
  const int at = CMS_signed_get_attr_by_NID(si, nid, -1);
  if (at < 0) return nullptr;
  X509_ATTRIBUTE* attribute = CMS_signed_get_attr(si, at);
  if (X509_ATTRIBUTE_count(attribute) != 1) return nullptr;
  return X509_ATTRIBUTE_get0_type(attribute, 0);
}

class SignatureCheck {
 public:
  SignatureCheck(std::string_view pdf, const TrustSettings& trust) : pdf_(pdf), trust_(trust) {
    for (std::size_t i = 0; i < kSteps; ++i) report_.steps.push_back({kStepNames[i], StepStatus::not_run, ""});
  }

  SignatureReport run(const SignatureDictionary& value) {
    report_.field = value.field;
    if (!format(value)) return std::move(report_);
    if (!identify()) return std::move(report_);
    time_stamp();
    context();
    const bool chain_ok = x509();
    const bool crypto_ok = crypto();
    if (crypto_ok && chain_ok) acceptance();
    return std::move(report_);
  }

 private:
  void pass(Step step, std::string detail = "") {
    report_.steps[step].status = StepStatus::passed;
    report_.steps[step].detail = std::move(detail);
  }
  // Records the step's outcome and the signature's conclusion; a TOTAL_FAILED is never weakened
  // by a later INDETERMINATE.
  bool conclude(Step step, Indication indication, std::string sub_indication, std::string detail) {
    report_.steps[step].status =
        indication == Indication::total_failed ? StepStatus::failed : StepStatus::indeterminate;
    report_.steps[step].detail = std::move(detail);
    if (report_.sub_indication.empty() || indication == Indication::total_failed) {
      if (report_.indication != Indication::total_failed) {
        report_.indication = indication;
        report_.sub_indication = std::move(sub_indication);
      }
    }
    return false;
  }

  bool format(const SignatureDictionary& value) {
    report_.sub_filter = value.sub_filter;
    if (value.claimed_time) report_.claimed_time = parse_pdf_date(*value.claimed_time);
    if (!value.byte_range || value.byte_range->size() != 4 || !value.contents) {
      return conclude(kFormat, Indication::total_failed, "FORMAT_FAILURE",
                      "no /ByteRange of four numbers or no /Contents");
    }
    long long r[4];
    for (std::size_t i = 0; i < 4; ++i) {
      r[i] = (*value.byte_range)[i];
      if (r[i] < 0) {
        return conclude(kFormat, Indication::total_failed, "FORMAT_FAILURE", "the /ByteRange holds a negative number");
      }
    }
    const auto size = static_cast<long long>(pdf_.size());
    // The ranges must start the file, leave out exactly the /Contents string (its delimiters
    // included) and stay inside the file.
    if (r[0] != 0 || r[1] <= 0 || r[2] <= r[1] + 1 || r[2] + r[3] > size ||
        pdf_[static_cast<std::size_t>(r[1])] != '<' || pdf_[static_cast<std::size_t>(r[2] - 1)] != '>') {
      return conclude(kFormat, Indication::total_failed, "FORMAT_FAILURE",
                      "the /ByteRange does not leave out exactly the signature");
    }
    report_.byte_ranges = {{0, static_cast<std::size_t>(r[1])},
                           {static_cast<std::size_t>(r[2]), static_cast<std::size_t>(r[3])}};
    report_.covers_whole_document = r[2] + r[3] == size;
    if (report_.sub_filter != "ETSI.CAdES.detached") {
      return conclude(
          kFormat, Indication::total_failed, "FORMAT_FAILURE",
          "/SubFilter /" + report_.sub_filter + " is not a PAdES signature (/ETSI.CAdES.detached); it is not assessed");
    }
    der_ = *value.contents;
    const auto* p = reinterpret_cast<const unsigned char*>(der_.data());
    cms_.reset(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der_.size())));
    if (!cms_ || OBJ_obj2nid(CMS_get0_type(cms_.get())) != NID_pkcs7_signed) {
      openssl_errors();
      return conclude(kFormat, Indication::total_failed, "FORMAT_FAILURE", "/Contents is not a CMS SignedData");
    }
    if (CMS_is_detached(cms_.get()) != 1) {
      return conclude(kFormat, Indication::total_failed, "FORMAT_FAILURE", "the CMS is not detached");
    }
    auto* signers = CMS_get0_SignerInfos(cms_.get());
    if (sk_CMS_SignerInfo_num(signers) != 1) {
      return conclude(kFormat, Indication::total_failed, "FORMAT_FAILURE", "the CMS must have exactly one signer");
    }
    si_ = sk_CMS_SignerInfo_value(signers, 0);
    if (signed_attribute(si_, NID_pkcs9_messageDigest) == nullptr ||
        signed_attribute(si_, NID_pkcs9_contentType) == nullptr) {
      return conclude(kFormat, Indication::total_failed, "FORMAT_FAILURE",
                      "the message-digest or content-type signed attribute is missing");
    }
    if (CMS_signed_get_attr_by_NID(si_, NID_pkcs9_signingTime, -1) >= 0) {
      return conclude(kFormat, Indication::total_failed, "FORMAT_FAILURE",
                      "a signing-time signed attribute, which PAdES baseline forbids (the time is /M)");
    }
    pass(kFormat, "PAdES (ETSI.CAdES.detached), detached CMS SignedData, one signer");
    return true;
  }

  bool identify() {
    certificates_.reset(CMS_get1_certs(cms_.get()));
    if (certificates_) {
      for (int i = 0; i < sk_X509_num(certificates_.get()); ++i) {
        X509* candidate = sk_X509_value(certificates_.get(), i);
        if (CMS_SignerInfo_cert_cmp(si_, candidate) == 0) signer_ = candidate;
      }
    }
    if (signer_ == nullptr) {
      return conclude(kIdentification, Indication::indeterminate, "NO_SIGNING_CERTIFICATE_FOUND",
                      "the CMS does not hold the signer's certificate");
    }
    report_.signer = subject_line(signer_);
    report_.signer_name = common_name(signer_);
    report_.issuer = issuer_line(signer_);
    report_.serial = serial_hex(signer_);
    // The ESS signing-certificate-v2 attribute binds the signature to this certificate (and no
    // other with the same key).
    const ASN1_TYPE* v2 = signed_attribute(si_, NID_id_smime_aa_signingCertificateV2);
    if (v2 == nullptr || v2->type != V_ASN1_SEQUENCE) {
      return conclude(kIdentification, Indication::indeterminate, "NO_SIGNING_CERTIFICATE_FOUND",
                      "no ESS signing-certificate-v2 attribute");
    }
    const unsigned char* p = v2->value.sequence->data;
    std::unique_ptr<ESS_SIGNING_CERT_V2, decltype(&ESS_SIGNING_CERT_V2_free)> reference(
        d2i_ESS_SIGNING_CERT_V2(nullptr, &p, v2->value.sequence->length), &ESS_SIGNING_CERT_V2_free);
    StackX509 chain(sk_X509_new_null());
    X509_up_ref(signer_);
    sk_X509_push(chain.get(), signer_);
    if (!reference || OSSL_ESS_check_signing_certs(nullptr, reference.get(), chain.get(), 1) <= 0) {
      openssl_errors();
      return conclude(kIdentification, Indication::indeterminate, "NO_SIGNING_CERTIFICATE_FOUND",
                      "the signing-certificate-v2 attribute names another certificate");
    }
    pass(kIdentification, report_.signer);
    return true;
  }

  // The signature time-stamp, checked over this signature's value with the token's own hash, its
  // signature and its unit's certificate chain to the same anchors.
  void time_stamp() {
    const int at = CMS_unsigned_get_attr_by_NID(si_, NID_id_smime_aa_timeStampToken, -1);
    if (at < 0) return;
    auto invalid = [&](const std::string& why) {
      openssl_errors();
      report_.time_stamp_status = "invalid: " + why;
    };
    const ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(CMS_unsigned_get_attr(si_, at), 0);
    if (value == nullptr || value->type != V_ASN1_SEQUENCE) return invalid("not a time-stamp token");
    const unsigned char* p = value->value.sequence->data;
    std::unique_ptr<PKCS7, decltype(&PKCS7_free)> token(d2i_PKCS7(nullptr, &p, value->value.sequence->length),
                                                        &PKCS7_free);
    if (!token) return invalid("not a time-stamp token");
    const ASN1_OCTET_STRING* signature = CMS_SignerInfo_get0_signature(si_);
    std::unique_ptr<TS_VERIFY_CTX, decltype(&TS_VERIFY_CTX_free)> ctx(TS_VERIFY_CTX_new(), &TS_VERIFY_CTX_free);
    TS_VERIFY_CTX_set_flags(ctx.get(), TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_DATA);
    TS_VERIFY_CTX_set_data(ctx.get(), BIO_new_mem_buf(ASN1_STRING_get0_data(signature), ASN1_STRING_length(signature)));
    X509_STORE* store = X509_STORE_new();
    for (const auto& pem : trust_.anchors_pem) {
      if (auto anchor = parse_certificate(pem)) X509_STORE_add_cert(store, anchor->get());
    }
    X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store),
                               static_cast<time_t>(to_unix_micros(trust_.now) / 1'000'000));
    TS_VERIFY_CTX_set_store(ctx.get(), store);  // the context owns it
    if (TS_RESP_verify_token(ctx.get(), token.get()) != 1) {
      return invalid("its signature, its unit's certificate or its imprint of this signature does not verify");
    }
    std::unique_ptr<TS_TST_INFO, decltype(&TS_TST_INFO_free)> info(PKCS7_to_TS_TST_INFO(token.get()),
                                                                   &TS_TST_INFO_free);
    if (!info) return invalid("no time-stamp information");
    // A unit whose certificate was revoked (its key lost, say) proves nothing any more: its tokens
    // could be made now with any time in them.
    std::unique_ptr<STACK_OF(X509), decltype([](STACK_OF(X509) * s) { sk_X509_free(s); })> units(
        PKCS7_get0_signers(token.get(), nullptr, 0));
    for (int i = 0; units && i < sk_X509_num(units.get()); ++i) {
      auto revoked = trust_.revoked.find(serial_hex(sk_X509_value(units.get(), i)));
      if (revoked != trust_.revoked.end()) {
        return invalid("its unit's certificate was revoked at " + format_rfc3339(revoked->second));
      }
    }
    report_.time_stamp = asn1_instant(TS_TST_INFO_get_time(info.get()));
    report_.time_stamp_status = "valid";
  }

  void context() {
    pass(kContext,
         std::to_string(trust_.anchors_pem.size()) + " trust anchor(s), validation at " + format_rfc3339(trust_.now));
  }

  bool x509() {
    std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
    for (const auto& pem : trust_.anchors_pem) {
      auto anchor = parse_certificate(pem);
      if (anchor) X509_STORE_add_cert(store.get(), anchor->get());
    }
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), &X509_STORE_CTX_free);
    X509_STORE_CTX_init(ctx.get(), store.get(), signer_, certificates_.get());
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(to_unix_micros(trust_.now) / 1'000'000));
    bool verified = X509_verify_cert(ctx.get()) == 1;
    int error = X509_STORE_CTX_get_error(ctx.get());
    std::string proof;
    // Expired since, but the time-stamp proves the signature existed while it was valid.
    if (!verified && error == X509_V_ERR_CERT_HAS_EXPIRED && report_.time_stamp) {
      openssl_errors();
      X509_STORE_CTX_cleanup(ctx.get());
      X509_STORE_CTX_init(ctx.get(), store.get(), signer_, certificates_.get());
      X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()),
                                 static_cast<time_t>(to_unix_micros(*report_.time_stamp) / 1'000'000));
      verified = X509_verify_cert(ctx.get()) == 1;
      error = X509_STORE_CTX_get_error(ctx.get());
      if (verified) proof = "; the certificate has expired since, but the time-stamp proves the signature came before";
    }
    if (!verified) {
      const std::string why = X509_verify_cert_error_string(error);
      openssl_errors();
      switch (error) {
        case X509_V_ERR_CERT_HAS_EXPIRED:
          // No time-stamp proves the signature existed while the certificate was valid.
          return conclude(kX509, Indication::indeterminate, "OUT_OF_BOUNDS_NO_POE", why);
        case X509_V_ERR_CERT_NOT_YET_VALID:
          return conclude(kX509, Indication::indeterminate, "NOT_YET_VALID", why);
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_CERT_SIGNATURE_FAILURE:
          return conclude(kX509, Indication::indeterminate, "NO_CERTIFICATE_CHAIN_FOUND", why);
        default:
          return conclude(kX509, Indication::indeterminate, "CERTIFICATE_CHAIN_GENERAL_FAILURE", why);
      }
    }
    // Revocation of every certificate of the chain but the anchor.
    if (!trust_.revocation_known) {
      report_.revocation = "unknown";
      return conclude(kX509, Indication::indeterminate, "TRY_LATER", "no revocation information");
    }
    STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
    for (int i = 0; i + 1 < sk_X509_num(chain); ++i) {
      X509* certificate = sk_X509_value(chain, i);
      auto revoked = trust_.revoked.find(serial_hex(certificate));
      if (revoked == trust_.revoked.end()) continue;
      if (report_.time_stamp && *report_.time_stamp < revoked->second) {
        proof += "; " + common_name(certificate) + " was revoked at " + format_rfc3339(revoked->second) +
                 ", after the time-stamp";
        continue;
      }
      report_.revocation = "revoked";
      const std::string when = format_rfc3339(revoked->second);
      // Without a time-stamp nothing proves the signature came before the revocation; when even
      // the signer's own claimed time is after it, the signature is plainly invalid.
      if (report_.claimed_time && *report_.claimed_time >= revoked->second) {
        return conclude(kX509, Indication::total_failed, "REVOKED",
                        common_name(certificate) + " was revoked at " + when + ", before the claimed signing time");
      }
      return conclude(
          kX509, Indication::indeterminate, "REVOKED_NO_POE",
          common_name(certificate) + " was revoked at " + when + "; no time-stamp proves the signature came before");
    }
    report_.revocation = proof.find("revoked") != std::string::npos ? "revoked" : "good";
    pass(kX509, "chain to a trust anchor, valid at the validation time, not revoked before the signature" + proof);
    return true;
  }

  bool crypto() {
    X509_ALGOR* digest_algorithm = nullptr;
    CMS_SignerInfo_get0_algs(si_, nullptr, nullptr, &digest_algorithm, nullptr);
    const ASN1_OBJECT* digest_object = nullptr;
    X509_ALGOR_get0(&digest_object, nullptr, nullptr, digest_algorithm);
    const EVP_MD* md = EVP_get_digestbyobj(digest_object);
    if (md == nullptr) {
      return conclude(kCrypto, Indication::indeterminate, "CRYPTO_CONSTRAINTS_FAILURE", "unknown digest algorithm");
    }
    digest_name_ = EVP_MD_get0_name(md);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    EVP_DigestInit_ex(ctx.get(), md, nullptr);
    for (const auto& [offset, length] : report_.byte_ranges) EVP_DigestUpdate(ctx.get(), pdf_.data() + offset, length);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_length = 0;
    EVP_DigestFinal_ex(ctx.get(), digest, &digest_length);
    const ASN1_TYPE* claimed = signed_attribute(si_, NID_pkcs9_messageDigest);
    if (claimed == nullptr || claimed->type != V_ASN1_OCTET_STRING ||
        ASN1_STRING_length(claimed->value.octet_string) != static_cast<int>(digest_length) ||
        std::memcmp(ASN1_STRING_get0_data(claimed->value.octet_string), digest, digest_length) != 0) {
      return conclude(kCrypto, Indication::total_failed, "HASH_FAILURE",
                      "the signed bytes have changed since they were signed");
    }
    CMS_SignerInfo_set1_signer_cert(si_, signer_);
    if (CMS_SignerInfo_verify(si_) != 1) {
      openssl_errors();
      return conclude(kCrypto, Indication::total_failed, "SIG_CRYPTO_FAILURE",
                      "the signature value does not match the signed attributes and the certificate's key");
    }
    pass(kCrypto, std::string(digest_name_) + " digest of the byte ranges matches; signature value verified");
    return true;
  }

  void acceptance() {
    // Algorithms still fit for signatures (ETSI TS 119 312): no MD5 or SHA-1, RSA of 2048 bits
    // or more.
    if (digest_name_ == "MD5" || digest_name_ == "SHA1") {
      conclude(kAcceptance, Indication::indeterminate, "CRYPTO_CONSTRAINTS_FAILURE",
               std::string(digest_name_) + " is no longer accepted for signatures");
      return;
    }
    EVP_PKEY* key = X509_get0_pubkey(signer_);
    if (key != nullptr && EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) < 2048) {
      conclude(kAcceptance, Indication::indeterminate, "CRYPTO_CONSTRAINTS_FAILURE", "RSA key under 2048 bits");
      return;
    }
    pass(kAcceptance, std::string(digest_name_) + ", " + (key != nullptr ? EVP_PKEY_get0_type_name(key) : ""));
    report_.indication = Indication::total_passed;
    report_.sub_indication.clear();
  }

  std::string_view pdf_;
  const TrustSettings& trust_;
  SignatureReport report_;
  std::string der_;
  CmsPtr cms_;
  CMS_SignerInfo* si_ = nullptr;
  StackX509 certificates_;
  X509* signer_ = nullptr;
  std::string digest_name_;
};

}  // namespace

Result<VerificationReport> verify_pdf(std::string_view pdf, const TrustSettings& trust) {
  if (!pdf.starts_with("%PDF-")) return make_error(Errc::not_a_pdf, "the file does not start with %PDF-");
  auto found = signature_dictionaries(pdf);
  if (!found) return std::move(found).error();
  VerificationReport report;
  report.size = pdf.size();
  report.sha256 = sha256_hex(pdf);
  for (const auto& dictionary : *found) report.signatures.push_back(SignatureCheck(pdf, trust).run(dictionary));
  // In the order they were made: an earlier signature covers less of the file.
  std::stable_sort(report.signatures.begin(), report.signatures.end(), [](const auto& a, const auto& b) {
    auto end = [](const SignatureReport& s) {
      return s.byte_ranges.empty() ? 0 : s.byte_ranges.back().first + s.byte_ranges.back().second;
    };
    return end(a) < end(b);
  });
  return report;
}

namespace json = boost::json;

json::object report_json(const VerificationReport& report) {
  json::array signatures;
  for (const auto& s : report.signatures) {
    json::array steps;
    for (const auto& step : s.steps) {
      steps.push_back(json::object{{"name", step.name}, {"status", to_string(step.status)}, {"detail", step.detail}});
    }
    json::array ranges;
    for (const auto& [offset, length] : s.byte_ranges) ranges.push_back(json::array{offset, length});
    json::object o{{"field", s.field},
                   {"sub_filter", s.sub_filter},
                   {"signer", s.signer},
                   {"signer_name", s.signer_name},
                   {"issuer", s.issuer},
                   {"serial", s.serial},
                   {"byte_ranges", ranges},
                   {"covers_whole_document", s.covers_whole_document},
                   {"revocation", s.revocation.empty() ? "unknown" : s.revocation},
                   {"indication", to_string(s.indication)},
                   {"sub_indication", s.sub_indication},
                   {"steps", steps}};
    o["claimed_time"] = s.claimed_time ? json::value(format_rfc3339(*s.claimed_time)) : json::value(nullptr);
    o["time_stamp_status"] = s.time_stamp_status;
    o["time_stamp"] = s.time_stamp ? json::value(format_rfc3339(*s.time_stamp)) : json::value(nullptr);
    signatures.push_back(std::move(o));
  }
  return json::object{{"size", report.size}, {"sha256", report.sha256}, {"signatures", signatures}};
}

}  // namespace guichet::documents
