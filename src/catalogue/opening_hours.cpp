#include "guichet/catalogue/opening_hours.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <optional>

#include "guichet/catalogue/errors.hpp"

namespace guichet::catalogue {
namespace json = boost::json;
namespace {

constexpr std::array<std::string_view, 7> kDays{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

Error invalid(const std::string& where, const std::string& what) {
  return make_error(Errc::catalogue_invalid, where + " " + what);
}

bool digit(char c) { return c >= '0' && c <= '9'; }

// "HH:MM" to minutes since midnight; 24:00 is the end of the day.
std::optional<int> minutes_of(const json::value& v) {
  if (!v.is_string()) return std::nullopt;
  const json::string& s = v.as_string();
  if (s.size() != 5 || s[2] != ':' || !digit(s[0]) || !digit(s[1]) || !digit(s[3]) || !digit(s[4])) {
    return std::nullopt;
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 24 || m > 59 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

}  // namespace

Result<WeeklyHours> parse_opening_hours(const json::value& hours, const std::string& where) {
  if (!hours.is_object()) return invalid(where, "must be an object of weekdays");
  WeeklyHours week;
  for (const auto& [day, ranges] : hours.as_object()) {
    const auto* found = std::find(kDays.begin(), kDays.end(), std::string_view(day));
    if (found == kDays.end()) return invalid(where + "." + std::string(day), "is not a weekday (mon to sun)");
    if (!ranges.is_array()) return invalid(where + "." + std::string(day), "must be a list of [open, close]");
    auto& today = week[static_cast<std::size_t>(found - kDays.begin())];
    int previous_end = -1;
    for (std::size_t i = 0; i < ranges.as_array().size(); ++i) {
      const auto& range = ranges.as_array()[i];
      std::string at = where + "." + std::string(day) + "[" + std::to_string(i) + "]";
      if (!range.is_array() || range.as_array().size() != 2) return invalid(at, "must be [\"HH:MM\", \"HH:MM\"]");
      auto open = minutes_of(range.as_array()[0]);
      auto close = minutes_of(range.as_array()[1]);
      if (!open || !close) return invalid(at, "must be [\"HH:MM\", \"HH:MM\"]");
      if (*open >= *close) return invalid(at, "closes before it opens");
      if (*open < previous_end) return invalid(at, "overlaps the previous range or is out of order");
      previous_end = *close;
      today.push_back(OpeningRange{*open, *close});
    }
  }
  return week;
}

Result<WeeklyHours> parse_opening_hours(std::string_view json_text) {
  boost::system::error_code ec;
  json::value parsed = json::parse(json_text, ec);
  if (ec) return invalid("opening_hours", "is not JSON");
  return parse_opening_hours(parsed, "opening_hours");
}

}  // namespace guichet::catalogue
