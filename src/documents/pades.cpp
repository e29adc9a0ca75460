#include "guichet/documents/pades.hpp"

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/ts.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>
#include <optional>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "guichet/core/digest.hpp"
#include "guichet/documents/errors.hpp"
#include "guichet/documents/timestamp.hpp"
#include "openssl.hpp"
#include "pdf_objects.hpp"

namespace guichet::documents {
namespace {

// Room reserved for the CMS in /Contents. A B-B signature with a P-256 key and a two-certificate
// chain takes about 2 KiB; a B-T one adds a time-stamp token with the authority's chain.
constexpr std::size_t kSignatureCapacity = 16384;
constexpr std::string_view kByteRangePlaceholder = "[0 0000000000 0000000000 0000000000]";

// DER SET OF: the members' encodings in ascending order, compared as octet strings with the
// shorter padded with zero octets (X.690 11.6).
bool der_set_order(const std::string& a, const std::string& b) {
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    if (x != y) return x < y;
  }
  return false;
}

std::string der_length(std::size_t length) {
  if (length < 0x80) return std::string(1, static_cast<char>(length));
  std::string bytes;
  for (std::size_t l = length; l > 0; l >>= 8) bytes.insert(bytes.begin(), static_cast<char>(l & 0xff));
  return std::string(1, static_cast<char>(0x80 | bytes.size())) + bytes;
}

// The signed attributes as the signature covers them: a DER SET OF (tag 0x31), sorted (or, for a
// defective test file, in the opposite order).
std::string signed_attributes_der(CMS_SignerInfo* si, bool sorted = true) {
  std::vector<std::string> members;
  for (int i = 0; i < CMS_signed_get_attr_count(si); ++i) {
    unsigned char* der = nullptr;
    const int length = i2d_X509_ATTRIBUTE(CMS_signed_get_attr(si, i), &der);
    members.emplace_back(reinterpret_cast<char*>(der), static_cast<std::size_t>(length));
    OPENSSL_free(der);
  }
  std::sort(members.begin(), members.end(), der_set_order);
  if (!sorted) std::reverse(members.begin(), members.end());
  std::string content;
  for (const auto& m : members) content += m;
  return "\x31" + der_length(content.size()) + content;
}

// A detached CMS SignedData over `digest` (SHA-256 of the byte ranges). OpenSSL 3.0's own signing
// always adds a signing-time attribute, which PAdES forbids, so the signer info is built with
// CMS_PARTIAL and signed here over the DER of its attributes.
// Asks for a time-stamp token over the signature value and adds it as an unsigned attribute.
Result<void> add_time_stamp(CMS_SignerInfo* si, const std::string& signature, const TimeStamper& time_stamper,
                            bool over_signature) {
  unsigned char imprint[32];
  const std::string stamped_data = over_signature ? signature : "other data";
  SHA256(reinterpret_cast<const unsigned char*>(stamped_data.data()), stamped_data.size(), imprint);
  const std::string_view digest(reinterpret_cast<const char*>(imprint), sizeof imprint);
  auto answer = time_stamper(time_stamp_request(digest));
  if (!answer) return std::move(answer).error();
  const auto* p = reinterpret_cast<const unsigned char*>(answer->data());
  std::unique_ptr<TS_RESP, OpenSslFree<TS_RESP, TS_RESP_free>> response(
      d2i_TS_RESP(nullptr, &p, static_cast<long>(answer->size())));
  if (!response)
    return make_error(Errc::time_stamp_failed, "the time-stamping authority's answer is not a TimeStampResp");
  const long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(response.get())));
  PKCS7* token = TS_RESP_get_token(response.get());
  TS_TST_INFO* info = TS_RESP_get_tst_info(response.get());
  if ((status != 0 && status != 1) || token == nullptr || info == nullptr) {
    return make_error(Errc::time_stamp_failed,
                      "the time-stamping authority refused (status " + std::to_string(status) + ")");
  }
  const ASN1_OCTET_STRING* stamped = TS_MSG_IMPRINT_get_msg(TS_TST_INFO_get_msg_imprint(info));
  if (ASN1_STRING_length(stamped) != static_cast<int>(sizeof imprint) ||
      std::memcmp(ASN1_STRING_get0_data(stamped), imprint, sizeof imprint) != 0) {
    return make_error(Errc::time_stamp_failed, "the time-stamp is over other data than this signature");
  }
  unsigned char* der = nullptr;
  const int length = i2d_PKCS7(token, &der);
  const int added = CMS_unsigned_add1_attr_by_NID(si, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE, der, length);
  OPENSSL_free(der);
  if (added != 1) return crypto_error("adding the time-stamp token");
  return {};
}

