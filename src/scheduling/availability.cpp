#include "guichet/scheduling/availability.hpp"

#include <date/tz.h>
#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "calendar.hpp"
#include "guichet/catalogue/catalogue.hpp"
#include "guichet/catalogue/reads.hpp"
#include "guichet/core/calendar.hpp"
#include "guichet/http/application.hpp"
#include "guichet/scheduling/bookings.hpp"
#include "guichet/scheduling/errors.hpp"
#include "visit_json.hpp"

namespace guichet::scheduling {
namespace json = boost::json;
using std::chrono::minutes;

namespace {

// Where a page ends: the last visit's shop and start. Text "<shop>.<unix seconds>".
struct Cursor {
  std::int64_t shop = 0;
  std::int64_t start = 0;
};

std::optional<Cursor> parse_cursor(const std::string& text) {
  auto dot = text.find('.');
  if (dot == std::string::npos) return std::nullopt;
  Cursor cursor;
  auto [end1, ec1] = std::from_chars(text.data(), text.data() + dot, cursor.shop);
  auto [end2, ec2] = std::from_chars(text.data() + dot + 1, text.data() + text.size(), cursor.start);
  if (ec1 != std::errc() || ec2 != std::errc() || end1 != text.data() + dot || end2 != text.data() + text.size() ||
      cursor.shop <= 0) {
    return std::nullopt;
  }
  return cursor;
}

std::int64_t seconds_of(Instant t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

Result<std::vector<ShopVisit>> find_availability(CalendarCache& calendars, const AvailabilityQuery& query, Instant now,
                                                 const SearchRules& rules) {
  auto page = find_availability_page(calendars, query, now, rules);
  if (!page) return std::move(page).error();
  return std::move(page->visits);
}

Result<AvailabilityPage> find_availability_page(CalendarCache& calendars, const AvailabilityQuery& query, Instant now,
                                                const SearchRules& rules) {
  if (query.limit < 1 || query.limit > 2000) {
    return make_error(Errc::bad_limit, "limit must be 1 to 2000");
  }
  std::optional<Cursor> cursor;
  if (!query.cursor.empty()) {
    cursor = parse_cursor(query.cursor);
    if (!cursor) return make_error(Errc::bad_cursor, "the cursor is not one this API gave");
  }
  if (query.days < 1 || query.days > 90) return make_error(Errc::bad_days, "days must be 1 to 90");
  if (!parse_iso_day(query.from)) return make_error(Errc::bad_date, "the date must be YYYY-MM-DD");
  std::vector<ServiceNeed> needs;
  {
    auto connection = calendars.database().acquire();
    if (!connection) return std::move(connection).error();
    auto loaded = load_needs(**connection, query.services, false);
    if (!loaded) return std::move(loaded).error();
    needs = std::move(*loaded);
  }
  // The order of the results, the same on every page: with `near`, by distance, then shop, then
  // start; otherwise by start, then shop.
  auto before = [&](const ShopVisit& a, const ShopVisit& b) {
    if (a.distance_km && b.distance_km && *a.distance_km != *b.distance_km) return *a.distance_km < *b.distance_km;
    if (query.near && a.shop != b.shop) return a.shop < b.shop;
    if (a.visit.start != b.visit.start) return a.visit.start < b.visit.start;
    return a.shop < b.shop;
  };
  std::optional<Error> failure;
  std::vector<ShopVisit> all;
  std::size_t searched_shops = 0;
  auto searched = calendars.read([&](const CachedShops& shops) {
    auto distance_of = [&](const CachedShop& shop) -> std::optional<double> {
      if (!query.near) return std::nullopt;
      return catalogue::distance_km(query.near->first, query.near->second, shop.latitude, shop.longitude);
    };
    std::vector<std::pair<const CachedShop*, std::optional<double>>> candidates;
    // Earliest first across every shop: each shop's earliest possible visit (a lower bound from its
    // FreeMoments), so shops are searched from the most promising on and the search stops at the
    // first shop that cannot beat the page's last visit. A shop with nothing free on the days asked
    // is never opened.
    std::vector<Instant> bounds;
    const bool ranked = !query.shop && !query.near;
    const std::int64_t first_day = parse_iso_day(query.from)->time_since_epoch().count();  // validated above
    if (query.shop) {
      const CachedShop* found = shops.find(*query.shop);
      if (found == nullptr) {
        failure = make_error(Errc::no_such_shop, "no such shop");
        return;
      }
      candidates.emplace_back(found, distance_of(*found));
    } else if (ranked) {
      // No visit starts before the notice, nor (on a later page) before the cursor.
      Instant floor = now + rules.notice;
      if (cursor) floor = std::max(floor, Instant(std::chrono::seconds(cursor->start)) - std::chrono::seconds(1));
      // Ranked by each shop's summary (any counter: read side by side, a few nanoseconds a shop);
      // a shop reached is checked again with its own FreeMoments (the counters serving these
      // services) before it is opened, below.
      std::vector<std::pair<Instant, const CachedShop*>> ranking;
      ranking.reserve(shops.size());
      std::size_t i = 0;
      for (const auto& [id, shop] : shops) {
        auto bound = shops.summary(i++).earliest(first_day, query.days);
        if (bound) ranking.emplace_back(std::max(*bound, floor), shop.get());
      }
      std::sort(ranking.begin(), ranking.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first < b.first : a.second->id < b.second->id;
      });
      candidates.reserve(ranking.size());
      bounds.reserve(ranking.size());
      for (const auto& [bound, shop] : ranking) {
        candidates.emplace_back(shop, std::nullopt);
        bounds.push_back(bound);
      }
    } else {
      std::size_t i = 0;
      for (const auto& [id, shop] : shops) {
        const auto& [latitude, longitude] = shops.position(i++);
        candidates.emplace_back(shop.get(),
                                catalogue::distance_km(query.near->first, query.near->second, latitude, longitude));
      }
      // Nearest first: once a page's worth is found, farther shops cannot come before.
      std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
        if (a.second && b.second && *a.second != *b.second) return *a.second < *b.second;
        return a.first->id < b.first->id;
      });
    }
    std::optional<ShopVisit> last_seen;  // the cursor as a visit, to compare with
    if (cursor) {
      last_seen = ShopVisit{cursor->shop, Visit{Instant(std::chrono::seconds(cursor->start)), {}, {}}, std::nullopt};
      for (const auto& [shop, distance] : candidates) {
        if (shop->id == cursor->shop) last_seen->distance_km = distance;
      }
      if (query.near && !last_seen->distance_km) {
        failure = make_error(Errc::bad_cursor, "the cursor is not one this API gave");
        return;
      }
    }
    // A page needs `limit` visits and one more to know another page follows.
    const std::size_t wanted = query.limit + 1;
    for (std::size_t at = 0; at < candidates.size(); ++at) {
      const auto& [shop, distance] = candidates[at];
      if (query.near && all.size() >= wanted) break;
      ArrivalWindow window;
      if (last_seen) {
        // A whole shop that comes before the cursor's (nearer) has nothing for this page.
        ShopVisit probe{shop->id, Visit{Instant::max(), {}, {}}, distance};
        if (query.near && before(probe, *last_seen)) continue;
        if (!query.near || shop->id == last_seen->shop) window.after = last_seen->visit.start - std::chrono::seconds(1);
      }
      // Earliest first: a visit later than the `wanted`-th best found so far cannot make the page,
      // so each shop is searched only up to it. Most shops then look at a few arrivals.
      if (!query.near && all.size() >= wanted) {
        std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(wanted - 1), all.end(), before);
        all.resize(wanted);
        const ShopVisit& last = *std::max_element(all.begin(), all.end(), before);
        window.until = last.visit.start;
        // Ranked: this shop's visits, and every later shop's, start at its bound or later, so
        // none can come before the page's last visit once the bound is past it.
        if (ranked && (bounds[at] > last.visit.start || (bounds[at] == last.visit.start && shop->id > last.shop))) {
          break;
        }
      }
      if (ranked) {
        // The shop's own bound, for these services: no visit at all, or none that can make the page.
        auto own = shop->free.earliest(query.services, first_day, query.days);
        if (!own) continue;
        if (window.until && (std::max(*own, bounds[at]) > *window.until)) continue;
      }
      // One more than a page, to know whether another page follows, and one more again: the visit at
      // the cursor's own start, if this shop has one, is left out below.
      ++searched_shops;
      auto visits =
          find_visits(shop->calendar, shop->busy, needs, query.from, query.days, now, rules, query.limit + 2, window);
      if (!visits) {
        failure = std::move(visits).error();
        return;
      }
      for (auto& v : *visits) {
        ShopVisit candidate{shop->id, std::move(v), distance};
        if (last_seen && !before(*last_seen, candidate)) continue;
        all.push_back(std::move(candidate));
      }
    }
  });
  if (!searched) return std::move(searched).error();
  if (failure) return std::move(*failure);
  std::sort(all.begin(), all.end(), before);
  AvailabilityPage page;
  if (all.size() > query.limit) {
    all.resize(query.limit);
    page.next_cursor = std::to_string(all.back().shop) + "." + std::to_string(seconds_of(all.back().visit.start));
  }
  page.visits = std::move(all);
  page.shops_searched = searched_shops;
  return page;
}

