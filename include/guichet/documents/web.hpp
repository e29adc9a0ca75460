#pragma once
// The documents module on the web: verification for anyone (/verify, POST /api/v1/verify),
// a person signing their own documents (/account/sign), and
// the certification authority's root for verifiers to trust (/pki/root.pem), and Guichet's own
// time-stamping authority (POST /tsa, RFC 3161 over HTTP).
#include <cstddef>

#include "guichet/documents/personal.hpp"
#include "guichet/documents/pki.hpp"
#include "guichet/documents/timestamp.hpp"
#include "guichet/http/i18n.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/http/router.hpp"

namespace guichet::documents {

// The largest PDF /verify and the API take.
inline constexpr std::size_t kMaxVerifiedPdf = 20 * 1024 * 1024;

struct DocumentsWebContext {
  CertificateAuthority& authority;
  const http::PageRenderer& pages;
  const http::Catalog& catalog;
  TimeStampAuthority* tsa = nullptr;   // answers POST /tsa when set (it needs the secrets key)
  PersonalSigning* signing = nullptr;  // people sign their own documents when set (secrets key)
  std::string signing_location;        // /Location of personal signatures: the site's host
  storage::Database* db = nullptr;     // the register of issued documents (/verify/{code})
};

// GET/POST /verify, GET /verify/{code}, POST /api/v1/verify, GET /pki/root.pem, /pki/issuing.pem, /pki/issuing.crl,
// POST /pki/ocsp, POST /tsa. `context` must outlive the router.
void register_verify_routes(http::Router& router, const DocumentsWebContext& context);

// A person's own signature: GET/POST /account/sign, GET/POST /account/sign/{token},
// GET /account/signatures, GET /account/signatures/{token}/signed.pdf,
// POST /account/certificate/revoke. Nothing when context.signing is not set.
void register_signing_routes(http::Router& router, const DocumentsWebContext& context);

}  // namespace guichet::documents
