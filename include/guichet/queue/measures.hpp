#pragma once
// What a shop's day was at its counters, per service, per hour and per counter: waits (mean,
// median, 90th percentile), time at the counter, visitors who left or did not come, booked
// against walk-in, calls. Read from the tickets' steps and the queue's events, so any node
// computes it; shown to staff and exported as CSV (the observatory's input later).
#include <cstdint>
#include <string>
#include <vector>

#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::queue {

struct WaitStats {
  int served = 0;     // steps that reached a counter
  int abandoned = 0;  // left (cancelled) or did not come when called (absent)
  int booked = 0;     // of the visits that checked in with a booking
  int walk_in = 0;
  double mean_wait_min = 0;
  double median_wait_min = 0;
  double p90_wait_min = 0;
  double mean_service_min = 0;  // called to finished, served steps
};

struct ServiceMeasures {
  std::int64_t service_id = 0;
  WaitStats stats;
};
struct HourMeasures {
  int hour = 0;  // the shop's local hour the step joined its queue
  WaitStats stats;
};
struct CounterMeasures {
  std::string code;
  int calls = 0;   // calls and recalls
  int served = 0;  // steps it finished as served
};

struct DayMeasures {
  std::int64_t shop_id = 0;
  std::string day;
  WaitStats total;
  std::vector<ServiceMeasures> services;  // by service id
  std::vector<HourMeasures> hours;        // the hours anyone queued
  std::vector<CounterMeasures> counters;  // by code
};

// Refused with no_such_shop; an invalid day is bad_body naming "day".
Result<DayMeasures> day_measures(storage::Database& db, std::int64_t shop_id, std::string_view day);

}  // namespace guichet::queue
