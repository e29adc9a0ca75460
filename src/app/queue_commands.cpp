// `guichet simulate`: the queue's simulator from the command line.
#include <fstream>
#include <iostream>

#include "command_support.hpp"
#include "guichet/app/commands.hpp"
#include "guichet/core/clock.hpp"
#include "guichet/queue/simulator.hpp"

namespace guichet::app {

int simulate(const Config& config, const SimulateCommand& command) {
  queue::SimulationOptions options;
  options.shop = command.shop;
  options.day = command.day;
  options.visitors = command.visitors;
  options.booked_share = command.booked_share;
  options.service_factor = command.service_factor;
  options.seed = command.seed;
  if (!command.arrivals_file.empty()) {
    auto text = read_input(command.arrivals_file, "simulate");
    if (!text) return 2;
    auto arrivals = queue::parse_arrivals(*text);
    if (!arrivals) {
      fail("simulate " + command.arrivals_file, arrivals.error());
      return 2;
    }
    options.arrivals = std::move(*arrivals);
  }
  SystemClock clock;
  auto db = open_and_migrate(config, clock);
  if (!db) {
    fail("database " + config.db, db.error());
    return 1;
  }
  auto report = queue::simulate(**db, options);
  if (!report) {
    fail("simulate", report.error());
    return report.error().kind == ErrorKind::internal || report.error().kind == ErrorKind::unavailable ? 1 : 2;
  }
  if (!command.svg_file.empty()) {
    std::ofstream svg(command.svg_file);
    svg << queue::report_svg(*report);
    if (!svg) {
      std::cerr << "guichet: simulate: cannot write " << command.svg_file << "\n";
      return 1;
    }
  }
  std::cout << (command.json ? queue::report_json(*report) + "\n" : queue::report_table(*report));
  return 0;
}

}  // namespace guichet::app
