#pragma once
// The procedures module on the web: the online procedures people fill in (/procedures, the
// pages of a case, check your answers, submit, the case and its sealed receipt, the drafts and
// cases on the account), the JSON API (/api/v1/procedures, /api/v1/cases, bearer tokens with the
// `procedures` scope) and the jobs cases cause (the receipt, purging lapsed drafts).
#include <functional>
#include <string>
#include <variant>

#include "guichet/documents/pades.hpp"
#include "guichet/documents/pdf.hpp"
#include "guichet/http/i18n.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/http/router.hpp"
#include "guichet/jobs/worker.hpp"
#include "guichet/procedures/cases.hpp"
#include "guichet/procedures/payments.hpp"

namespace guichet::documents {
class CertificateAuthority;
}

namespace guichet::procedures {

// The person behind "Authorization: Bearer" when the token is live and carries `scope`, or the
// 401/403 response to send (oidc::require_bearer, supplied by app).
using BearerCheck = std::function<std::variant<std::int64_t, http::Response>(const http::Request&, std::string_view)>;

struct ProceduresContext {
  Procedures& procedures;
  const http::PageRenderer& pages;
  const http::Catalog& catalog;
  std::string public_url;  // for the receipt's QR code, without a trailing slash
  BearerCheck bearer;
  // Seals receipts; null where documents are not set up (receipts then wait, and their job retries).
  documents::CertificateAuthority* authority = nullptr;
  documents::RenderOptions pdf{};
  documents::TimeStamper time_stamper{};
  std::string time_zone = "Europe/Lisbon";  // the zone times on receipts are given in
  // Takes procedures' fees (the test provider when nothing else is configured).
  PaymentProvider* payments = nullptr;
  // The test provider's own page (/pay/test/...), when it is the one in use.
  TestPaymentProvider* test_payments = nullptr;
};

// The pages: GET /procedures, GET /procedures/{service}, POST /procedures/{service}/start,
// GET/POST /cases/{reference}/pages/{page}, GET /cases/{reference}/check, POST
// /cases/{reference}/submit, GET /cases/{reference}, GET /cases/{reference}/receipt.pdf, POST
// /cases/{reference}/delete, GET /account/cases. `context` must outlive the router.
void register_page_routes(http::Router& router, const ProceduresContext& context);
// Paying a fee: GET /cases/{reference}/payment (back from the provider) and the test provider's
// page, GET/POST /pay/test/{reference}.
void register_payment_routes(http::Router& router, const ProceduresContext& context);
// The person's documents: GET/POST /account/documents (list, add), GET /account/documents/{id}
// (download), GET/POST /account/documents/{id}/delete.
void register_vault_routes(http::Router& router, const ProceduresContext& context);
// The agents' side: GET /agent/cases, GET /agent/cases/{reference}, POST
// /agent/cases/{reference}/take, /request, /decide and /note.
void register_agent_routes(http::Router& router, const ProceduresContext& context);
// The administrators' side: GET /admin/procedures (their procedures and figures), GET and POST
// /admin/procedures/{service} (edit, check and publish a definition as JSON).
void register_admin_routes(http::Router& router, const ProceduresContext& context);
// GET /api/v1/procedures/{service}, POST /api/v1/cases, GET and PATCH /api/v1/cases/{reference},
// POST /api/v1/cases/{reference}/submit.
void register_api_routes(http::Router& router, const ProceduresContext& context);
// procedures.receipt (render, seal and keep the receipt of a submitted case) and
// procedures.purge_drafts (hourly).
void register_jobs(jobs::Worker& worker, const ProceduresContext& context);

}  // namespace guichet::procedures
