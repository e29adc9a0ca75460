#pragma once
// The shop the queue's benchmarks run on: 12 counters serving four 5-minute services, open around
// the clock, so a run at any hour finds it open.
#include <boost/json.hpp>
#include <string>

namespace guichet::queue::bench {

inline std::string shop_catalogue() {
  namespace json = boost::json;
  json::object names{{"fr", "A"}, {"pt", "A"}, {"vi", "A"}, {"en", "A"}};
  json::array services;
  json::array codes;
  for (const char* code : {"s1", "s2", "s3", "s4"}) {
    json::object texts;
    for (const char* lang : {"fr", "pt", "vi", "en"}) texts[lang] = {{"name", code}, {"description", code}};
    services.push_back({{"code", code},
                        {"administration", "a"},
                        {"audience", "citizens"},
                        {"channels", json::array{"in_person"}},
                        {"duration_minutes", 5},
                        {"texts", texts}});
    codes.emplace_back(code);
  }
  json::object hours;
  for (const char* day : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}) {
    hours[day] = json::array{json::array{"00:00", "24:00"}};
  }
  json::array counters;
  for (int c = 1; c <= 12; ++c) counters.push_back({{"code", "c" + std::to_string(c)}, {"services", codes}});
  json::object doc{{"administrations", json::array{{{"code", "a"}, {"names", names}}}},
                   {"services", services},
                   {"shops", json::array{{{"code", "shop"},
                                          {"name", "Shop"},
                                          {"address", "Lisboa"},
                                          {"latitude", 38.7},
                                          {"longitude", -9.1},
                                          {"time_zone", "UTC"},
                                          {"opening_hours", hours},
                                          {"counters", counters}}}}};
  return json::serialize(doc);
}

}  // namespace guichet::queue::bench
