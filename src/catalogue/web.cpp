#include "guichet/catalogue/web.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include <date/tz.h>

#include "guichet/catalogue/catalogue.hpp"
#include "guichet/catalogue/errors.hpp"
#include "guichet/catalogue/opening_hours.hpp"
#include "guichet/catalogue/reads.hpp"
#include "guichet/core/spoken_time.hpp"
#include "guichet/http/application.hpp"
#include "guichet/http/parsing.hpp"

namespace guichet::catalogue {
namespace json = boost::json;
using http::Request;
using http::Response;

namespace {
// What the handlers below use; made once at registration and shared by the routes, so it lives
// as long as the router.
struct ApiContext {
  storage::Database& db;
};
struct PageContext {
  storage::Database& db;
  const http::PageRenderer& pages;
  const http::Catalog& catalog;
  const Clock& clock;
};

Response services_api(const ApiContext& ctx, Request& request) {
  ServiceQuery query;
  auto text = [&](const char* name) { return std::string(request.query.get(name).value_or("")); };
  query.q = text("q");
  query.audience = text("audience");
  query.administration = text("administration");
  query.channel = text("channel");
  query.theme = text("theme");
  query.lang = request.query.get("lang") ? text("lang") : std::string("en");
  query.cursor = text("cursor");
  if (auto limit = request.query.get("limit")) {
    int value = 0;
    auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), value);
    if (ec != std::errc() || end != limit->data() + limit->size()) {
      return http::json_error(request, make_error(Errc::bad_limit, "limit must be 1 to 500"));
    }
    query.limit = value;
  }
  if (query.q.size() > 500) {
    return http::json_error(request, make_error(Errc::bad_query, "q is at most 500 bytes"));
  }
  auto page = search_services(ctx.db, query);
  if (!page) return http::json_error(request, page.error());
  json::array services;
  for (const auto& s : page->services) {
    json::array channels;
    for (const auto& c : s.channels) channels.emplace_back(c);
    services.push_back(json::object{{"id", s.id},
                                    {"code", s.code},
                                    {"name", s.name},
                                    {"administration", s.administration},
                                    {"audience", s.audience},
                                    {"channels", channels},
                                    {"duration_minutes", s.duration_minutes}});
  }
  json::object body{{"services", services}, {"total", page->total}};
  body["next_cursor"] = page->next_cursor.empty() ? json::value(nullptr) : json::value(page->next_cursor);
  return Response::json(json::serialize(body));
}

// GET /api/v1/themes?lang=: the themes and life events to browse by, named in `lang` (English by
// default), with how many services each lists.
Response themes_api(const ApiContext& ctx, Request& request) {
  std::string lang(request.query.get("lang").value_or("en"));
  if (lang != "en" && lang != "fr" && lang != "pt" && lang != "vi") {
    return http::json_error(request, make_error(Errc::bad_query, "lang must be en, fr, pt or vi"));
  }
  auto themes = list_themes(ctx.db, lang);
  if (!themes) return http::json_error(request, themes.error());
  json::array list;
  for (const auto& t : *themes) {
    list.push_back(json::object{{"code", t.code}, {"kind", t.kind}, {"name", t.name}, {"services", t.services}});
  }
  return Response::json(json::serialize(json::object{{"themes", list}}));
}

Response shops_api(const ApiContext& ctx, Request& request) {
  auto shops = list_shops(ctx.db);
  if (!shops) return http::json_error(request, shops.error());
  json::array list;
  for (const auto& s : *shops) {
    list.push_back(json::object{{"id", s.id},
                                {"code", s.code},
                                {"name", s.name},
                                {"address", s.address},
                                {"latitude", s.latitude},
                                {"longitude", s.longitude},
                                {"time_zone", s.time_zone},
                                {"opening_hours", json::parse(s.opening_hours)}});
  }
  return Response::json(json::serialize(json::object{{"shops", list}}));
}

}  // namespace

