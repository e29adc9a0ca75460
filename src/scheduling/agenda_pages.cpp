// The agents' pages: the day's agenda of a shop per counter (mark arrived or absent, block a
// counter, no-show rates) and booking for a caller on the phone or at the desk. Staff pages: a
// scheduling role and a session with a second factor (identity::require_staff).
#include <date/tz.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <sstream>

#include "guichet/catalogue/catalogue.hpp"
#include "guichet/catalogue/reads.hpp"
#include "guichet/core/calendar.hpp"
#include "guichet/http/application.hpp"
#include "guichet/http/parsing.hpp"
#include "guichet/identity/staff.hpp"
#include "guichet/identity/users.hpp"
#include "guichet/scheduling/agenda.hpp"
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

std::variant<std::vector<identity::RoleGrant>, Response> require_agent(const SchedulingContext& ctx,
                                                                       const Request& request) {
  return identity::require_staff(ctx.db, ctx.pages, request, http::safe_return_path(request.target),
                                 is_scheduling_staff, "this page is for agents");
}

std::string agenda_link(std::int64_t shop, const std::string& day) {
  return "/agent/agenda?shop=" + std::to_string(shop) + "&day=" + day;
}

std::string shift_day(const std::string& day, int by) {
  auto parsed = parse_iso_day(day);
  if (!parsed) return day;
  return format_iso_day(*parsed + std::chrono::days(by));
}

