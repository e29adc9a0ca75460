#include "calendar.hpp"

#include <boost/json.hpp>
#include <set>
#include "guichet/catalogue/reads.hpp"
#include "guichet/core/log.hpp"
#include "guichet/scheduling/errors.hpp"
#include "guichet/storage/scan.hpp"

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
  const std::set<std::int64_t> ids(services.begin(), services.end());
  if (ids.size() != services.size()) {
    return make_error(Errc::bad_services, "a service appears twice");
  }
  auto known = catalogue::service_records(c, ids, std::nullopt);
  if (!known) return std::move(known).error();
  std::vector<ServiceNeed> needs;
  for (std::int64_t id : services) {
    auto found = known->find(id);
    if (found == known->end()) {
      return make_error(Errc::no_such_service, "no service has id " + std::to_string(id));
    }
    const catalogue::ServiceRecord& service = found->second;
    if ((service.channels & kVisitChannels) == 0) {
      return make_error(Errc::not_bookable, "service " + std::to_string(id) + " is not served in person or by video");
    }
    if (video && (service.channels & kVideoChannel) == 0) {
      return make_error(Errc::not_by_video, "service " + std::to_string(id) + " is not offered by video");
    }
    needs.push_back({id, std::chrono::minutes(service.duration_minutes)});
  }
  return needs;
}

Result<ShopCalendar> load_calendar(storage::Connection& c, std::int64_t shop_id, const std::string& time_zone,
                                   const std::string& hours, Instant busy_from, Instant busy_until) {
  ShopCalendar shop;
  shop.time_zone = time_zone;
  shop.hours = parse_hours(hours);
  auto closures = catalogue::closures_of(c, shop_id);
  if (!closures) return std::move(closures).error();
  for (const auto& closure : *closures) shop.closed_days.insert(closure.day);
  auto counters = catalogue::counters_of(c, shop_id);
  if (!counters) return std::move(counters).error();
  storage::Params counter_ids;
  for (auto& counter : *counters) {
    counter_ids.emplace_back(counter.id);
    if (!counter.services.empty()) shop.counters.push_back({counter.id, std::move(counter.services)});
  }
  if (counter_ids.empty()) return shop;
  // The shop's counters by id, as parameters: "counter_id IN (?, ?, ...)" reads each counter's
  // index range.
  const std::string in_counters = "counter_id IN " + storage::in_list(counter_ids.size());
  auto with_counters = [&](storage::Params params) {
    params.insert(params.end(), counter_ids.begin(), counter_ids.end());
    return params;
  };

  // Scanned, not queried: a node reads millions of these when it starts.
  auto absences = storage::scan_integers(
      c,
      "SELECT counter_id, starts_at, ends_at, id FROM counter_absences WHERE ends_at > ? AND starts_at < ? AND " +
          in_counters,
      with_counters({to_unix_micros(busy_from), to_unix_micros(busy_until)}), [&](std::span<const std::int64_t> row) {
        shop.busy.push_back({row[0], from_unix_micros(row[1]), from_unix_micros(row[2]), -row[3]});
      });
  if (!absences) return std::move(absences).error();
  // Booked items take their counter until their end; the engine adds the turnaround buffer. An
  // item spans at most a day (a CHECK in migration 0014), so the index range can start a day
  // before `busy_from`.
  auto booked = storage::scan_integers(
      c,
      "SELECT counter_id, starts_at, ends_at, id FROM booking_items WHERE active = 1 AND starts_at > ? AND "
      "starts_at < ? AND blocks_until > ? AND " +
          in_counters,
      with_counters(
          {to_unix_micros(busy_from - std::chrono::hours(24)), to_unix_micros(busy_until), to_unix_micros(busy_from)}),
      [&](std::span<const std::int64_t> row) {
        shop.busy.push_back({row[0], from_unix_micros(row[1]), from_unix_micros(row[2]), row[3]});
      });
  if (!booked) return std::move(booked).error();
  return shop;
}

}  // namespace guichet::scheduling