void register_api_routes(http::Router& router, storage::Database& db) {
  auto ctx = std::make_shared<const ApiContext>(ApiContext{db});
  const http::RouteOptions api{http::RouteKind::api, 0, false};

  router.get(
      "/api/v1/services", [ctx](Request& request) { return services_api(*ctx, request); }, api);

  router.get(
      "/api/v1/shops", [ctx](Request& request) { return shops_api(*ctx, request); }, api);

  router.get(
      "/api/v1/themes", [ctx](Request& request) { return themes_api(*ctx, request); }, api);
}

namespace {

std::string channel_list(const http::Catalog& catalog, const std::string& lang, const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + catalog.text(lang, "channel_" + name);
  return out;
}

Response services_page(const PageContext& ctx, Request& request) {
  ServiceQuery query;
  auto text = [&](const char* name) { return std::string(request.query.get(name).value_or("")); };
  query.q = text("q").substr(0, 200);
  query.audience = text("audience");
  query.administration = text("administration");
  query.channel = text("channel");
  query.theme = text("theme").substr(0, 100);
  query.lang = request.lang;
  query.limit = 20;
  query.cursor = text("cursor");
  auto page = search_services(ctx.db, query);
  if (!page) return ctx.pages.render_error(request, page.error());
  // Nothing found for a word the catalogue does not know: the results of the nearest known words,
  // saying so ("pasport" → "passport").
  std::string corrected;
  if (page->total == 0 && !query.q.empty() && query.cursor.empty()) {
    auto suggestion = spelling_suggestion(ctx.db, query.q);
    if (!suggestion) return ctx.pages.render_error(request, suggestion.error());
    if (*suggestion) {
      ServiceQuery again = query;
      again.q = **suggestion;
      auto found = search_services(ctx.db, again);
      if (!found) return ctx.pages.render_error(request, found.error());
      if (found->total > 0) {
        corrected = **suggestion;
        page = std::move(found);
        query = again;
      }
    }
  }
  auto administrations = list_administrations(ctx.db, request.lang);
  if (!administrations) return ctx.pages.render_error(request, administrations.error());
  http::PageData results{http::PageData::type::list};
  for (const auto& s : page->services) {
    http::PageData item;
    item.set("code", s.code);
    item.set("name", s.name);
    item.set("channels", channel_list(ctx.catalog, request.lang, s.channels));
    item.set("duration", http::fill_text(ctx.catalog.text(request.lang, "duration_minutes"),
                                         {{"minutes", std::to_string(s.duration_minutes)}}));
    item.set("audience", ctx.catalog.text(request.lang, "audience_" + s.audience));
    results.push_back(item);
  }
  // Browsing: themes and life events, as links on a page without a search, and as a filter.
  auto themes = list_themes(ctx.db, request.lang);
  if (!themes) return ctx.pages.render_error(request, themes.error());
  http::PageData theme_links{http::PageData::type::list};
  http::PageData event_links{http::PageData::type::list};
  http::PageData theme_options{http::PageData::type::list};
  http::PageData event_options{http::PageData::type::list};
  std::string theme_name;
  for (const auto& t : *themes) {
    if (t.services == 0) continue;
    http::PageData link;
    link.set("name", t.name);
    link.set("href", "/services?theme=" + http::url_encode(t.code));
    link.set("count", std::to_string(t.services));
    (t.kind == "life_event" ? event_links : theme_links).push_back(link);
    http::PageData option;
    option.set("code", t.code);
    option.set("name", t.name);
    option.set("selected", t.code == query.theme);
    (t.kind == "life_event" ? event_options : theme_options).push_back(option);
    if (t.code == query.theme) theme_name = t.name;
  }
  const bool browsing = query.q.empty() && query.theme.empty() && query.audience.empty() &&
                        query.administration.empty() && query.channel.empty() && query.cursor.empty();
  http::PageData data;
  if (browsing && !themes->empty()) {
    data.set("browse", true);
    data.set("theme_links", theme_links);
    data.set("event_links", event_links);
  }
  data.set("theme_options", theme_options);
  data.set("event_options", event_options);
  data.set("has_themes", !theme_options.is_empty_list() || !event_options.is_empty_list());
  if (!theme_name.empty()) data.set("theme_name", theme_name);
  http::PageData admin_options{http::PageData::type::list};
  for (const auto& a : *administrations) {
    http::PageData option;
    option.set("code", a.code);
    option.set("name", a.name);
    option.set("selected", a.code == query.administration);
    admin_options.push_back(option);
  }
  data.set("q", query.q);
  data.set("results", results);
  data.set("none", page->services.empty());
  data.set("administrations", admin_options);
  data.set("audience_" + (query.audience.empty() ? std::string("any") : query.audience), true);
  data.set("channel_" + (query.channel.empty() ? std::string("any") : query.channel), true);
  // Where this page sits in the results: "21–40 of 57", with a way back to the first.
  std::int64_t first = 1;
  if (auto from = text("from"); !query.cursor.empty() && !from.empty()) {
    std::int64_t parsed = 0;
    auto [end, ec] = std::from_chars(from.data(), from.data() + from.size(), parsed);
    if (ec == std::errc() && end == from.data() + from.size() && parsed > 0 && parsed <= page->total) first = parsed;
  }
  const std::string base = "/services?q=" + http::url_encode(query.q) +
                           "&audience=" + http::url_encode(query.audience) +
                           "&administration=" + http::url_encode(query.administration) +
                           "&channel=" + http::url_encode(query.channel) + "&theme=" + http::url_encode(query.theme);
  const std::int64_t last = first + static_cast<std::int64_t>(page->services.size()) - 1;
  data.set("count", http::fill_text(
                        ctx.catalog.text(request.lang, "services_count_" + plural_category(request.lang, page->total)),
                        {{"count", std::to_string(page->total)}}));
  if (page->total > static_cast<std::int64_t>(page->services.size())) {
    data.set("range", http::fill_text(ctx.catalog.text(request.lang, "services_range"),
                                      {{"first", std::to_string(first)},
                                       {"last", std::to_string(last)},
                                       {"count", std::to_string(page->total)}}));
  }
  if (!query.cursor.empty()) data.set("first_page", base);
  if (!page->next_cursor.empty()) {
    data.set("next", base + "&cursor=" + page->next_cursor + "&from=" + std::to_string(last + 1));
  }
  if (!corrected.empty()) {
    data.set("corrected", http::fill_text(ctx.catalog.text(request.lang, "services_corrected"),
                                          {{"typed", text("q").substr(0, 200)}, {"shown", corrected}}));
  }
  return ctx.pages.render(request, "services", "services_title", data);
}

Response service_page(const PageContext& ctx, Request& request) {
  auto found = find_service(ctx.db, request.path_params.get("code").value_or(""), request.lang);
  if (!found) return ctx.pages.render_error(request, found.error());
  if (!*found) {
    return ctx.pages.render_error(request, make_error(Errc::no_such_service, "no such service"));
  }
  const ServiceDetail& s = **found;
  http::PageData documents{http::PageData::type::list};
  for (const auto& d : s.documents) documents.push_back(http::PageData(d));
  http::PageData data;
  data.set("name", s.summary.name);
  data.set("administration", s.administration_name);
  data.set("description", s.description);
  data.set("documents", documents);
  data.set("has_documents", !s.documents.empty());
  data.set("channels", channel_list(ctx.catalog, request.lang, s.summary.channels));
  data.set("duration", http::fill_text(ctx.catalog.text(request.lang, "duration_minutes"),
                                       {{"minutes", std::to_string(s.summary.duration_minutes)}}));
  data.set("audience", ctx.catalog.text(request.lang, "audience_" + s.summary.audience));
  data.set("fee",
           s.fee_cents == 0 ? ctx.catalog.text(request.lang, "service_free") : spoken_euros(request.lang, s.fee_cents));
  if (!s.legal_basis.empty()) data.set("legal_basis", s.legal_basis);
  const auto& channels = s.summary.channels;
  if (std::find(channels.begin(), channels.end(), "in_person") != channels.end() ||
      std::find(channels.begin(), channels.end(), "video") != channels.end()) {
    data.set("book", "/book?services=" + std::to_string(s.summary.id));
  }
  return ctx.pages.render(request, "service", "services_title", data);
}

std::string hh_mm(int minutes) {
  char text[8];
  std::snprintf(text, sizeof text, "%02d:%02d", minutes / 60 % 100, minutes % 60);
  return text;
}

std::string ranges_text(const std::vector<OpeningRange>& ranges) {
  std::string out;
  for (const auto& r : ranges) out += (out.empty() ? "" : ", ") + hh_mm(r.open) + "–" + hh_mm(r.close);
  return out;
}

// Today in the shop's zone: its ISO day and weekday (Monday 0).
std::pair<std::string, unsigned> local_today(const std::string& time_zone, Instant now) {
  const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(now);
  date::local_days day;
  try {
    day = date::floor<date::days>(date::make_zoned(time_zone, seconds).get_local_time());
  } catch (const std::exception&) {
    day = date::local_days(date::floor<date::days>(seconds).time_since_epoch());
  }
  return {date::format("%F", day), date::weekday(day).iso_encoding() - 1};
}

// "Open today 08:30–19:30", "Closed today (public holiday)", "Closed today".
std::string today_text(const PageContext& ctx, const std::string& lang, const WeeklyHours& hours,
                       const std::set<std::string>& closures, const std::string& time_zone) {
  const auto [day, weekday] = local_today(time_zone, ctx.clock.now());
  if (closures.contains(day)) return ctx.catalog.text(lang, "shops_closed_holiday");
  if (hours[weekday].empty()) return ctx.catalog.text(lang, "shops_closed_today");
  return http::fill_text(ctx.catalog.text(lang, "shops_open_today"), {{"hours", ranges_text(hours[weekday])}});
}

// "38.7455,-9.1712" as a latitude and a longitude within their ranges; nullopt for anything else.
std::optional<std::pair<double, double>> parse_coordinates(std::string_view text) {
  if (text.size() > 64) return std::nullopt;
  const auto comma = text.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  auto number = [](std::string_view part) -> std::optional<double> {
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    double value = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (ec != std::errc() || end != part.data() + part.size() || !std::isfinite(value)) return std::nullopt;
    return value;
  };
  auto latitude = number(text.substr(0, comma));
  auto longitude = number(text.substr(comma + 1));
  if (!latitude || !longitude || *latitude < -90 || *latitude > 90 || *longitude < -180 || *longitude > 180) {
    return std::nullopt;
  }
  return std::pair{*latitude, *longitude};
}

// GET /shops, and /shops?place= (a postcode or a town): the shops nearest to it first, each with
// today's hours, its distance and a way to book there.
Response shops_page(const PageContext& ctx, Request& request) {
  auto shops = list_shops(ctx.db);
  if (!shops) return ctx.pages.render_error(request, shops.error());
  const std::string place_typed(request.query.get("place").value_or(""));
  http::FormErrors errors;
  std::optional<Place> place;
  if (!place_typed.empty()) {
    auto found = find_place(ctx.db, place_typed.substr(0, 200));
    if (!found) return ctx.pages.render_error(request, found.error());
    place = *found;
    if (!place) errors.add("place", "shops-place", ctx.catalog.text(request.lang, "shops_place_unknown"));
  } else if (request.query.get("place")) {
    errors.add("place", "shops-place", ctx.catalog.text(request.lang, "shops_place_missing"));
  }
  // Or where the person is (near=latitude,longitude: "use my location", which the browser asks
  // them to allow; the coordinates are used for this page only, never stored).
  std::optional<std::pair<double, double>> origin;
  if (place) origin = std::pair{place->latitude, place->longitude};
  if (auto near = request.query.get("near"); near && !place && place_typed.empty()) {
    origin = parse_coordinates(*near);
    if (!origin) errors.add("place", "shops-place", ctx.catalog.text(request.lang, "shops_location_unreadable"));
  }
  std::vector<std::pair<double, const Shop*>> ordered;
  for (const auto& shop : *shops) {
    ordered.emplace_back(origin ? distance_km(origin->first, origin->second, shop.latitude, shop.longitude) : 0.0,
                         &shop);
  }
  if (origin) {
    std::stable_sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    if (ordered.size() > 10) ordered.resize(10);  // the nearest ten; the whole list without a place
  } else {
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const auto& a, const auto& b) { return a.second->name < b.second->name; });
  }
  auto connection = ctx.db.acquire();
  if (!connection) return ctx.pages.render_error(request, connection.error());
  // Today somewhere on Earth is within a day of today in UTC: only those days' closures are read.
  const auto utc_today = date::floor<date::days>(ctx.clock.now());
  auto closures = closures_between(**connection, date::format("%F", utc_today - date::days{1}),
                                   date::format("%F", utc_today + date::days{1}));
  if (!closures) return ctx.pages.render_error(request, closures.error());
  std::map<std::int64_t, std::set<std::string>> closed;
  for (const auto& c : *closures) closed[c.shop_id].insert(c.day);
  http::PageData list{http::PageData::type::list};
  for (const auto& [km, shop] : ordered) {
    http::PageData item;
    item.set("name", shop->name);
    item.set("address", shop->address);
    item.set("link", "/shops/" + shop->code);
    item.set("book", "/book?shop=" + std::to_string(shop->id));
    if (auto hours = parse_opening_hours(shop->opening_hours)) {
      item.set("today", today_text(ctx, request.lang, *hours, closed[shop->id], shop->time_zone));
    }
    if (origin) item.set("distance", spoken_kilometres(request.lang, km));
    list.push_back(item);
  }
  http::PageData data;
  data.set("shops", list);
  data.set("place", place_typed);
  if (place) {
    data.set("near", http::fill_text(ctx.catalog.text(request.lang, "shops_nearest_to"),
                                     {{"place", place->name}, {"postcodes", place->postcodes}}));
  } else if (origin) {
    data.set("near", ctx.catalog.text(request.lang, "shops_nearest_to_you"));
  }
  errors.show(data, ctx.catalog.text(request.lang, "form_error_prefix"), ctx.catalog.text(request.lang, "shops_title"));
  return ctx.pages.render(request, "shops", "shops_title", data, errors.empty() ? 200 : 400);
}

