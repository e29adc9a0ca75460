// The queue's JSON API: POST /api/v1/shops/{code}/tickets (a kiosk's token, or anyone within the
// per-address limit), GET /api/v1/shops/{code}/queue, GET /api/v1/shops/{code}/events (Server-Sent
// Events), GET /api/v1/tickets/{access}, POST /api/v1/counters/{id}/call-next (a counter token
// of the agent holding the counter).
#include <boost/json.hpp>

#include "guichet/http/application.hpp"
#include "guichet/identity/limits.hpp"
#include "guichet/queue/errors.hpp"
#include "guichet/queue/estimates.hpp"
#include "guichet/queue/web.hpp"
#include "web_support.hpp"

namespace guichet::queue {
namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

Error bad_body(const char* message, const char* field) {
  Error e = make_error(Errc::bad_body, message);
  e.field = field;
  return e;
}

struct TicketBody {
  std::vector<std::int64_t> services;
  std::optional<std::string> booking;
  Priority priority = Priority::none;
};

Result<TicketBody> parse_ticket_body(std::string_view body) {
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return bad_body("the body must be a JSON object", "");
  const json::object& o = parsed.as_object();
  TicketBody out;
  const json::value* services = o.if_contains("services");
  const json::value* booking = o.if_contains("booking");
  if ((services == nullptr) == (booking == nullptr)) {
    return bad_body("give either services (a list of service ids) or booking (a reference)", "services");
  }
  if (booking != nullptr) {
    if (!booking->is_string()) return bad_body("booking must be a booking reference", "booking");
    auto reference = booking_reference_from(std::string_view(booking->as_string()));
    if (!reference) return bad_body("booking must be a booking reference", "booking");
    out.booking = *reference;
    return out;
  }
  if (!services->is_array()) return bad_body("services must be a list of service ids", "services");
  for (const auto& s : services->as_array()) {
    if (!s.is_int64() || s.as_int64() <= 0) return bad_body("services must be a list of service ids", "services");
    out.services.push_back(s.as_int64());
  }
  if (const json::value* priority = o.if_contains("priority")) {
    auto parsed_priority =
        priority->is_string() ? parse_priority(std::string_view(priority->as_string())) : std::optional<Priority>();
    if (!parsed_priority) {
      return bad_body("priority must be none, elderly, disability or pregnancy", "priority");
    }
    out.priority = *parsed_priority;
  }
  return out;
}

// A kiosk's token (staff of the shop with the kiosk scope) lifts the per-address limit; a
// request without one is a person taking a ticket from their phone.
std::optional<Response> refused_without_kiosk(const QueueContext& ctx, const Request& request, std::int64_t shop_id,
                                              bool& kiosk) {
  kiosk = false;
  if (request.header("Authorization")) {
    auto who = ctx.bearer(request, kKioskScope);
    if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
    auto staff = works_at(ctx, std::get<std::int64_t>(who), shop_id);
    if (!staff) return http::json_error(request, staff.error());
    if (!*staff)
      return http::json_error(request,
                              make_error(Errc::not_your_shop, "this token's holder does not work at this shop"));
    kiosk = true;
    return std::nullopt;
  }
  auto wait = identity::take_allowances(ctx.db,
                                        {identity::Allowance{"queue:ticket:address:" + request.remote_address,
                                                             ctx.tickets_per_address_per_hour, std::chrono::hours(1)}},
                                        ctx.clock);
  if (!wait) return http::json_error(request, wait.error());
  if (*wait) {
    Response refused = http::json_error(
        request, make_error(Errc::too_many_tickets, "too many tickets from this address; try again later"));
    refused.headers.set("Retry-After", std::to_string((*wait)->count()));
    return refused;
  }
  return std::nullopt;
}

Response create_ticket(const QueueContext* ctx, Request& request) {
  auto shop = shop_by_code(*ctx, request.path_params.get("code").value_or(""));
  if (!shop) return http::json_error(request, shop.error());
  auto body = parse_ticket_body(request.body);
  if (!body) return http::json_error(request, body.error());
  bool kiosk = false;
  if (auto refused = refused_without_kiosk(*ctx, request, shop->id, kiosk)) return std::move(*refused);
  Result<Ticket> ticket = make_error(Errc::bad_body, "");
  if (body->booking && !kiosk) {
    // Knowing a reference is not enough to check its holder in from outside the shop: the API
    // checks in for kiosks; a person checks in from their phone on the shop's page, signed in.
    Error e = make_error(Errc::sign_in_to_check_in, "checking a booking in needs a kiosk token");
    e.field = "booking";
    return http::json_error(request, e);
  }
  if (body->booking) {
    ticket = check_in(ctx->db, shop->id, *body->booking, request.lang, kiosk ? Source::kiosk : Source::api, ctx->clock,
                      ctx->policy);
  } else {
    TicketRequest wanted;
    wanted.shop_id = shop->id;
    wanted.services = body->services;
    wanted.priority = body->priority;
    wanted.source = kiosk ? Source::kiosk : Source::api;
    wanted.lang = std::string(request.lang);
    wanted.client_address = request.remote_address;
    ticket = issue_ticket(ctx->db, wanted, ctx->clock, ctx->policy);
  }
  if (!ticket) return http::json_error(request, ticket.error());
  auto out = ticket_json(*ctx, *ticket, *shop);
  if (!out) return http::json_error(request, out.error());
  (*out)["access"] = ticket->access;
  Response response = Response::json(json::serialize(*out), 201);
  response.headers.set("Location", "/api/v1/tickets/" + ticket->access);
  return no_store(std::move(response));
}

Response get_ticket(const QueueContext* ctx, Request& request) {
  auto ticket = ticket_by_access(ctx->db, request.path_params.get("access").value_or(""));
  if (!ticket) return http::json_error(request, ticket.error());
  if (!*ticket) return http::json_error(request, make_error(Errc::no_such_ticket, "no such ticket"));
  auto shop = shop_by_id(*ctx, (*ticket)->shop_id);
  if (!shop) return http::json_error(request, shop.error());
  auto out = ticket_json(*ctx, **ticket, *shop);
  if (!out) return http::json_error(request, out.error());
  return no_store(Response::json(json::serialize(*out)));
}

Response get_queue(const QueueContext* ctx, Request& request) {
  auto shop = shop_by_code(*ctx, request.path_params.get("code").value_or(""));
  if (!shop) return http::json_error(request, shop.error());
  auto queue = shop_queue(ctx->db, shop->id, ctx->clock);
  if (!queue) return http::json_error(request, queue.error());
  auto estimates = estimate_new_tickets(ctx->db, shop->id, ctx->clock, ctx->policy);
  if (!estimates) return http::json_error(request, estimates.error());
  std::vector<std::int64_t> ids;
  for (const auto& line : queue->lines) ids.push_back(line.service_id);
  auto names = service_names(*ctx, ids, request.lang);
  if (!names) return http::json_error(request, names.error());
  json::array lines;
  for (const auto& line : queue->lines) {
    json::object l{{"service", line.service_id},
                   {"name", (*names)[line.service_id]},
                   {"prefix", line.prefix},
                   {"waiting", line.waiting},
                   {"counters_open", line.counters_open}};
    auto estimate = estimates->find(line.service_id);
    if (estimate != estimates->end() && estimate->second) {
      l["wait"] = {{"p10_min", minutes_up(estimate->second->p10)},
                   {"p50_min", minutes_up(estimate->second->p50)},
                   {"p90_min", minutes_up(estimate->second->p90)}};
    } else {
      l["wait"] = nullptr;
    }
    lines.push_back(std::move(l));
  }
  json::object out{{"shop", shop->code}, {"day", queue->day}, {"lines", std::move(lines)}};
  Response response = Response::json(json::serialize(out));
  response.headers.set("Cache-Control", "no-cache");
  return response;
}

// The shop's events as they happen, for display boards and live pages. A reconnecting
// EventSource sends Last-Event-ID and misses nothing in between.
Response stream_events(const QueueContext* ctx, Request& request) {
  auto shop = shop_by_code(*ctx, request.path_params.get("code").value_or(""));
  if (!shop) return http::json_error(request, shop.error());
  auto newest = last_event_id(ctx->db, shop->id);
  if (!newest) return http::json_error(request, newest.error());
  std::int64_t after = *newest;
  if (auto last = request.header("Last-Event-ID")) {
    if (auto id = positive_id(*last); id && *id <= *newest) after = *id;
  }
  auto summary = queue_summary_event(ctx->db, shop->id, ctx->clock, ctx->policy);
  if (!summary) return http::json_error(request, summary.error());
  Response response;
  response.headers.set("Content-Type", "text/event-stream; charset=utf-8");
  response.headers.set("Cache-Control", "no-store");
  response.headers.set("X-Accel-Buffering", "no");  // nginx: pass each event on at once
  response.events = std::make_shared<http::EventStream>();
  response.events->first = "retry: 3000\n\n" + *summary;
  QueueFeed* feed = &ctx->feed;
  const std::int64_t shop_id = shop->id;
  response.events->subscribe = [feed, shop_id, after](http::EventStream::Push push) {
    return feed->subscribe(shop_id, after, std::move(push));
  };
  return response;
}

Response counter_call_next(const QueueContext* ctx, Request& request) {
  auto who = ctx->bearer(request, kCounterScope);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto counter_id = positive_id(request.path_params.get("id").value_or(""));
  if (!counter_id) return http::json_error(request, make_error(Errc::no_such_counter, "no such counter"));
  auto called = call_next(ctx->db, *counter_id, std::get<std::int64_t>(who), ctx->clock, ctx->policy);
  if (!called) return http::json_error(request, called.error());
  if (!*called) return no_store(Response::json(R"({"ticket":null})"));
  auto shop = shop_by_id(*ctx, (*called)->shop_id);
  if (!shop) return http::json_error(request, shop.error());
  auto out = ticket_json(*ctx, **called, *shop);
  if (!out) return http::json_error(request, out.error());
  return no_store(Response::json(json::serialize(json::object{{"ticket", std::move(*out)}})));
}

}  // namespace

void register_queue_api_routes(http::Router& router, const QueueContext& context) {
  const http::RouteOptions api{http::RouteKind::api, 4 * 1024, false};
  const QueueContext* ctx = &context;
  router.post(
      "/api/v1/shops/{code}/tickets", [ctx](Request& request) { return create_ticket(ctx, request); }, api);
  router.get(
      "/api/v1/shops/{code}/queue", [ctx](Request& request) { return get_queue(ctx, request); }, api);
  router.get(
      "/api/v1/shops/{code}/events", [ctx](Request& request) { return stream_events(ctx, request); }, api);
  router.get(
      "/api/v1/tickets/{access}", [ctx](Request& request) { return get_ticket(ctx, request); }, api);
  router.post(
      "/api/v1/counters/{id}/call-next", [ctx](Request& request) { return counter_call_next(ctx, request); }, api);
}

}  // namespace guichet::queue
