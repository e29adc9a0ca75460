// The booking confirmation as a PDF sealed by the administration of the visit's first service:
// reference, status, time, place, the services with their counters, the documents to bring (each
// once), a QR code leading to the booking, which the shop's reception scans to check in, and one
// leading to /verify/<code>, where anyone checks the copy against what was issued.
#include <set>

#include "guichet/catalogue/reads.hpp"
#include "guichet/documents/errors.hpp"
#include "guichet/documents/issued.hpp"
#include "guichet/documents/pades.hpp"
#include "guichet/documents/pdf.hpp"
#include "guichet/documents/pki.hpp"
#include "guichet/documents/sealing.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/scheduling/errors.hpp"
#include "presentation.hpp"

namespace guichet::scheduling {

namespace {

struct ConfirmationFacts {
  BookingView view;
  std::string issuer_code;
  std::string issuer_name;        // in the document's language
  std::string issuer_legal_name;  // in the site's default language, for the seal certificate
};

Result<ConfirmationFacts> gather(storage::Connection& c, const SchedulingContext& ctx, const Booking& booking,
                                 const std::string& lang) {
  ConfirmationFacts facts;
  auto view = describe_booking(c, booking, lang);
  if (!view) return std::move(view).error();
  facts.view = std::move(view).value();
  if (booking.items.empty()) return make_error(Errc::no_such_booking, "the booking has no service");
  auto services = catalogue::service_records(c, {booking.items.front().service}, std::nullopt);
  if (!services) return std::move(services).error();
  if (services->empty()) return make_error(Errc::no_such_booking, "the booking's service is gone");
  facts.issuer_code = services->begin()->second.administration;
  auto name = catalogue::administration_name(c, facts.issuer_code, lang);
  if (!name) return std::move(name).error();
  facts.issuer_name = name->value_or(facts.issuer_code);
  auto legal = catalogue::administration_name(c, facts.issuer_code, ctx.catalog.default_language());
  if (!legal) return std::move(legal).error();
  facts.issuer_legal_name = legal->value_or(facts.issuer_code);
  return facts;
}

documents::DocumentSpec confirmation_spec(const SchedulingContext& ctx, const Booking& booking,
                                          const ConfirmationFacts& facts, const std::string& lang,
                                          const std::string& verification_code) {
  auto t = [&](std::string_view key) -> const std::string& { return ctx.catalog.text(lang, key); };
  const std::string booking_url = ctx.public_url + "/bookings/" + booking.reference;
  documents::DocumentSpec spec;
  spec.lang = lang;
  spec.issuer = facts.issuer_name;
  spec.title = t("confirmation_title");
  spec.subject = t("confirmation_title") + " " + booking.reference;
  spec.created = booking.created_at;
  spec.footer = facts.issuer_name + " · " + t("booking_reference") + " " + booking.reference;

  documents::Facts summary;
  summary.facts.push_back({t("booking_reference"), booking.reference});
  summary.facts.push_back({t("booking_status"), t("booking_status_" + std::string(to_string(booking.status)))});
  summary.facts.push_back({t("booking_when"), facts.view.when});
  summary.facts.push_back({t("booking_where"), facts.view.shop_name + "\n" + facts.view.shop_address});
  spec.blocks.emplace_back(std::move(summary));

  spec.blocks.emplace_back(documents::Heading{t("booking_services")});
  documents::Table services{{t("confirmation_time"), t("confirmation_service"), t("confirmation_counter")}, {}};
  std::vector<std::string> to_bring;
  std::set<std::string> seen;
  for (const auto& item : facts.view.items) {
    services.rows.push_back({item.time + "–" + item.end_time, item.service_name, item.counter});
    for (const auto& d : item.documents) {
      if (seen.insert(d).second) to_bring.push_back(d);
    }
  }
  spec.blocks.emplace_back(std::move(services));
  if (!to_bring.empty()) {
    spec.blocks.emplace_back(documents::Heading{t("booking_documents")});
    spec.blocks.emplace_back(documents::Bullets{to_bring});
  }
  spec.blocks.emplace_back(
      documents::QrCode{booking_url, http::fill_text(t("confirmation_check_in"), {{"url", booking_url}})});
  const std::string verify_url = ctx.public_url + "/verify/" + verification_code;
  spec.blocks.emplace_back(documents::QrCode{
      verify_url, http::fill_text(t("confirmation_verify"), {{"url", verify_url}, {"code", verification_code}})});
  spec.blocks.emplace_back(documents::Paragraph{
      http::fill_text(t("confirmation_sealed"),
                      {{"issuer", facts.issuer_name}, {"date", local_day(facts.view.time_zone, booking.created_at)}})});
  return spec;
}

}  // namespace

Result<std::string> confirmation_pdf(const SchedulingContext& ctx, const Booking& booking, const std::string& lang) {
  if (ctx.authority == nullptr) {
    return make_error(documents::Errc::pki_not_initialised, "documents are not set up on this node");
  }
  auto facts = ctx.db.read([&](storage::Connection& c) { return gather(c, ctx, booking, lang); });
  if (!facts) return std::move(facts).error();
  // Each copy issued is registered under its own code, with its hash, for /verify/{code}.
  const std::string code = documents::new_verification_code();
  const documents::DocumentSpec spec = confirmation_spec(ctx, booking, *facts, lang, code);
  return documents::issue_sealed(
      ctx.db, *ctx.authority, spec,
      documents::SealedIssue{facts->issuer_code, facts->issuer_legal_name, "booking_confirmation", booking.reference,
                             code, facts->view.shop_name},
      ctx.pdf, ctx.time_stamper, ctx.clock);
}

}  // namespace guichet::scheduling
