#pragma once
// Calendar dates and time zones, read one way by every module: dates with date::parse, zones with
// date::locate_zone (the IANA database the slot engine computes with), so what the catalogue
// accepts is exactly what scheduling can use.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace date {
class time_zone;
}

namespace guichet {

// A date written exactly YYYY-MM-DD that exists (2026-02-31 and 2026-2-3 are refused).
std::optional<std::chrono::sys_days> parse_iso_day(std::string_view text);
std::string format_iso_day(std::chrono::sys_days day);

// An IANA time zone by name ("Europe/Lisbon"), or nullptr when the database has none by that name.
const date::time_zone* find_time_zone(std::string_view name);

}  // namespace guichet
