#include "scheduling/calendar.hpp"

#include <boost/json.hpp>

namespace guichet::scheduling {
namespace json = boost::json;

WeeklyHours parse_hours(std::string_view text) {
  static constexpr const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  WeeklyHours hours;
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) return hours;
  auto minutes_of = [](const json::value& v) {
    std::string s(v.as_string());
    return std::stoi(s.substr(0, 2)) * 60 + std::stoi(s.substr(3, 2));
  };
  for (std::size_t d = 0; d < 7; ++d) {
    const json::value* ranges = parsed.as_object().if_contains(kDays[d]);
    if (ranges == nullptr || !ranges->is_array()) continue;
    for (const auto& range : ranges->as_array()) {
      hours[d].push_back(OpeningRange{minutes_of(range.as_array()[0]), minutes_of(range.as_array()[1])});
    }
  }
  return hours;
}

Result<ShopCalendar> load_calendar(storage::Connection& c, std::int64_t shop_id, const std::string& time_zone,
                                   const std::string& hours, Instant busy_from, Instant busy_until) {
  ShopCalendar shop;
  shop.time_zone = time_zone;
  shop.hours = parse_hours(hours);
  auto closures = c.query("SELECT day FROM shop_closures WHERE shop_id = ?", {shop_id});
  if (!closures) return std::move(closures).error();
  for (const auto& row : closures->rows) shop.closed_days.insert(row.text(0));
  auto counters = c.query(
      "SELECT c.id, cs.service_id FROM counters c JOIN counter_services cs ON cs.counter_id = c.id WHERE c.shop_id = ? "
      "ORDER BY c.id",
      {shop_id});
  if (!counters) return std::move(counters).error();
  for (const auto& row : counters->rows) {
    if (shop.counters.empty() || shop.counters.back().id != row.integer(0))
      shop.counters.push_back({row.integer(0), {}});
    shop.counters.back().services.insert(row.integer(1));
  }
  auto absences = c.query(
      "SELECT a.counter_id, a.starts_at, a.ends_at FROM counter_absences a JOIN counters c ON c.id = a.counter_id "
      "WHERE c.shop_id = ? AND a.ends_at > ? AND a.starts_at < ?",
      {shop_id, to_unix_micros(busy_from), to_unix_micros(busy_until)});
  if (!absences) return std::move(absences).error();
  for (const auto& row : absences->rows) {
    shop.busy.push_back({row.integer(0), from_unix_micros(row.integer(1)), from_unix_micros(row.integer(2))});
  }
  // Booked items take their counter until their end; the engine adds the turnaround buffer. An
  // item spans at most a day (a CHECK in migration 0014), so the index range can start a day
  // before `busy_from`.
  auto booked = c.query(
      "SELECT b.counter_id, b.starts_at, b.ends_at FROM booking_items b JOIN counters c ON c.id = b.counter_id "
      "WHERE c.shop_id = ? AND b.active = 1 AND b.starts_at > ? AND b.starts_at < ? AND b.blocks_until > ?",
      {shop_id, to_unix_micros(busy_from - std::chrono::hours(24)), to_unix_micros(busy_until),
       to_unix_micros(busy_from)});
  if (!booked) return std::move(booked).error();
  for (const auto& row : booked->rows) {
    shop.busy.push_back({row.integer(0), from_unix_micros(row.integer(1)), from_unix_micros(row.integer(2))});
  }
  return shop;
}

}  // namespace guichet::scheduling
