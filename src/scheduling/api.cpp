// The bookings JSON API: POST /api/v1/bookings, GET /api/v1/bookings (the caller's own),
// GET and DELETE /api/v1/bookings/{reference}. Bearer tokens with the `appointments` scope.
#include <boost/json.hpp>

#include "guichet/http/application.hpp"
#include "guichet/scheduling/availability.hpp"
#include "guichet/scheduling/errors.hpp"
#include "guichet/scheduling/web.hpp"
#include "presentation.hpp"
#include "visit_json.hpp"

namespace guichet::scheduling {
namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

constexpr std::string_view kScope = "appointments";

json::object booking_json(const SchedulingContext& ctx, const Booking& b) {
  json::object out = json::parse(scheduling::booking_json(b)).as_object();
  if (b.video_room && ctx.video.enabled()) {
    out["video_url"] = video_link(ctx.video, *b.video_room, {}, b.start, b.end);
  }
  return out;
}

Response no_store(Response response) {
  response.headers.set("Cache-Control", "no-store");
  return response;
}

// The booking when it is this person's. Anyone else's answers exactly like one that does not
// exist, so references cannot be probed: the API gives no staff powers (agents act on others'
// bookings on their pages, with a second factor and at their shops).
Result<Booking> accessible_booking(const SchedulingContext& ctx, std::string_view reference, std::int64_t user_id) {
  auto booking = find_booking(ctx.db, reference);
  if (!booking) return std::move(booking).error();
  Error missing = make_error(Errc::no_such_booking, "no such booking");
  if (!*booking) return missing;
  auto power = booking_power(ctx.db, **booking, user_id, false);
  if (!power) return std::move(power).error();
  if (*power != BookingPower::act) return missing;
  return std::move(**booking);
}

// The booking of /api/v1/bookings/{reference} for the token's holder, or the response refusing it.
std::variant<Booking, Response> requested_booking(const SchedulingContext& ctx, const Request& request) {
  auto who = ctx.bearer(request, kScope);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto booking =
      accessible_booking(ctx, request.path_params.get("reference").value_or(""), std::get<std::int64_t>(who));
  if (!booking) return http::json_error(request, booking.error());
  return std::move(booking).value();
}

struct NewBooking {
  std::int64_t shop = 0;
  Instant start;
  std::vector<std::int64_t> services;
  bool video = false;
};

Result<NewBooking> parse_new_booking(std::string_view body) {
  auto bad = [](const char* message) { return make_error(Errc::bad_booking, message); };
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return bad("the body must be a JSON object");
  const json::object& o = parsed.as_object();
  NewBooking out;
  const json::value* shop = o.if_contains("shop");
  if (shop == nullptr || !shop->is_int64() || shop->as_int64() <= 0) return bad("shop must be a shop id");
  out.shop = shop->as_int64();
  const json::value* start = o.if_contains("start");
  if (start == nullptr || !start->is_string()) return bad("start must be an RFC 3339 time");
  auto instant = parse_rfc3339(std::string_view(start->as_string()));
  if (!instant) return bad("start must be an RFC 3339 time");
  out.start = *instant;
  const json::value* services = o.if_contains("services");
  if (services == nullptr || !services->is_array()) return bad("services must be a list of service ids");
  for (const auto& s : services->as_array()) {
    if (!s.is_int64() || s.as_int64() <= 0) return bad("services must be a list of service ids");
    out.services.push_back(s.as_int64());
  }
  if (const json::value* video = o.if_contains("video")) {
    if (!video->is_bool()) return bad("video must be true or false");
    out.video = video->as_bool();
  }
  return out;
}

}  // namespace

