#include "guichet/documents/sealing.hpp"

#include <algorithm>

#include "guichet/core/compute.hpp"
#include "guichet/core/digest.hpp"
#include "guichet/documents/issued.hpp"
#include "guichet/documents/pki.hpp"

namespace guichet::documents {

Result<std::string> issue_sealed(storage::Database& db, CertificateAuthority& authority, const DocumentSpec& spec,
                                 const SealedIssue& issue, const RenderOptions& render, const TimeStamper& time_stamper,
                                 const Clock& clock) {
  auto seal = authority.seal_of(issue.administration, issue.legal_name);
  if (!seal) return std::move(seal).error();
  const SignatureDetails details{issue.legal_name, spec.title, issue.location, clock.now()};
  auto made = ComputePool::shared().run([&]() -> Result<std::string> {
    auto pdf = render_pdf(spec, render);
    if (!pdf) return std::move(pdf).error();
    return sign_pdf(*pdf, *seal, details, {}, time_stamper);
  });
  std::fill(seal->private_key_pem.begin(), seal->private_key_pem.end(), '\0');
  if (!made) return std::move(made).error();
  if (!*made) return std::move(*made).error();
  std::string pdf = std::move(*made).value();
  auto recorded =
      record_issued(db, IssuedDocument{issue.code, issue.kind, issue.legal_name, spec.title, issue.reference,
                                       sha256_hex(pdf), static_cast<std::int64_t>(pdf.size()), clock.now()});
  if (!recorded) return std::move(recorded).error();
  return pdf;
}

}  // namespace guichet::documents
