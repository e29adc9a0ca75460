#include "guichet/queue/estimates.hpp"

#include <algorithm>
#include <boost/math/distributions/gamma.hpp>
#include <cmath>
#include <limits>
#include <set>

#include "guichet/catalogue/reads.hpp"
#include "guichet/queue/errors.hpp"
#include "guichet/scheduling/agenda.hpp"
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
  CounterProfile profile;
  std::optional<Ticket> current;  // the visitor called to it
};

Result<std::vector<OpenCounter>> open_counters(Connection& c, std::int64_t shop_id, const std::string& day) {
  auto counters = catalogue::counters_of(c, shop_id);
  if (!counters) return std::move(counters).error();
  auto rows = c.query(
      "SELECT counter_id, work_profile, preferred_service_id FROM queue_counters WHERE shop_id = ? AND user_id IS NOT "
      "NULL AND paused_reason IS NULL",
      {shop_id});
  if (!rows) return std::move(rows).error();
  std::map<std::int64_t, OpenCounter> open;
  for (const auto& row : rows->rows) {
    OpenCounter counter;
    counter.id = row.integer(0);
    counter.profile.kind = parse_work_profile(row.text(1)).value_or(WorkProfile::calling_order);
    counter.profile.preferred_service = row.optional_integer(2);
    open[counter.id] = counter;
  }
  auto called = c.query(std::string("SELECT ") + detail::kTicketColumns +
                            " FROM queue_tickets WHERE shop_id = ? AND day = ? AND status = 'called'",
                        {shop_id, day});
  if (!called) return std::move(called).error();
  for (const auto& row : called->rows) {
    Ticket t = detail::ticket_from(row);
    if (!t.counter_id || !t.called_at) continue;
    if (auto found = open.find(*t.counter_id); found != open.end()) found->second.current = std::move(t);
  }
  std::vector<OpenCounter> out;
  for (const auto& counter : *counters) {
    auto found = open.find(counter.id);
    if (found == open.end()) continue;
    found->second.services = counter.services;
    out.push_back(found->second);
  }
  return out;
}

// The services each ticket still has to see after its current one, in order.
Result<std::map<std::int64_t, std::vector<std::int64_t>>> later_steps(Connection& c,
                                                                      const std::vector<const Ticket*>& tickets) {
  std::map<std::int64_t, std::vector<std::int64_t>> out;
  if (tickets.empty()) return out;
  storage::Params params;
  std::map<std::int64_t, int> current;
  for (const Ticket* t : tickets) {
    params.emplace_back(t->id);
    current[t->id] = t->step;
  }
  auto rows = c.query("SELECT ticket_id, position, service_id FROM queue_ticket_steps WHERE ticket_id IN " +
                          storage::in_list(tickets.size()) + " ORDER BY ticket_id, position",
                      params);
  if (!rows) return std::move(rows).error();
  for (const auto& row : rows->rows) {
    if (row.integer(1) > current[row.integer(0)]) out[row.integer(0)].push_back(row.integer(2));
  }
  return out;
}

// Every service an open counter serves: the tickets of all of them compete for the counters.
std::vector<std::int64_t> services_open(const std::vector<OpenCounter>& counters) {
  std::set<std::int64_t> out;
  for (const auto& counter : counters) out.insert(counter.services.begin(), counter.services.end());
  return {out.begin(), out.end()};
}

// How far ahead the estimates look for booked visitors: past it, hardly anyone waiting now is
// still waiting.
constexpr auto kLookAhead = std::chrono::hours(2);

Result<std::vector<scheduling::ExpectedVisit>> expected_soon(Connection& c, std::int64_t shop_id, Instant now,
                                                             const QueuePolicy& policy) {
  return scheduling::expected_visits(c, shop_id, now - policy.check_in_late, now + kLookAhead);
}

