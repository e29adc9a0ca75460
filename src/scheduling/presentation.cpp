#include "presentation.hpp"

#include <date/tz.h>

#include <boost/json.hpp>
#include "guichet/http/parsing.hpp"
#include "guichet/scheduling/errors.hpp"

namespace guichet::scheduling {
namespace {

std::string local_format(const std::string& time_zone, Instant t, const char* format) {
  const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(t);
  try {
    return date::format(format, date::make_zoned(time_zone, seconds).get_local_time());
  } catch (const std::exception&) {
    return date::format(format, seconds);
  }
}

}  // namespace

std::string local_day(const std::string& time_zone, Instant t) { return local_format(time_zone, t, "%F"); }
std::string local_time(const std::string& time_zone, Instant t) { return local_format(time_zone, t, "%H:%M"); }

Result<BookingView> describe_booking(storage::Connection& c, const Booking& booking, const std::string& lang) {
  BookingView view;
  auto shop = c.query("SELECT name, address, time_zone FROM shops WHERE id = ?", {booking.shop});
  if (!shop) return std::move(shop).error();
  if (shop->empty()) return make_error(Errc::no_such_shop, "no such shop");
  view.shop_name = shop->rows[0].text(0);
  view.shop_address = shop->rows[0].text(1);
  view.time_zone = shop->rows[0].text(2);
  view.day_iso = local_day(view.time_zone, booking.start);
  view.when = view.day_iso + " " + local_time(view.time_zone, booking.start) + "–" +
              local_time(view.time_zone, booking.end) + " (" + view.time_zone + ")";
  for (const auto& item : booking.items) {
    ItemView iv;
    iv.service = item.service;
    auto text = c.query(
        "SELECT t.name, t.documents, c.code FROM service_texts t, counters c WHERE t.service_id = ? AND t.lang = ? "
        "AND c.id = ?",
        {item.service, lang, item.counter});
    if (!text) return std::move(text).error();
    if (!text->empty()) {
      iv.service_name = text->rows[0].text(0);
      boost::system::error_code ec;
      auto documents = boost::json::parse(text->rows[0].text(1), ec);
      if (!ec && documents.is_array()) {
        for (const auto& d : documents.as_array()) {
          if (d.is_string()) iv.documents.emplace_back(d.as_string());
        }
      }
      iv.counter = text->rows[0].text(2);
    }
    iv.day = local_day(view.time_zone, item.start);
    iv.time = local_time(view.time_zone, item.start);
    iv.end_time = local_time(view.time_zone, item.end);
    view.items.push_back(std::move(iv));
  }
  return view;
}

CalendarEvent calendar_event(const SchedulingContext& ctx, const BookingView& view, const Booking& booking) {
  CalendarEvent event;
  event.uid = booking.reference + "@" + http::url_host(ctx.public_url);
  std::string names;
  std::string description;
  for (const auto& item : view.items) {
    names += (names.empty() ? "" : ", ") + item.service_name;
    description += item.time + " " + item.service_name + " (" + item.counter + ")\n";
  }
  event.summary = names + " — " + view.shop_name;
  event.location = view.shop_name + ", " + view.shop_address;
  event.description =
      ctx.catalog.text(booking.lang, "booking_reference") + ": " + booking.reference + "\n" + description;
  event.url = ctx.public_url + "/bookings/" + booking.reference;
  event.start = booking.start;
  event.end = booking.end;
  event.stamp = booking.created_at;
  event.sequence = booking.sequence;
  event.cancelled = booking.status == BookingStatus::cancelled;
  return event;
}

}  // namespace guichet::scheduling
