#pragma once
// Every log line is one JSON object, built with Boost.JSON (so any text in it, a PostgreSQL
// message with quotes included, stays valid JSON) and written through spdlog's default logger:
// {"time": RFC 3339 UTC, "level": "info", "event": "...", ...fields}.
#include <boost/json/object.hpp>
#include <string_view>

namespace guichet {

enum class LogLevel { debug, info, warn, error };

void log_event(LogLevel level, std::string_view event, boost::json::object fields = {});

}  // namespace guichet
