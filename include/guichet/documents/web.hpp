#pragma once
// The documents module on the web: verification for anyone (/verify, POST /api/v1/verify) and
// the certification authority's root for verifiers to trust (/pki/root.pem), and Guichet's own
// time-stamping authority (POST /tsa, RFC 3161 over HTTP).
#include <cstddef>

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
  TimeStampAuthority* tsa = nullptr;  // answers POST /tsa when set (it needs the secrets key)
};

// `context` must outlive the router.
void register_verify_routes(http::Router& router, const DocumentsWebContext& context);

}  // namespace guichet::documents