json::object visit_json(const ShopVisit& sv) {
  json::array items;
  for (const auto& item : sv.visit.items) {
    items.push_back(json::object{{"service", item.service},
                                 {"counter", item.counter},
                                 {"start", rfc3339_seconds(item.start)},
                                 {"end", rfc3339_seconds(item.end)}});
  }
  json::object visit{{"shop", sv.shop},
                     {"start", rfc3339_seconds(sv.visit.start)},
                     {"end", rfc3339_seconds(sv.visit.end)},
                     {"items", items}};
  if (sv.distance_km) visit["distance_km"] = std::round(*sv.distance_km * 10) / 10;
  return visit;
}

Result<std::vector<ShopVisit>> next_visits(CalendarCache& calendars, std::int64_t shop,
                                           const std::vector<std::int64_t>& services, Instant after, Instant now,
                                           std::size_t limit, const SearchRules& rules) {
  std::string time_zone;
  {
    auto connection = calendars.database().acquire();
    if (!connection) return std::move(connection).error();
    auto record = catalogue::shop_record(**connection, shop);
    if (!record) return std::move(record).error();
    if (!*record) return make_error(Errc::no_such_shop, "no such shop");
    time_zone = (*record)->time_zone;
  }
  std::string day;
  try {
    day = date::format(
        "%F", date::make_zoned(time_zone, std::chrono::time_point_cast<std::chrono::seconds>(std::max(after, now)))
                  .get_local_time());
  } catch (const std::exception&) {
    return make_error(Errc::bad_time_zone, "unknown time zone " + time_zone);
  }
  AvailabilityQuery query;
  query.services = services;
  query.shop = shop;
  query.from = day;
  query.days = 14;
  query.limit = 2000;
  auto visits = find_availability(calendars, query, now, rules);
  if (!visits) return std::move(visits).error();
  std::vector<ShopVisit> later;
  for (auto& v : *visits) {
    if (v.visit.start >= after && later.size() < limit) later.push_back(std::move(v));
  }
  return later;
}

