#include "guichet/documents/pades.hpp"

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFObjectHandle.hh>

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "guichet/core/digest.hpp"
#include "guichet/documents/errors.hpp"
#include "openssl.hpp"

namespace guichet::documents {
namespace {

// Room reserved for the CMS in /Contents. A B-B signature with a P-256 key and a two-certificate
// chain takes about 2 KiB; a B-T one adds a time-stamp token with the authority's chain.
constexpr std::size_t kSignatureCapacity = 16384;
constexpr std::string_view kByteRangePlaceholder = "[0 0000000000 0000000000 0000000000]";

// The offset of the last cross-reference section ("startxref" near the end of the file).
std::optional<std::size_t> last_xref_offset(std::string_view pdf) {
  const std::size_t at = pdf.rfind("startxref");
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t p = at + 9;
  while (p < pdf.size() && (pdf[p] == ' ' || pdf[p] == '\r' || pdf[p] == '\n')) ++p;
  std::size_t offset = 0;
  auto [end, ec] = std::from_chars(pdf.data() + p, pdf.data() + pdf.size(), offset);
  if (ec != std::errc() || end == pdf.data() + p || offset >= pdf.size()) return std::nullopt;
  return offset;
}

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

// The signed attributes as the signature covers them: a DER SET OF (tag 0x31), sorted.
std::string signed_attributes_der(CMS_SignerInfo* si) {
  std::vector<std::string> members;
  for (int i = 0; i < CMS_signed_get_attr_count(si); ++i) {
    unsigned char* der = nullptr;
    const int length = i2d_X509_ATTRIBUTE(CMS_signed_get_attr(si, i), &der);
    members.emplace_back(reinterpret_cast<char*>(der), static_cast<std::size_t>(length));
    OPENSSL_free(der);
  }
  std::sort(members.begin(), members.end(), der_set_order);
  std::string content;
  for (const auto& m : members) content += m;
  return "\x31" + der_length(content.size()) + content;
}

// A detached CMS SignedData over `digest` (SHA-256 of the byte ranges). OpenSSL 3.0's own signing
// always adds a signing-time attribute, which PAdES forbids, so the signer info is built with
// CMS_PARTIAL and signed here over the DER of its attributes.
Result<std::string> cms_signature(std::string_view digest, const SigningIdentity& signer) {
  auto certificate = parse_certificate(signer.certificate_pem);
  if (!certificate) return std::move(certificate).error();
  auto key = parse_private_key(signer.private_key_pem);
  if (!key) return std::move(key).error();
  constexpr unsigned kFlags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
  CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, kFlags));
  if (!cms) return crypto_error("creating the CMS");
  // CMS_CADES adds the ESS signing-certificate-v2 attribute (SHA-256 of the signer's certificate).
  CMS_SignerInfo* si = CMS_add1_signer(cms.get(), certificate->get(), key->get(), EVP_sha256(), kFlags | CMS_CADES);
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
  const std::string to_sign = signed_attributes_der(si);
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

std::string pdf_text(const std::string& text) { return QPDFObjectHandle::newUnicodeString(text).unparse(); }

// The objects an incremental update rewrites or adds, each written whole.
struct Update {
  std::string text;                    // what is appended to the file
  std::map<int, std::size_t> offsets;  // object number -> offset in the new file
  std::size_t base = 0;                // the original file's size
  void object(int number, int generation, std::string_view body) {
    offsets[number] = base + text.size();
    text += fmt::format("{} {} obj\n", number, generation);
    text += body;
    text += "\nendobj\n";
  }
};

// Cross-reference subsections: runs of consecutive object numbers.
std::vector<std::pair<int, int>> subsections(const std::map<int, std::size_t>& offsets) {
  std::vector<std::pair<int, int>> out;
  for (const auto& [number, offset] : offsets) {
    if (!out.empty() && out.back().first + out.back().second == number) {
      ++out.back().second;
    } else {
      out.emplace_back(number, 1);
    }
  }
  return out;
}

}  // namespace

