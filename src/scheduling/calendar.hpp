#pragma once
// Loading a shop's calendar for the slot engine (availability and bookings share it).
#include <string>

#include "guichet/scheduling/slots.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::scheduling {

// Opening hours stored as JSON: {"mon": [["09:00", "12:00"], ...], ...}.
WeeklyHours parse_hours(std::string_view text);

// The shop's closures, counters and what they serve, and what keeps counters busy within
// [busy_from, busy_until): absences and active booking items. A booking needs only the hours
// around its visit, so it reads a few rows, not the shop's whole horizon.
Result<ShopCalendar> load_calendar(storage::Connection& c, std::int64_t shop_id, const std::string& time_zone,
                                   const std::string& hours, Instant busy_from, Instant busy_until);

}  // namespace guichet::scheduling