// The estimate for the ticket `target` among `waiting` (for a ticket not yet taken, a stand-in):
// the shop's next calls are played forward. Each counter, when free, calls the ticket its work
// profile picks then and keeps it its service's mean time (a counter busy with a visitor is free
// when that visit's mean time has passed, or a quarter of it from now if it has run longer); a
// visit with another service to see joins that queue when it leaves the counter, keeping its
// place, as it will. Played until one of the target's counters calls it. The variance is that of
// the service times its own counters went through first, spread over them.
Result<std::optional<WaitEstimate>> estimate_for(Connection& c, std::int64_t shop_id, std::vector<Ticket> waiting,
                                                 std::size_t target, const std::vector<OpenCounter>& counters,
                                                 const std::vector<scheduling::ExpectedVisit>& expected, Instant now,
                                                 const QueuePolicy& policy) {
  const std::int64_t service_id = waiting[target].service_id;
  int mine = 0;
  for (const auto& counter : counters) mine += counter.services.contains(service_id) ? 1 : 0;
  if (mine == 0) return std::optional<WaitEstimate>();
  std::vector<const Ticket*> moving;
  moving.reserve(waiting.size() + counters.size());
  for (const auto& t : waiting) moving.push_back(&t);
  for (const auto& counter : counters) {
    if (counter.current) moving.push_back(&*counter.current);
  }
  auto later = later_steps(c, moving);
  if (!later) return std::move(later).error();
  std::vector<double> ready(waiting.size(), 0.0);  // seconds from now when each may be called
  // Booked visitors not yet come, each called first from their time (ids below zero: no row).
  std::int64_t stand_in_id = 0;
  for (const auto& visit : expected) {
    if (visit.services.empty()) continue;
    Ticket t;
    t.id = --stand_in_id;
    t.shop_id = shop_id;
    t.priority = Priority::booked;
    t.service_id = visit.services.front();
    t.issued_at = t.ready_at = t.queued_at = std::max(visit.starts_at, now);
    waiting.push_back(t);
    ready.push_back(std::chrono::duration<double>(t.ready_at - now).count());
    (*later)[t.id].assign(visit.services.begin() + 1, visit.services.end());
  }
  std::set<std::int64_t> services;
  for (const auto& t : waiting) services.insert(t.service_id);
  for (const auto& counter : counters) {
    if (counter.current) services.insert(counter.current->service_id);
  }
  for (const auto& [id, steps] : *later) services.insert(steps.begin(), steps.end());
  auto times = service_times(c, shop_id, services, now);
  if (!times) return std::move(times).error();

  std::vector<bool> taken(waiting.size(), false);
  // A visit leaving a counter at `at` joins its next service's queue, if it has one.
  auto move_on = [&](const Ticket& t, double at) {
    auto steps = later->find(t.id);
    if (steps == later->end() || steps->second.empty()) return;
    Ticket next = t;
    next.service_id = steps->second.front();
    steps->second.erase(steps->second.begin());
    waiting.push_back(std::move(next));
    ready.push_back(at);
    taken.push_back(false);
  };
  std::vector<double> free_at(counters.size(), 0.0);  // seconds from now
  for (std::size_t i = 0; i < counters.size(); ++i) {
    if (!counters[i].current) continue;
    const double mean = times->at(counters[i].current->service_id).mean;
    const double elapsed = std::chrono::duration<double>(now - *counters[i].current->called_at).count();
    free_at[i] = std::max(mean - elapsed, mean / 4);
    move_on(*counters[i].current, free_at[i]);
  }
  std::vector<bool> done(counters.size(), false);
  double variance = times->at(service_id).variance;
  int competing = 0;
  std::optional<double> start;
  while (!start) {
    std::optional<std::size_t> k;
    for (std::size_t i = 0; i < counters.size(); ++i) {
      if (!done[i] && (!k || free_at[i] < free_at[*k])) k = i;
    }
    if (!k) break;
    const OpenCounter& counter = counters[*k];
    const Instant at = now + std::chrono::duration_cast<Instant::duration>(std::chrono::duration<double>(free_at[*k]));
    auto next = pick_next(waiting, at, policy, counter.profile, [&](std::size_t j) {
      return !taken[j] && ready[j] <= free_at[*k] && counter.services.contains(waiting[j].service_id);
    });
    if (!next) {
      // Nothing for it now: it waits for the next visit coming back to one of its services.
      std::optional<double> soonest;
      for (std::size_t j = 0; j < waiting.size(); ++j) {
        if (!taken[j] && ready[j] > free_at[*k] && counter.services.contains(waiting[j].service_id) &&
            (!soonest || ready[j] < *soonest)) {
          soonest = ready[j];
        }
      }
      if (soonest) {
        free_at[*k] = *soonest;
      } else {
        done[*k] = true;
      }
      continue;
    }
    if (*next == target) {
      start = free_at[*k];
      break;
    }
    taken[*next] = true;
    const ServiceTimes& st = times->at(waiting[*next].service_id);
    free_at[*k] += st.mean;
    if (counter.services.contains(service_id)) {
      variance += st.variance;
      ++competing;
    }
    move_on(waiting[*next], free_at[*k]);
  }
  if (!start) return std::optional<WaitEstimate>();
  const double n = static_cast<double>(mine);
  WaitEstimate estimate = gamma_range(*start, variance / (n * n), mine);
  estimate.ahead = competing;
  estimate.model_mean_s = std::max(0.0, *start);
  return std::optional<WaitEstimate>(estimate);
}