// The instant of a local "YYYY-MM-DD" and "HH:MM" in a time zone (the first one when ambiguous).
std::optional<Instant> local_instant(const std::string& time_zone, const std::string& day, const std::string& time) {
  if (time.size() != 5 || time[2] != ':') return std::nullopt;
  date::local_seconds local{};
  std::istringstream in(day + " " + time);
  in >> date::parse("%F %H:%M", local);
  if (in.fail()) return std::nullopt;
  try {
    auto sys = date::locate_zone(time_zone)->to_sys(local, date::choose::earliest);
    return std::chrono::time_point_cast<Instant::duration>(sys);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Response agenda_page(const SchedulingContext& ctx, const Request& request,
                     const std::vector<identity::RoleGrant>& roles, const std::string& notice = {},
                     const std::string& error = {}, int status = 200) {
  auto shops = shops_of_staff(ctx.db, request.principal->user_id, roles);
  if (!shops) return ctx.pages.render_error(request, shops.error());
  auto shop_id = positive_id(param(request, "shop"));
  if (!shop_id && shops->size() == 1) shop_id = shops->front().id;
  PageData data;
  if (!shop_id) {
    PageData list{PageData::type::list};
    for (const auto& s : *shops) {
      PageData item;
      item.set("name", s.name);
      item.set("link", agenda_link(s.id, local_day(s.time_zone, ctx.clock.now())));
      list.push_back(item);
    }
    data.set("shops", list);
    data.set("choose_shop", true);
    data.set("no_shops", shops->empty());
    return no_store(ctx.pages.render(request, "agenda", "agenda_title", data, status));
  }
  auto shop = std::find_if(shops->begin(), shops->end(), [&](const StaffShop& s) { return s.id == *shop_id; });
  if (shop == shops->end()) {
    return ctx.pages.render_error(request, make_error(Errc::not_your_shop, "this shop is not one of yours"));
  }
  std::string day = param(request, "day");
  if (day.empty()) day = local_day(shop->time_zone, ctx.clock.now());
  auto agenda = day_agenda(ctx.db, request.principal->user_id, roles, *shop_id, day, request.lang, ctx.clock);
  if (!agenda) return ctx.pages.render_error(request, agenda.error());
  const std::string here = agenda_link(*shop_id, day);
  PageData counters{PageData::type::list};
  PageData counter_options{PageData::type::list};
  for (const auto& counter : agenda->counters) {
    PageData items{PageData::type::list};
    for (const auto& item : counter.items) {
      PageData i;
      i.set("time", local_time(shop->time_zone, item.start) + "–" + local_time(shop->time_zone, item.end));
      i.set("service", item.service_name);
      i.set("person", item.person);
      i.set("reference", item.reference);
      i.set("channel", ctx.catalog.text(request.lang, "booking_channel_" + std::string(to_string(item.channel))));
      i.set("status", ctx.catalog.text(request.lang, "booking_status_" + std::string(to_string(item.status))));
      i.set("status_code", std::string(to_string(item.status)));
      i.set("markable", item.markable);
      i.set("mark", "/agent/bookings/" + item.reference + "/mark");
      if (item.video_room && ctx.video.enabled()) {
        i.set("video_link",
              video_link(ctx.video, *item.video_room, {request.principal->email, request.principal->email, true},
                         item.start, item.end));
      }
      items.push_back(i);
    }
    PageData absences{PageData::type::list};
    for (const auto& a : counter.absences) {
      PageData i;
      i.set("time", local_time(shop->time_zone, a.start) + "–" + local_time(shop->time_zone, a.end));
      i.set("reason", a.reason);
      absences.push_back(i);
    }
    PageData c;
    c.set("code", counter.code);
    c.set("items", items);
    c.set("has_items", !counter.items.empty());
    c.set("absences", absences);
    c.set("has_absences", !counter.absences.empty());
    counters.push_back(c);
    PageData option;
    option.set("id", std::to_string(counter.id));
    option.set("code", counter.code);
    counter_options.push_back(option);
  }
  PageData rates{PageData::type::list};
  for (const auto& r : agenda->no_shows) {
    PageData i;
    char percent[16];
    std::snprintf(percent, sizeof percent, "%.0f %%", r.rate * 100);
    i.set("service", r.service_name);
    i.set("arrived", std::to_string(r.arrived));
    i.set("no_show", std::to_string(r.no_show));
    i.set("rate", std::string(percent));
    rates.push_back(i);
  }
  data.set("shop_name", shop->name);
  data.set("shop_value", std::to_string(*shop_id));
  data.set("time_zone", shop->time_zone);
  data.set("day", day);
  data.set("return", here);
  data.set("previous", agenda_link(*shop_id, shift_day(day, -1)));
  data.set("next", agenda_link(*shop_id, shift_day(day, 1)));
  data.set("counters", counters);
  data.set("counter_options", counter_options);
  data.set("rates", rates);
  data.set("has_rates", !agenda->no_shows.empty());
  data.set("book_for_caller", "/agent/book?shop=" + std::to_string(*shop_id) + "&day=" + day);
  if (!notice.empty()) data.set("notice", notice);
  if (!error.empty()) data.set("error", error);
  return no_store(ctx.pages.render(request, "agenda", "agenda_title", data, status));
}

struct ServiceChoice {
  std::int64_t id = 0;
  std::string name;
};

// The services a shop's counters serve, of the administrations this agent serves.
Result<std::vector<ServiceChoice>> bookable_services(const SchedulingContext& ctx, const Request& request,
                                                     const std::vector<identity::RoleGrant>& roles,
                                                     std::int64_t shop_id) {
  auto connection = ctx.db.acquire();
  if (!connection) return std::move(connection).error();
  auto counters = catalogue::counters_of(**connection, shop_id);
  if (!counters) return std::move(counters).error();
  std::set<std::int64_t> served;
  for (const auto& counter : *counters) served.insert(counter.services.begin(), counter.services.end());
  auto services = catalogue::service_records(**connection, served, request.lang);
  if (!services) return std::move(services).error();
  std::vector<ServiceChoice> out;
  for (const auto& [id, service] : *services) {
    if (service.name.empty()) continue;  // no text in this language
    const std::string& code = service.administration;
    if (identity::allows(roles, identity::Role::agent, code) ||
        identity::allows(roles, identity::Role::administration_admin, code)) {
      out.push_back({id, service.name});
    }
  }
  std::sort(out.begin(), out.end(), [](const ServiceChoice& a, const ServiceChoice& b) { return a.name < b.name; });
  return out;
}

// GET /agent/book (the caller, channel and services) and, once services are chosen, the times.
Response caller_booking_page(const SchedulingContext& ctx, const Request& request,
                             const std::vector<identity::RoleGrant>& roles, const std::string& error = {},
                             int status = 200) {
  auto shop_id = positive_id(param(request, "shop"));
  if (!shop_id) {
    return ctx.pages.render_error(request, make_error(Errc::bad_shop, "choose a shop"));
  }
  auto shops = shops_of_staff(ctx.db, request.principal->user_id, roles);
  if (!shops) return ctx.pages.render_error(request, shops.error());
  auto shop = std::find_if(shops->begin(), shops->end(), [&](const StaffShop& s) { return s.id == *shop_id; });
  if (shop == shops->end()) {
    return ctx.pages.render_error(request, make_error(Errc::not_your_shop, "this shop is not one of yours"));
  }
  std::vector<std::int64_t> chosen;
  auto values = request.method == http::Method::post ? request.form.all("service") : request.query.all("service");
  for (auto v : values) {
    if (auto id = positive_id(v); id && chosen.size() < 4) chosen.push_back(*id);
  }
  auto offered = bookable_services(ctx, request, roles, *shop_id);
  if (!offered) return ctx.pages.render_error(request, offered.error());
  PageData services{PageData::type::list};
  for (const auto& s : *offered) {
    PageData item;
    item.set("id", std::to_string(s.id));
    item.set("name", s.name);
    item.set("checked", std::find(chosen.begin(), chosen.end(), s.id) != chosen.end());
    services.push_back(item);
  }
  std::string day = param(request, "day");
  if (day.empty()) day = local_day(shop->time_zone, ctx.clock.now());
  const std::string channel = param(request, "channel") == "desk" ? "desk" : "phone";
  PageData data;
  data.set("shop_name", shop->name);
  data.set("shop_value", std::to_string(*shop_id));
  data.set("time_zone", shop->time_zone);
  data.set("email", param(request, "email"));
  data.set("channel_phone", channel == "phone");
  data.set("channel_desk", channel == "desk");
  data.set("day", day);
  data.set("services", services);
  data.set("agenda", agenda_link(*shop_id, day));
  if (!error.empty()) data.set("error", error);
  if (!chosen.empty()) {
    AvailabilityQuery query;
    query.services = chosen;
    query.shop = *shop_id;
    query.from = day;
    query.days = 1;
    query.limit = 64;
    auto visits = find_availability(ctx.calendars, query, ctx.clock.now(), ctx.policy.rules);
    if (!visits) return ctx.pages.render_error(request, visits.error());
    PageData times{PageData::type::list};
    for (const auto& v : *visits) {
      PageData option;
      option.set("value", rfc3339_seconds(v.visit.start));
      option.set("label", local_time(shop->time_zone, v.visit.start) + "–" + local_time(shop->time_zone, v.visit.end));
      option.set(
          "id", "t-" + std::to_string(
                           std::chrono::duration_cast<std::chrono::minutes>(v.visit.start.time_since_epoch()).count()));
      times.push_back(option);
    }
    PageData chosen_list{PageData::type::list};
    for (auto id : chosen) chosen_list.push_back(PageData(std::to_string(id)));
    data.set("chosen", chosen_list);
    data.set("times", times);
    data.set("has_times", !visits->empty());
    data.set("no_times", visits->empty());
    data.set("show_times", true);
  }
  return no_store(ctx.pages.render(request, "agent_book", "agent_book_title", data, status));
}

bool administers(const std::vector<identity::RoleGrant>& roles) {
  return std::any_of(roles.begin(), roles.end(), [](const identity::RoleGrant& g) {
    return g.role == identity::Role::platform_admin || g.role == identity::Role::administration_admin;
  });
}

// /admin/agent-shops: the assignments this administrator manages, and the form to add one.
Response agent_shops_page(const SchedulingContext& ctx, const Request& request,
                          const std::vector<identity::RoleGrant>& roles, const std::string& notice,
                          const std::string& error, int status) {
  auto assignments = list_shop_assignments(ctx.db);
  if (!assignments) return ctx.pages.render_error(request, assignments.error());
  PageData list{PageData::type::list};
  for (const auto& a : *assignments) {
    auto agent_roles = identity::roles_of(ctx.db, a.user_id);
    if (!agent_roles) return ctx.pages.render_error(request, agent_roles.error());
    if (!may_assign(roles, *agent_roles)) continue;
    PageData item;
    item.set("email", a.email);
    item.set("shop", a.shop_name);
    item.set("user_id", std::to_string(a.user_id));
    item.set("shop_id", std::to_string(a.shop_id));
    list.push_back(item);
  }
  auto shops = catalogue::list_shops(ctx.db);
  if (!shops) return ctx.pages.render_error(request, shops.error());
  PageData shop_options{PageData::type::list};
  for (const auto& shop : *shops) {
    PageData option;
    option.set("id", std::to_string(shop.id));
    option.set("name", shop.name);
    shop_options.push_back(option);
  }
  PageData data;
  data.set("assignments", list);
  data.set("shops", shop_options);
  if (!notice.empty()) data.set("notice", notice);
  if (!error.empty()) data.set("error", error);
  return no_store(ctx.pages.render(request, "admin_agent_shops", "admin_agent_shops_title", data, status));
}

}  // namespace

namespace {

// The agent-shop administration pages: platform and administration administrators only.
std::variant<std::vector<identity::RoleGrant>, Response> require_admin(const SchedulingContext* ctx,
                                                                       const Request& request) {
  return identity::require_staff(ctx->db, ctx->pages, request, "/admin/agent-shops", administers,
                                 "this page is for administrators");
}

Response agenda_day(const SchedulingContext* ctx, Request& request) {
  auto staff = require_agent(*ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& roles = std::get<std::vector<identity::RoleGrant>>(staff);
  std::string notice;
  if (auto booked = request.query.get("booked")) {
    notice = ctx->catalog.text(request.lang, "agenda_booked") + " " + std::string(*booked);
  } else if (auto done = request.query.get("notice"); done == "marked" || done == "blocked") {
    notice = ctx->catalog.text(request.lang, "agenda_notice_" + std::string(*done));
  }
  return agenda_page(*ctx, request, roles, notice);
}

Response mark_booking(const SchedulingContext* ctx, Request& request) {
  auto staff = require_agent(*ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& roles = std::get<std::vector<identity::RoleGrant>>(staff);
  const std::string status_text = param(request, "status");
  if (status_text != "arrived" && status_text != "no_show") {
    return ctx->pages.render_error(request, make_error(Errc::bad_status, "unknown status"));
  }
  auto booking = find_booking(ctx->db, request.path_params.get("reference").value_or(""));
  if (!booking) return ctx->pages.render_error(request, booking.error());
  Error missing = make_error(Errc::no_such_booking, "no such booking");
  if (!*booking) return ctx->pages.render_error(request, missing);
  auto allowed = may_serve(ctx->db, request.principal->user_id, roles, **booking);
  if (!allowed) return ctx->pages.render_error(request, allowed.error());
  if (!*allowed) return ctx->pages.render_error(request, missing);
  auto marked = mark_booking(ctx->db, (*booking)->reference,
                             status_text == "arrived" ? BookingStatus::arrived : BookingStatus::no_show,
                             request.principal->user_id, ctx->clock, booking_hooks(*ctx));
  if (!marked) return ctx->pages.render_error(request, marked.error());
  std::string back = http::safe_return_path(param(request, "return"));
  return Response::redirect(back + (back.find('?') == std::string::npos ? "?" : "&") + "notice=marked", 303);
}

Response block_counter_submit(const SchedulingContext* ctx, Request& request) {
  auto staff = require_agent(*ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& roles = std::get<std::vector<identity::RoleGrant>>(staff);
  auto shop_id = positive_id(param(request, "shop"));
  auto counter_id = positive_id(param(request, "counter"));
  auto shops = shops_of_staff(ctx->db, request.principal->user_id, roles);
  if (!shops) return ctx->pages.render_error(request, shops.error());
  auto shop =
      std::find_if(shops->begin(), shops->end(), [&](const StaffShop& s) { return shop_id && s.id == *shop_id; });
  if (!counter_id || shop == shops->end()) {
    return ctx->pages.render_error(request, make_error(Errc::not_your_shop, "not one of your shops"));
  }
  {
    auto connection = ctx->db.acquire();
    if (!connection) return ctx->pages.render_error(request, connection.error());
    auto owned = catalogue::counter_record(**connection, *counter_id);
    if (!owned) return ctx->pages.render_error(request, owned.error());
    if (!*owned || (*owned)->shop_id != *shop_id) {
      return ctx->pages.render_error(request, make_error(Errc::no_such_counter, "no such counter here"));
    }
  }
  const std::string day = param(request, "day");
  auto from = local_instant(shop->time_zone, day, param(request, "from"));
  auto until = local_instant(shop->time_zone, day, param(request, "until"));
  if (!from || !until || *until <= *from) {
    return agenda_page(*ctx, request, roles, {}, ctx->catalog.text(request.lang, "agenda_bad_period"), 400);
  }
  auto blocked = block_counter(ctx->db, *counter_id, *from, *until, param(request, "reason"),
                               request.principal->user_id, ctx->clock);
  if (!blocked) {
    if (blocked.error().code == Errc::counter_booked) {
      return agenda_page(
          *ctx, request, roles, {},
          ctx->catalog.text(request.lang, blocked.error().code.message_key()) + " " + blocked.error().message,
          http::http_status(blocked.error().kind));
    }
    return ctx->pages.render_error(request, blocked.error());
  }
  return Response::redirect(agenda_link(*shop_id, day) + "&notice=blocked", 303);
}

Response agent_shops_page(const SchedulingContext* ctx, Request& request) {
  auto staff = require_admin(ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  return agent_shops_page(*ctx, request, std::get<std::vector<identity::RoleGrant>>(staff), {}, {}, 200);
}

Response assign_agent_shop(const SchedulingContext* ctx, Request& request) {
  auto staff = require_admin(ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& roles = std::get<std::vector<identity::RoleGrant>>(staff);
  auto refuse = [&](const char* key, int status) {
    return agent_shops_page(*ctx, request, roles, {}, ctx->catalog.text(request.lang, key), status);
  };
  auto shop_id = positive_id(param(request, "shop"));
  auto user = identity::find_user_by_email(ctx->db, param(request, "email"));
  if (!user) return ctx->pages.render_error(request, user.error());
  if (!*user || !shop_id) return refuse("admin_agent_shops_unknown", 400);
  auto agent_roles = identity::roles_of(ctx->db, (*user)->id);
  if (!agent_roles) return ctx->pages.render_error(request, agent_roles.error());
  // Only the agents of an administration its administrators manage, so that nobody gives a
  // shop's agenda to someone outside their own administration.
  if (!may_assign(roles, *agent_roles)) return refuse("admin_agent_shops_not_yours", 403);
  auto assigned = assign_agent_to_shop(ctx->db, (*user)->id, *shop_id,
                                       "user:" + std::to_string(request.principal->user_id), ctx->clock);
  if (!assigned) {
    if (assigned.error().kind == ErrorKind::not_found) return refuse("admin_agent_shops_unknown", 400);
    return ctx->pages.render_error(request, assigned.error());
  }
  return agent_shops_page(*ctx, request, roles, ctx->catalog.text(request.lang, "admin_agent_shops_assigned"), {}, 200);
}

Response remove_agent_shop(const SchedulingContext* ctx, Request& request) {
  auto staff = require_admin(ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& roles = std::get<std::vector<identity::RoleGrant>>(staff);
  auto user_id = positive_id(param(request, "user"));
  auto shop_id = positive_id(param(request, "shop"));
  if (!user_id || !shop_id) {
    return ctx->pages.render_error(request, make_error(Errc::bad_request, "bad form"));
  }
  auto agent_roles = identity::roles_of(ctx->db, *user_id);
  if (!agent_roles) return ctx->pages.render_error(request, agent_roles.error());
  if (!may_assign(roles, *agent_roles)) {
    return agent_shops_page(*ctx, request, roles, {}, ctx->catalog.text(request.lang, "admin_agent_shops_not_yours"),
                            403);
  }
  auto removed = unassign_agent_from_shop(ctx->db, *user_id, *shop_id,
                                          "user:" + std::to_string(request.principal->user_id), ctx->clock);
  if (!removed) return ctx->pages.render_error(request, removed.error());
  return agent_shops_page(*ctx, request, roles, ctx->catalog.text(request.lang, "admin_agent_shops_removed"), {}, 200);
}

Response caller_booking_form(const SchedulingContext* ctx, Request& request) {
  auto staff = require_agent(*ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  return caller_booking_page(*ctx, request, std::get<std::vector<identity::RoleGrant>>(staff));
}

Response book_for_caller(const SchedulingContext* ctx, Request& request) {
  auto staff = require_agent(*ctx, request);
  if (auto* refused = std::get_if<Response>(&staff)) return std::move(*refused);
  const auto& roles = std::get<std::vector<identity::RoleGrant>>(staff);
  auto shop_id = positive_id(param(request, "shop"));
  auto start = parse_rfc3339(param(request, "start"));
  std::vector<std::int64_t> services;
  for (auto v : request.form.all("service")) {
    if (auto id = positive_id(v)) services.push_back(*id);
  }
  if (!shop_id || services.empty()) {
    return caller_booking_page(*ctx, request, roles, ctx->catalog.text(request.lang, "agent_book_choose"), 400);
  }
  if (!start) {
    return caller_booking_page(*ctx, request, roles, ctx->catalog.text(request.lang, "book_choose_a_time"), 400);
  }
  // The caller's services must be ones this agent serves, at one of their shops.
  auto shops = shops_of_staff(ctx->db, request.principal->user_id, roles);
  if (!shops) return ctx->pages.render_error(request, shops.error());
  auto shop = std::find_if(shops->begin(), shops->end(), [&](const StaffShop& s) { return s.id == *shop_id; });
  if (shop == shops->end()) {
    return ctx->pages.render_error(request, make_error(Errc::not_your_shop, "not your shop"));
  }
  auto offered = bookable_services(*ctx, request, roles, *shop_id);
  if (!offered) return ctx->pages.render_error(request, offered.error());
  for (auto id : services) {
    if (std::none_of(offered->begin(), offered->end(), [&](const ServiceChoice& s) { return s.id == id; })) {
      return ctx->pages.render_error(request, make_error(Errc::not_your_service, "not a service you serve here"));
    }
  }
  auto caller = identity::account_for_caller(ctx->db, param(request, "email"),
                                             "user:" + std::to_string(request.principal->user_id), ctx->clock);
  if (!caller) {
    return caller_booking_page(*ctx, request, roles, ctx->catalog.text(request.lang, "agent_book_bad_email"), 400);
  }
  BookingRequest wanted{caller->id,
                        *shop_id,
                        *start,
                        services,
                        param(request, "channel") == "desk" ? Channel::desk : Channel::phone,
                        request.principal->user_id,
                        request.remote_address,
                        std::string(request.lang)};
  auto booked = book_visit(ctx->db, wanted, ctx->clock, ctx->policy, booking_hooks(*ctx));
  if (!booked) {
    // The agent chose the time for the caller: both refusals are a conflict with what is booked.
    if (booked.error().code != Errc::slot_taken && booked.error().code != Errc::booking_limit) {
      return ctx->pages.render_error(request, booked.error());
    }
    return caller_booking_page(*ctx, request, roles, ctx->catalog.text(request.lang, booked.error().code.message_key()),
                               409);
  }
  return Response::redirect(
      agenda_link(*shop_id, local_day(shop->time_zone, booked->start)) + "&booked=" + booked->reference, 303);
}

}  // namespace

void register_agenda_routes(http::Router& router, const SchedulingContext& context) {
  const SchedulingContext* ctx = &context;

  router.get("/agent/agenda", [ctx](Request& request) { return agenda_day(ctx, request); });

  router.post("/agent/bookings/{reference}/mark", [ctx](Request& request) { return mark_booking(ctx, request); });

  router.post("/agent/absences", [ctx](Request& request) { return block_counter_submit(ctx, request); });

  router.get("/admin/agent-shops", [ctx](Request& request) { return agent_shops_page(ctx, request); });

  router.post("/admin/agent-shops", [ctx](Request& request) { return assign_agent_shop(ctx, request); });

  router.post("/admin/agent-shops/remove", [ctx](Request& request) { return remove_agent_shop(ctx, request); });

  router.get("/agent/book", [ctx](Request& request) { return caller_booking_form(ctx, request); });

  router.post("/agent/book", [ctx](Request& request) { return book_for_caller(ctx, request); });
}

}  // namespace guichet::scheduling
