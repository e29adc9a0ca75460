#pragma once
// iCalendar files (RFC 5545) for bookings, written with libical: attached to the e-mails and
// downloadable from the booking page, so the visit lands in the person's own calendar.
#include <string>

#include "guichet/core/clock.hpp"

namespace guichet::scheduling {

struct CalendarEvent {
  std::string uid;  // stable across changes: the booking reference and the site's host
  std::string summary;
  std::string location;
  std::string description;
  std::string url;
  Instant start;
  Instant end;
  Instant stamp;     // when this version of the event was written
  int sequence = 0;  // raised by each reschedule, so calendars replace the old time
  bool cancelled = false;
};

// A VCALENDAR with one VEVENT in UTC times: METHOD:PUBLISH, or METHOD:CANCEL with
// STATUS:CANCELLED for a cancellation.
std::string calendar_file(const CalendarEvent& event);

}  // namespace guichet::scheduling
