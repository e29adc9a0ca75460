#pragma once
// The waiting saved by booking, measured on Guichet's own code: a shop's day run twice on a
// simulated clock, through the real queue and scheduling functions on a database of its own
// (tickets, check-ins, counters calling, bookings made the day before), once with every visitor
// walking in and once with a share of them booking a combined visit, with the same counters open
// all day. Reports the waits of both days and how the wait estimates fared against what happened.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "guichet/core/result.hpp"
#include "guichet/storage/database.hpp"

namespace guichet::queue {

struct Arrival {
  int minute = 0;                     // minutes after the shop's local midnight
  std::vector<std::string> services;  // service codes, in the order served
  bool booked = false;                // books a visit the day before, arrives for it
};

struct SimulationOptions {
  std::string shop;  // its code
  std::string day;   // YYYY-MM-DD, a day the shop is open
  // Either given arrivals, or a model: Poisson arrivals whose rate follows a citizen shop's day
  // (a rush at opening, a late-morning peak, a lunch dip, an afternoon peak).
  std::optional<std::vector<Arrival>> arrivals;
  int visitors = 2000;          // expected number, with the model
  double booked_share = 0.5;    // of the visitors, in the day with bookings
  double service_factor = 0.8;  // mean time at the counter over the catalogue's duration
  std::uint64_t seed = 1;
};

struct WaitSummary {
  int visits = 0;
  double mean_wait_min = 0;  // the whole visit's waiting, every step
  double p90_wait_min = 0;
  std::vector<double> mean_wait_by_hour;  // by hour of arrival (0-23), -1 for none
};

struct EstimatorSummary {
  int tickets = 0;
  double mae_min = 0;
  double coverage = 0;
  double underestimated = 0;
};

struct SimulationReport {
  std::string shop;
  std::string day;
  int counters = 0;
  WaitSummary walk_in;          // the day every visitor walks in
  WaitSummary booked;           // the day with bookings: the visitors who booked a combined visit
  WaitSummary walk_ins_beside;  // the day with bookings: those who walked in
  WaitSummary booked_day;       // the day with bookings: everyone
  double reduction = 0;         // of the mean wait: 1 − booked / walk_in
  EstimatorSummary estimator;   // the ranges shown at issue, both days
};

// Runs both days. `catalogue` is the database the shop, its counters and services are read from
// (nothing is written there); the simulations run on temporary SQLite databases.
Result<SimulationReport> simulate(storage::Database& catalogue, const SimulationOptions& options);

// Arrivals from a CSV file: "minute,services,booked" (services separated by "+", booked 0 or 1),
// or times as "HH:MM". The message names the line at fault.
Result<std::vector<Arrival>> parse_arrivals(std::string_view csv);

std::string report_json(const SimulationReport& report);
std::string report_table(const SimulationReport& report);
// The mean wait by hour of arrival of both days, as an SVG line chart.
std::string report_svg(const SimulationReport& report);

}  // namespace guichet::queue
