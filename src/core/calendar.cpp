#include "guichet/core/calendar.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <sstream>

namespace guichet {

std::optional<std::chrono::sys_days> parse_iso_day(std::string_view text) {
  // date::parse alone would also take "2026-2-3" and a trailing remainder: the shape comes first.
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c == '-' || (c >= '0' && c <= '9'); })) {
    return std::nullopt;
  }
  std::istringstream in{std::string(text)};
  date::sys_days day{};
  in >> date::parse("%F", day);  // fails on a day the month does not have
  if (in.fail()) return std::nullopt;
  return std::chrono::sys_days(day.time_since_epoch());
}

std::string format_iso_day(std::chrono::sys_days day) {
  return date::format("%F", date::sys_days(date::days(day.time_since_epoch().count())));
}

const date::time_zone* find_time_zone(std::string_view name) {
  if (name.empty() || name.size() > 64) return nullptr;
  try {
    return date::locate_zone(std::string(name));
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // namespace guichet
