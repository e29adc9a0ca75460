#pragma once
// PAdES baseline signatures (ETSI EN 319 142-1), level B-B: the signature is appended to the PDF
// as an incremental update (earlier bytes, and so earlier signatures, untouched) holding a
// signature field and a signature dictionary with /SubFilter /ETSI.CAdES.detached and /M; its
// /Contents is a detached CMS SignedData over the /ByteRange with the signed attributes PAdES
// asks for (content-type, message-digest, ESS signing-certificate-v2), DER-sorted, and no
// signing-time (PAdES forbids it: the time is /M's).
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"

namespace guichet::documents {

// Who signs: a certificate, the certificates between it and the root (nearest first; the root is
// left out, a verifier must already trust it), and the private key, in memory only for signing.
struct SigningIdentity {
  std::string certificate_pem;
  std::vector<std::string> chain_pem;
  std::string private_key_pem;  // PKCS#8
};

struct SignatureDetails {
  std::string name;      // /Name: the signer as people read it
  std::string reason;    // /Reason
  std::string location;  // /Location
  Instant time;          // /M, the claimed signing time
};

// PAdES baseline by default. The deviations exist only to make the defective files verifiers are
// tested against (a foreign /SubFilter, no signing-certificate-v2, a signing-time, a time-stamp
// over other data, a signature over the signed attributes in an unsorted SET OF, as node-signpdf
// #183 made them); nothing in Guichet signs with them.
struct SignatureFormat {
  std::string sub_filter = "ETSI.CAdES.detached";
  bool signing_certificate_v2 = true;
  bool signing_time = false;
  bool time_stamp_over_signature = true;  // false: the time-stamp is asked over other data
  // false: the signature is computed over the attributes in descending order, while the file
  // holds them DER-sorted (every encoder sorts a SET OF), so the signature cannot verify.
  bool der_sorted_attributes = true;
};

// Asks a time-stamping authority (documents/timestamp.hpp): a TimeStampReq's DER in, the
// TimeStampResp's DER out.
using TimeStamper = std::function<Result<std::string>(std::string_view request_der)>;

// The signed PDF, at level B-T when `time_stamper` is given (the time-stamp token over the
// signature value is added as the unsigned attribute id-aa-signatureTimeStampToken), else B-B.
// Errc::not_a_pdf for anything qpdf cannot read as a PDF, pdf_encrypted for an encrypted one,
// time_stamp_failed when the authority does not grant a token. CPU work (and, with a remote
// authority, a network wait): call it through the ComputePool.
Result<std::string> sign_pdf(std::string_view pdf, const SigningIdentity& signer, const SignatureDetails& details,
                             const SignatureFormat& format = {}, const TimeStamper& time_stamper = {});

}  // namespace guichet::documents
