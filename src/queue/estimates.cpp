#include "guichet/queue/estimates.hpp"

#include <algorithm>
#include <boost/math/distributions/gamma.hpp>
#include <cmath>
#include <set>

#include "guichet/catalogue/reads.hpp"
#include "guichet/queue/errors.hpp"
#include "internal.hpp"
#include "ordering.hpp"

namespace guichet::queue {

using storage::Connection;

namespace {

constexpr int kRecentVisits = 50;  // service times read per service
constexpr int kEnoughVisits = 8;   // fewer: the catalogue's duration
constexpr auto kHistory = std::chrono::hours(24 * 14);

std::chrono::seconds seconds_of(double s) {
  return std::chrono::seconds(static_cast<std::int64_t>(std::llround(std::max(0.0, s))));
}

struct ServiceTimes {
  double mean = 0;
  double variance = 0;
};

// The recent service times of each service at the shop: called to finished, served visits.
Result<std::map<std::int64_t, ServiceTimes>> service_times(Connection& c, std::int64_t shop_id,
                                                           const std::set<std::int64_t>& services, Instant now) {
  std::map<std::int64_t, ServiceTimes> out;
  if (services.empty()) return out;
  auto records = catalogue::service_records(c, services, std::nullopt);
  if (!records) return std::move(records).error();
  for (auto service : services) {
    auto rows = c.query(
        "SELECT finished_at - called_at FROM queue_ticket_steps WHERE shop_id = ? AND service_id = ? AND outcome = "
        "'served' AND called_at IS NOT NULL AND finished_at > ? ORDER BY finished_at DESC LIMIT ?",
        {shop_id, service, to_unix_micros(now - kHistory), static_cast<std::int64_t>(kRecentVisits)});
    if (!rows) return std::move(rows).error();
    ServiceTimes times;
    if (static_cast<int>(rows->size()) >= kEnoughVisits) {
      double sum = 0;
      double squares = 0;
      for (const auto& row : rows->rows) {
        const double s = static_cast<double>(row.integer(0)) / 1e6;
        sum += s;
        squares += s * s;
      }
      const double n = static_cast<double>(rows->size());
      times.mean = sum / n;
      times.variance = std::max(0.0, squares / n - times.mean * times.mean);
    } else {
      auto found = records->find(service);
      const double minutes = found == records->end() ? 15.0 : static_cast<double>(found->second.duration_minutes);
      times.mean = minutes * 60.0;
      times.variance = times.mean * times.mean;  // as variable as exponential times: a wide range
    }
    out[service] = times;
  }
  return out;
}

struct OpenCounter {
  std::int64_t id = 0;
  std::set<std::int64_t> services;
  bool busy = false;
};

Result<std::vector<OpenCounter>> open_counters(Connection& c, std::int64_t shop_id) {
  auto counters = catalogue::counters_of(c, shop_id);
  if (!counters) return std::move(counters).error();
  auto rows = c.query(
      "SELECT q.counter_id, t.status FROM queue_counters q LEFT JOIN queue_tickets t ON t.id = q.ticket_id WHERE "
      "q.shop_id = ? AND q.user_id IS NOT NULL AND q.paused_reason IS NULL",
      {shop_id});
  if (!rows) return std::move(rows).error();
  std::map<std::int64_t, bool> open;
  for (const auto& row : rows->rows) open[row.integer(0)] = row.text(1) == "called";
  std::vector<OpenCounter> out;
  for (const auto& counter : *counters) {
    auto found = open.find(counter.id);
    if (found == open.end()) continue;
    out.push_back(OpenCounter{counter.id, counter.services, found->second});
  }
  return out;
}

// The estimate for a ticket with `ahead` before it in calling order. Each ticket ahead is served
// by one of the open counters serving its service; the share of it that falls on this ticket's
// counters is the share of those counters that are also this ticket's (a counter serving
// everything takes part of every queue's work). This ticket is called once its counters have
// cleared their share of the work ahead and one of them is free: the work ahead plus one service,
// less what idle counters take at once, spread over its counters.
Result<std::optional<WaitEstimate>> estimate_for(Connection& c, std::int64_t shop_id, std::int64_t service_id,
                                                 const std::vector<Ticket>& ahead,
                                                 const std::vector<OpenCounter>& counters, Instant now) {
  std::set<std::int64_t> mine;
  int idle = 0;
  for (const auto& counter : counters) {
    if (!counter.services.contains(service_id)) continue;
    mine.insert(counter.id);
    idle += counter.busy ? 0 : 1;
  }
  if (mine.empty()) return std::optional<WaitEstimate>();
  std::set<std::int64_t> services{service_id};
  for (const auto& t : ahead) services.insert(t.service_id);
  auto times = service_times(c, shop_id, services, now);
  if (!times) return std::move(times).error();
  std::map<std::int64_t, double> share;  // by service: the part of its work on this ticket's counters
  for (auto service : services) {
    int all = 0;
    int shared = 0;
    for (const auto& counter : counters) {
      if (!counter.services.contains(service)) continue;
      ++all;
      shared += mine.contains(counter.id) ? 1 : 0;
    }
    share[service] = all == 0 ? 0.0 : static_cast<double>(shared) / all;
  }
  double work = 0;
  double variance = 0;
  int competing = 0;
  for (const auto& t : ahead) {
    const double w = share[t.service_id];
    if (w <= 0) continue;
    const ServiceTimes& st = times->at(t.service_id);
    work += w * st.mean;
    variance += w * st.variance;
    ++competing;
  }
  const ServiceTimes& own = times->at(service_id);
  const double n = static_cast<double>(mine.size());
  work += own.mean * (1.0 - idle);
  variance += own.variance;

  WaitEstimate estimate = gamma_range(work / n, variance / (n * n), static_cast<int>(mine.size()));
  estimate.ahead = competing;
  estimate.model_mean_s = std::max(0.0, work / n);
  return std::optional<WaitEstimate>(estimate);
}

constexpr int kCalibrationTickets = 200;
constexpr std::size_t kNeighbours = 100;
constexpr int kEnoughToCalibrate = 30;
constexpr double kCalibratedFrom = 60;  // seconds of model mean (as in the query): shorter stay the model's

// (model mean, actual ÷ model) of the shop's day's last called tickets (walk-ins with an
// estimate of a minute or more); empty when too few.
using Ratios = std::vector<std::pair<double, double>>;
Result<Ratios> calibration_ratios(Connection& c, std::int64_t shop_id, const std::string& day) {
  auto rows = c.query(
      // The predicate is the partial index's (migration 0037), so the index serves it.
      "SELECT first_called_at - issued_at, estimate_model FROM queue_tickets WHERE shop_id = ? AND day = ? AND "
      "estimate_model >= 60 AND source <> 'check_in' AND first_called_at IS NOT NULL ORDER BY first_called_at DESC "
      "LIMIT ?",
      {shop_id, day, static_cast<std::int64_t>(kCalibrationTickets)});
  if (!rows) return std::move(rows).error();
  Ratios ratios;
  if (static_cast<int>(rows->size()) < kEnoughToCalibrate) return ratios;
  for (const auto& row : rows->rows) {
    const double model = static_cast<double>(row.integer(1));
    ratios.emplace_back(model, static_cast<double>(row.integer(0)) / 1e6 / model);
  }
  return ratios;
}

double quantile(const std::vector<double>& sorted, double q) {
  const double at = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(at));
  const std::size_t above = std::min(sorted.size() - 1, below + 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (at - static_cast<double>(below));
}

// The ratios of the tickets whose model mean was nearest this one's (on a log scale: a 2-minute
// and a 40-minute estimate err differently), as their quantiles.
void calibrate(WaitEstimate& estimate, const Ratios& ratios) {
  if (ratios.empty() || estimate.model_mean_s < kCalibratedFrom) return;
  const double here = std::log(estimate.model_mean_s);
  std::vector<std::pair<double, double>> by_distance;
  by_distance.reserve(ratios.size());
  for (const auto& [model, ratio] : ratios) by_distance.emplace_back(std::abs(std::log(model) - here), ratio);
  const std::size_t keep = std::min(kNeighbours, by_distance.size());
  std::nth_element(by_distance.begin(), by_distance.begin() + static_cast<std::ptrdiff_t>(keep - 1), by_distance.end());
  std::vector<double> nearest;
  for (std::size_t i = 0; i < keep; ++i) nearest.push_back(by_distance[i].second);
  std::sort(nearest.begin(), nearest.end());
  estimate.p10 = seconds_of(quantile(nearest, 0.1) * estimate.model_mean_s);
  estimate.p50 = seconds_of(quantile(nearest, 0.5) * estimate.model_mean_s);
  estimate.p90 = seconds_of(quantile(nearest, 0.9) * estimate.model_mean_s);
  estimate.calibrated = true;
}

std::vector<std::int64_t> services_of_counters(const std::vector<OpenCounter>& counters, std::int64_t service_id) {
  std::set<std::int64_t> out;
  for (const auto& counter : counters) {
    if (counter.services.contains(service_id)) out.insert(counter.services.begin(), counter.services.end());
  }
  return {out.begin(), out.end()};
}

}  // namespace

WaitEstimate gamma_range(double mean_s, double variance_s, int counters) {
  WaitEstimate out;
  out.counters = counters;
  if (mean_s <= 0) return out;
  const double mean = mean_s;
  const double variance = std::max(variance_s, 1e-6 * mean * mean);
  const boost::math::gamma_distribution<double> wait(mean * mean / variance, variance / mean);
  out.p10 = seconds_of(boost::math::quantile(wait, 0.1));
  out.p50 = seconds_of(boost::math::quantile(wait, 0.5));
  out.p90 = seconds_of(boost::math::quantile(wait, 0.9));
  return out;
}

Result<std::optional<WaitEstimate>> estimate_wait(Connection& c, const Ticket& ticket, Instant now,
                                                  const QueuePolicy& policy) {
  if (ticket.status != TicketStatus::waiting) return std::optional<WaitEstimate>();
  auto counters = open_counters(c, ticket.shop_id);
  if (!counters) return std::move(counters).error();
  const auto services = services_of_counters(*counters, ticket.service_id);
  if (services.empty()) return std::optional<WaitEstimate>();
  auto waiting = detail::waiting_on(c, ticket.shop_id, ticket.day, services);
  if (!waiting) return std::move(waiting).error();
  sort_for_calling(*waiting, now, policy);
  std::vector<Ticket> ahead;
  for (auto& t : *waiting) {
    if (t.id == ticket.id) break;
    ahead.push_back(std::move(t));
  }
  auto estimate = estimate_for(c, ticket.shop_id, ticket.service_id, ahead, *counters, now);
  if (!estimate || !*estimate) return estimate;
  auto ratios = calibration_ratios(c, ticket.shop_id, ticket.day);
  if (!ratios) return std::move(ratios).error();
  calibrate(**estimate, *ratios);
  return estimate;
}

Result<std::optional<WaitEstimate>> estimate_wait(storage::Database& db, const Ticket& ticket, const Clock& clock,
                                                  const QueuePolicy& policy) {
  const Instant now = clock.now();
  return db.read([&](Connection& c) { return estimate_wait(c, ticket, now, policy); });
}

Result<std::map<std::int64_t, std::optional<WaitEstimate>>> estimate_new_tickets(storage::Database& db,
                                                                                 std::int64_t shop_id,
                                                                                 const Clock& clock) {
  const Instant now = clock.now();
  return db.read([&](Connection& c) -> Result<std::map<std::int64_t, std::optional<WaitEstimate>>> {
    auto shop = catalogue::shop_record(c, shop_id);
    if (!shop) return std::move(shop).error();
    if (!*shop) return make_error(Errc::no_such_shop, "no such shop");
    const std::string day = detail::local_day_of((*shop)->time_zone, now);
    auto prefixes = service_prefixes(c, shop_id);
    if (!prefixes) return std::move(prefixes).error();
    auto counters = open_counters(c, shop_id);
    if (!counters) return std::move(counters).error();
    auto ratios = calibration_ratios(c, shop_id, day);
    if (!ratios) return std::move(ratios).error();
    std::map<std::int64_t, std::optional<WaitEstimate>> out;
    for (const auto& [service, prefix] : *prefixes) {
      const auto services = services_of_counters(*counters, service);
      if (services.empty()) {
        out[service] = std::nullopt;
        continue;
      }
      auto waiting = detail::waiting_on(c, shop_id, day, services);
      if (!waiting) return std::move(waiting).error();
      // A walk-in taking a ticket now comes after everyone waiting (none overtakes a head start).
      auto estimate = estimate_for(c, shop_id, service, *waiting, *counters, now);
      if (!estimate) return std::move(estimate).error();
      if (*estimate) calibrate(**estimate, *ratios);
      out[service] = *estimate;
    }
    return out;
  });
}

Result<EstimateAccuracy> estimate_accuracy(storage::Database& db, std::int64_t shop_id, Instant from, Instant until) {
  return db.read([&](Connection& c) -> Result<EstimateAccuracy> {
    auto rows = c.query(
        "SELECT s.called_at - t.issued_at, t.estimate_p10, t.estimate_p50, t.estimate_p90 FROM queue_tickets t JOIN "
        "queue_ticket_steps s ON s.ticket_id = t.id AND s.position = 0 WHERE t.shop_id = ? AND t.issued_at >= ? AND "
        "t.issued_at < ? AND t.estimate_p50 IS NOT NULL AND s.called_at IS NOT NULL",
        {shop_id, to_unix_micros(from), to_unix_micros(until)});
    if (!rows) return std::move(rows).error();
    EstimateAccuracy out;
    double error = 0;
    int covered = 0;
    int under = 0;
    for (const auto& row : rows->rows) {
      const double waited = static_cast<double>(row.integer(0)) / 1e6;
      const double p10 = static_cast<double>(row.integer(1));
      const double p50 = static_cast<double>(row.integer(2));
      const double p90 = static_cast<double>(row.integer(3));
      error += std::abs(waited - p50);
      if (waited >= p10 && waited <= p90) ++covered;
      if (waited > p90) ++under;
      ++out.tickets;
    }
    if (out.tickets > 0) {
      const double n = static_cast<double>(out.tickets);
      out.mean_absolute_error_min = error / n / 60.0;
      out.coverage = covered / n;
      out.underestimated = under / n;
    }
    return out;
  });
}

}  // namespace guichet::queue
