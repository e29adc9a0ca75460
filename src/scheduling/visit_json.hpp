#pragma once
// A visit as the JSON API writes it (availability pages, a lost race's alternatives); private to
// the scheduling module, which alone includes Boost.JSON for it.
#include <boost/json/object.hpp>

#include "guichet/scheduling/availability.hpp"

namespace guichet::scheduling {

// {"shop", "start", "end", "items": [{"service", "counter", "start", "end"}]}, with
// "distance_km" when known.
boost::json::object visit_json(const ShopVisit& visit);

}  // namespace guichet::scheduling
