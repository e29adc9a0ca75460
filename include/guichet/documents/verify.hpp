#pragma once
// Verification of the signatures in a PDF, for anyone: the steps of ETSI EN 319 102-1 as the EU's
// DSS reports them (format checking, identification of the signing certificate, validation
// context, X.509 certificate validation, cryptographic verification, signature acceptance) and,
// per signature, an indication (TOTAL_PASSED, INDETERMINATE, TOTAL_FAILED) with a sub-indication
// saying why. A signature this verifier does not understand (another /SubFilter, a damaged CMS)
// is reported, never silently left out.
#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"

namespace guichet::documents {

enum class Indication { total_passed, indeterminate, total_failed };
std::string_view to_string(Indication indication);  // "TOTAL_PASSED", ...

enum class StepStatus { passed, failed, indeterminate, not_run };
std::string_view to_string(StepStatus status);  // "passed", ...

struct ValidationStep {
  std::string name;  // format_checking, identification_of_signing_certificate, validation_context,
                     // x509_validation, cryptographic_verification, signature_acceptance
  StepStatus status = StepStatus::not_run;
  std::string detail;  // English, for logs and the JSON report; pages translate the step's name
};

struct SignatureReport {
  std::string field;        // the signature field's name
  std::string sub_filter;   // as found, e.g. "ETSI.CAdES.detached"
  std::string signer;       // the signing certificate's subject (RFC 2253), when found
  std::string signer_name;  // its common name
  std::string issuer;
  std::string serial;                   // hex
  std::optional<Instant> claimed_time;  // /M
  // The signature time-stamp (PAdES B-T): "none", "valid" (then `time_stamp` is its time, a proof
  // that the signature existed then), or "invalid: why" (then it is ignored, as ETSI says).
  std::string time_stamp_status = "none";
  std::optional<Instant> time_stamp;
  std::vector<std::pair<std::size_t, std::size_t>> byte_ranges;  // (offset, length)
  bool covers_whole_document = false;
  std::string revocation;  // "good", "revoked", "unknown"
  Indication indication = Indication::indeterminate;
  std::string sub_indication;  // empty when TOTAL_PASSED: FORMAT_FAILURE, HASH_FAILURE, ...
  std::vector<ValidationStep> steps;
};

struct VerificationReport {
  std::vector<SignatureReport> signatures;  // in the order they were added
  std::size_t size = 0;                     // the file's size in bytes
  std::string sha256;                       // of the whole file, hex
};

struct TrustSettings {
  std::vector<std::string> anchors_pem;  // the roots a signature may chain to
  // What the anchors' authority has revoked (serial in hex -> when), the same list its CRL
  // carries. Every certificate that chains to an anchor is the authority's own, so a serial
  // absent from the list is good; with `revocation_known` false, revocation stays unknown
  // (INDETERMINATE, TRY_LATER).
  std::map<std::string, Instant> revoked;
  bool revocation_known = true;
  Instant now;  // the validation time
};

// The report as POST /api/v1/verify and `guichet documents verify --json` give it.
boost::json::object report_json(const VerificationReport& report);

// Errc::not_a_pdf when the file cannot be read as a PDF at all; a PDF without signatures gives a
// report with none. CPU work: call it through the ComputePool.
Result<VerificationReport> verify_pdf(std::string_view pdf, const TrustSettings& trust);

}  // namespace guichet::documents
