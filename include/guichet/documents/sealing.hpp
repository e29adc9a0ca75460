#pragma once
// An administration's document, issued: laid out, sealed with the administration's electronic
// seal and registered under its verification code, in one call shared by every module that issues
// documents (booking confirmations, procedure receipts and decisions).
#include <string>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/documents/pades.hpp"
#include "guichet/documents/pdf.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::documents {

class CertificateAuthority;

// Who seals, and how the register names the document.
struct SealedIssue {
  std::string administration;  // the seal's owner, by code
  std::string legal_name;      // as the seal names it (the site's default language)
  std::string kind;            // "booking_confirmation", "procedure_receipt"...
  std::string reference;       // what the document is about
  std::string code;            // its verification code (new_verification_code), printed in `spec`
  std::string location;        // the signature's /Location, may be empty
};

// Renders `spec` and seals it on the shared compute pool (CPU work: never more at once than
// cores, never on a network thread), wipes the seal's private key from memory, and registers the
// sealed bytes' hash under `issue.code` for /verify/{code}. The sealed PDF.
Result<std::string> issue_sealed(storage::Database& db, CertificateAuthority& authority, const DocumentSpec& spec,
                                 const SealedIssue& issue, const RenderOptions& render, const TimeStamper& time_stamper,
                                 const Clock& clock);

}  // namespace guichet::documents
