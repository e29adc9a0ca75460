#include "guichet/catalogue/web.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "guichet/catalogue/catalogue.hpp"
#include "guichet/catalogue/errors.hpp"
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
};

Response services_api(const ApiContext& ctx, Request& request) {
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
  json::object body{{"services", services}};
  body["next_cursor"] = page->next_cursor.empty() ? json::value(nullptr) : json::value(page->next_cursor);
  return Response::json(json::serialize(body));
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
}

namespace {

std::string channel_list(const http::Catalog& catalog, const std::string& lang, const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + catalog.text(lang, "channel_" + name);
  return out;
}

std::string money(std::int64_t cents) {
  if (cents == 0) return {};
  std::string whole = std::to_string(cents / 100);
  std::string fraction = std::to_string(cents % 100);
  if (fraction.size() < 2) fraction.insert(0, "0");
  return whole + "," + fraction + " €";
}

Response services_page(const PageContext& ctx, Request& request) {
  ServiceQuery query;
  auto text = [&](const char* name) { return std::string(request.query.get(name).value_or("")); };
  query.q = text("q").substr(0, 200);
  query.audience = text("audience");
  query.administration = text("administration");
  query.channel = text("channel");
  query.lang = request.lang;
  query.limit = 20;
  query.cursor = text("cursor");
  auto page = search_services(ctx.db, query);
  if (!page) return ctx.pages.render_error(request, page.error());
  auto administrations = list_administrations(ctx.db, request.lang);
  if (!administrations) return ctx.pages.render_error(request, administrations.error());
  http::PageData results{http::PageData::type::list};
  for (const auto& s : page->services) {
    http::PageData item;
    item.set("code", s.code);
    item.set("name", s.name);
    item.set("channels", channel_list(ctx.catalog, request.lang, s.channels));
    item.set("duration", std::to_string(s.duration_minutes));
    item.set("audience", ctx.catalog.text(request.lang, "audience_" + s.audience));
    results.push_back(item);
  }
  http::PageData admin_options{http::PageData::type::list};
  for (const auto& a : *administrations) {
    http::PageData option;
    option.set("code", a.code);
    option.set("name", a.name);
    option.set("selected", a.code == query.administration);
    admin_options.push_back(option);
  }
  http::PageData data;
  data.set("q", query.q);
  data.set("results", results);
  data.set("none", page->services.empty());
  data.set("administrations", admin_options);
  data.set("audience_" + (query.audience.empty() ? std::string("any") : query.audience), true);
  data.set("channel_" + (query.channel.empty() ? std::string("any") : query.channel), true);
  if (!page->next_cursor.empty()) {
    std::string next = "/services?q=" + http::url_encode(query.q) + "&audience=" + http::url_encode(query.audience) +
                       "&administration=" + http::url_encode(query.administration) +
                       "&channel=" + http::url_encode(query.channel) + "&cursor=" + page->next_cursor;
    data.set("next", next);
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
  data.set("duration", std::to_string(s.summary.duration_minutes));
  data.set("audience", ctx.catalog.text(request.lang, "audience_" + s.summary.audience));
  std::string fee = money(s.fee_cents);
  data.set("fee", fee.empty() ? ctx.catalog.text(request.lang, "service_free") : fee);
  if (!s.legal_basis.empty()) data.set("legal_basis", s.legal_basis);
  const auto& channels = s.summary.channels;
  if (std::find(channels.begin(), channels.end(), "in_person") != channels.end() ||
      std::find(channels.begin(), channels.end(), "video") != channels.end()) {
    data.set("book", "/book?services=" + std::to_string(s.summary.id));
  }
  return ctx.pages.render(request, "service", "services_title", data);
}

Response shops_page(const PageContext& ctx, Request& request) {
  auto shops = list_shops(ctx.db);
  if (!shops) return ctx.pages.render_error(request, shops.error());
  http::PageData list{http::PageData::type::list};
  for (const auto& shop : *shops) {
    http::PageData item;
    item.set("name", shop.name);
    item.set("address", shop.address);
    item.set("time_zone", shop.time_zone);
    list.push_back(item);
  }
  http::PageData data;
  data.set("shops", list);
  return ctx.pages.render(request, "shops", "shops_title", data);
}

}  // namespace

void register_page_routes(http::Router& router, storage::Database& db, const http::PageRenderer& pages,
                          const http::Catalog& catalog) {
  auto ctx = std::make_shared<const PageContext>(PageContext{db, pages, catalog});
  router.get("/services", [ctx](Request& request) { return services_page(*ctx, request); });

  router.get("/services/{code}", [ctx](Request& request) { return service_page(*ctx, request); });

  router.get("/shops", [ctx](Request& request) { return shops_page(*ctx, request); });
}

}  // namespace guichet::catalogue
