#pragma once
// Availability: asks the slot engine for visits over the calendars this node keeps (opening hours,
// closures, counters and what they serve, absences, bookings), brought up to date with the
// database before each search.
#include <optional>
#include <vector>

#include "guichet/http/router.hpp"
#include "guichet/scheduling/calendar_cache.hpp"
#include "guichet/scheduling/slots.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::scheduling {

struct AvailabilityQuery {
  std::vector<std::int64_t> services;  // one to four service ids
  std::optional<std::int64_t> shop;    // none: every shop, earliest visits first
  std::string from;                    // YYYY-MM-DD, in each shop's time zone
  int days = 7;
  std::size_t limit = 50;  // 1 to 200
  // The previous page's next_cursor: the visits that come after its last one, in the same order.
  std::string cursor{};
  // With a point (latitude, longitude): shops ranked by distance from it, nearest first, then each
  // shop's visits earliest first. Without: every visit earliest first.
  std::optional<std::pair<double, double>> near{};
};

struct ShopVisit {
  std::int64_t shop = 0;
  Visit visit;
  std::optional<double> distance_km;  // with `near`
};

struct AvailabilityPage {
  std::vector<ShopVisit> visits;
  std::string next_cursor;         // empty on the last page
  std::size_t shops_searched = 0;  // shops whose calendar the slot engine looked at (benchmarks)
};

// Unknown services or shop: not_found. Bad dates, counts or cursor: invalid_input.
Result<AvailabilityPage> find_availability_page(CalendarCache& calendars, const AvailabilityQuery& query, Instant now,
                                                const SearchRules& rules = {});
// The first page's visits.
Result<std::vector<ShopVisit>> find_availability(CalendarCache& calendars, const AvailabilityQuery& query, Instant now,
                                                 const SearchRules& rules = {});

// The shop's next free visits for these services starting at or after `after` (up to 14 days on),
// for a refusal that offers alternatives.
Result<std::vector<ShopVisit>> next_visits(CalendarCache& calendars, std::int64_t shop,
                                           const std::vector<std::int64_t>& services, Instant after, Instant now,
                                           std::size_t limit, const SearchRules& rules = {});

// GET /api/v1/availability. `calendars` and `clock` must outlive the router.
void register_api_routes(http::Router& router, CalendarCache& calendars, const Clock& clock,
                         const SearchRules& rules = {});

}  // namespace guichet::scheduling
