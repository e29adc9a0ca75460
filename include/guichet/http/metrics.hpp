#pragma once
// Prometheus metrics for this process. Each node exposes its own; Prometheus adds them up, so
// nothing here needs to be shared between nodes.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "guichet/http/request.hpp"

namespace guichet::http {

class Metrics {
 public:
  static constexpr std::array<double, 13> kBucketsSeconds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                          0.1,    0.25,  0.5,    1.0,   2.5,  5.0};
  struct Series {
    std::array<std::atomic<std::uint64_t>, kBucketsSeconds.size() + 1> buckets{};
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum_micros{0};
  };
  struct RouteSeries {
    std::string label;
    // Indexed by status - 100; allocated on first use.
    std::array<std::atomic<Series*>, 500> by_status{};
    ~RouteSeries();
  };
  using Collector = std::function<void(std::string& out)>;

  // One metric in Prometheus text format for a collector: its HELP and TYPE lines, then one sample
  // per entry of `samples` (label set such as `state="open"`, or "" for none; the value).
  struct Sample {
    std::string labels;
    std::int64_t value = 0;
  };
  static void write(std::string& out, std::string_view name, std::string_view type, std::string_view help,
                    const std::vector<Sample>& samples);

  Metrics() = default;
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Called at start-up while composing routes; the same label returns the same series.
  RouteSeries& route(const std::string& label);
  static void observe(RouteSeries& route, int status, std::chrono::microseconds duration);
  // Adds figures owned elsewhere (database pool, jobs) to every scrape.
  void add_collector(Collector collector);
  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::deque<RouteSeries> routes_;
  std::vector<Collector> collectors_;
};

// GET /metrics: the figures name shops, routes and volumes, which outsiders have no business
// reading, so they are answered only to a scraper presenting `Authorization: Bearer <token>`
// (compared in constant time). Without a configured token the endpoint is off (404).
Response metrics_endpoint(const Metrics& metrics, const Request& request, std::string_view token);

}  // namespace guichet::http
