#pragma once
// Loading a shop's calendar for the slot engine (availability and bookings share it).
#include <map>
#include <string>
#include <vector>

#include "guichet/scheduling/slots.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::scheduling {

// The services of a visit with their durations: one to four, no repeats, each served in person
// or by video (and by video when `video`). invalid_input "bad_services", "not_bookable" or
// "not_by_video"; not_found "no_such_service".
Result<std::vector<ServiceNeed>> load_needs(storage::Connection& c, const std::vector<std::int64_t>& services,
                                            bool video);

// Opening hours stored as JSON: {"mon": [["09:00", "12:00"], ...], ...}.
WeeklyHours parse_hours(std::string_view text);

struct ShopHeader {
  std::int64_t id = 0;
  std::string time_zone;
  std::string opening_hours;  // JSON
};

// The calendars of `shops` in four queries whatever their number. With `only_these` and a single
// shop, only that shop's rows are read; otherwise every shop's, and those not listed are dropped.
Result<std::map<std::int64_t, ShopCalendar>> load_calendars(storage::Connection& c,
                                                            const std::vector<ShopHeader>& shops, bool only_these,
                                                            Instant busy_from, Instant busy_until);

// The shop's closures, counters and what they serve, and what keeps counters busy within
// [busy_from, busy_until): absences and active booking items. A booking needs only the hours
// around its visit, so it reads a few rows, not the shop's whole horizon.
Result<ShopCalendar> load_calendar(storage::Connection& c, std::int64_t shop_id, const std::string& time_zone,
                                   const std::string& hours, Instant busy_from, Instant busy_until);

}  // namespace guichet::scheduling