Result<std::string> sign_pdf(std::string_view pdf, const SigningIdentity& signer, const SignatureDetails& details) {
  if (!pdf.starts_with("%PDF-")) return make_error(Errc::not_a_pdf, "the file does not start with %PDF-");
  const auto prev = last_xref_offset(pdf);
  if (!prev) return make_error(Errc::not_a_pdf, "no startxref at the end of the file");
  const bool xref_stream = pdf.compare(*prev, 4, "xref") != 0;

  QPDF q;
  q.setSuppressWarnings(true);
  try {
    q.processMemoryFile("document.pdf", pdf.data(), pdf.size());
  } catch (const std::exception& e) {
    return make_error(Errc::not_a_pdf, std::string("unreadable PDF: ") + e.what());
  }
  if (q.isEncrypted()) return make_error(Errc::pdf_encrypted, "the PDF is encrypted");

  Update update;
  update.base = pdf.size();
  if (!pdf.ends_with("\n") && !pdf.ends_with("\r")) update.text += "\n";
  std::vector<QPDFObjectHandle> changed;
  std::string field_name;
  try {
    QPDFObjectHandle root = q.getRoot();
    std::vector<QPDFObjectHandle> pages = q.getAllPages();
    if (pages.empty()) return make_error(Errc::not_a_pdf, "the PDF has no page");
    QPDFObjectHandle page = pages.front();

    QPDFObjectHandle acroform = root.getKey("/AcroForm");
    if (!acroform.isDictionary()) {
      acroform = QPDFObjectHandle::newDictionary();
      root.replaceKey("/AcroForm", acroform);
      changed.push_back(root);
    } else if (acroform.isIndirect()) {
      changed.push_back(acroform);
    } else {
      changed.push_back(root);
    }
    QPDFObjectHandle fields = acroform.getKey("/Fields");
    if (!fields.isArray()) {
      fields = QPDFObjectHandle::newArray();
      acroform.replaceKey("/Fields", fields);
    } else if (fields.isIndirect()) {
      changed.push_back(fields);
    }
    int signatures = 0;
    for (int i = 0; i < fields.getArrayNItems(); ++i) {
      if (fields.getArrayItem(i).getKey("/FT").isNameAndEquals("/Sig")) ++signatures;
    }
    field_name = "Signature" + std::to_string(signatures + 1);
    acroform.replaceKey("/SigFlags", QPDFObjectHandle::newInteger(3));

    // A placeholder (a null would be dropped from the widget): the dictionary is written by hand below.
    QPDFObjectHandle value = q.makeIndirectObject(QPDFObjectHandle::newDictionary());
    QPDFObjectHandle widget = q.makeIndirectObject(
        QPDFObjectHandle::parse("<< /Type /Annot /Subtype /Widget /FT /Sig /F 132 /Rect [0 0 0 0] >>"));
    widget.replaceKey("/T", QPDFObjectHandle::newUnicodeString(field_name));
    widget.replaceKey("/V", value);
    widget.replaceKey("/P", page);
    changed.push_back(widget);
    fields.appendItem(widget);

    QPDFObjectHandle annots = page.getKey("/Annots");
    if (annots.isArray() && annots.isIndirect()) {
      changed.push_back(annots);
    } else {
      if (!annots.isArray()) {
        annots = QPDFObjectHandle::newArray();
        page.replaceKey("/Annots", annots);
      }
      changed.push_back(page);
    }
    annots.appendItem(widget);

    // The signature dictionary, with fixed-width placeholders for /ByteRange and /Contents.
    std::string dictionary = "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange ";
    dictionary += kByteRangePlaceholder;
    dictionary += " /Contents <" + std::string(2 * kSignatureCapacity, '0') + ">";
    dictionary += " /M " + pdf_text(pdf_date(details.time));
    if (!details.name.empty()) dictionary += " /Name " + pdf_text(details.name);
    if (!details.reason.empty()) dictionary += " /Reason " + pdf_text(details.reason);
    if (!details.location.empty()) dictionary += " /Location " + pdf_text(details.location);
    dictionary += " >>";
    update.object(value.getObjectID(), 0, dictionary);
    std::map<int, bool> written{{value.getObjectID(), true}};
    for (auto& object : changed) {
      if (written[object.getObjectID()]) continue;
      written[object.getObjectID()] = true;
      update.object(object.getObjectID(), object.getGeneration(), object.unparseResolved());
    }

    QPDFObjectHandle trailer = q.getTrailer();
    int size = trailer.getKey("/Size").isInteger() ? trailer.getKey("/Size").getIntValueAsInt() : 0;
    for (const auto& [number, offset] : update.offsets) size = std::max(size, number + 1);
    std::string trailer_keys = fmt::format("/Root {} /Prev {}", root.unparse(), *prev);
    if (trailer.hasKey("/Info")) trailer_keys += " /Info " + trailer.getKey("/Info").unparse();
    if (trailer.hasKey("/ID")) trailer_keys += " /ID " + trailer.getKey("/ID").unparseResolved();

    if (!xref_stream) {
      const std::size_t xref_at = update.base + update.text.size();
      update.text += "xref\n";
      for (const auto& [first, count] : subsections(update.offsets)) {
        update.text += fmt::format("{} {}\n", first, count);
        for (int n = first; n < first + count; ++n) update.text += fmt::format("{:010} 00000 n \n", update.offsets[n]);
      }
      update.text += fmt::format("trailer\n<< /Size {} {} >>\nstartxref\n{}\n%%EOF\n", size, trailer_keys, xref_at);
    } else {
      // The original's last section is a cross-reference stream; so is ours (a table after a
      // stream is not allowed in a PDF 1.5 file that a reader processes as stream-only).
      const int xref_number = size;
      update.offsets[xref_number] = update.base + update.text.size();
      std::string entries;
      std::string index;
      for (const auto& [first, count] : subsections(update.offsets)) {
        index += fmt::format("{} {} ", first, count);
        for (int n = first; n < first + count; ++n) {
          const std::size_t offset = update.offsets[n];
          entries += '\x01';
          for (int shift = 24; shift >= 0; shift -= 8) entries += static_cast<char>((offset >> shift) & 0xff);
          entries += std::string(2, '\0');
        }
      }
      const std::size_t xref_at = update.offsets[xref_number];
      update.text +=
          fmt::format("{} 0 obj\n<< /Type /XRef /Size {} {} /W [1 4 2] /Index [{}] /Length {} >>\nstream\n",
                      xref_number, xref_number + 1, trailer_keys, index.substr(0, index.size() - 1), entries.size());
      update.text += entries;
      update.text += fmt::format("\nendstream\nendobj\nstartxref\n{}\n%%EOF\n", xref_at);
    }
  } catch (const std::exception& e) {
    return make_error(Errc::not_a_pdf, std::string("cannot update the PDF: ") + e.what());
  }

  std::string out;
  out.reserve(pdf.size() + update.text.size());
  out.append(pdf);
  out += update.text;

  // The byte ranges: everything but /Contents' hex string, delimiters included.
  const std::size_t range_at = out.find(kByteRangePlaceholder, update.base);
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
  auto cms = cms_signature(std::string_view(reinterpret_cast<const char*>(digest), digest_length), signer);
  if (!cms) return std::move(cms).error();
  if (cms->size() > kSignatureCapacity) {
    return make_error(Errc::signature_too_large, "the signature does not fit the space reserved for it");
  }
  const std::string encoded = hex(*cms);
  out.replace(contents_at + 1, encoded.size(), encoded);
  return out;
}

}  // namespace guichet::documents
