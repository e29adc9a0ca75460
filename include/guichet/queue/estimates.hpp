#pragma once
// Wait estimates as a range (P10–P90), from the queue as it is now.
//
// The model plays the shop's next calls forward from the present state: every ticket waiting,
// the counters open (each with its services and work profile, and the visit at it), the recent
// service times of each service at the shop (the catalogue's duration, as variable as exponential
// times, until there are 8), the booked visitors expected in the next two hours who have not come
// yet (called first from their time, as they will be) and the visits that will come back for
// their next service keeping their place. Each counter, when free, calls whom its work profile
// picks then (ordering.hpp: the same choice as call_next) and keeps them their service's mean
// time; the estimate's mean is when one of the ticket's counters calls it. Its range is a gamma
// distribution with that mean and the variance of the service times its counters go through
// first (exact for exponential service times on one counter).
//
// Why this one: it reads the queue, the counters and the bookings as they are, so it reacts at
// once when counters open, close or change profile and does not lag when arrivals rise or fall
// through the day, which biases estimators built on the waits of recent tickets (Ibrahim & Whitt,
// "Real-time delay estimation based on delay history"); and it follows the calling order's
// rules (priorities, fairness bound, booked visitors, multi-service visits) instead of
// approximating them, which halved the error of the earlier model that shared the work ahead
// among counters in proportion.
//
// Then calibrated by what happened (split conformal prediction): once at least 30 tickets of the
// shop's day have been called after an estimate of a minute or more, the range is the model's
// mean times the 10th, 50th and 92nd percentiles of actual ÷ model among the 100 of the last 200
// whose model mean was nearest (on a log scale: short and long waits err differently). What the
// model cannot know — priority tickets and walk-ins not yet arrived, service times drawn long —
// shows in those ratios the same day, so the range keeps its promised coverage as the day
// changes.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

#include "guichet/core/clock.hpp"
#include "guichet/core/result.hpp"
#include "guichet/queue/queue.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::queue {

struct WaitEstimate {
  std::chrono::seconds p10{0};
  std::chrono::seconds p50{0};
  std::chrono::seconds p90{0};
  int ahead = 0;            // tickets called before it
  int counters = 0;         // open counters that can call it
  double model_mean_s = 0;  // the queue-length model's mean, before calibration
  bool calibrated = false;
};

// The 10th, 50th and 90th percentiles of a gamma distribution with this mean and variance
// (seconds): the model's range before calibration (exact for exponential service times); zero
// when the mean is not positive.
WaitEstimate gamma_range(double mean_s, double variance_s, int counters);

// The estimate for a waiting ticket; nullopt when no open counter serves its service (or it is
// not waiting).
Result<std::optional<WaitEstimate>> estimate_wait(storage::Database& db, const Ticket& ticket, const Clock& clock,
                                                  const QueuePolicy& policy);
Result<std::optional<WaitEstimate>> estimate_wait(storage::Connection& c, const Ticket& ticket, Instant now,
                                                  const QueuePolicy& policy);

// For someone taking a ticket now, per service the shop's counters serve (nullopt: none open).
Result<std::map<std::int64_t, std::optional<WaitEstimate>>> estimate_new_tickets(storage::Database& db,
                                                                                 std::int64_t shop_id,
                                                                                 const Clock& clock,
                                                                                 const QueuePolicy& policy);

// How the estimates made when tickets were issued compare with the waits that followed, over
// the tickets of a shop issued in [from, until) and called since.
struct EstimateAccuracy {
  int tickets = 0;
  double mean_absolute_error_min = 0;  // |wait − median|
  double coverage = 0;                 // share whose wait fell within P10–P90
  double underestimated = 0;           // share that waited longer than the range said (past P90)
};
Result<EstimateAccuracy> estimate_accuracy(storage::Database& db, std::int64_t shop_id, Instant from, Instant until);

}  // namespace guichet::queue