namespace {

Response create_booking(const SchedulingContext* ctx, Request& request) {
  auto who = ctx->bearer(request, kScope);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto wanted = parse_new_booking(request.body);
  if (!wanted) return http::json_error(request, wanted.error());
  if (wanted->video && !ctx->video.enabled()) {
    return http::json_error(request, make_error(Errc::video_unavailable, "this platform offers no video appointments"));
  }
  BookingRequest booking{std::get<std::int64_t>(who),
                         wanted->shop,
                         wanted->start,
                         wanted->services,
                         Channel::online,
                         std::nullopt,
                         request.remote_address,
                         std::string(request.lang),
                         wanted->video};
  auto booked = book_visit(ctx->db, booking, ctx->clock, ctx->policy, booking_hooks(*ctx));
  if (!booked && booked.error().code == Errc::slot_taken) {
    // The next free visits at that shop, so the client can offer one at once.
    auto alternatives = next_visits(ctx->calendars, wanted->shop, wanted->services, wanted->start, ctx->clock.now(), 5,
                                    ctx->policy.rules);
    json::array offered;
    if (alternatives) {
      for (const auto& visit : *alternatives) offered.push_back(visit_json(visit));
    }
    json::object body{{"error", "slot_taken"},
                      {"message", "this visit is no longer free"},
                      {"request_id", request.request_id},
                      {"alternatives", std::move(offered)}};
    return no_store(Response::json(json::serialize(body), 409));
  }
  if (!booked) return http::json_error(request, booked.error());
  Response response = Response::json(json::serialize(booking_json(*ctx, *booked)), 201);
  response.headers.set("Location", "/api/v1/bookings/" + booked->reference);
  return no_store(std::move(response));
}

Response list_bookings(const SchedulingContext* ctx, Request& request) {
  auto who = ctx->bearer(request, kScope);
  if (auto* refused = std::get_if<Response>(&who)) return std::move(*refused);
  auto bookings = bookings_of(ctx->db, std::get<std::int64_t>(who), ctx->clock);
  if (!bookings) return http::json_error(request, bookings.error());
  json::array list;
  for (const auto& b : *bookings) list.push_back(booking_json(*ctx, b));
  return no_store(Response::json(json::serialize(json::object{{"bookings", list}})));
}

Response get_booking(const SchedulingContext* ctx, Request& request) {
  auto booking = requested_booking(*ctx, request);
  if (auto* refused = std::get_if<Response>(&booking)) return std::move(*refused);
  return no_store(Response::json(json::serialize(booking_json(*ctx, std::get<Booking>(booking)))));
}

// The sealed confirmation PDF, in the language Accept-Language asks for, else the booking's.
Response get_confirmation_pdf(const SchedulingContext* ctx, Request& request) {
  auto booking = requested_booking(*ctx, request);
  if (auto* refused = std::get_if<Response>(&booking)) return std::move(*refused);
  const Booking& b = std::get<Booking>(booking);
  std::string lang = request.headers.get("Accept-Language") ? ctx->catalog.negotiate(request) : b.lang;
  if (!ctx->catalog.supports(lang)) lang = ctx->catalog.default_language();
  auto pdf = confirmation_pdf(*ctx, b, lang);
  if (!pdf) return http::json_error(request, pdf.error());
  Response response = Response::text(std::move(*pdf));
  response.headers.set("Content-Type", "application/pdf");
  response.headers.set("Content-Disposition", "attachment; filename=\"" + b.reference + ".pdf\"");
  return no_store(std::move(response));
}

Response cancel_booking_api(const SchedulingContext& ctx, Request& request) {
  auto booking = requested_booking(ctx, request);
  if (auto* refused = std::get_if<Response>(&booking)) return std::move(*refused);
  auto cancelled = cancel_booking(ctx.db, std::get<Booking>(booking).reference, ctx.clock, booking_hooks(ctx));
  if (!cancelled) return http::json_error(request, cancelled.error());
  return no_store(Response::json(json::serialize(booking_json(ctx, *cancelled))));
}

}  // namespace

void register_booking_api_routes(http::Router& router, const SchedulingContext& context) {
  const http::RouteOptions api{http::RouteKind::api, 16 * 1024, false};
  const SchedulingContext* ctx = &context;

  router.post(
      "/api/v1/bookings", [ctx](Request& request) { return create_booking(ctx, request); }, api);

  router.get(
      "/api/v1/bookings", [ctx](Request& request) { return list_bookings(ctx, request); }, api);

  router.get(
      "/api/v1/bookings/{reference}", [ctx](Request& request) { return get_booking(ctx, request); }, api);
  router.get(
      "/api/v1/bookings/{reference}/confirmation.pdf",
      [ctx](Request& request) { return get_confirmation_pdf(ctx, request); }, api);

  router.add(
      http::Method::del, "/api/v1/bookings/{reference}",
      [ctx](Request& request) { return cancel_booking_api(*ctx, request); }, api);
}

}  // namespace guichet::scheduling
