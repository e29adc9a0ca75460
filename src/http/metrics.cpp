#include "guichet/http/metrics.hpp"

#include <fmt/format.h>

#include "guichet/core/random.hpp"

namespace guichet::http {

Metrics::RouteSeries::~RouteSeries() {
  for (auto& slot : by_status) delete slot.load();
}

Metrics::RouteSeries& Metrics::route(const std::string& label) {
  std::lock_guard lock(mutex_);
  for (auto& r : routes_) {
    if (r.label == label) return r;
  }
  routes_.emplace_back();
  routes_.back().label = label;
  return routes_.back();
}

void Metrics::observe(RouteSeries& route, int status, std::chrono::microseconds duration) {
  if (status < 100 || status > 599) status = 500;
  auto& slot = route.by_status[static_cast<std::size_t>(status - 100)];
  Series* series = slot.load(std::memory_order_acquire);
  if (series == nullptr) {
    auto* fresh = new Series();
    if (slot.compare_exchange_strong(series, fresh, std::memory_order_acq_rel)) {
      series = fresh;
    } else {
      delete fresh;  // another thread installed one first; `series` now holds it
    }
  }
  double seconds = static_cast<double>(duration.count()) / 1e6;
  std::size_t bucket = 0;
  while (bucket < kBucketsSeconds.size() && seconds > kBucketsSeconds[bucket]) ++bucket;
  series->buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  series->count.fetch_add(1, std::memory_order_relaxed);
  series->sum_micros.fetch_add(static_cast<std::uint64_t>(duration.count()), std::memory_order_relaxed);
}

void Metrics::add_collector(Collector collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP guichet_http_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE guichet_http_requests_total counter\n";
  std::string histogram;
  histogram += "# HELP guichet_http_request_duration_seconds Time to answer, by route and status.\n";
  histogram += "# TYPE guichet_http_request_duration_seconds histogram\n";
  for (const auto& route : routes_) {
    for (std::size_t i = 0; i < route.by_status.size(); ++i) {
      const Series* series = route.by_status[i].load(std::memory_order_acquire);
      if (series == nullptr) continue;
      std::string labels = fmt::format("route=\"{}\",status=\"{}\"", route.label, i + 100);
      out += fmt::format("guichet_http_requests_total{{{}}} {}\n", labels, series->count.load());
      std::uint64_t cumulative = 0;
      for (std::size_t b = 0; b < kBucketsSeconds.size(); ++b) {
        cumulative += series->buckets[b].load();
        histogram += fmt::format("guichet_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels,
                                 kBucketsSeconds[b], cumulative);
      }
      cumulative += series->buckets[kBucketsSeconds.size()].load();
      histogram +=
          fmt::format("guichet_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels, cumulative);
      histogram += fmt::format("guichet_http_request_duration_seconds_sum{{{}}} {}\n", labels,
                               static_cast<double>(series->sum_micros.load()) / 1e6);
      histogram += fmt::format("guichet_http_request_duration_seconds_count{{{}}} {}\n", labels, series->count.load());
    }
  }
  out += histogram;
  for (const auto& collector : collectors_) collector(out);
  return out;
}

void Metrics::write(std::string& out, std::string_view name, std::string_view type, std::string_view help,
                    const std::vector<Sample>& samples) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  for (const Sample& sample : samples) {
    out.append(name);
    if (!sample.labels.empty()) out.append("{").append(sample.labels).append("}");
    out.append(" ").append(std::to_string(sample.value)).append("\n");
  }
}

Response metrics_endpoint(const Metrics& metrics, const Request& request, std::string_view token) {
  if (token.empty()) {
    return Response::text("metrics are off: start the node with --metrics-token-file\n", 404);
  }
  const auto authorization = request.header("Authorization");
  constexpr std::string_view kScheme = "Bearer ";
  const bool presented = authorization && authorization->size() > kScheme.size() &&
                         iequals(authorization->substr(0, kScheme.size()), kScheme) &&
                         secure_equals(authorization->substr(kScheme.size()), token);
  if (!presented) {
    Response refused = Response::text("a bearer token is required\n", 401);
    refused.headers.set("WWW-Authenticate", "Bearer realm=\"metrics\"");
    refused.headers.set("Cache-Control", "no-store");
    return refused;
  }
  Response response = Response::text(metrics.render());
  response.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  response.headers.set("Cache-Control", "no-store");
  return response;
}

}  // namespace guichet::http
