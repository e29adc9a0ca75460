#include "guichet/queue/measures.hpp"

#include <date/tz.h>

#include <algorithm>
#include <map>
#include <optional>

#include "guichet/catalogue/reads.hpp"
#include "guichet/core/calendar.hpp"
#include "guichet/core/clock.hpp"
#include "guichet/queue/errors.hpp"

namespace guichet::queue {

namespace {

struct Step {
  std::int64_t service = 0;
  int hour = 0;
  std::optional<double> wait_min;
  std::optional<double> service_min;
  bool abandoned = false;
  bool booked = false;
};

WaitStats stats_of(const std::vector<const Step*>& steps) {
  WaitStats out;
  std::vector<double> waits;
  double service_sum = 0;
  int service_count = 0;
  for (const Step* s : steps) {
    if (s->abandoned) ++out.abandoned;
    (s->booked ? out.booked : out.walk_in) += 1;
    if (s->wait_min) waits.push_back(*s->wait_min);
    if (s->service_min) {
      service_sum += *s->service_min;
      ++service_count;
    }
  }
  out.served = service_count;
  if (!waits.empty()) {
    std::sort(waits.begin(), waits.end());
    double sum = 0;
    for (double w : waits) sum += w;
    out.mean_wait_min = sum / static_cast<double>(waits.size());
    out.median_wait_min = waits[waits.size() / 2];
    out.p90_wait_min =
        waits[std::min(waits.size() - 1, static_cast<std::size_t>(0.9 * static_cast<double>(waits.size())))];
  }
  if (service_count > 0) out.mean_service_min = service_sum / service_count;
  return out;
}

}  // namespace

Result<DayMeasures> day_measures(storage::Database& db, std::int64_t shop_id, std::string_view day) {
  auto parsed = parse_iso_day(day);
  if (!parsed) {
    Error e = make_error(Errc::bad_body, "the day is YYYY-MM-DD");
    e.field = "day";
    return e;
  }
  return db.read([&](storage::Connection& c) -> Result<DayMeasures> {
    auto shop = catalogue::shop_record(c, shop_id);
    if (!shop) return std::move(shop).error();
    if (!*shop) return make_error(Errc::no_such_shop, "no such shop");
    const date::time_zone* zone = find_time_zone((*shop)->time_zone);
    if (zone == nullptr) return make_error(Errc::no_such_shop, "the shop's time zone is unknown");
    auto rows = c.query(
        "SELECT s.service_id, s.queued_at, s.called_at, s.finished_at, s.outcome, t.source, t.priority, t.ready_at, "
        "s.position FROM queue_ticket_steps s JOIN queue_tickets t ON t.id = s.ticket_id WHERE t.shop_id = ? AND "
        "t.day = ? AND s.queued_at IS NOT NULL",
        {shop_id, std::string(day)});
    if (!rows) return std::move(rows).error();
    std::vector<Step> steps;
    steps.reserve(rows->size());
    for (const auto& row : rows->rows) {
      Step s;
      s.service = row.integer(0);
      Instant queued = from_unix_micros(row.integer(1));
      // A booked visitor early for their time waits by choice until it.
      if (row.integer(8) == 0 && row.text(6) == "booked") queued = std::max(queued, from_unix_micros(row.integer(7)));
      const auto local =
          date::make_zoned(zone, std::chrono::time_point_cast<std::chrono::seconds>(queued)).get_local_time();
      s.hour = static_cast<int>((local - date::floor<date::days>(local)).count() / 3600);
      if (!row.is_null(2)) {
        s.wait_min =
            std::max(0.0, std::chrono::duration<double>(from_unix_micros(row.integer(2)) - queued).count() / 60);
      }
      const std::string outcome = row.text(4);
      if (outcome == "served" && !row.is_null(2) && !row.is_null(3)) {
        s.service_min =
            std::chrono::duration<double>(from_unix_micros(row.integer(3)) - from_unix_micros(row.integer(2))).count() /
            60;
      }
      s.abandoned = outcome == "absent" || outcome == "cancelled";
      s.booked = row.text(5) == "check_in";
      steps.push_back(s);
    }
    DayMeasures out;
    out.shop_id = shop_id;
    out.day = std::string(day);
    std::vector<const Step*> all;
    std::map<std::int64_t, std::vector<const Step*>> by_service;
    std::map<int, std::vector<const Step*>> by_hour;
    for (const auto& s : steps) {
      all.push_back(&s);
      by_service[s.service].push_back(&s);
      by_hour[s.hour].push_back(&s);
    }
    out.total = stats_of(all);
    for (const auto& [service, list] : by_service) out.services.push_back(ServiceMeasures{service, stats_of(list)});
    for (const auto& [hour, list] : by_hour) out.hours.push_back(HourMeasures{hour, stats_of(list)});
    // Calls per counter: the day's events, from the shop's local midnight to the next.
    const auto midnight = date::local_days(date::days(parsed->time_since_epoch().count()));
    const auto from = zone->to_sys(midnight, date::choose::earliest);
    const auto until = zone->to_sys(midnight + date::days(1), date::choose::earliest);
    auto calls = c.query(
        "SELECT counter_code, SUM(CASE WHEN kind IN ('called', 'recalled') THEN 1 ELSE 0 END), SUM(CASE WHEN kind = "
        "'served' THEN 1 ELSE 0 END) FROM queue_events WHERE shop_id = ? AND at >= ? AND at < ? AND counter_code IS "
        "NOT "
        "NULL GROUP BY counter_code ORDER BY counter_code",
        {shop_id, to_unix_micros(std::chrono::time_point_cast<Instant::duration>(from)),
         to_unix_micros(std::chrono::time_point_cast<Instant::duration>(until))});
    if (!calls) return std::move(calls).error();
    for (const auto& row : calls->rows) {
      out.counters.push_back(
          CounterMeasures{row.text(0), static_cast<int>(row.integer(1)), static_cast<int>(row.integer(2))});
    }
    return out;
  });
}

}  // namespace guichet::queue