Result<std::string> cms_signature(std::string_view digest, const SigningIdentity& signer, const SignatureFormat& format,
                                  Instant time, const TimeStamper& time_stamper) {
  auto certificate = parse_certificate(signer.certificate_pem);
  if (!certificate) return std::move(certificate).error();
  auto key = parse_private_key(signer.private_key_pem);
  if (!key) return std::move(key).error();
  constexpr unsigned kFlags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
  CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, kFlags));
  if (!cms) return crypto_error("creating the CMS");
  // CMS_CADES adds the ESS signing-certificate-v2 attribute (SHA-256 of the signer's certificate).
  CMS_SignerInfo* si = CMS_add1_signer(cms.get(), certificate->get(), key->get(), EVP_sha256(),
                                       kFlags | (format.signing_certificate_v2 ? CMS_CADES : 0U));
  if (si == nullptr) return crypto_error("adding the signer");
  for (const auto& pem : signer.chain_pem) {
    auto ca = parse_certificate(pem);
    if (!ca) return std::move(ca).error();
    if (CMS_add1_cert(cms.get(), ca->get()) != 1) return crypto_error("adding a chain certificate");
  }
  if (CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT, OBJ_nid2obj(NID_pkcs7_data), -1) != 1 ||
      CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, digest.data(),
                                  static_cast<int>(digest.size())) != 1) {
    return crypto_error("adding the signed attributes");
  }
  if (format.signing_time) {
    std::unique_ptr<ASN1_TIME, OpenSslFree<ASN1_TIME, ASN1_TIME_free>> at(
        ASN1_TIME_set(nullptr, static_cast<time_t>(to_unix_micros(time) / 1'000'000)));
    CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, at->type, at.get(), -1);
  }
  const std::string to_sign = signed_attributes_der(si, format.der_sorted_attributes);
  std::unique_ptr<EVP_MD_CTX, OpenSslFree<EVP_MD_CTX, EVP_MD_CTX_free>> md(EVP_MD_CTX_new());
  std::size_t length = 0;
  if (EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key->get()) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(to_sign.data()),
                     to_sign.size()) != 1) {
    return crypto_error("signing");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size()) != 1) {
    return crypto_error("signing");
  }
  signature.resize(length);
  ASN1_STRING_set(CMS_SignerInfo_get0_signature(si), signature.data(), static_cast<int>(signature.size()));
  if (time_stamper) {
    if (auto stamped = add_time_stamp(si, signature, time_stamper, format.time_stamp_over_signature); !stamped)
      return std::move(stamped).error();
  }
  unsigned char* der = nullptr;
  const int der_length_ = i2d_CMS_ContentInfo(cms.get(), &der);
  if (der_length_ <= 0) return crypto_error("encoding the CMS");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(der_length_));
  OPENSSL_free(der);
  return out;
}

std::string pdf_date(Instant t) {
  return fmt::format("D:{:%Y%m%d%H%M%S}Z", std::chrono::floor<std::chrono::seconds>(t));
}

}  // namespace

Result<std::string> sign_pdf(std::string_view pdf, const SigningIdentity& signer, const SignatureDetails& details,
                             const SignatureFormat& format, const TimeStamper& time_stamper) {
  if (!pdf.starts_with("%PDF-")) return make_error(Errc::not_a_pdf, "the file does not start with %PDF-");
  // The signature dictionary, with fixed-width placeholders for /ByteRange and /Contents.
  std::string dictionary = "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /" + format.sub_filter + " /ByteRange ";
  dictionary += kByteRangePlaceholder;
  dictionary += " /Contents <" + std::string(2 * kSignatureCapacity, '0') + ">";
  dictionary += " /M " + pdf_text_string(pdf_date(details.time));
  if (!details.name.empty()) dictionary += " /Name " + pdf_text_string(details.name);
  if (!details.reason.empty()) dictionary += " /Reason " + pdf_text_string(details.reason);
  if (!details.location.empty()) dictionary += " /Location " + pdf_text_string(details.location);
  dictionary += " >>";
  auto update = signature_update(pdf, dictionary);
  if (!update) return std::move(update).error();
  const std::size_t base = pdf.size();

  std::string out;
  out.reserve(pdf.size() + update->size());
  out.append(pdf);
  out += *update;

  // The byte ranges: everything but /Contents' hex string, delimiters included.
  const std::size_t range_at = out.find(kByteRangePlaceholder, base);
  const std::size_t contents_at = out.find("/Contents <", range_at) + 10;
  const std::size_t contents_end = contents_at + 2 * kSignatureCapacity + 2;
  std::string ranges = fmt::format("[0 {} {} {}]", contents_at, contents_end, out.size() - contents_end);
  ranges.resize(kByteRangePlaceholder.size(), ' ');
  out.replace(range_at, ranges.size(), ranges);

  std::string covered = out.substr(0, contents_at);
  covered.append(out, contents_end, std::string::npos);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  EVP_Digest(covered.data(), covered.size(), digest, &digest_length, EVP_sha256(), nullptr);
  auto cms = cms_signature(std::string_view(reinterpret_cast<const char*>(digest), digest_length), signer, format,
                           details.time, time_stamper);
  if (!cms) return std::move(cms).error();
  if (cms->size() > kSignatureCapacity) {
    return make_error(Errc::signature_too_large, "the signature does not fit the space reserved for it");
  }
  const std::string encoded = hex(*cms);
  out.replace(contents_at + 1, encoded.size(), encoded);
  return out;
}

}  // namespace guichet::documents
