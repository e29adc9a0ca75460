#pragma once
// Shops' opening hours, a format the catalogue stores (shops.opening_hours, JSON such as
// {"mon": [["09:00", "12:30"], ["14:00", "17:00"]], ...}). This is its one reader: the import
// validates with it and scheduling computes slots from what it returns.
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/core/result.hpp"

namespace boost::json {
class value;
}

namespace guichet::catalogue {

// Minutes since local midnight: [open, close).
struct OpeningRange {
  int open = 0;
  int close = 0;
};
// Monday first.
using WeeklyHours = std::array<std::vector<OpeningRange>, 7>;

// Ranges in order, each "HH:MM" (00:00 to 24:00), closing after opening, none overlapping. A
// refusal is Errc::catalogue_invalid naming the place under `where` ("shops[2].opening_hours.mon[0]").
Result<WeeklyHours> parse_opening_hours(const boost::json::value& hours, const std::string& where);
Result<WeeklyHours> parse_opening_hours(std::string_view json_text);

}  // namespace guichet::catalogue
