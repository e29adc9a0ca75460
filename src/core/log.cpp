#include "guichet/core/log.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>

#include "guichet/core/clock.hpp"

namespace guichet {
namespace {
spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return spdlog::level::debug;
    case LogLevel::info:
      return spdlog::level::info;
    case LogLevel::warn:
      return spdlog::level::warn;
    case LogLevel::error:
      return spdlog::level::err;
  }
  return spdlog::level::err;
}

std::string_view name_of(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "error";
}
}  // namespace

void log_event(LogLevel level, std::string_view event, boost::json::object fields) {
  auto logger = spdlog::default_logger_raw();
  if (!logger->should_log(to_spdlog(level))) return;
  boost::json::object line;
  line["time"] = format_rfc3339(SystemClock().now());
  line["level"] = name_of(level);
  line["event"] = event;
  for (auto& field : fields) line[field.key()] = std::move(field.value());
  logger->log(to_spdlog(level), "{}", boost::json::serialize(line));
}

}  // namespace guichet
