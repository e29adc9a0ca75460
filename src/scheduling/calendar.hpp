#pragma once
// Loading a shop's calendar for the slot engine (availability and bookings share it).
#include <string>
#include <vector>

#include "guichet/scheduling/slots.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::scheduling {

// PostgreSQL advisory locks on a counter (first key; the counter's id is the second): bookings take
// it shared, blocking the counter takes it exclusive, so neither misses the other's row.
inline constexpr std::int64_t kCounterLockSpace = 48231;

// The services of a visit with their durations: one to four, no repeats, each served in person
// or by video (and by video when `video`). invalid_input "bad_services", "not_bookable" or
// "not_by_video"; not_found "no_such_service".
Result<std::vector<ServiceNeed>> load_needs(storage::Connection& c, const std::vector<std::int64_t>& services,
                                            bool video);

// Opening hours stored as JSON: {"mon": [["09:00", "12:00"], ...], ...}.
WeeklyHours parse_hours(std::string_view text);

// The shop's closures, counters and what they serve (read from the catalogue), and what keeps
// counters busy within [busy_from, busy_until): absences and active booking items, read by the
// shop's counters. A booking needs only the hours around its visit, so it reads a few rows, not
// the shop's whole horizon.
Result<ShopCalendar> load_calendar(storage::Connection& c, std::int64_t shop_id, const std::string& time_zone,
                                   const std::string& hours, Instant busy_from, Instant busy_until);

}  // namespace guichet::scheduling