constexpr int kCalibrationTickets = 200;
constexpr std::size_t kNeighbours = 100;
constexpr int kEnoughToCalibrate = 30;
constexpr double kCalibratedFrom = 60;  // seconds of model mean (as in the query): shorter stay the model's
// The range's ends: the 10th percentile, and the 92nd rather than the 90th — split conformal
// prediction's finite-sample correction (the ⌈(n + 1) · 0.9⌉-th of n = 100 is the 91st) and a
// margin for the ratios' lag while a queue builds (the day's ratios are those of tickets issued
// earlier, when it was shorter); measured in docs/PERFORMANCE.md.
constexpr double kLower = 0.10;
constexpr double kUpper = 0.92;

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
  estimate.p10 = seconds_of(quantile(nearest, kLower) * estimate.model_mean_s);
  estimate.p50 = seconds_of(quantile(nearest, 0.5) * estimate.model_mean_s);
  estimate.p90 = seconds_of(quantile(nearest, kUpper) * estimate.model_mean_s);
  estimate.calibrated = true;
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
  auto counters = open_counters(c, ticket.shop_id, ticket.day);
  if (!counters) return std::move(counters).error();
  auto waiting = detail::waiting_on(c, ticket.shop_id, ticket.day, services_open(*counters));
  if (!waiting) return std::move(waiting).error();
  auto target = std::find_if(waiting->begin(), waiting->end(), [&](const Ticket& t) { return t.id == ticket.id; });
  if (target == waiting->end()) return std::optional<WaitEstimate>();
  const auto index = static_cast<std::size_t>(target - waiting->begin());
  auto expected = expected_soon(c, ticket.shop_id, now, policy);
  if (!expected) return std::move(expected).error();
  auto estimate = estimate_for(c, ticket.shop_id, std::move(*waiting), index, *counters, *expected, now, policy);
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
                                                                                 const Clock& clock,
                                                                                 const QueuePolicy& policy) {
  const Instant now = clock.now();
  return db.read([&](Connection& c) -> Result<std::map<std::int64_t, std::optional<WaitEstimate>>> {
    auto shop = catalogue::shop_record(c, shop_id);
    if (!shop) return std::move(shop).error();
    if (!*shop) return make_error(Errc::no_such_shop, "no such shop");
    const std::string day = detail::local_day_of((*shop)->time_zone, now);
    auto prefixes = service_prefixes(c, shop_id);
    if (!prefixes) return std::move(prefixes).error();
    auto counters = open_counters(c, shop_id, day);
    if (!counters) return std::move(counters).error();
    auto ratios = calibration_ratios(c, shop_id, day);
    if (!ratios) return std::move(ratios).error();
    auto waiting = detail::waiting_on(c, shop_id, day, services_open(*counters));
    if (!waiting) return std::move(waiting).error();
    // A walk-in taking a ticket now comes after everyone waiting (none overtakes a head start):
    // a stand-in at the end, for each service in turn.
    Ticket stand_in;
    stand_in.id = std::numeric_limits<std::int64_t>::max();
    stand_in.issued_at = stand_in.ready_at = stand_in.queued_at = now;
    waiting->push_back(stand_in);
    auto expected = expected_soon(c, shop_id, now, policy);
    if (!expected) return std::move(expected).error();
    std::map<std::int64_t, std::optional<WaitEstimate>> out;
    for (const auto& [service, prefix] : *prefixes) {
      waiting->back().service_id = service;
      auto estimate = estimate_for(c, shop_id, *waiting, waiting->size() - 1, *counters, *expected, now, policy);
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
