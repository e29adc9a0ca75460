#include "calendar.hpp"

#include <boost/json.hpp>
#include <set>
#include "guichet/core/log.hpp"
#include "guichet/scheduling/errors.hpp"

namespace guichet::scheduling {
namespace json = boost::json;

WeeklyHours parse_hours(std::string_view text) {
  auto hours = catalogue::parse_opening_hours(text);
  if (hours) return std::move(hours).value();
  // The import validated what it stored: a shop whose hours cannot be read is shown closed, and said.
  log_event(LogLevel::warn, "opening_hours_unreadable", {{"message", hours.error().message}});
  return {};
}

namespace {
// Services bookable for a visit: in person or by video (catalogue channels 1 and 2).
constexpr std::int64_t kVideoChannel = 2;
constexpr std::int64_t kVisitChannels = 1 | kVideoChannel;
}  // namespace

Result<std::vector<ServiceNeed>> load_needs(storage::Connection& c, const std::vector<std::int64_t>& services,
                                            bool video) {
  if (services.empty() || services.size() > 4) {
    return make_error(Errc::bad_services, "a visit has one to four services");
  }
  if (std::set<std::int64_t>(services.begin(), services.end()).size() != services.size()) {
    return make_error(Errc::bad_services, "a service appears twice");
  }
  std::vector<ServiceNeed> needs;
  for (std::int64_t id : services) {
    auto row = c.query("SELECT duration_minutes, channels FROM services WHERE id = ?", {id});
    if (!row) return std::move(row).error();
    if (row->empty()) {
      return make_error(Errc::no_such_service, "no service has id " + std::to_string(id));
    }
    if ((row->rows[0].integer(1) & kVisitChannels) == 0) {
      return make_error(Errc::not_bookable, "service " + std::to_string(id) + " is not served in person or by video");
    }
    if (video && (row->rows[0].integer(1) & kVideoChannel) == 0) {
      return make_error(Errc::not_by_video, "service " + std::to_string(id) + " is not offered by video");
    }
    needs.push_back({id, std::chrono::minutes(row->rows[0].integer(0))});
  }
  return needs;
}

Result<std::map<std::int64_t, ShopCalendar>> load_calendars(storage::Connection& c,
                                                            const std::vector<ShopHeader>& shops, bool only_these,
                                                            Instant busy_from, Instant busy_until) {
  std::map<std::int64_t, ShopCalendar> calendars;
  for (const auto& header : shops) {
    ShopCalendar& shop = calendars[header.id];
    shop.time_zone = header.time_zone;
    shop.hours = parse_hours(header.opening_hours);
  }
  // One query per kind of row for every shop at once, not four per shop: with one shop asked
  // for, the shop is named so its index range is read; otherwise every shop's rows are.
  const bool one = only_these && shops.size() == 1;
  auto shop_filter = [&](const char* column) { return one ? std::string(" AND ") + column + " = ?" : std::string(); };
  auto with_shop = [&](storage::Params params) {
    if (one) params.insert(params.begin(), shops.front().id);
    return params;
  };
  auto into = [&](std::int64_t shop_id) -> ShopCalendar* {
    auto found = calendars.find(shop_id);
    return found == calendars.end() ? nullptr : &found->second;
  };

  auto closures = c.query("SELECT shop_id, day FROM shop_closures WHERE 1 = 1" + shop_filter("shop_id"), with_shop({}));
  if (!closures) return std::move(closures).error();
  for (const auto& row : closures->rows) {
    if (auto* shop = into(row.integer(0))) shop->closed_days.insert(row.text(1));
  }
  auto counters = c.query(
      "SELECT c.shop_id, c.id, cs.service_id FROM counters c JOIN counter_services cs ON cs.counter_id = c.id "
      "WHERE 1 = 1" +
          shop_filter("c.shop_id") + " ORDER BY c.shop_id, c.id",
      with_shop({}));
  if (!counters) return std::move(counters).error();
  for (const auto& row : counters->rows) {
    auto* shop = into(row.integer(0));
    if (shop == nullptr) continue;
    if (shop->counters.empty() || shop->counters.back().id != row.integer(1)) {
      shop->counters.push_back({row.integer(1), {}});
    }
    shop->counters.back().services.insert(row.integer(2));
  }
  auto absences = c.query(
      "SELECT c.shop_id, a.counter_id, a.starts_at, a.ends_at, a.id FROM counter_absences a JOIN counters c ON c.id = "
      "a.counter_id WHERE a.ends_at > ? AND a.starts_at < ?" +
          shop_filter("c.shop_id"),
      [&] {
        storage::Params params{to_unix_micros(busy_from), to_unix_micros(busy_until)};
        if (one) params.push_back(shops.front().id);
        return params;
      }());
  if (!absences) return std::move(absences).error();
  for (const auto& row : absences->rows) {
    if (auto* shop = into(row.integer(0))) {
      shop->busy.push_back(
          {row.integer(1), from_unix_micros(row.integer(2)), from_unix_micros(row.integer(3)), -row.integer(4)});
    }
  }
  // Booked items take their counter until their end; the engine adds the turnaround buffer. An
  // item spans at most a day (a CHECK in migration 0014), so the index range can start a day
  // before `busy_from`.
  auto booked = c.query(
      "SELECT c.shop_id, b.counter_id, b.starts_at, b.ends_at, b.id FROM booking_items b JOIN counters c ON c.id = "
      "b.counter_id WHERE b.active = 1 AND b.starts_at > ? AND b.starts_at < ? AND b.blocks_until > ?" +
          shop_filter("c.shop_id"),
      [&] {
        storage::Params params{to_unix_micros(busy_from - std::chrono::hours(24)), to_unix_micros(busy_until),
                               to_unix_micros(busy_from)};
        if (one) params.push_back(shops.front().id);
        return params;
      }());
  if (!booked) return std::move(booked).error();
  for (const auto& row : booked->rows) {
    if (auto* shop = into(row.integer(0))) {
      shop->busy.push_back(
          {row.integer(1), from_unix_micros(row.integer(2)), from_unix_micros(row.integer(3)), row.integer(4)});
    }
  }
  return calendars;
}

Result<ShopCalendar> load_calendar(storage::Connection& c, std::int64_t shop_id, const std::string& time_zone,
                                   const std::string& hours, Instant busy_from, Instant busy_until) {
  auto calendars = load_calendars(c, {ShopHeader{shop_id, time_zone, hours}}, true, busy_from, busy_until);
  if (!calendars) return std::move(calendars).error();
  return std::move(calendars->begin()->second);
}

}  // namespace guichet::scheduling