namespace {
struct AvailabilityContext {
  CalendarCache& calendars;
  const Clock& clock;
  SearchRules rules;
};

http::Response availability_api(const AvailabilityContext& ctx, http::Request& request) {
  auto bad = [&](Errc code, const char* message) { return http::json_error(request, make_error(code, message)); };
  auto number = [](std::string_view text) -> std::optional<std::int64_t> {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
    return value;
  };
  AvailabilityQuery query;
  std::string_view list = request.query.get("services").value_or("");
  for (std::size_t at = 0; at <= list.size() && !list.empty();) {
    auto end = list.find(',', at);
    if (end == std::string_view::npos) end = list.size();
    auto id = number(list.substr(at, end - at));
    if (!id) return bad(Errc::bad_services, "services is a comma-separated list of service ids");
    query.services.push_back(*id);
    at = end + 1;
  }
  if (auto shop = request.query.get("shop")) {
    query.shop = number(*shop);
    if (!query.shop) return bad(Errc::bad_shop, "shop is a shop id");
  }
  query.from = std::string(request.query.get("from").value_or(""));
  if (auto near = request.query.get("near")) {
    // "latitude,longitude" in degrees.
    std::string text(*near);
    auto comma = text.find(',');
    char* end = nullptr;
    double lat = comma == std::string::npos ? 1000 : std::strtod(text.c_str(), &end);
    bool lat_ok = comma != std::string::npos && end == text.c_str() + comma;
    double lon = lat_ok ? std::strtod(text.c_str() + comma + 1, &end) : 1000;
    bool lon_ok = lat_ok && end == text.c_str() + text.size() && comma + 1 < text.size();
    if (!lon_ok || std::abs(lat) > 90 || std::abs(lon) > 180 || std::isnan(lat) || std::isnan(lon)) {
      return bad(Errc::bad_near, "near is latitude,longitude in degrees");
    }
    query.near = std::pair{lat, lon};
  }
  if (auto days = request.query.get("days")) {
    auto value = number(*days);
    if (!value || *value > 90) return bad(Errc::bad_days, "days must be 1 to 90");
    query.days = static_cast<int>(*value);
  }
  if (auto limit = request.query.get("limit")) {
    auto value = number(*limit);
    if (!value || *value > 200) return bad(Errc::bad_limit, "limit must be 1 to 200");
    query.limit = static_cast<std::size_t>(*value);
  }
  query.cursor = std::string(request.query.get("cursor").value_or(""));
  auto page = find_availability_page(ctx.calendars, query, ctx.clock.now(), ctx.rules);
  if (!page) return http::json_error(request, page.error());
  json::array visits;
  visits.reserve(page->visits.size());
  for (const auto& visit : page->visits) visits.push_back(visit_json(visit));
  json::object body{{"visits", std::move(visits)}, {"next_cursor", nullptr}};
  if (!page->next_cursor.empty()) body["next_cursor"] = page->next_cursor;
  return http::Response::json(json::serialize(body));
}

}  // namespace

void register_api_routes(http::Router& router, CalendarCache& calendars, const Clock& clock, const SearchRules& rules) {
  auto ctx = std::make_shared<const AvailabilityContext>(AvailabilityContext{calendars, clock, rules});
  router.get(
      "/api/v1/availability", [ctx](http::Request& request) { return availability_api(*ctx, request); },
      http::RouteOptions{http::RouteKind::api, 0, false});
}

}  // namespace guichet::scheduling