// GET /shops/{code}: where it is (the address, a link to a map), when it is open (each weekday,
// the coming closures, in the shop's own zone), what it offers, and booking there.
Response shop_page(const PageContext& ctx, Request& request) {
  const std::string code(request.path_params.get("code").value_or(""));
  auto connection = ctx.db.acquire();
  if (!connection) return ctx.pages.render_error(request, connection.error());
  auto id = shop_id_of(**connection, code);
  if (!id) return ctx.pages.render_error(request, id.error());
  if (!*id) return ctx.pages.render_error(request, make_error(Errc::no_such_shop, "no such shop"));
  auto shop = shop_record(**connection, **id);
  if (!shop) return ctx.pages.render_error(request, shop.error());
  if (!*shop) return ctx.pages.render_error(request, make_error(Errc::no_such_shop, "no such shop"));
  const ShopRecord& s = **shop;
  http::PageData data;
  data.set("name", s.name);
  data.set("address", s.address);
  char coordinates[64];
  std::snprintf(coordinates, sizeof coordinates, "mlat=%.5f&mlon=%.5f#map=18/%.5f/%.5f", s.latitude, s.longitude,
                s.latitude, s.longitude);
  data.set("map", std::string("https://www.openstreetmap.org/?") + coordinates);
  data.set("zone_name", spoken_zone(request.lang, s.time_zone));
  data.set("book", "/book?shop=" + std::to_string(s.id));
  auto closures = closures_of(**connection, s.id);
  if (!closures) return ctx.pages.render_error(request, closures.error());
  std::set<std::string> closed;
  for (const auto& c : *closures) closed.insert(c.day);
  if (auto hours = parse_opening_hours(s.opening_hours)) {
    data.set("today", today_text(ctx, request.lang, *hours, closed, s.time_zone));
    http::PageData week{http::PageData::type::list};
    // The weekdays named through a week that starts on a Monday (2026-01-05).
    for (unsigned d = 0; d < 7; ++d) {
      http::PageData row;
      const std::string monday_based = "2026-01-" + std::string(d < 5 ? "0" : "1") + std::to_string((5 + d) % 10);
      row.set("day", weekday_name(request.lang, monday_based));
      row.set("hours", (*hours)[d].empty() ? ctx.catalog.text(request.lang, "shops_closed") : ranges_text((*hours)[d]));
      week.push_back(row);
    }
    data.set("week", week);
  }
  const std::string today = local_today(s.time_zone, ctx.clock.now()).first;
  http::PageData coming{http::PageData::type::list};
  int listed = 0;
  for (const auto& day : closed) {  // in order: ISO days sort as dates
    if (day >= today && listed++ < 6) coming.push_back(http::PageData(spoken_full_day(request.lang, day)));
  }
  data.set("closures", coming);
  data.set("has_closures", !coming.is_empty_list());
  auto counters = counters_of(**connection, s.id);
  if (!counters) return ctx.pages.render_error(request, counters.error());
  std::set<std::int64_t> offered;
  for (const auto& counter : *counters) offered.insert(counter.services.begin(), counter.services.end());
  auto services = service_records(**connection, offered, request.lang);
  if (!services) return ctx.pages.render_error(request, services.error());
  std::vector<std::pair<std::string, std::string>> named;
  for (const auto& [sid, service] : *services) {
    if (!service.name.empty()) named.emplace_back(service.name, "/services/" + service.code);
  }
  std::sort(named.begin(), named.end());
  http::PageData list{http::PageData::type::list};
  for (const auto& [name, link] : named) {
    http::PageData item;
    item.set("name", name);
    item.set("link", link);
    list.push_back(item);
  }
  // The building: what it has and what it lacks, said plainly, and the shop's own notes.
  {
    boost::system::error_code ec;
    const json::value described = json::parse(s.accessibility, ec);
    http::PageData has{http::PageData::type::list};
    std::string lacks;
    if (!ec && described.is_object()) {
      const auto& o = described.as_object();
      for (const auto& feature : accessibility_features()) {
        const json::value* value = o.if_contains(feature);
        if (value == nullptr || !value->is_bool()) continue;
        const std::string label = ctx.catalog.text(request.lang, "shops_access_" + feature);
        if (value->as_bool()) {
          has.push_back(http::PageData(label));
        } else {
          lacks += (lacks.empty() ? "" : ", ") + label;
        }
      }
      if (const json::value* notes = o.if_contains("notes"); notes != nullptr && notes->is_object()) {
        if (const json::value* note = notes->as_object().if_contains(request.lang);
            note != nullptr && note->is_string()) {
          data.set("access_note", std::string(note->as_string()));
        }
      }
    }
    data.set("access_has", has);
    data.set("access_has_any", !has.is_empty_list());
    if (!lacks.empty()) {
      data.set("access_lacks",
               http::fill_text(ctx.catalog.text(request.lang, "shops_access_lacks"), {{"features", lacks}}));
    }
    data.set("access_unknown", has.is_empty_list() && lacks.empty());
  }
  data.set("services", list);
  data.set("services_count", http::fill_text(ctx.catalog.text(request.lang, "shops_services_count"),
                                             {{"count", std::to_string(named.size())}}));
  data.set("document_title", s.name);
  return ctx.pages.render(request, "shop", "shops_title", data);
}

}  // namespace

void register_page_routes(http::Router& router, storage::Database& db, const http::PageRenderer& pages,
                          const http::Catalog& catalog, const Clock& clock) {
  auto ctx = std::make_shared<const PageContext>(PageContext{db, pages, catalog, clock});
  router.get("/services", [ctx](Request& request) { return services_page(*ctx, request); });

  router.get("/services/{code}", [ctx](Request& request) { return service_page(*ctx, request); });

  router.get("/shops", [ctx](Request& request) { return shops_page(*ctx, request); });

  router.get("/shops/{code}", [ctx](Request& request) { return shop_page(*ctx, request); });
}

}  // namespace guichet::catalogue
