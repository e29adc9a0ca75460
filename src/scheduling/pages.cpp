// The booking pages, usable without JavaScript: choose services (/book), a shop and a time
// (/book/times), confirm once signed in (/book/confirm), then see, move, download and cancel the
// booking (/bookings/{reference}) and list one's bookings (/account/bookings).
#include <date/date.h>

#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <map>
#include <set>
#include <sstream>

#include "guichet/catalogue/catalogue.hpp"
#include "guichet/catalogue/reads.hpp"
#include "guichet/core/calendar.hpp"
#include "guichet/core/phone.hpp"
#include "guichet/core/random.hpp"
#include "guichet/core/spoken_time.hpp"
#include "guichet/http/application.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/identity/audit.hpp"
#include "guichet/identity/second_factor.hpp"
#include "guichet/scheduling/availability.hpp"
#include "guichet/scheduling/errors.hpp"
#include "guichet/scheduling/web.hpp"
#include "presentation.hpp"
#include "web_support.hpp"

namespace guichet::scheduling {
using http::PageData;
using http::Request;
using http::Response;

namespace {

constexpr int kDaysShown = 7;

// "1,2,3": up to four distinct ids; nothing when malformed.
std::optional<std::vector<std::int64_t>> parse_ids(std::string_view list) {
  std::vector<std::int64_t> ids;
  if (list.empty()) return ids;
  for (std::size_t at = 0; at <= list.size();) {
    auto end = list.find(',', at);
    if (end == std::string_view::npos) end = list.size();
    auto id = positive_id(list.substr(at, end - at));
    if (!id || std::find(ids.begin(), ids.end(), *id) != ids.end() || ids.size() == 4) return std::nullopt;
    ids.push_back(*id);
    at = end + 1;
  }
  return ids;
}

std::string join_ids(const std::vector<std::int64_t>& ids) {
  std::string text;
  for (auto id : ids) text += (text.empty() ? "" : ",") + std::to_string(id);
  return text;
}

Response sign_in_first(const Request& request) {
  return Response::redirect("/account/sign-in?return=" + http::url_encode(http::safe_return_path(request.target)), 303);
}

Response bad_request(const SchedulingContext& ctx, const Request& request, const char* message) {
  return ctx.pages.render_error(request, make_error(Errc::bad_request, message));
}

struct ServiceName {
  std::int64_t id = 0;
  std::string name;
  std::vector<std::string> documents;
  bool video = false;  // offered by video call
};

// The services' names in the page's language, in the given order; not_found for an unknown id.
Result<std::vector<ServiceName>> service_names(storage::Database& db, const std::vector<std::int64_t>& ids,
                                               const std::string& lang) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto services = catalogue::service_records(**connection, std::set<std::int64_t>(ids.begin(), ids.end()), lang);
  if (!services) return std::move(services).error();
  std::vector<ServiceName> out;
  for (auto id : ids) {
    auto found = services->find(id);
    if (found == services->end() || found->second.name.empty()) {
      return make_error(Errc::no_such_service, "no such service");
    }
    const catalogue::ServiceRecord& service = found->second;
    out.push_back(ServiceName{id, service.name, service.documents, (service.channels & catalogue::video) != 0});
  }
  return out;
}

bool video_possible(const SchedulingContext& ctx, const std::vector<ServiceName>& services) {
  return ctx.video.enabled() && !services.empty() &&
         std::all_of(services.begin(), services.end(), [](const ServiceName& s) { return s.video; });
}

PageData services_data(const std::vector<ServiceName>& services, const std::vector<std::int64_t>& ids,
                       const std::string& keep = {}) {
  PageData list{PageData::type::list};
  for (const auto& s : services) {
    std::vector<std::int64_t> without;
    for (auto id : ids) {
      if (id != s.id) without.push_back(id);
    }
    PageData item;
    item.set("name", s.name);
    item.set("remove", "/book?services=" + join_ids(without) + keep);
    PageData documents{PageData::type::list};
    for (const auto& d : s.documents) documents.push_back(PageData(d));
    item.set("documents", documents);
    item.set("has_documents", !s.documents.empty());
    list.push_back(item);
  }
  return list;
}

// What to bring for the whole visit, each document once however many services ask for it, in the
// order first asked.
PageData documents_to_bring(const std::vector<ServiceName>& services) {
  PageData list{PageData::type::list};
  std::set<std::string> seen;
  for (const auto& s : services) {
    for (const auto& d : s.documents) {
      if (seen.insert(d).second) list.push_back(PageData(d));
    }
  }
  return list;
}

struct ShopRow {
  std::int64_t id = 0;
  std::string name;
  std::string address;
  std::string time_zone;
};

Result<std::optional<ShopRow>> find_shop(storage::Database& db, std::int64_t id) {
  auto connection = db.acquire();
  if (!connection) return std::move(connection).error();
  auto record = catalogue::shop_record(**connection, id);
  if (!record) return std::move(record).error();
  if (!*record) return std::optional<ShopRow>();
  return std::optional<ShopRow>(ShopRow{(*record)->id, (*record)->name, (*record)->address, (*record)->time_zone});
}

// Whether the visit is asked for by video: only when the platform has video calls and every
// service is offered by video.
bool video_asked(const SchedulingContext& ctx, const Request& request, const std::vector<ServiceName>& services) {
  return param(request, "mode") == "video" && video_possible(ctx, services);
}

// GET /book: the chosen services, a search to add one, and the choice of a shop.
// `shop_error`: the form came back without a shop; said next to the field, with status 400.
Response choose_services(const SchedulingContext& ctx, Request& request, const std::string& shop_error = {}) {
  auto ids = parse_ids(param(request, "services"));
  if (!ids) return bad_request(ctx, request, "services lists up to four service ids");
  auto chosen = service_names(ctx.db, *ids, request.lang);
  if (!chosen) return ctx.pages.render_error(request, chosen.error());
  // A shop chosen first ("book here" on its page) stays chosen while services are added.
  const auto shop_first = positive_id(param(request, "shop"));
  const std::string keep = shop_first ? "&shop=" + std::to_string(*shop_first) : "";
  PageData data;
  // Moving a booked visit: its services stay as they are; only the shop (then the time) changes.
  const std::string reschedule = param(request, "reschedule");
  data.set("services", services_data(*chosen, *ids, keep));
  data.set("has_services", !ids->empty());
  data.set("services_value", join_ids(*ids));
  if (shop_first) data.set("shop_value", std::to_string(*shop_first));
  if (!reschedule.empty()) {
    data.set("reschedule", reschedule);
    data.set("moving", http::fill_text(ctx.catalog.text(request.lang, "book_moving"), {{"reference", reschedule}}));
  }
  data.set("can_add", ids->size() < 4 && reschedule.empty());
  const std::string q = param(request, "q");
  data.set("q", q);
  if (!q.empty() && ids->size() < 4 && reschedule.empty()) {
    catalogue::ServiceQuery query;
    query.q = q.substr(0, 200);
    query.lang = request.lang;
    query.limit = 10;
    auto found = catalogue::search_services(ctx.db, query);
    if (!found) return ctx.pages.render_error(request, found.error());
    // Each result with its administration's name, not its code ("at").
    auto administrations = catalogue::list_administrations(ctx.db, request.lang);
    if (!administrations) return ctx.pages.render_error(request, administrations.error());
    std::map<std::string, std::string> administration_names;
    for (const auto& a : *administrations) administration_names[a.code] = a.name;
    PageData results{PageData::type::list};
    for (const auto& s : found->services) {
      bool visit = std::find(s.channels.begin(), s.channels.end(), "in_person") != s.channels.end() ||
                   std::find(s.channels.begin(), s.channels.end(), "video") != s.channels.end();
      if (!visit || std::find(ids->begin(), ids->end(), s.id) != ids->end()) continue;
      std::vector<std::int64_t> with = *ids;
      with.push_back(s.id);
      PageData item;
      item.set("name", s.name);
      auto named = administration_names.find(s.administration);
      item.set("administration", named == administration_names.end() ? s.administration : named->second);
      item.set("add", "/book?services=" + join_ids(with) + keep);
      results.push_back(item);
    }
    data.set("has_results", !results.is_empty_list());
    data.set("no_results", results.is_empty_list());
    data.set("results", results);
  }
  auto shops = catalogue::list_shops(ctx.db);
  if (!shops) return ctx.pages.render_error(request, shops.error());
  // No shop chosen in advance (a preselected shop of another country was booked by mistake);
  // by name, so a long list reads in order.
  std::sort(shops->begin(), shops->end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  const auto chosen_shop = positive_id(param(request, "shop"));
  PageData shop_list{PageData::type::list};
  for (const auto& s : *shops) {
    PageData item;
    item.set("id", std::to_string(s.id));
    item.set("name", s.name + " — " + s.address);
    item.set("selected", chosen_shop == s.id);
    shop_list.push_back(item);
  }
  data.set("shops", shop_list);
  data.set("no_shop_chosen", !chosen_shop.has_value());
  if (!shop_error.empty()) data.set("shop_error", shop_error);
  data.set("today", local_day("UTC", ctx.clock.now()));
  return ctx.pages.render(request, "book", "book_title", data, shop_error.empty() ? 200 : 400);
}

// The part of the day a local "HH:MM" falls in, as people choose times: before noon, until six,
// after six.
const char* part_of_day(const std::string& hh_mm) {
  if (hh_mm < "12:00") return "morning";
  if (hh_mm < "18:00") return "afternoon";
  return "evening";
}

// GET /book/times: a week of free visits at one shop. The week's days are a picker with how many
// times each has free; the day chosen (the first with a free time, unless one is asked for) shows
// every free time, from opening to closing, grouped into morning, afternoon and evening, so an
// after-work visit is as easy to find as the first of the morning. Plain links and radio buttons:
// no script needed.
Response choose_time(const SchedulingContext& ctx, Request& request, const std::string& error = {}, int status = 200) {
  auto ids = parse_ids(param(request, "services"));
  auto shop_id = positive_id(param(request, "shop"));
  if (ids && !ids->empty() && !shop_id && param(request, "shop").empty()) {
    return choose_services(ctx, request, ctx.catalog.text(request.lang, "book_shop_missing"));
  }
  if (!ids || ids->empty() || !shop_id) return bad_request(ctx, request, "choose services and a shop");
  auto shop = find_shop(ctx.db, *shop_id);
  if (!shop) return ctx.pages.render_error(request, shop.error());
  if (!*shop) return ctx.pages.render_error(request, make_error(Errc::no_such_shop, "no such shop"));
  auto chosen = service_names(ctx.db, *ids, request.lang);
  if (!chosen) return ctx.pages.render_error(request, chosen.error());
  std::string from = param(request, "from");
  std::string wanted_day = param(request, "day");
  if (auto start = parse_rfc3339(param(request, "start")); from.empty() && start) {
    from = local_day((*shop)->time_zone, *start);  // back from a refused confirmation: that day
    wanted_day = from;
  }
  const std::string today = local_day((*shop)->time_zone, ctx.clock.now());
  if (from.empty() || from < today || !parse_iso_day(from)) from = today;
  AvailabilityQuery query;
  query.services = *ids;
  query.shop = *shop_id;
  query.from = from;
  query.days = kDaysShown;
  query.limit = 2000;  // the most a query may ask; a week holds far fewer arrivals
  auto visits = find_availability(ctx.calendars, query, ctx.clock.now(), ctx.policy.rules);
  if (!visits) return ctx.pages.render_error(request, visits.error());

  std::map<std::string, std::vector<const ShopVisit*>> by_day;
  for (const auto& v : *visits) by_day[local_day((*shop)->time_zone, v.visit.start)].push_back(&v);
  const std::chrono::sys_days first = parse_iso_day(from).value_or(std::chrono::sys_days{});
  std::string selected;
  std::vector<std::string> week_days;
  week_days.reserve(kDaysShown);
  for (int i = 0; i < kDaysShown; ++i) week_days.push_back(format_iso_day(first + std::chrono::days(i)));
  if (std::find(week_days.begin(), week_days.end(), wanted_day) != week_days.end()) selected = wanted_day;
  if (selected.empty() && !by_day.empty()) selected = by_day.begin()->first;
  if (selected.empty()) selected = week_days.front();

  const std::string reschedule = param(request, "reschedule");
  auto link_to = [&](const std::string& week_start, const std::string& day) {
    std::string target = "/book/times?services=" + join_ids(*ids) + "&shop=" + std::to_string(*shop_id) +
                         "&from=" + week_start + (day.empty() ? "" : "&day=" + day);
    if (!reschedule.empty()) target += "&reschedule=" + http::url_encode(reschedule);
    return target;
  };
  PageData picker{PageData::type::list};
  for (const auto& day : week_days) {
    auto found = by_day.find(day);
    const std::size_t free = found == by_day.end() ? 0 : found->second.size();
    PageData d;
    d.set("label", spoken_weekday(request.lang, day));
    d.set("free", free == 0 ? ctx.catalog.text(request.lang, "book_day_none")
                            : http::fill_text(ctx.catalog.text(request.lang, "book_day_free"),
                                              {{"count", std::to_string(free)}}));
    d.set("href", link_to(from, day));
    d.set("current", day == selected);
    d.set("empty", free == 0);
    picker.push_back(d);
  }
  PageData parts{PageData::type::list};
  std::string first_time_id;  // where "choose a time" leads
  if (auto found = by_day.find(selected); found != by_day.end()) {
    std::map<std::string, PageData> options;  // by part
    std::map<std::string, std::size_t> counts;
    for (const ShopVisit* v : found->second) {
      const std::string start = local_time((*shop)->time_zone, v->visit.start);
      const std::string part = part_of_day(start);
      auto [it, fresh] = options.try_emplace(part, PageData::type::list);
      PageData option;
      option.set("value", rfc3339_seconds(v->visit.start));
      option.set("label", start + "–" + local_time((*shop)->time_zone, v->visit.end));
      const std::string id =
          "t-" +
          std::to_string(std::chrono::duration_cast<std::chrono::minutes>(v->visit.start.time_since_epoch()).count());
      option.set("id", id);
      if (first_time_id.empty()) first_time_id = id;
      it->second.push_back(option);
      ++counts[part];
    }
    for (const char* part : {"morning", "afternoon", "evening"}) {
      auto it = options.find(part);
      if (it == options.end()) continue;
      PageData p;
      p.set("id", std::string("part-") + part);
      p.set("legend", http::fill_text(ctx.catalog.text(request.lang, std::string("book_part_") + part),
                                      {{"count", std::to_string(counts[part])}}));
      p.set("times", it->second);
      parts.push_back(p);
    }
  }
  PageData data;
  data.set("shop_name", (*shop)->name);
  data.set("shop_address", (*shop)->address);
  data.set("time_zone", spoken_zone(request.lang, (*shop)->time_zone));  // "Portugal Time", not its IANA name
  data.set("services", services_data(*chosen, *ids));
  data.set("services_value", join_ids(*ids));
  data.set("shop_value", std::to_string(*shop_id));
  data.set("picker", picker);
  data.set("parts", parts);
  data.set("selected_day", selected);
  data.set("has_times", !by_day.empty());
  data.set("day_has_times", !parts.is_empty_list());
  data.set("no_times", by_day.empty());
  if (!reschedule.empty()) data.set("reschedule", reschedule);
  // Another shop for the same services (moving a visit too: the reference goes along).
  data.set("other_shop", "/book?services=" + join_ids(*ids) + "&shop=" + std::to_string(*shop_id) +
                             (reschedule.empty() ? "" : "&reschedule=" + http::url_encode(reschedule)));
  // No time chosen: a mistake of the times' group, said there and in the summary (GOV.UK pattern);
  // a time taken meanwhile: about the whole form.
  http::FormErrors errors;
  if (!error.empty() && status == 400 && !first_time_id.empty()) {
    errors.add("start", first_time_id, error);
  } else if (!error.empty()) {
    data.set("error", error);
  }
  errors.show(data, ctx.catalog.text(request.lang, "form_error_prefix"),
              ctx.catalog.text(request.lang, "book_times_title"));
  if (reschedule.empty() && video_possible(ctx, *chosen)) {
    data.set("offer_video", true);
    data.set(video_asked(ctx, request, *chosen) ? "mode_video" : "mode_in_person", true);
  }
  // How far ahead one may book, said plainly; no "next week" past it.
  const auto horizon_days = std::chrono::duration_cast<std::chrono::days>(ctx.policy.rules.horizon).count();
  data.set("horizon",
           http::fill_text(ctx.catalog.text(request.lang, "book_horizon"),
                           {{"weeks", std::to_string(horizon_days / 7)}, {"days", std::to_string(horizon_days)}}));
  const std::string previous_week =
      format_iso_day(std::max(first - std::chrono::days(kDaysShown), parse_iso_day(today).value_or(first)));
  if (from > today) data.set("previous", link_to(previous_week, ""));
  const std::string next_week = format_iso_day(first + std::chrono::days(kDaysShown));
  const auto last_bookable = parse_iso_day(today).value_or(first) + std::chrono::days(horizon_days);
  if (first + std::chrono::days(kDaysShown) <= last_bookable) data.set("next", link_to(next_week, ""));
  data.set("from", from);
  return no_store(ctx.pages.render(request, "book_times", "book_times_title", data, status));
}

// GET /book/confirm: the visit to confirm, for a signed-in person.
Response confirm_page(const SchedulingContext& ctx, Request& request, const std::string& error = {}, int status = 200) {
  auto ids = parse_ids(param(request, "services"));
  auto shop_id = positive_id(param(request, "shop"));
  auto start = parse_rfc3339(param(request, "start"));
  if (!ids || ids->empty() || !shop_id) return bad_request(ctx, request, "choose services and a shop");
  // The choice first, signed in or not: signing in to be told a time is missing would lose the way.
  if (!start) {
    return choose_time(ctx, request, ctx.catalog.text(request.lang, "book_choose_a_time"), 400);
  }
  if (!request.principal) return sign_in_first(request);
  auto shop = find_shop(ctx.db, *shop_id);
  if (!shop) return ctx.pages.render_error(request, shop.error());
  if (!*shop) return ctx.pages.render_error(request, make_error(Errc::no_such_shop, "no such shop"));
  auto chosen = service_names(ctx.db, *ids, request.lang);
  if (!chosen) return ctx.pages.render_error(request, chosen.error());
  PageData data;
  data.set("shop_name", (*shop)->name);
  data.set("shop_address", (*shop)->address);
  data.set("when", spoken_instant(request.lang, (*shop)->time_zone, *start));
  data.set("services", services_data(*chosen, *ids));
  const PageData bring = documents_to_bring(*chosen);
  data.set("has_documents", !bring.is_empty_list());
  data.set("documents", bring);
  data.set("services_value", join_ids(*ids));
  data.set("shop_value", std::to_string(*shop_id));
  data.set("start_value", rfc3339_seconds(*start));
  const std::string reschedule = param(request, "reschedule");
  data.set("back", "/book/times?services=" + join_ids(*ids) + "&shop=" + std::to_string(*shop_id) +
                       "&from=" + local_day((*shop)->time_zone, *start) +
                       (reschedule.empty() ? "" : "&reschedule=" + http::url_encode(reschedule)));
  if (video_asked(ctx, request, *chosen)) data.set("video", true);
  if (!reschedule.empty()) {
    data.set("reschedule", reschedule);
    data.set("action", "/bookings/" + http::url_encode(reschedule) + "/reschedule");
  } else {
    data.set("action", "/book/confirm");
  }
  if (!error.empty()) data.set("error", error);
  // A second submission of this form (a double click, a reload after a lost answer) replays the
  // first answer instead of booking twice (http/idempotency.hpp).
  data.set("idempotency_key", random_token(24));
  return no_store(ctx.pages.render(request, "book_confirm", "book_confirm_title", data, status));
}

// A refusal from booking or moving, shown on the page the person came from.
Response booking_refused(const SchedulingContext& ctx, Request& request, const Error& error) {
  const std::string& text = ctx.catalog.text(request.lang, error.code.message_key());
  if (error.code == Errc::slot_taken) return choose_time(ctx, request, text, http::http_status(error.kind));
  if (error.code == Errc::booking_limit || error.code == Errc::overlapping_booking) {
    return confirm_page(ctx, request, text, http::http_status(error.kind));
  }
  if (error.kind == ErrorKind::rate_limited) {
    return confirm_page(ctx, request, ctx.catalog.text(request.lang, "book_rate_limited"),
                        http::http_status(error.kind));
  }
  return ctx.pages.render_error(request, error);
}

// The booking when the signed-in person may see it (or, with `to_act`, cancel and move it);
// otherwise not_found, as for a missing one, or not_all_yours when staff may see it but not act.
Result<Booking> visible_booking(const SchedulingContext& ctx, const Request& request, bool to_act = false) {
  Error missing = make_error(Errc::no_such_booking, "no such booking");
  auto booking = find_booking(ctx.db, request.path_params.get("reference").value_or(""));
  if (!booking) return std::move(booking).error();
  if (!*booking) return missing;
  auto power = booking_power(ctx.db, **booking, request.principal->user_id, request.principal->acr != "low");
  if (!power) return std::move(power).error();
  if (*power == BookingPower::none) return missing;
  if (to_act && *power != BookingPower::act) {
    return make_error(Errc::not_all_yours, "this visit includes services none of your roles covers");
  }
  return std::move(**booking);
}

// The hooks of a change made by someone other than the booking's owner (staff): the same, and the
// act audited in its transaction with both identities.
BookingHooks staff_hooks(const SchedulingContext& ctx, const Request& request, const Booking& booking) {
  BookingHooks hooks = booking_hooks(ctx);
  if (booking.user_id && *booking.user_id == request.principal->user_id) return hooks;
  const std::string actor = "user:" + std::to_string(request.principal->user_id);
  const std::string owner = booking.user_id ? "user:" + std::to_string(*booking.user_id) : "";
  auto audit = [&ctx, actor, owner](storage::Connection& c, const Booking& b, const char* action) -> Result<void> {
    auto audited = identity::record_audit(
        c,
        identity::AuditEvent{actor, action, "booking:" + b.reference,
                             boost::json::serialize(boost::json::object{{"for", owner}, {"shop", b.shop}})},
        ctx.clock);
    if (!audited) return std::move(audited).error();
    return Result<void>{};
  };
  auto cancelled = hooks.cancelled;
  hooks.cancelled = [cancelled, audit](storage::Connection& c, const Booking& b) -> Result<void> {
    if (cancelled) {
      if (auto done = cancelled(c, b); !done) return done;
    }
    return audit(c, b, "booking.cancelled_by_staff");
  };
  auto rescheduled = hooks.rescheduled;
  hooks.rescheduled = [rescheduled, audit](storage::Connection& c, const Booking& before,
                                           const Booking& after) -> Result<void> {
    if (rescheduled) {
      if (auto done = rescheduled(c, before, after); !done) return done;
    }
    return audit(c, after, "booking.moved_by_staff");
  };
  return hooks;
}

// A reference read out letter by letter, in groups: "K 7 Q 2 - 9 X 4 P" is heard right on a phone.
std::string spelled_reference(const std::string& reference) {
  std::string out;
  for (char ch : reference) {
    if (!out.empty()) out += ' ';
    out += ch;
  }
  return out;
}

Response booking_page(const SchedulingContext& ctx, Request& request) {
  if (!request.principal) return sign_in_first(request);
  auto booking = visible_booking(ctx, request);
  if (!booking) return ctx.pages.render_error(request, booking.error());
  auto connection = ctx.db.acquire();
  if (!connection) return ctx.pages.render_error(request, connection.error());
  auto view = describe_booking(**connection, *booking, request.lang);
  if (!view) return ctx.pages.render_error(request, view.error());
  PageData data;
  data.set("reference", booking->reference);
  data.set("status", ctx.catalog.text(request.lang, "booking_status_" + std::string(to_string(booking->status))));
  data.set("status_code", std::string(to_string(booking->status)));
  data.set("when", view->when);
  data.set("shop_name", view->shop_name);
  data.set("shop_address", view->shop_address);
  PageData items{PageData::type::list};
  PageData documents{PageData::type::list};
  std::set<std::string> listed;  // each document once, however many services ask for it
  std::vector<std::int64_t> ids;
  for (const auto& item : view->items) {
    PageData i;
    i.set("time", item.time + "–" + item.end_time);
    i.set("name", item.service_name);
    i.set("counter", counter_sign(item.counter));
    items.push_back(i);
    for (const auto& d : item.documents) {
      if (listed.insert(d).second) documents.push_back(PageData(d));
    }
    ids.push_back(item.service);
  }
  data.set("items", items);
  data.set("documents", documents);
  data.set("has_documents", !documents.is_empty_list());
  data.set("calendar", "/bookings/" + booking->reference + "/calendar.ics");
  if (ctx.authority != nullptr) data.set("confirmation_pdf", "/bookings/" + booking->reference + "/confirmation.pdf");
  if (booking->video_room && ctx.video.enabled()) {
    data.set("video", true);
    if (booking->status == BookingStatus::confirmed) {
      const bool owner = booking->user_id == request.principal->user_id;
      data.set("video_link",
               video_link(ctx.video, *booking->video_room, {request.principal->email, request.principal->email, !owner},
                          booking->start, booking->end));
    }
  }
  const bool changeable = booking->status == BookingStatus::confirmed && booking->start > ctx.clock.now();
  data.set("changeable", changeable);
  // Checking in at the shop: the booking's address as a QR code, as on the confirmation PDF; the
  // kiosk's scanner types it and the kiosk reads the reference from it (queue's check-in).
  if (changeable && !booking->video_room) {
    const std::string url = ctx.public_url + "/bookings/" + booking->reference;
    auto qr = identity::qr_code_svg(url, http::fill_text(ctx.catalog.text(request.lang, "booking_check_in_qr"),
                                                         {{"reference", booking->reference}}));
    if (qr) {
      data.set("check_in_qr", *qr);
      data.set("check_in_text", http::fill_text(ctx.catalog.text(request.lang, "booking_check_in_text"),
                                                {{"reference", booking->reference}}));
    }
  }
  // A cancelled or past visit: the same services at the same shop, from the booking page's start.
  if (!changeable) {
    data.set("book_again", "/book?services=" + join_ids(ids) + "&shop=" + std::to_string(booking->shop));
  }
  if (changeable) {
    data.set("reschedule", "/book/times?services=" + join_ids(ids) + "&shop=" + std::to_string(booking->shop) +
                               "&from=" + view->day_iso + "&reschedule=" + booking->reference);
    data.set("cancel", "/bookings/" + booking->reference + "/cancel");
  }
  // Booked by an agent for a caller: whom, how to reach them, and for staff what to read out to
  // them, in their language, so that someone with no e-mail address leaves the call knowing it all.
  if (booking->caller) {
    data.set("caller_name", booking->caller->name);
    if (!booking->caller->phone.empty()) {
      data.set("caller_phone", readable_phone(booking->caller->phone));
      data.set("caller_phone_link", "tel:" + booking->caller->phone);
    }
    data.set("caller_language", ctx.catalog.text(booking->lang, "language_name"));
    if (booking->user_id != request.principal->user_id && booking->status == BookingStatus::confirmed) {
      auto theirs = describe_booking(**connection, *booking, booking->lang);
      if (!theirs) return ctx.pages.render_error(request, theirs.error());
      std::string bring;
      std::set<std::string> said;
      for (const auto& item : theirs->items) {
        for (const auto& d : item.documents) {
          if (said.insert(d).second) bring += (bring.empty() ? "" : "; ") + d;
        }
      }
      auto t = [&](std::string_view key) { return ctx.catalog.text(booking->lang, key); };
      std::string script =
          http::fill_text(t("booking_read_aloud"), {{"reference", spelled_reference(booking->reference)},
                                                    {"when", theirs->when},
                                                    {"shop", theirs->shop_name},
                                                    {"address", theirs->shop_address}});
      if (!bring.empty()) script += " " + http::fill_text(t("booking_read_aloud_bring"), {{"documents", bring}});
      data.set("read_aloud", script);
      data.set("read_aloud_lang", booking->lang);
    }
  }
  std::string notice = param(request, "notice");
  if (notice == "booked" || notice == "moved" || notice == "cancelled" || notice == "booked_for_caller") {
    data.set("notice", ctx.catalog.text(request.lang, "booking_notice_" + notice));
  }
  return no_store(ctx.pages.render(request, "booking", "booking_title", data));
}

}  // namespace

namespace {

Response confirm_booking(const SchedulingContext* ctx, Request& request) {
  if (!request.principal) return sign_in_first(request);
  auto ids = parse_ids(param(request, "services"));
  auto shop = positive_id(param(request, "shop"));
  auto start = parse_rfc3339(param(request, "start"));
  if (!ids || ids->empty() || !shop || !start) return bad_request(*ctx, request, "choose services, shop and time");
  auto chosen = service_names(ctx->db, *ids, request.lang);
  if (!chosen) return ctx->pages.render_error(request, chosen.error());
  BookingRequest wanted{request.principal->user_id,
                        *shop,
                        *start,
                        *ids,
                        Channel::online,
                        std::nullopt,
                        request.remote_address,
                        request.lang,
                        video_asked(*ctx, request, *chosen)};
  auto booked = book_visit(ctx->db, wanted, ctx->clock, ctx->policy, booking_hooks(*ctx));
  if (!booked) return booking_refused(*ctx, request, booked.error());
  return Response::redirect("/bookings/" + booked->reference + "?notice=booked", 303);
}

Response join_waitlist(const SchedulingContext* ctx, Request& request) {
  if (!request.principal) return sign_in_first(request);
  auto ids = parse_ids(param(request, "services"));
  auto shop = positive_id(param(request, "shop"));
  if (!ids || ids->empty() || !shop) return bad_request(*ctx, request, "choose services and a shop");
  // Unknown services or shop are told apart before anything is written.
  auto known = service_names(ctx->db, *ids, request.lang);
  if (!known) return ctx->pages.render_error(request, known.error());
  auto shop_row = find_shop(ctx->db, *shop);
  if (!shop_row) return ctx->pages.render_error(request, shop_row.error());
  if (!*shop_row) {
    return ctx->pages.render_error(request, make_error(Errc::no_such_shop, "no such shop"));
  }
  auto joined = ctx->db.transaction([&](storage::Connection& c) -> Result<void> {
    for (auto service : *ids) {
      // Joining again keeps one's place: the first entry stands until it is offered a visit.
      auto existing = c.query(
          "SELECT id FROM waitlist_entries WHERE user_id = ? AND shop_id = ? AND service_id = ? AND offered_at IS "
          "NULL",
          {request.principal->user_id, *shop, service});
      if (!existing) return std::move(existing).error();
      if (!existing->empty()) continue;
      auto removed = c.execute("DELETE FROM waitlist_entries WHERE user_id = ? AND shop_id = ? AND service_id = ?",
                               {request.principal->user_id, *shop, service});
      if (!removed) return std::move(removed).error();
      auto added =
          c.execute("INSERT INTO waitlist_entries (user_id, shop_id, service_id, created_at) VALUES (?, ?, ?, ?)",
                    {request.principal->user_id, *shop, service, to_unix_micros(ctx->clock.now())});
      if (!added) return std::move(added).error();
    }
    return {};
  });
  if (!joined) return ctx->pages.render_error(request, joined.error());
  return Response::redirect("/account/bookings?notice=waitlist", 303);
}

Response booking_calendar_file(const SchedulingContext* ctx, Request& request) {
  if (!request.principal) return sign_in_first(request);
  auto booking = visible_booking(*ctx, request);
  if (!booking) return ctx->pages.render_error(request, booking.error());
  auto connection = ctx->db.acquire();
  if (!connection) return ctx->pages.render_error(request, connection.error());
  auto view = describe_booking(**connection, *booking, request.lang);
  if (!view) return ctx->pages.render_error(request, view.error());
  Response response = Response::text(calendar_file(calendar_event(*ctx, *view, *booking)));
  response.headers.set("Content-Type", "text/calendar; charset=utf-8");
  response.headers.set("Content-Disposition", "attachment; filename=\"" + booking->reference + ".ics\"");
  return no_store(std::move(response));
}

Response booking_confirmation_file(const SchedulingContext* ctx, Request& request) {
  if (!request.principal) return sign_in_first(request);
  auto booking = visible_booking(*ctx, request);
  if (!booking) return ctx->pages.render_error(request, booking.error());
  auto pdf = confirmation_pdf(*ctx, *booking, request.lang);
  if (!pdf) return ctx->pages.render_error(request, pdf.error());
  return no_store(pdf_response(std::move(*pdf), booking->reference));
}

// GET /bookings/{reference}/cancel: what is about to be cancelled, and two ways out — cancelling is
// a step of its own (a red button on its own page), keeping the visit a plain link back.
Response cancel_booking_page(const SchedulingContext* ctx, Request& request) {
  if (!request.principal) return sign_in_first(request);
  auto booking = visible_booking(*ctx, request, true);
  if (!booking) return ctx->pages.render_error(request, booking.error());
  if (booking->status != BookingStatus::confirmed || booking->start <= ctx->clock.now()) {
    return Response::redirect("/bookings/" + booking->reference, 303);
  }
  auto connection = ctx->db.acquire();
  if (!connection) return ctx->pages.render_error(request, connection.error());
  auto view = describe_booking(**connection, *booking, request.lang);
  if (!view) return ctx->pages.render_error(request, view.error());
  PageData data;
  data.set("reference", booking->reference);
  data.set("when", view->when);
  data.set("shop_name", view->shop_name);
  data.set("shop_address", view->shop_address);
  PageData items{PageData::type::list};
  for (const auto& item : view->items) items.push_back(PageData(item.service_name));
  data.set("items", items);
  data.set("action", "/bookings/" + booking->reference + "/cancel");
  data.set("back", "/bookings/" + booking->reference);
  return no_store(ctx->pages.render(request, "booking_cancel", "booking_cancel_title", data));
}

Response cancel_booking_submit(const SchedulingContext* ctx, Request& request) {
  if (!request.principal) return sign_in_first(request);
  auto booking = visible_booking(*ctx, request, true);
  if (!booking) return ctx->pages.render_error(request, booking.error());
  auto cancelled = cancel_booking(ctx->db, booking->reference, ctx->clock, staff_hooks(*ctx, request, *booking));
  if (!cancelled) return ctx->pages.render_error(request, cancelled.error());
  return Response::redirect("/bookings/" + booking->reference + "?notice=cancelled", 303);
}

Response reschedule_booking_submit(const SchedulingContext* ctx, Request& request) {
  if (!request.principal) return sign_in_first(request);
  auto booking = visible_booking(*ctx, request, true);
  if (!booking) return ctx->pages.render_error(request, booking.error());
  auto start = parse_rfc3339(param(request, "start"));
  if (!start) return bad_request(*ctx, request, "choose a time");
  // Another shop: whoever moves it there must be allowed to act on the visit at that shop too (an
  // agent only at the shops they serve; the owner anywhere).
  std::optional<std::int64_t> to_shop;
  if (!param(request, "shop").empty()) {
    to_shop = positive_id(param(request, "shop"));
    if (!to_shop) return bad_request(*ctx, request, "shop is a shop's id");
    if (*to_shop != booking->shop) {
      Booking there = *booking;
      there.shop = *to_shop;
      auto power = booking_power(ctx->db, there, request.principal->user_id, request.principal->acr != "low");
      if (!power) return ctx->pages.render_error(request, power.error());
      if (*power != BookingPower::act) {
        return ctx->pages.render_error(request,
                                       make_error(Errc::not_all_yours, "you do not serve visits at that shop"));
      }
    }
  }
  auto moved = reschedule_booking(ctx->db, booking->reference, *start, ctx->clock, ctx->policy,
                                  staff_hooks(*ctx, request, *booking), to_shop);
  if (!moved) return booking_refused(*ctx, request, moved.error());
  return Response::redirect("/bookings/" + booking->reference + "?notice=moved", 303);
}

Response my_bookings(const SchedulingContext* ctx, Request& request) {
  if (!request.principal) return sign_in_first(request);
  auto bookings = bookings_of(ctx->db, request.principal->user_id, ctx->clock);
  if (!bookings) return ctx->pages.render_error(request, bookings.error());
  auto connection = ctx->db.acquire();
  if (!connection) return ctx->pages.render_error(request, connection.error());
  PageData list{PageData::type::list};
  for (const auto& b : *bookings) {
    auto view = describe_booking(**connection, b, request.lang);
    if (!view) return ctx->pages.render_error(request, view.error());
    std::string names;
    for (const auto& item : view->items) names += (names.empty() ? "" : ", ") + item.service_name;
    PageData item;
    item.set("reference", b.reference);
    item.set("link", "/bookings/" + b.reference);
    item.set("when", view->when);
    item.set("shop", view->shop_name);
    item.set("services", names);
    item.set("status", ctx->catalog.text(request.lang, "booking_status_" + std::string(to_string(b.status))));
    item.set("status_code", std::string(to_string(b.status)));
    list.push_back(item);
  }
  auto waiting = (*connection)
                     ->query(
                         "SELECT shop_id, service_id FROM waitlist_entries WHERE user_id = ? AND offered_at IS NULL "
                         "ORDER BY created_at",
                         {request.principal->user_id});
  if (!waiting) return ctx->pages.render_error(request, waiting.error());
  std::set<std::int64_t> waited_shops;
  std::set<std::int64_t> waited_services;
  for (const auto& row : waiting->rows) {
    waited_shops.insert(row.integer(0));
    waited_services.insert(row.integer(1));
  }
  auto shops = catalogue::shop_records(**connection, waited_shops);
  if (!shops) return ctx->pages.render_error(request, shops.error());
  auto services = catalogue::service_records(**connection, waited_services, request.lang);
  if (!services) return ctx->pages.render_error(request, services.error());
  std::map<std::int64_t, std::string> shop_names;
  for (const auto& shop : *shops) shop_names[shop.id] = shop.name;
  PageData waitlist{PageData::type::list};
  for (const auto& row : waiting->rows) {
    auto shop = shop_names.find(row.integer(0));
    auto service = services->find(row.integer(1));
    if (shop == shop_names.end() || service == services->end() || service->second.name.empty()) continue;
    PageData item;
    item.set("shop", shop->second);
    item.set("service", service->second.name);
    waitlist.push_back(item);
  }
  PageData data;
  data.set("bookings", list);
  data.set("has_bookings", !bookings->empty());
  data.set("no_bookings", bookings->empty());
  data.set("waitlist", waitlist);
  data.set("has_waitlist", !waiting->empty());
  if (param(request, "notice") == "waitlist") {
    data.set("notice", ctx->catalog.text(request.lang, "waitlist_joined"));
  }
  return no_store(ctx->pages.render(request, "bookings", "bookings_title", data));
}

}  // namespace

void register_booking_page_routes(http::Router& router, const SchedulingContext& context) {
  const SchedulingContext* ctx = &context;

  router.get("/book", [ctx](Request& request) { return choose_services(*ctx, request); });
  router.get("/book/times", [ctx](Request& request) { return choose_time(*ctx, request); });
  router.get("/book/confirm", [ctx](Request& request) { return confirm_page(*ctx, request); });

  router.post("/book/confirm", [ctx](Request& request) { return confirm_booking(ctx, request); });

  router.post("/book/waitlist", [ctx](Request& request) { return join_waitlist(ctx, request); });

  router.get("/bookings/{reference}", [ctx](Request& request) { return booking_page(*ctx, request); });

  router.get("/bookings/{reference}/calendar.ics",
             [ctx](Request& request) { return booking_calendar_file(ctx, request); });

  router.get("/bookings/{reference}/confirmation.pdf",
             [ctx](Request& request) { return booking_confirmation_file(ctx, request); });

  router.get("/bookings/{reference}/cancel", [ctx](Request& request) { return cancel_booking_page(ctx, request); });
  router.post("/bookings/{reference}/cancel", [ctx](Request& request) { return cancel_booking_submit(ctx, request); });

  router.post("/bookings/{reference}/reschedule",
              [ctx](Request& request) { return reschedule_booking_submit(ctx, request); });

  router.get("/account/bookings", [ctx](Request& request) { return my_bookings(ctx, request); });
}

}  // namespace guichet::scheduling
