#pragma once
// A booking as people read it (pages, e-mails, calendar files): names in their language, times in
// the shop's own time zone.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/scheduling/bookings.hpp"
#include "guichet/scheduling/icalendar.hpp"
#include "guichet/scheduling/web.hpp"

namespace guichet::scheduling {

struct ItemView {
  std::int64_t service = 0;
  std::string service_name;
  std::vector<std::string> documents;
  std::string counter;  // the counter's code
  std::string day;      // local YYYY-MM-DD
  std::string time;     // local HH:MM
  std::string end_time;
};

struct BookingView {
  std::string shop_name;
  std::string shop_address;
  std::string time_zone;
  std::string day_iso;  // local date of the start
  std::string when;     // "2026-12-01 09:00–09:35 (Europe/Lisbon)"
  std::vector<ItemView> items;
};

// A counter as the sign over it reads: "G01" for the catalogue's code "g01".
std::string counter_sign(std::string_view code);

// Local "YYYY-MM-DD" and "HH:MM" of an instant in a time zone (UTC if the zone is unknown).
std::string local_day(const std::string& time_zone, Instant t);
std::string local_time(const std::string& time_zone, Instant t);

Result<BookingView> describe_booking(storage::Connection& c, const Booking& booking, const std::string& lang);

// The codes of the administrations whose services the booking holds (who may see and serve it).
Result<std::set<std::string>> administrations_of(storage::Connection& c, std::int64_t booking_id);

// The booking's confirmation as a sealed PDF in `lang` (confirmation.cpp): layout and signature on
// the compute pool; documents::Errc::pki_not_initialised where documents are not set up.
Result<std::string> confirmation_pdf(const SchedulingContext& ctx, const Booking& booking, const std::string& lang);

// The calendar entry for a booking, linking to its page.
CalendarEvent calendar_event(const SchedulingContext& ctx, const BookingView& view, const Booking& booking);

}  // namespace guichet::scheduling
