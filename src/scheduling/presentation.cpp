#include "presentation.hpp"

#include <date/tz.h>
#include <cctype>
#include <set>

#include <boost/json.hpp>
#include "guichet/catalogue/reads.hpp"
#include "guichet/core/spoken_time.hpp"
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

Result<std::set<std::string>> administrations_of(storage::Connection& c, std::int64_t booking_id) {
  auto rows = c.query("SELECT DISTINCT service_id FROM booking_items WHERE booking_id = ?", {booking_id});
  if (!rows) return std::move(rows).error();
  std::set<std::int64_t> ids;
  for (const auto& row : rows->rows) ids.insert(row.integer(0));
  auto services = catalogue::service_records(c, ids, std::nullopt);
  if (!services) return std::move(services).error();
  std::set<std::string> codes;
  for (const auto& [id, service] : *services) codes.insert(service.administration);
  return codes;
}

std::string counter_sign(std::string_view code) {
  std::string out(code);
  for (auto& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

std::string local_day(const std::string& time_zone, Instant t) { return local_format(time_zone, t, "%F"); }
std::string local_time(const std::string& time_zone, Instant t) { return local_format(time_zone, t, "%H:%M"); }

Result<BookingView> describe_booking(storage::Connection& c, const Booking& booking, const std::string& lang) {
  BookingView view;
  auto shop = catalogue::shop_record(c, booking.shop);
  if (!shop) return std::move(shop).error();
  if (!*shop) return make_error(Errc::no_such_shop, "no such shop");
  view.shop_name = (*shop)->name;
  view.shop_address = (*shop)->address;
  view.time_zone = (*shop)->time_zone;
  view.day_iso = local_day(view.time_zone, booking.start);
  view.when = spoken_interval(lang, view.time_zone, booking.start, booking.end);
  std::set<std::int64_t> service_ids;
  for (const auto& item : booking.items) service_ids.insert(item.service);
  auto services = catalogue::service_records(c, service_ids, lang);
  if (!services) return std::move(services).error();
  auto counters = catalogue::counters_of(c, booking.shop);
  if (!counters) return std::move(counters).error();
  for (const auto& item : booking.items) {
    ItemView iv;
    iv.service = item.service;
    if (auto found = services->find(item.service); found != services->end()) {
      iv.service_name = found->second.name;
      iv.documents = found->second.documents;
    }
    for (const auto& counter : *counters) {
      if (counter.id == item.counter) iv.counter = counter.code;
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
  // Written as the booking page says it, in the booking's language: each service's times and the
  // counter as its sign reads ("Counter G01"), then the documents to bring, each once.
  const std::string& lang = booking.lang;
  std::string names;
  std::string description;
  std::vector<std::string> bring;
  std::set<std::string> listed;
  for (const auto& item : view.items) {
    names += (names.empty() ? "" : ", ") + item.service_name;
    description += item.time + "–" + item.end_time + " " + item.service_name + " (" +
                   ctx.catalog.text(lang, "counter_label") + " " + counter_sign(item.counter) + ")\n";
    for (const auto& d : item.documents) {
      if (listed.insert(d).second) bring.push_back(d);
    }
  }
  if (!bring.empty()) {
    description +=
        "\n" + ctx.catalog.text(lang, booking.video_room ? "booking_documents_ready" : "booking_documents") + ":\n";
    for (const auto& d : bring) description += "- " + d + "\n";
  }
  event.summary = names + " — " + view.shop_name;
  event.location = booking.video_room ? ctx.catalog.text(lang, "book_mode_video") + " — " + view.shop_name
                                      : view.shop_name + ", " + view.shop_address;
  event.description = ctx.catalog.text(lang, "booking_reference") + ": " + booking.reference + "\n" + description;
  event.url = ctx.public_url + "/bookings/" + booking.reference;
  event.start = booking.start;
  event.end = booking.end;
  event.stamp = booking.created_at;
  event.sequence = booking.sequence;
  event.cancelled = booking.status == BookingStatus::cancelled;
  return event;
}

}  // namespace guichet::scheduling
