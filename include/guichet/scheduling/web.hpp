#pragma once
// The scheduling module on the web: the bookings API, the booking pages (choose services, shop
// and time, confirm), the person's bookings on their account, the agents' agenda, and the jobs
// bookings cause (confirmation and reminder e-mails with iCalendar files, waitlist offers).
#include <functional>
#include <string>
#include <variant>

#include "guichet/core/clock.hpp"
#include "guichet/documents/pades.hpp"
#include "guichet/documents/pdf.hpp"
#include "guichet/http/i18n.hpp"
#include "guichet/http/pages.hpp"
#include "guichet/http/router.hpp"
#include "guichet/jobs/worker.hpp"
#include "guichet/scheduling/bookings.hpp"
#include "guichet/scheduling/calendar_cache.hpp"
#include "guichet/scheduling/video.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::documents {
class CertificateAuthority;
}

namespace guichet::scheduling {

// The person behind "Authorization: Bearer" when the token is live and carries `scope`, or the
// 401/403 response to send. The OpenID Connect provider supplies it (oidc::require_bearer).
using BearerCheck = std::function<std::variant<std::int64_t, http::Response>(const http::Request&, std::string_view)>;

struct SchedulingContext {
  storage::Database& db;
  CalendarCache& calendars;  // this node's calendars, over `db`
  const Clock& clock;
  const http::PageRenderer& pages;
  const http::Catalog& catalog;
  std::string public_url;  // for links in e-mails, without a trailing slash
  BearerCheck bearer;
  BookingPolicy policy;
  VideoConfig video{};
  // Seals the confirmation PDFs; null where documents are not set up (the PDF answers 503).
  documents::CertificateAuthority* authority = nullptr;
  documents::RenderOptions pdf{};
  // Time-stamps the seals (PAdES B-T) when set.
  documents::TimeStamper time_stamper{};
};

inline constexpr const char* kReminderJobKind = "booking.reminder";
// The confirmation, change or cancellation e-mail of one version of a booking: enqueued in the
// booking's transaction with ids only, rendered (text, .ics) when the job runs.
inline constexpr const char* kBookingEmailJobKind = "booking.email";

// What bookings cause, in their transaction: a booking.email job for the confirmation, change or
// cancellation e-mail (ids only), the reminder queued for `policy.reminder_before` the visit,
// webhooks, and the offer of a freed visit to the first person on the waitlist.
BookingHooks booking_hooks(const SchedulingContext& context);

// The booking.email and booking.reminder jobs: each renders its e-mail (with an .ics file) from
// the booking as it is when the job runs, and sends it only if the booking is still at the
// version it was queued for (a message superseded by a later move or a cancellation is skipped,
// since that change has its own).
void register_jobs(jobs::Worker& worker, const SchedulingContext& context);

// `context` must outlive the router.
void register_booking_api_routes(http::Router& router, const SchedulingContext& context);
// /book, /book/times, /book/confirm, /book/waitlist, /bookings/{reference} (with calendar.ics,
// confirmation.pdf, cancel and reschedule) and /account/bookings.
void register_booking_page_routes(http::Router& router, const SchedulingContext& context);
// The agents' pages: /agent/agenda (marking visits, blocking counters), /agent/book (for a caller).
void register_agenda_routes(http::Router& router, const SchedulingContext& context);

}  // namespace guichet::scheduling
