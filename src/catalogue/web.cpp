#include "guichet/catalogue/web.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "guichet/catalogue/catalogue.hpp"
#include "guichet/http/application.hpp"

namespace guichet::catalogue {
namespace json = boost::json;
using http::Request;
using http::Response;

void register_api_routes(http::Router& router, storage::Database& db) {
  const http::RouteOptions api{http::RouteKind::api, 0, false};

  router.get(
      "/api/v1/services",
      [&db](Request& request) {
        ServiceQuery query;
        auto text = [&](const char* name) { return std::string(request.query.get(name).value_or("")); };
        query.q = text("q");
        query.audience = text("audience");
        query.administration = text("administration");
        query.channel = text("channel");
        query.lang = request.query.get("lang") ? text("lang") : std::string("en");
        query.cursor = text("cursor");
        if (auto limit = request.query.get("limit")) {
          int value = 0;
          auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), value);
          if (ec != std::errc() || end != limit->data() + limit->size()) {
            return http::json_error(request,
                                    make_error(ErrorKind::invalid_input, "bad_limit", "limit must be 1 to 500"));
          }
          query.limit = value;
        }
        if (query.q.size() > 500) {
          return http::json_error(request, make_error(ErrorKind::invalid_input, "bad_query", "q is at most 500 bytes"));
        }
        auto page = search_services(db, query);
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
        json::object body{{"services", services}};
        body["next_cursor"] = page->next_cursor.empty() ? json::value(nullptr) : json::value(page->next_cursor);
        return Response::json(json::serialize(body));
      },
      api);

  router.get(
      "/api/v1/shops",
      [&db](Request& request) {
        auto shops = list_shops(db);
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
      },
      api);
}

}  // namespace guichet::catalogue
